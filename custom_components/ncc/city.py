"""The city entry: the command center's registry, audit trail and policies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
import logging
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryError, ConfigEntryNotReady
from homeassistant.helpers.dispatcher import async_dispatcher_send

from .const import (
    AUDIT_DB_FILENAME,
    CONF_AGENCY_CODE,
    CONF_AGENCY_NAME,
    CONF_AUDIT_DB_URL,
    CONF_CITY_NAME,
    CONF_RETENTION_POLICY_DAYS,
    DEFAULT_AGENCY_CODE,
    DEFAULT_AGENCY_NAME,
    DEFAULT_RETENTION_POLICY_DAYS,
    DOMAIN,
    SIGNAL_REGISTRY_CHANGED,
)
from .core.agencies import AgencyKind
from .core.audit import AuditError, AuditUnavailableError
from .core.errors import NccError
from .core.permissions import Actor
from .core.registry import Change, Registry
from .data import async_get_data
from .features import async_setup_features
from .health import HealthTracker
from .storage import AuditTrail, RegistryStore

if TYPE_CHECKING:
    from .alerts import AlertDesk
    from .footage import FootageDesk
    from .frigate_configs import FrigateConfigDesk
    from .registrations import RegistrationDesk

_LOGGER = logging.getLogger(__name__)

# Acts NCC performs by itself (inventory sync, expiry) are audited under this actor.
SYSTEM_ACTOR = Actor(user_id="system", name="NCC")

type CityConfigEntry = ConfigEntry[CityRuntime]
# (kind, id) -> human descriptions of open work on that agency or camera
type OpenWorkProvider = Callable[[str, str], Iterable[str]]


@dataclass(frozen=True, slots=True)
class CitySettings:
    """The city entry's data, typed."""

    name: str
    retention_policy_days: int
    audit_db_url: str
    agency_name: str
    agency_code: str

    @classmethod
    def from_entry(cls, hass: HomeAssistant, entry: ConfigEntry) -> CitySettings:
        data = entry.data
        return cls(
            name=data.get(CONF_CITY_NAME) or entry.title,
            retention_policy_days=int(
                data.get(CONF_RETENTION_POLICY_DAYS, DEFAULT_RETENTION_POLICY_DAYS)
            ),
            audit_db_url=data.get(CONF_AUDIT_DB_URL)
            or f"sqlite:///{hass.config.path(AUDIT_DB_FILENAME)}",
            agency_name=data.get(CONF_AGENCY_NAME) or DEFAULT_AGENCY_NAME,
            agency_code=data.get(CONF_AGENCY_CODE) or DEFAULT_AGENCY_CODE,
        )


