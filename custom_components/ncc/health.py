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
    """Per-agency camera counts, recomputed when any server polls or the registry changes."""

    def __init__(self, hass: HomeAssistant, cameras: Callable[[], Iterable[CameraRecord]]) -> None:
        self._hass = hass
        self._cameras = cameras
        self.by_agency: dict[str, AgencyHealth] = {}
        self._unsubscribe: list[Callable[[], None]] = []

    @callback
    def async_start(self) -> None:
        self._recompute()
        for signal in (SIGNAL_SERVER_UPDATED, SIGNAL_REGISTRY_CHANGED):
            self._unsubscribe.append(
                async_dispatcher_connect(self._hass, signal, self._on_change)
            )

    @callback
    def async_stop(self) -> None:
        while self._unsubscribe:
            self._unsubscribe.pop()()

    def get(self, agency_id: str) -> AgencyHealth:
        return self.by_agency.get(agency_id, AgencyHealth())

    @callback
    def _on_change(self, *_: object) -> None:
        if self._recompute():
            async_dispatcher_send(self._hass, SIGNAL_HEALTH_CHANGED)

    def _recompute(self) -> bool:
        by_agency = agency_health(self._hass, self._cameras())
        changed = by_agency != self.by_agency
        self.by_agency = by_agency
        return changed
