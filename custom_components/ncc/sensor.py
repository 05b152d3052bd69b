"""Sensors: per Frigate server (status, cameras, retention, storage, version) and per agency."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfTime
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .alerts import INCIDENT_SENSORS
from .city import CityConfigEntry, CityRuntime
from .const import (
    CONF_ENTRY_TYPE,
    DOMAIN,
    ENTRY_TYPE_SERVER,
    SIGNAL_HEALTH_CHANGED,
    SIGNAL_REGISTRY_CHANGED,
)
from .coordinator import ServerCoordinator, ServerSnapshot
from .entity import (
    AgencySensorDescription,
    CitySensorDescription,
    NccServerEntity,
    city_device_info,
)
from .footage import FOOTAGE_AGENCY_SENSORS, FOOTAGE_CITY_SENSORS
from .frigate_configs import footage_days_sensors
from .registrations import REGISTRATION_SENSORS
from .server import ServerConfigEntry

PARALLEL_UPDATES = 0

STATUS_ONLINE = "online"
STATUS_DEGRADED = "degraded"
STATUS_OFFLINE = "offline"


@dataclass(frozen=True, kw_only=True)
class ServerSensorDescription(SensorEntityDescription):
    """How a server sensor reads its value from a poll."""

    value_fn: Callable[[ServerSnapshot], StateType]


SERVER_SENSORS: tuple[ServerSensorDescription, ...] = (
    ServerSensorDescription(
        key="cameras_online",
        translation_key="cameras_online",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda snap: snap.cameras_online,
    ),
    ServerSensorDescription(
        key="cameras_total",
        translation_key="cameras_total",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda snap: snap.cameras_total,
    ),
    ServerSensorDescription(
        key="retention_days",
        translation_key="retention_days",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.DAYS,
        value_fn=lambda snap: snap.retention_days,
    ),
    ServerSensorDescription(
        key="storage_used",
        translation_key="storage_used",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=lambda snap: snap.storage_used_percent,
    ),
    ServerSensorDescription(
        key="version",
        translation_key="version",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda snap: snap.version.raw,
    ),
)


CAMERA_HEALTH_SENSORS: tuple[AgencySensorDescription, ...] = (
    AgencySensorDescription(
        key="agency_cameras",
        translation_key="agency_cameras",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda city, agency_id: city.health.get(agency_id).total,
        update_signal=SIGNAL_HEALTH_CHANGED,
    ),
    AgencySensorDescription(
        key="agency_cameras_online",
        translation_key="agency_cameras_online",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda city, agency_id: city.health.get(agency_id).online,
        update_signal=SIGNAL_HEALTH_CHANGED,
    ),
    AgencySensorDescription(
        key="agency_cameras_offline",
        translation_key="agency_cameras_offline",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda city, agency_id: city.health.get(agency_id).offline,
        update_signal=SIGNAL_HEALTH_CHANGED,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    if entry.data.get(CONF_ENTRY_TYPE) == ENTRY_TYPE_SERVER:
        server_entry: ServerConfigEntry = entry
        coordinator = server_entry.runtime_data
        async_add_entities(
            [ServerStatusSensor(coordinator)]
            + [ServerSensor(coordinator, description) for description in SERVER_SENSORS]
            + [entity for factory in SERVER_ENTITY_FACTORIES for entity in factory(coordinator)]
        )
        return
    city_entry: CityConfigEntry = entry
    city = city_entry.runtime_data
    async_add_entities(CitySensor(city, description) for description in CITY_SENSORS)
    _async_track_agencies(hass, city_entry, async_add_entities)


# one line per feature
AGENCY_SENSORS: tuple[AgencySensorDescription, ...] = (
    *CAMERA_HEALTH_SENSORS,
    *INCIDENT_SENSORS,
    *FOOTAGE_AGENCY_SENSORS,
)
CITY_SENSORS: tuple[CitySensorDescription, ...] = (
    *REGISTRATION_SENSORS,
    *FOOTAGE_CITY_SENSORS,
)
# features' own per-server sensors (e.g. days of footage a server can keep)
SERVER_ENTITY_FACTORIES: tuple[Callable[[ServerCoordinator], list[SensorEntity]], ...] = (
    footage_days_sensors,
)


@callback
def _async_track_agencies(
    hass: HomeAssistant, entry: CityConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Agency devices come and go with the registry's agencies."""
    city = entry.runtime_data
    known: set[str] = set()

    @callback
    def sync(*_: object) -> None:
        current = set(city.registry.agencies)
        new = sorted(current - known)
        gone = known - current
        known.difference_update(gone)
        known.update(new)
        if gone:
            device_registry = dr.async_get(hass)
            stale = {(DOMAIN, agency_device_id(agency_id)) for agency_id in gone}
            for device in dr.async_entries_for_config_entry(device_registry, entry.entry_id):
                if device.identifiers & stale:
                    device_registry.async_remove_device(device.id)
        if new:
            async_add_entities(
                AgencySensor(city, entry, agency_id, description)
                for agency_id in new
                for description in AGENCY_SENSORS
            )

    sync()
    entry.async_on_unload(async_dispatcher_connect(hass, SIGNAL_REGISTRY_CHANGED, sync))


