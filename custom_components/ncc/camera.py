"""One camera entity per Frigate camera: still images through the client, RTSP restream."""

from __future__ import annotations

import logging

from homeassistant.components.camera import Camera, CameraEntityFeature
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import SNAPSHOT_HEIGHT_DEFAULT
from .coordinator import ServerCoordinator
from .entity import NccCameraEntity
from .frigate import FrigateError
from .platform import async_add_camera_entities
from .server import ServerConfigEntry

_LOGGER = logging.getLogger(__name__)

# Reads go through the coordinator and the client's own concurrency bound.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ServerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    if not entry.runtime_data.settings.camera_entities:
        # HA lets every user open every camera entity, whatever NCC's agencies and grants say;
        # a server whose camera entities were switched off loses the ones it had.
        registry = er.async_get(hass)
        for registered in er.async_entries_for_config_entry(registry, entry.entry_id):
            if registered.domain == Platform.CAMERA:
                registry.async_remove(registered.entity_id)
        return
    async_add_camera_entities(
        entry, async_add_entities, lambda coordinator, name: [NccCamera(coordinator, name)]
    )


class NccCamera(NccCameraEntity, Camera):
    """A Frigate camera as Home Assistant sees it."""

    _attr_name = None
    _attr_translation_key = "camera"

    def __init__(self, coordinator: ServerCoordinator, camera: str) -> None:
        NccCameraEntity.__init__(self, coordinator, camera, None)
        Camera.__init__(self)
        self._stream_url = coordinator.settings.stream_url(camera)
        self._attr_supported_features = CameraEntityFeature.STREAM
        self._update_from_snapshot()

    @callback
    def _handle_coordinator_update(self) -> None:
        self._update_from_snapshot()
        super()._handle_coordinator_update()

    def _update_from_snapshot(self) -> None:
        data = self.coordinator.data
        cam_config = data.config.cameras.get(self.camera)
        self._attr_is_recording = bool(cam_config and cam_config.record_enabled)
        self._attr_is_streaming = data.camera_online(self.camera)

    async def stream_source(self) -> str:
        return self._stream_url

    async def async_camera_image(
        self, width: int | None = None, height: int | None = None
    ) -> bytes | None:
        try:
            return await self.coordinator.client.async_get_latest_image(
                self.camera, height=height or SNAPSHOT_HEIGHT_DEFAULT
            )
        except FrigateError as err:
            _LOGGER.debug("No still image for %s: %s", self.camera_id, err)
            return None
