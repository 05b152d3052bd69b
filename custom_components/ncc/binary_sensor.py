"""Camera connectivity: the one binary sensor each camera gets."""

from __future__ import annotations

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import ServerCoordinator
from .entity import NccCameraEntity
from .platform import async_add_camera_entities
from .server import ServerConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ServerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    async_add_camera_entities(
        entry,
        async_add_entities,
        lambda coordinator, name: [CameraConnectivity(coordinator, name)],
    )


class CameraConnectivity(NccCameraEntity, BinarySensorEntity):
    """On while Frigate receives frames from the camera."""

    _attr_device_class = BinarySensorDeviceClass.CONNECTIVITY
    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_translation_key = "camera_connectivity"

    def __init__(self, coordinator: ServerCoordinator, camera: str) -> None:
        super().__init__(coordinator, camera, "connectivity")

    @property
    def is_on(self) -> bool:
        return self.coordinator.data.camera_online(self.camera)