def agency_device_id(agency_id: str) -> str:
    return f"agency_{agency_id}"


class AgencySensor(SensorEntity):
    """A figure about one agency's cameras."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    entity_description: AgencySensorDescription

    def __init__(
        self,
        city: CityRuntime,
        entry: CityConfigEntry,
        agency_id: str,
        description: AgencySensorDescription,
    ) -> None:
        self._city = city
        self.agency_id = agency_id
        self.entity_description = description
        self._attr_unique_id = f"{agency_device_id(agency_id)}_{description.key}"
        agency = city.registry.agencies[agency_id]
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, agency_device_id(agency_id))},
            name=agency.name,
            manufacturer=city.settings.name,
            model=agency.code,
            entry_type=DeviceEntryType.SERVICE,
        )

    async def async_added_to_hass(self) -> None:
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, self.entity_description.update_signal, self.async_write_ha_state
            )
        )

    @property
    def available(self) -> bool:
        return self.agency_id in self._city.registry.agencies

    @property
    def native_value(self) -> StateType:
        return self.entity_description.value_fn(self._city, self.agency_id)


class ServerSensor(NccServerEntity, SensorEntity):
    """A figure from the server's latest poll."""

    entity_description: ServerSensorDescription

    def __init__(self, coordinator: ServerCoordinator, description: ServerSensorDescription) -> None:
        super().__init__(coordinator, description.key)
        self.entity_description = description

    @property
    def native_value(self) -> StateType:
        return self.entity_description.value_fn(self.coordinator.data)


class ServerStatusSensor(NccServerEntity, SensorEntity):
    """Whether the server answers and all its cameras deliver; stays available when it doesn't."""

    _attr_device_class = SensorDeviceClass.ENUM
    _attr_options = [STATUS_ONLINE, STATUS_DEGRADED, STATUS_OFFLINE]
    _attr_translation_key = "status"

    def __init__(self, coordinator: ServerCoordinator) -> None:
        super().__init__(coordinator, "status")

    @property
    def available(self) -> bool:
        return True

    @property
    def native_value(self) -> str:
        data = self.coordinator.data
        if not self.coordinator.last_update_success:
            return STATUS_OFFLINE
        if data.cameras_online < data.cameras_total:
            return STATUS_DEGRADED
        return STATUS_ONLINE


class CitySensor(SensorEntity):
    """A city-wide figure, on the city's own device."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    entity_description: CitySensorDescription

    def __init__(self, city: CityRuntime, description: CitySensorDescription) -> None:
        self._city = city
        self.entity_description = description
        self._attr_unique_id = f"city_{description.key}"
        self._attr_device_info = city_device_info(city)

    async def async_added_to_hass(self) -> None:
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, self.entity_description.update_signal, self.async_write_ha_state
            )
        )

    @property
    def native_value(self) -> StateType:
        return self.entity_description.value_fn(self._city)
