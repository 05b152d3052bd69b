"""Base entities and descriptions: server, camera, agency and city devices."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.components.sensor import SensorEntityDescription
from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.typing import StateType
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .compat import via_device
from .const import DOMAIN
from .coordinator import ServerCoordinator, camera_uid

if TYPE_CHECKING:
    from .city import CityRuntime


@dataclass(frozen=True, kw_only=True)
class CitySensorDescription(SensorEntityDescription):
    """A city-wide sensor: its value, and the dispatcher signal after which it changes."""

    value_fn: Callable[[CityRuntime], StateType]
    update_signal: str


@dataclass(frozen=True, kw_only=True)
class AgencySensorDescription(SensorEntityDescription):
    """A per-agency sensor: its value for one agency, and the signal after which it changes."""

    value_fn: Callable[[CityRuntime, str], StateType]
    update_signal: str


def city_device_info(city: CityRuntime) -> DeviceInfo:
    return DeviceInfo(
        identifiers={(DOMAIN, "city")},
        name=city.settings.name,
        manufacturer="NCC",
        model="Command center",
        entry_type=DeviceEntryType.SERVICE,
    )


def server_device_info(coordinator: ServerCoordinator) -> DeviceInfo:
    settings = coordinator.settings
    return DeviceInfo(
        identifiers={(DOMAIN, settings.server_id)},
        name=settings.name,
        manufacturer="Frigate",
        model="NVR server",
        sw_version=coordinator.data.version.raw,
        configuration_url=settings.url,
    )


class NccServerEntity(CoordinatorEntity[ServerCoordinator]):
    """An entity describing a whole Frigate server."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: ServerCoordinator, key: str) -> None:
        super().__init__(coordinator)
        self._attr_unique_id = f"{coordinator.server_id}_{key}"
        self._attr_device_info = server_device_info(coordinator)


class NccCameraEntity(CoordinatorEntity[ServerCoordinator]):
    """An entity of one camera of a server; the camera is its own device under the server."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: ServerCoordinator, camera: str, key: str | None) -> None:
        super().__init__(coordinator)
        self.camera = camera
        self._last_view: tuple[object, ...] | None = None
        self.camera_id = camera_uid(coordinator.server_id, camera)
        self._attr_unique_id = self.camera_id if key is None else f"{self.camera_id}_{key}"
        cam_config = coordinator.data.config.cameras.get(camera)
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, self.camera_id)},
            name=cam_config.display_name if cam_config else camera,
            manufacturer="Frigate",
            model="Camera",
            **via_device(coordinator.server_device_id, (DOMAIN, coordinator.server_id)),
        )

    @property
    def available(self) -> bool:
        return super().available and self.camera in self.coordinator.data.config.cameras

    @callback
    def _handle_coordinator_update(self) -> None:
        # Most polls change nothing about a camera; writing 2,000 unchanged states per cycle
        # cost more CPU than the poll itself.
        view = (
            self.available,
            self.coordinator.data.camera_online(self.camera),
            self.coordinator.data.config.cameras.get(self.camera),
        )
        if view == self._last_view:
            return
        self._last_view = view
        super()._handle_coordinator_update()