class CityRuntime:
    """Everything city-wide: the registry (saved on change), the audit trail, the features.

    Each feature's runtime is an attribute set by its set-up in `features.py`.
    """

    # features (one line each)
    footage: FootageDesk
    frigate_configs: FrigateConfigDesk
    registrations: RegistrationDesk
    alerts: AlertDesk

    def __init__(
        self,
        hass: HomeAssistant,
        settings: CitySettings,
        registry: Registry,
        store: RegistryStore,
        audit: AuditTrail,
    ) -> None:
        self.hass = hass
        self.settings = settings
        self.registry = registry
        self.store = store
        self.audit = audit
        # a lambda: the registry may replace its camera mapping on bulk changes
        self.health = HealthTracker(hass, lambda: registry.cameras.values())  # noqa: PLW0108
        self._open_work: list[OpenWorkProvider] = []
        self._stop_callbacks: list[Callable[[], Awaitable[None]]] = []
        self._remove_listener = registry.add_listener(self._on_registry_change)

    @property
    def operating_agency_id(self) -> str | None:
        agency = self.registry.find_agency_by_code(self.settings.agency_code)
        return agency.id if agency else None

    def _on_registry_change(self, change: Change) -> None:
        self.store.schedule_save(self.registry)
        async_dispatcher_send(self.hass, SIGNAL_REGISTRY_CHANGED, change)

    def open_work_for_agency(self, agency_id: str) -> tuple[str, ...]:
        """Work that keeps an agency from being deleted (open requests, incidents...)."""
        return tuple(item for provider in self._open_work for item in provider("agency", agency_id))

    def open_work_for_camera(self, camera_id: str) -> tuple[str, ...]:
        return tuple(item for provider in self._open_work for item in provider("camera", camera_id))

    def add_open_work_provider(self, provider: OpenWorkProvider) -> None:
        """Workflows (footage requests, incidents) tell the registry what they still hold."""
        self._open_work.append(provider)

    async def async_save(self) -> None:
        """Write the registry now: called before an action reports success."""
        await self.store.async_save_now(self.registry)

    @callback
    def sync_server_cameras(
        self, server_id: str, agency_id: str, frigate_names: Iterable[str]
    ) -> None:
        """A server's configuration was read: bring its cameras into the registry."""
        names = tuple(frigate_names)
        if agency_id not in self.registry.agencies:
            fallback = self.operating_agency_id
            _LOGGER.warning(
                "Agency %s of server %s no longer exists; its new cameras go to %s",
                agency_id, server_id, fallback,
            )
            if fallback is None:
                return
            agency_id = fallback
        try:
            self.registry.sync_server_cameras(server_id, agency_id, names)
        except NccError as err:
            _LOGGER.warning("Cameras of server %s not synced: %s", server_id, err)

    def add_stop_callback(self, stop: Callable[[], Awaitable[None]]) -> None:
        """Features stop in reverse order of starting, before the registry and audit close."""
        self._stop_callbacks.append(stop)

    async def async_close(self) -> None:
        for stop in reversed(self._stop_callbacks):
            await stop()
        self._stop_callbacks.clear()
        self.health.async_stop()
        self._remove_listener()
        await self.store.async_save_now(self.registry)
        await self.audit.async_close()

    async def async_diagnostics(self) -> dict[str, Any]:
        head = await self.audit.async_head()
        registry = self.registry
        return {
            "settings": {
                "name": self.settings.name,
                "retention_policy_days": self.settings.retention_policy_days,
                "audit_database": self.audit.safe_url.split(":", 1)[0],
            },
            "registry": {
                "agencies": len(registry.agencies),
                "sites": len(registry.sites),
                "cameras": len(registry.cameras),
                "cameras_present": sum(1 for cam in registry.cameras.values() if cam.present),
                "operators": len(registry.operators),
                "grants": len(registry.grants),
                "emergency_active": registry.emergency.active,
            },
            "audit": {"entries": head.count if head else 0, "head_hash": head.hash if head else None},
            "footage": self.footage.diagnostics(),
            "registrations": self.registrations.diagnostics(),
        }


async def async_setup_city(hass: HomeAssistant, entry: CityConfigEntry) -> None:
    """Load the registry and open the audit log; refuse to start on damaged data, and retry
    later while the audit database cannot be reached."""
    settings = CitySettings.from_entry(hass, entry)
    store = RegistryStore(hass)
    try:
        registry = await store.async_load_registry()
    except NccError as err:
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key="registry_damaged",
            translation_placeholders={"error": str(err)},
        ) from err
    audit = AuditTrail(hass, settings.audit_db_url)
    try:
        await audit.async_open()
    except AuditUnavailableError as err:
        # a database server down or a disk not mounted yet: Home Assistant tries again
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="audit_unreachable",
            translation_placeholders={"error": str(err)},
        ) from err
    except AuditError as err:
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key="audit_unavailable",
            translation_placeholders={"error": str(err)},
        ) from err
    city = CityRuntime(hass, settings, registry, store, audit)
    if registry.find_agency_by_code(settings.agency_code) is None:
        agency = registry.create_agency(
            code=settings.agency_code, name=settings.agency_name, kind=AgencyKind.CITY_DEPARTMENT
        )
        await city.async_save()
        await audit.async_record(
            SYSTEM_ACTOR, "agency.create", "agency", agency.id,
            details={"code": agency.code, "name": agency.name, "bootstrap": True},
        )
    city.health.async_start()
    try:
        await async_setup_features(hass, city)
    except BaseException:
        # stop what already started and close the audit database before giving up
        await city.async_close()
        raise
    entry.runtime_data = city
    data = async_get_data(hass)
    data.city = city
    data.city_ready.set()


async def async_unload_city(hass: HomeAssistant, entry: CityConfigEntry) -> None:
    data = async_get_data(hass)
    data.city_ready.clear()
    data.city = None
    await entry.runtime_data.async_close()
