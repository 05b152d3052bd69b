"""Frigate configuration and storage planning in Home Assistant.

The `FrigateConfigDesk` keeps the stream book (each city camera's video source, credentials
included, never shown back) and each server's policy in HA's storage; a camera leaving the
registry takes its stream entry with it. It writes the servers' configs into
`<config>/ncc/frigate/<server>/` on request (a server left without cameras loses its old files,
so no camera that left stays behind in them), and plans storage every hour and on demand: a
running server is planned from what it really records (its cameras and retention, Frigate's own
bandwidth figures, its disk), a server not yet running from its policy and the streams placed
on it. Each server gets a sensor with the days of footage it keeps, and a
repair issue while that is less than the city promises footage requests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterable, Mapping
from contextlib import suppress
from dataclasses import replace
from datetime import datetime
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity, SensorStateClass
from homeassistant.const import UnitOfTime
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.dispatcher import async_dispatcher_connect, async_dispatcher_send
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.storage import Store
from homeassistant.helpers.typing import StateType
from homeassistant.util import dt as dt_util

from .configgen import (
    CityInput,
    CityPlan,
    ConfigGenKey,
    Generation,
    PlannedCamera,
    RecordMode,
    Retention,
    ServerCapacity,
    ServerPlan,
    ServerPolicy,
    apply_record_modes,
    bandwidth_for,
    capacity_for,
    check_stream,
    compare_plans,
    generate_configs,
    plan_city,
    write_generation,
)
from .configgen.model import MqttPolicy, StreamEntry, agency_labels
from .configgen.planner import GB, MB, planned_cameras
from .configgen.render import CONFIG_FILENAME, ENV_FILENAME
from .const import (
    DOMAIN,
    SIGNAL_REGISTRY_CHANGED,
    SIGNAL_SERVER_UPDATED,
    SIGNAL_STORAGE_PLAN_UPDATED,
    STORAGE_PLAN_INTERVAL,
)
from .coordinator import ServerCoordinator, camera_uid
from .core.cameras import CameraPurpose
from .core.errors import ErrorKey, NccError, NotFoundError, ValidationError
from .core.registry import Change, Operation
from .core.streams import CameraStream
from .data import async_get_city, async_get_data
from .entity import NccServerEntity
from .frigate import FrigateError

if TYPE_CHECKING:
    from .city import CityRuntime
    from .registrations import RegistrationDesk

_LOGGER = logging.getLogger(__name__)

STORE_KEY: Final = f"{DOMAIN}.frigate_configs"
STORE_VERSION: Final = 1
OUTPUT_DIR: Final = "ncc/frigate"
TEMPLATES_DIR: Final = "ncc/frigate/templates"
PLAN_DEBOUNCE_S: Final = 5.0
REPAIR_PREFIX: Final = "footage_days_below_policy_"


class FrigateConfigStore(Store[dict[str, Any]]):
    def __init__(self, hass: HomeAssistant) -> None:
        super().__init__(hass, STORE_VERSION, STORE_KEY, atomic_writes=True)


def _measured_capacity(coordinator: ServerCoordinator) -> float | None:
    """Inferences per second the server's detectors manage, from their measured speed."""
    detectors = coordinator.data.stats.detectors.values()
    speeds = [detector.inference_speed_ms for detector in detectors if detector.inference_speed_ms > 0]
    return sum(1000.0 / speed for speed in speeds) if speeds else None


