"""One coordinator per Frigate server: stats every 10 s, the configuration when it changes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import logging
from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .const import (
    CONFIG_REFRESH_INTERVAL,
    DOMAIN,
    SIGNAL_SERVER_UPDATED,
    STATS_INTERVAL,
    UNREACHABLE_REPAIR_AFTER,
)
from .frigate import (
    FrigateAuthError,
    FrigateClient,
    FrigateConfig,
    FrigateError,
    FrigateStats,
    FrigateVersion,
)

if TYPE_CHECKING:
    from .server import ServerConfigEntry, ServerSettings

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ServerSnapshot:
    """What one poll knows about a server; entities read only this."""

    version: FrigateVersion
    config: FrigateConfig
    stats: FrigateStats
    fetched_at: datetime
    camera_names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "camera_names", tuple(sorted(self.config.cameras)))

    def camera_online(self, camera: str) -> bool:
        """A camera is online when it is enabled and Frigate receives frames from it."""
        cam_config = self.config.cameras.get(camera)
        cam_stats = self.stats.cameras.get(camera)
        return bool(cam_config and cam_config.enabled and cam_stats and cam_stats.online)

    @property
    def cameras_online(self) -> int:
        return sum(1 for name in self.camera_names if self.camera_online(name))

    @property
    def cameras_total(self) -> int:
        return len(self.camera_names)

    @property
    def retention_days(self) -> float | None:
        """Days of continuous footage the server promises for its least-kept camera."""
        days = [
            cam.retention.continuous_days
            for cam in self.config.cameras.values()
            if cam.enabled and cam.record_enabled
        ]
        return min(days) if days else None

    @property
    def storage_used_percent(self) -> float | None:
        usage = self.stats.recordings_storage
        return usage.used_percent if usage else None


def camera_uid(server_id: str, camera: str) -> str:
    """Instance-scoped id: equal camera names on two servers never collide."""
    return f"{server_id}/{camera}"


class ServerCoordinator(DataUpdateCoordinator[ServerSnapshot]):
    """Polls one Frigate server and keeps NCC's view of its cameras current."""

    config_entry: ServerConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ServerConfigEntry,
        client: FrigateClient,
        settings: ServerSettings,
        on_inventory: Callable[[str, tuple[str, ...]], None],
    ) -> None:
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {settings.server_id}",
            update_interval=STATS_INTERVAL,
            always_update=False,
        )
        self.client = client
        self.settings = settings
        self._on_inventory = on_inventory
        self._version: FrigateVersion | None = None
        self._config: FrigateConfig | None = None
        self._config_fetched_at: datetime | None = None
        self._last_uptime: float | None = None
        self._unreachable_since: datetime | None = None
        self._inventory_listeners: list[Callable[[], None]] = []
        self._inventory_changed = False
        # set once the server's device is registered (server.async_setup_server)
        self.server_device_id = ""

    @callback
    def async_update_listeners(self) -> None:
        if self._inventory_changed:
            self._inventory_changed = False
            self._remove_stale_camera_devices(set(self.data.camera_names))
            for listener in list(self._inventory_listeners):
                listener()
        super().async_update_listeners()
        # city-wide views (agency sensors, dashboards) follow every server's health
        async_dispatcher_send(self.hass, SIGNAL_SERVER_UPDATED, self.server_id)

    @property
    def server_id(self) -> str:
        return self.settings.server_id

    @property
    def repair_issue_id(self) -> str:
        return f"server_unreachable_{self.server_id}"

    async def _async_update_data(self) -> ServerSnapshot:
        try:
            snapshot = await self._async_poll()
        except FrigateAuthError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="server_auth_failed",
                translation_placeholders={"server": self.settings.name},
            ) from err
        except FrigateError as err:
            self._note_unreachable()
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="server_unreachable",
                translation_placeholders={"server": self.settings.name, "error": str(err)},
            ) from err
        self._note_reachable()
        return snapshot

    async def _async_poll(self) -> ServerSnapshot:
        if self._version is None:
            self._version = await self.client.async_get_version()
        stats = await self.client.async_get_stats()
        if self._config_is_stale(stats):
            await self._async_refresh_config()
        self._last_uptime = stats.uptime_s
        assert self._config is not None
        return ServerSnapshot(
            version=self._version,
            config=self._config,
            stats=stats,
            fetched_at=dt_util.utcnow(),
        )

    def _config_is_stale(self, stats: FrigateStats) -> bool:
        """Refetch the configuration on start, after a Frigate restart, or when cameras changed."""
        if self._config is None or self._config_fetched_at is None:
            return True
        if self._last_uptime is not None and stats.uptime_s < self._last_uptime:
            return True
        if set(stats.cameras) != set(self._config.cameras):
            return True
        return dt_util.utcnow() - self._config_fetched_at > CONFIG_REFRESH_INTERVAL

    async def _async_refresh_config(self) -> None:
        restarted = self._config is not None
        config = await self.client.async_get_config()
        if restarted:
            # a restarted or upgraded server may report a new version
            self._version = await self.client.async_get_version()
        previous = set(self._config.cameras) if self._config else None
        self._config = config
        self._config_fetched_at = dt_util.utcnow()
        names = tuple(sorted(config.cameras))
        self._on_inventory(self.server_id, names)
        if previous is not None and previous != set(names):
            # entities are added once the new snapshot is the coordinator's data
            self._inventory_changed = True

    @callback
    def async_add_inventory_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener` when the server's camera list changes (dynamic devices)."""
        self._inventory_listeners.append(listener)

        def remove() -> None:
            self._inventory_listeners.remove(listener)

        return remove

    def _remove_stale_camera_devices(self, present: set[str]) -> None:
        registry = dr.async_get(self.hass)
        keep = {(DOMAIN, self.server_id)} | {
            (DOMAIN, camera_uid(self.server_id, name)) for name in present
        }
        for device in dr.async_entries_for_config_entry(registry, self.config_entry.entry_id):
            if not device.identifiers & keep:
                registry.async_remove_device(device.id)

    def _note_unreachable(self) -> None:
        now = dt_util.utcnow()
        if self._unreachable_since is None:
            self._unreachable_since = now
        if now - self._unreachable_since >= UNREACHABLE_REPAIR_AFTER:
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                self.repair_issue_id,
                is_fixable=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key="server_unreachable",
                translation_placeholders={
                    "server": self.settings.name,
                    "minutes": str(int(UNREACHABLE_REPAIR_AFTER / timedelta(minutes=1))),
                },
            )

    def _note_reachable(self) -> None:
        if self._unreachable_since is not None:
            self._unreachable_since = None
            ir.async_delete_issue(self.hass, DOMAIN, self.repair_issue_id)
