"""Camera health across servers, as the registry's cameras see it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect, async_dispatcher_send

from .const import SIGNAL_HEALTH_CHANGED, SIGNAL_REGISTRY_CHANGED, SIGNAL_SERVER_UPDATED
from .core.cameras import CameraRecord
from .data import async_get_data


class Health(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"  # its server answers, the camera delivers no frames
    UNREACHABLE = "unreachable"  # its server does not answer (or is not loaded)
    REMOVED = "removed"  # its server no longer reports it
    NO_FEED = "no_feed"  # a registry-only camera


def camera_health(hass: HomeAssistant, camera: CameraRecord) -> Health:
    if camera.server_id is None:
        return Health.NO_FEED
    if not camera.present:
        return Health.REMOVED
    coordinator = async_get_data(hass).servers.get(camera.server_id)
    if coordinator is None or not coordinator.last_update_success:
        return Health.UNREACHABLE
    name = camera.frigate_name or ""
    return Health.ONLINE if coordinator.data.camera_online(name) else Health.OFFLINE


@dataclass(frozen=True, slots=True)
class AgencyHealth:
    """Cameras with a feed that an agency owns, and how many deliver."""

    total: int = 0
    online: int = 0

    @property
    def offline(self) -> int:
        return self.total - self.online


def agency_health(
    hass: HomeAssistant, cameras: Iterable[CameraRecord]
) -> dict[str, AgencyHealth]:
    total: Counter[str] = Counter()
    online: Counter[str] = Counter()
    for camera in cameras:
        health = camera_health(hass, camera)
        if health in (Health.NO_FEED, Health.REMOVED):
            continue
        total[camera.owner_agency_id] += 1
        if health is Health.ONLINE:
            online[camera.owner_agency_id] += 1
    return {agency: AgencyHealth(total[agency], online[agency]) for agency in total}


class HealthTracker:
    """Per-agency camera counts, kept per server.

    A poll of one server recounts only that server's cameras: with 25 servers and 2,000 cameras
    a full recount on every poll was most of the CPU a poll cycle cost.
    """

    def __init__(self, hass: HomeAssistant, cameras: Callable[[], Iterable[CameraRecord]]) -> None:
        self._hass = hass
        self._cameras = cameras
        self.by_agency: dict[str, AgencyHealth] = {}
        # None holds the registry-only cameras, which count for nothing here.
        self._by_server: dict[str | None, list[CameraRecord]] = {}
        self._counts: dict[str | None, dict[str, AgencyHealth]] = {}
        self._unsubscribe: list[Callable[[], None]] = []

    @callback
    def async_start(self) -> None:
        self._regroup()
        self.by_agency = self._summed()
        self._unsubscribe.append(
            async_dispatcher_connect(self._hass, SIGNAL_SERVER_UPDATED, self._on_server)
        )
        self._unsubscribe.append(
            async_dispatcher_connect(self._hass, SIGNAL_REGISTRY_CHANGED, self._on_registry)
        )

    @callback
    def async_stop(self) -> None:
        while self._unsubscribe:
            self._unsubscribe.pop()()

    def get(self, agency_id: str) -> AgencyHealth:
        return self.by_agency.get(agency_id, AgencyHealth())

    @callback
    def _on_server(self, server_id: str | None = None, *_: object) -> None:
        if server_id is None or server_id not in self._by_server:
            self._regroup()
        else:
            self._counts[server_id] = agency_health(self._hass, self._by_server[server_id])
        self._publish()

    @callback
    def _on_registry(self, *_: object) -> None:
        self._regroup()
        self._publish()

    def _regroup(self) -> None:
        by_server: dict[str | None, list[CameraRecord]] = {}
        for camera in self._cameras():
            by_server.setdefault(camera.server_id, []).append(camera)
        self._by_server = by_server
        self._counts = {
            server_id: agency_health(self._hass, cameras)
            for server_id, cameras in by_server.items()
            if server_id is not None
        }

    def _summed(self) -> dict[str, AgencyHealth]:
        total: Counter[str] = Counter()
        online: Counter[str] = Counter()
        for counts in self._counts.values():
            for agency_id, health in counts.items():
                total[agency_id] += health.total
                online[agency_id] += health.online
        return {agency: AgencyHealth(total[agency], online[agency]) for agency in total}

    def _publish(self) -> None:
        by_agency = self._summed()
        if by_agency != self.by_agency:
            self.by_agency = by_agency
            async_dispatcher_send(self._hass, SIGNAL_HEALTH_CHANGED)