class FrigateConfigDesk:
    """The stream book, the servers' policies, and the latest storage plan."""

    def __init__(self, hass: HomeAssistant, city: CityRuntime, store: FrigateConfigStore) -> None:
        self._hass = hass
        self._city = city
        self._store = store
        self.streams: dict[str, StreamEntry] = {}
        self.policies: dict[str, ServerPolicy] = {}
        self.plan: CityPlan | None = None
        self.planned_at: datetime | None = None
        self._measured: dict[str, float] = {}
        self._planned_servers: frozenset[str] = frozenset()
        self._repairs: set[str] = set()
        self._lock = asyncio.Lock()
        self._unsubscribe: list[CALLBACK_TYPE] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        # saving and auditing streams dropped with their cameras; finished, never cancelled, on stop
        self._forgetting: set[asyncio.Task[None]] = set()
        self._debouncer = Debouncer(
            hass, _LOGGER, cooldown=PLAN_DEBOUNCE_S, immediate=False, function=self.async_refresh_plan
        )

    # ------------------------------------------------------------------------ persistence

    async def async_load(self) -> None:
        """Read the stored book; damaged data raises and is left untouched on disk."""
        data = await self._store.async_load() or {}
        try:
            streams = [StreamEntry.from_dict(item) for item in data.get("streams", [])]
            policies = [ServerPolicy.from_dict(item) for item in data.get("policies", [])]
        except (NccError, KeyError, TypeError, ValueError) as err:
            raise ValidationError(ConfigGenKey.STORE_DAMAGED, detail=type(err).__name__) from err
        self.streams = {entry.camera_id: entry for entry in streams}
        self.policies = {policy.server_id: policy for policy in policies}

    async def async_save(self) -> None:
        await self._store.async_save({
            "streams": [self.streams[key].to_dict(secrets=True) for key in sorted(self.streams)],
            "policies": [self.policies[key].to_dict(secrets=True) for key in sorted(self.policies)],
        })

    # ------------------------------------------------------------------------ life cycle

    @callback
    def async_start(self) -> None:
        self._unsubscribe.append(
            async_track_time_interval(self._hass, self._on_interval, STORAGE_PLAN_INTERVAL)
        )
        self._unsubscribe.append(
            async_dispatcher_connect(self._hass, SIGNAL_SERVER_UPDATED, self._on_server_update)
        )
        self._unsubscribe.append(
            async_dispatcher_connect(self._hass, SIGNAL_REGISTRY_CHANGED, self._on_registry_change)
        )
        # entries whose camera left while this desk was not listening (or before it did)
        self._forget(set(self.streams) - set(self._city.registry.cameras))

    async def async_stop(self) -> None:
        while self._unsubscribe:
            self._unsubscribe.pop()()
        self._debouncer.async_cancel()
        for task in list(self._tasks):
            task.cancel()
        if self._forgetting:
            await asyncio.wait(list(self._forgetting))

    @callback
    def schedule_refresh(self) -> None:
        """Plan again in the background (it asks every server over HTTP)."""
        self._track(self.async_refresh_plan(), "storage plan")

    def _track(self, job: Coroutine[Any, Any, Any], name: str) -> None:
        task = self._hass.async_create_background_task(job, f"{DOMAIN} {name}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @callback
    def _on_interval(self, _now: datetime) -> None:
        self.schedule_refresh()

    @callback
    def _on_server_update(self, _server_id: str) -> None:
        # every poll dispatches this; only a server appearing or leaving calls for a new plan
        if frozenset(self._running()) != self._planned_servers:
            self._track(self._debouncer.async_call(), "storage plan soon")

    @callback
    def _on_registry_change(self, change: Change) -> None:
        if change.operation is Operation.REMOVE_CAMERA:
            self._forget(change.cameras - set(self._city.registry.cameras))

    @callback
    def _forget(self, camera_ids: Iterable[str]) -> None:
        """Drop the entries of cameras that left the registry at once, so no generated config
        can carry them (nor bring them back if the same id returns); save and audit after."""
        gone = sorted(camera_id for camera_id in camera_ids if camera_id in self.streams)
        for camera_id in gone:
            del self.streams[camera_id]
        if gone:
            task = self._hass.async_create_task(self._async_forgotten(gone), eager_start=False)
            self._forgetting.add(task)
            task.add_done_callback(self._forgetting.discard)

    async def _async_forgotten(self, camera_ids: list[str]) -> None:
        from .city import SYSTEM_ACTOR  # the city imports this module's set-up

        await self.async_save()
        for camera_id in camera_ids:
            await self._city.audit.async_record(
                SYSTEM_ACTOR, "frigate_stream.remove", "camera", camera_id, camera_id=camera_id,
                details={"cause": "camera_removed"},
            )

    # ------------------------------------------------------------------------ inputs

    def _running(self) -> dict[str, ServerCoordinator]:
        return {
            server_id: coordinator
            for server_id, coordinator in async_get_data(self._hass).servers.items()
            if coordinator.data is not None
        }

    def server_ids(self) -> set[str]:
        return set(self.policies) | set(async_get_data(self._hass).servers)

    def policy(self, server_id: str) -> ServerPolicy:
        """The stored policy, or the default one for a server NCC knows but has none for."""
        if server_id in self.policies:
            return self.policies[server_id]
        coordinator = async_get_data(self._hass).servers.get(server_id)
        prefix = (coordinator.settings.topic_prefix if coordinator else None) or f"frigate_{server_id}"
        return ServerPolicy(
            server_id=server_id,
            name=coordinator.settings.name if coordinator else "",
            mqtt=MqttPolicy(topic_prefix=prefix, client_id=prefix, host=self._broker_host()),
        )

    def _broker_host(self) -> str:
        """The broker HA's own MQTT integration uses: the servers' default."""
        for entry in self._hass.config_entries.async_entries("mqtt"):
            if broker := entry.data.get("broker"):
                return str(broker)
        return ""

    def _registrations(self) -> RegistrationDesk | None:
        # another feature's desk; absent where private camera registration is not set up
        return getattr(self._city, "registrations", None)

    def camera_streams(self) -> list[CameraStream]:
        """The stream book's cameras known to the registry, and active `recorded` private cameras.

        A registered camera is left out unless its registration is active at tier `recorded`,
        whatever the book says. A stream pinned to a server NCC no longer knows is left for the
        planner to place.
        """
        cameras = self._city.registry.cameras
        registrations = self._registrations()
        withheld = registrations.withheld_cameras() if registrations is not None else frozenset()
        booked = [
            entry.stream(
                name=camera.name, owner_agency_id=camera.owner_agency_id, purpose=camera.purpose,
                site_id=camera.site_id, area_type=camera.area_type,
            )
            for entry in self.streams.values()
            if (camera := cameras.get(entry.camera_id)) is not None and camera.id not in withheld
        ]
        if registrations is not None:
            known = {stream.camera_id for stream in booked}
            booked += [s for s in registrations.recorded_streams() if s.camera_id not in known]
        servers = self.server_ids()
        streams = []
        for stream in booked:
            try:
                check_stream(stream)
            except ValidationError as err:
                _LOGGER.warning("Stream of camera %s left out: %s", stream.camera_id, err.key)
                continue
            unknown_server = stream.server_id is not None and stream.server_id not in servers
            streams.append(replace(stream, server_id=None) if unknown_server else stream)
        return streams

    def city_input(self) -> CityInput:
        registry = self._city.registry
        return CityInput(
            servers=tuple(self.policy(server_id) for server_id in sorted(self.server_ids())),
            streams=tuple(sorted(self.camera_streams(), key=lambda stream: stream.camera_id)),
            agencies=agency_labels(registry.agencies.values()),
            record_modes={
                entry.camera_id: entry.record_mode
                for entry in self.streams.values() if entry.record_mode is not None
            },
            city_name=self._city.settings.name,
        )

    # ------------------------------------------------------------------------ changes

    def set_stream(self, entry: StreamEntry) -> StreamEntry:
        if entry.camera_id not in self._city.registry.cameras:
            raise NotFoundError(ErrorKey.CAMERA_NOT_FOUND, camera=entry.camera_id)
        if (registrations := self._registrations()) is not None:
            registrations.check_recordable(entry.camera_id)
        if entry.server_id is not None and entry.server_id not in self.server_ids():
            raise ValidationError(ConfigGenKey.SERVER_UNKNOWN, field="server_id", server=entry.server_id)
        self.streams[entry.camera_id] = entry
        return entry

    def remove_stream(self, camera_id: str) -> StreamEntry:
        if camera_id not in self.streams:
            raise NotFoundError(ConfigGenKey.STREAM_NOT_FOUND, camera=camera_id)
        return self.streams.pop(camera_id)

    def set_policy(self, policy: ServerPolicy) -> ServerPolicy:
        others = [self.policy(server_id) for server_id in self.server_ids() - {policy.server_id}]
        CityInput(servers=(*others, policy), streams=())  # MQTT names stay unique in the city
        self.policies[policy.server_id] = policy
        return policy

    # ------------------------------------------------------------------------ generation

    async def async_generate(self, server_id: str | None) -> tuple[Generation, list[Path]]:
        """Render every server (they are checked together) and write `server_id`'s or all.

        A chosen server without cameras gets no files, and loses those an earlier generation
        wrote: they would still name (and hold the credentials of) cameras that have left.
        """
        if server_id is not None and server_id not in self.server_ids():
            raise ValidationError(ConfigGenKey.SERVER_UNKNOWN, field="server_id", server=server_id)
        city = self.city_input()
        out_dir = Path(self._hass.config.path(OUTPUT_DIR))
        templates = Path(self._hass.config.path(TEMPLATES_DIR))

        def run() -> tuple[Generation, list[Path]]:
            generation = generate_configs(
                city, templates=templates if templates.is_dir() else None, measured=self._measured
            )
            chosen = Generation(
                servers=tuple(s for s in generation.servers if server_id in (None, s.server_id)),
                placement=generation.placement,
                empty_servers=generation.empty_servers,
            )
            written = write_generation(chosen, out_dir)
            for empty in generation.empty_servers:
                if server_id in (None, empty):
                    for name in (CONFIG_FILENAME, ENV_FILENAME):
                        (out_dir / empty / name).unlink(missing_ok=True)
            return chosen, written

        return await self._hass.async_add_executor_job(run)

    # ------------------------------------------------------------------------ planning

    async def _async_measure(self, running: Mapping[str, ServerCoordinator]) -> None:
        """Frigate's bandwidth figures per camera id; a server that does not answer keeps its last."""
        for server_id, coordinator in running.items():
            try:
                usage = await coordinator.client.async_get_recordings_storage()
            except FrigateError as err:
                _LOGGER.debug("No storage figures from %s: %s", server_id, err)
                continue
            for name, storage in usage.items():
                if storage.bandwidth_mb_per_h > 0:
                    self._measured[camera_uid(server_id, name)] = storage.bandwidth_mb_per_h

    def _running_cameras(self, server_id: str, coordinator: ServerCoordinator) -> list[PlannedCamera]:
        """What a running server really records, as the planner sees it."""
        registry = self._city.registry
        cameras = []
        for name, config in coordinator.data.config.cameras.items():
            if not (config.enabled and config.record_enabled):
                continue
            camera_id = camera_uid(server_id, name)
            record = registry.cameras.get(camera_id)
            entry = self.streams.get(camera_id)
            bandwidth, source = bandwidth_for(
                self._measured.get(camera_id),
                entry.width if entry else None, entry.height if entry else None,
                entry.fps if entry else None, entry.codec if entry else None,
            )
            kept = config.retention
            cameras.append(
                PlannedCamera(
                    camera_id=camera_id,
                    purpose=record.purpose if record else CameraPurpose.OTHER,
                    bandwidth_mb_per_h=bandwidth,
                    bandwidth_source=source,
                    server_id=server_id,
                    retention=Retention(
                        continuous_days=kept.continuous_days, motion_days=kept.motion_days,
                        alerts_days=kept.alerts_days, detections_days=kept.detections_days,
                    ),
                    detect_fps=config.detect.fps if config.detect.enabled else 0.0,
                )
            )
        return cameras

    def _plan_inputs(self) -> tuple[list[ServerCapacity], list[PlannedCamera]]:
        running = self._running()
        capacities: list[ServerCapacity] = []
        cameras: list[PlannedCamera] = []
        for server_id in sorted(self.server_ids()):
            policy = self.policy(server_id)
            coordinator = running.get(server_id)
            if coordinator is None:
                capacities.append(capacity_for(policy))
                continue
            disk = coordinator.data.stats.recordings_storage
            capacities.append(
                capacity_for(
                    policy,
                    disk_gb=disk.total_mb * MB / GB if disk and disk.total_mb > 0 else None,
                    measured_capacity=_measured_capacity(coordinator),
                )
            )
            cameras += self._running_cameras(server_id, coordinator)
        if not capacities:
            return capacities, cameras
        # streams meant for servers that do not run yet
        offline = set(self.server_ids()) - set(running)
        cameras += [
            camera for camera in planned_cameras(self.city_input(), self._measured)
            if camera.server_id is None or camera.server_id in offline
        ]
        return capacities, cameras

    async def async_refresh_plan(self) -> CityPlan | None:
        """Measure, plan every server against the city's policy, update sensors and repairs.

        Inputs that cannot be planned (e.g. two servers sharing an MQTT prefix) keep the last
        plan; the actions report the same problem to whoever asks.
        """
        with suppress(NccError):
            await self._async_replan()
        return self.plan

    async def _async_replan(self) -> tuple[list[ServerCapacity], list[PlannedCamera]]:
        """`async_refresh_plan`, raising what cannot be planned; answers the inputs planned."""
        async with self._lock:
            running = self._running()
            await self._async_measure(running)
            try:
                capacities, cameras = self._plan_inputs()
            except NccError as err:
                _LOGGER.warning("Storage not planned: %s", err)
                raise
            policy_days = self._city.settings.retention_policy_days
            self.plan = plan_city(capacities, cameras, target_days=policy_days)
            self.planned_at = dt_util.utcnow()
            self._planned_servers = frozenset(running)
            self._update_repairs(policy_days)
        async_dispatcher_send(self._hass, SIGNAL_STORAGE_PLAN_UPDATED)
        return capacities, cameras

    async def async_plan(
        self, *, target_days: float | None, record_modes: Mapping[str, RecordMode], rebalance: bool
    ) -> dict[str, Any]:
        """An on-demand plan, with the effect of switching record modes when asked."""
        capacities, cameras = await self._async_replan()
        plan = plan_city(capacities, cameras, target_days=target_days, rebalance=rebalance)
        result: dict[str, Any] = {
            "plan": plan.to_dict(), "policy_days": self._city.settings.retention_policy_days,
        }
        if record_modes:
            scenario = plan_city(
                capacities, apply_record_modes(cameras, record_modes), target_days=target_days,
                rebalance=rebalance,
            )
            result["scenario"] = {
                "record_modes": {pattern: mode.value for pattern, mode in record_modes.items()},
                "plan": scenario.to_dict(),
                "comparison": compare_plans(plan, scenario),
            }
        return result

    def _update_repairs(self, policy_days: int) -> None:
        assert self.plan is not None
        short: set[str] = set()
        for server in self.plan.servers:
            if server.days_kept is None or server.days_kept >= policy_days:
                continue
            short.add(server.server_id)
            disk_needed = server.disk_for_target_gb
            ir.async_create_issue(
                self._hass, DOMAIN, f"{REPAIR_PREFIX}{server.server_id}",
                is_fixable=False, severity=ir.IssueSeverity.WARNING,
                translation_key="footage_days_below_policy",
                translation_placeholders={
                    "server": self.policy(server.server_id).display_name,
                    "days": f"{server.days_kept:.1f}",
                    "policy": str(policy_days),
                    "disk_gb": "?" if disk_needed is None else f"{disk_needed:.0f}",
                },
            )
        for server_id in self._repairs - short:
            ir.async_delete_issue(self._hass, DOMAIN, f"{REPAIR_PREFIX}{server_id}")
        self._repairs = short

    def _server_plan(self, server_id: str) -> ServerPlan | None:
        if self.plan is None:
            return None
        return next((server for server in self.plan.servers if server.server_id == server_id), None)

    def days_kept(self, server_id: str) -> float | None:
        plan = self._server_plan(server_id)
        return None if plan is None or plan.days_kept is None else round(plan.days_kept, 1)

    def server_plan_attributes(self, server_id: str) -> dict[str, Any]:
        if (plan := self._server_plan(server_id)) is None:
            return {}
        data = plan.to_dict()
        return {key: data[key] for key in (
            "disk_gb", "need_gb", "horizon_days", "bandwidth_mbit_s", "detection_utilisation",
            "bandwidth_sources", "target_days", "disk_for_target_gb",
        )}


class FootageDaysSensor(NccServerEntity, SensorEntity):
    """Days of footage a server keeps under its retention, on its disk."""

    _attr_translation_key = "footage_days"
    _attr_device_class = SensorDeviceClass.DURATION
    _attr_native_unit_of_measurement = UnitOfTime.DAYS
    _attr_state_class = SensorStateClass.MEASUREMENT
    _attr_suggested_display_precision = 1

    def __init__(self, coordinator: ServerCoordinator) -> None:
        super().__init__(coordinator, "footage_days")

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(self.hass, SIGNAL_STORAGE_PLAN_UPDATED, self.async_write_ha_state)
        )

    def _desk(self) -> FrigateConfigDesk | None:
        city = async_get_city(self.hass)
        return getattr(city, "frigate_configs", None) if city else None

    @property
    def native_value(self) -> StateType:
        desk = self._desk()
        return desk.days_kept(self.coordinator.server_id) if desk else None

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        desk = self._desk()
        return desk.server_plan_attributes(self.coordinator.server_id) if desk else {}


def footage_days_sensors(coordinator: ServerCoordinator) -> list[SensorEntity]:
    return [FootageDaysSensor(coordinator)]


async def async_setup_frigate_configs(hass: HomeAssistant, city: CityRuntime) -> None:
    """Load the stream book and policies, then plan in the background every hour."""
    desk = FrigateConfigDesk(hass, city, FrigateConfigStore(hass))
    try:
        await desk.async_load()
    except NccError as err:
        raise ConfigEntryError(
            translation_domain=DOMAIN, translation_key=str(err.key),
            translation_placeholders=err.placeholders,
        ) from err
    city.frigate_configs = desk
    desk.async_start()
    city.add_stop_callback(desk.async_stop)
