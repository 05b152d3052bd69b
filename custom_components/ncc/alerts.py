"""Alerts: Frigate review items in, routed incidents and camera health events out.

Review items arrive through Home Assistant's MQTT integration (`<prefix>/reviews`, with
`<prefix>/events` for object counts and `<prefix>/available` for server health), one
subscription set per Frigate server; a server without MQTT is polled instead. Routing
(`core.routing`) picks the agencies, the incident book (`core.incidents`) keeps the life
cycle; this module stores both, announces every change as an `ncc_incident` event, audits it,
captures a snapshot, runs the escalation timer, and turns coordinator polls into camera
offline/online events.
"""

from __future__ import annotations

import asyncio
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
import logging
from pathlib import Path
import time
from typing import TYPE_CHECKING, Any, Final

from homeassistant.components import mqtt
from homeassistant.components.http.auth import async_sign_path
from homeassistant.components.sensor import SensorStateClass
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.dispatcher import async_dispatcher_connect, async_dispatcher_send
from homeassistant.helpers.event import async_track_point_in_utc_time, async_track_time_interval
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey
from homeassistant.util.json import json_loads

from .const import (
    DOMAIN,
    EVENT_CAMERA_OFFLINE,
    EVENT_CAMERA_ONLINE,
    EVENT_INCIDENT,
    EVENT_SERVER_UNAVAILABLE,
    REVIEW_POLL_INTERVAL,
    SIGNAL_INCIDENT_CHANGE,
    SIGNAL_INCIDENTS_CHANGED,
    SIGNAL_SERVER_UPDATED,
    SNAPSHOT_HEIGHT_DEFAULT,
    SNAPSHOT_LINK_LIFETIME,
)
from .coordinator import ServerCoordinator, camera_uid
from .core.incidents import ChangeType, Incident, IncidentBook, IncidentChange
from .core.permissions import Actor
from .core.routing import ReviewObservation, Router, RoutingRule, Severity, TrackedObject
from .data import async_get_data
from .entity import AgencySensorDescription
from .frigate import EventQuery, FrigateError, ReviewItem, ReviewQuery
from .storage import AuditItem

if TYPE_CHECKING:
    from .city import CityRuntime

_LOGGER = logging.getLogger(__name__)

RULES_KEY: Final = f"{DOMAIN}.routing"
INCIDENTS_KEY: Final = f"{DOMAIN}.incidents"
STORE_VERSION: Final = 1
# background bursts (a busy minute of alerts) coalesce into one write; actions save at once
INCIDENT_SAVE_DELAY: Final = 2.0
# a Frigate review or event message is about 1-3 kB; anything far larger is not Frigate's
MAX_PAYLOAD_BYTES: Final = 64 * 1024
# polling: only items of this window, fetched in pages of this many
POLL_WINDOW: Final = timedelta(minutes=5)
POLL_LIMIT: Final = 100
POLL_STARTUP_LOOKBACK: Final = timedelta(minutes=1)
# after the broker comes back, review items of the gap are fetched once by HTTP
CATCH_UP_MARGIN: Final = timedelta(seconds=10)
MAX_TRACKED_OBJECTS: Final = 5000
MAX_OPEN_INCIDENTS: Final = 1000
MAX_CLOSED_INCIDENTS: Final = 1000
KEEP_CLOSED_FOR: Final = timedelta(days=30)
PRUNE_INTERVAL: Final = timedelta(hours=1)
SNAPSHOT_CONCURRENCY: Final = 2
# Incidents of one camera opened this close together share its frame: a burst of reviews on a
# busy camera costs one request to Frigate, not one each.
SNAPSHOT_REUSE_S: Final = 2.0
SNAPSHOT_BACKLOG: Final = 20
SENSOR_COOLDOWN_S: Final = 1.0
STOP_TIMEOUT_S: Final = 10.0
# Incident changes audited per transaction: a storm of reviews is a few commits, not hundreds.
AUDIT_BURST: Final = 200
# what each kind of incident change is called on the audit record
AUDIT_ACTIONS: Final[Mapping[ChangeType, str]] = {
    ChangeType.NEW: "incident.open",
    ChangeType.UPDATED: "incident.route",
    ChangeType.ESCALATED: "incident.escalate",
    ChangeType.CLOSED: "incident.close",
    ChangeType.ACKNOWLEDGED: "incident.acknowledge",
}
OVERFLOW_NOTE: Final = f"Closed automatically: more than {MAX_OPEN_INCIDENTS} incidents were open."
SNAPSHOT_PATH: Final = "/api/ncc/incidents/{incident_id}/snapshot.jpg"
DATA_VIEWS_REGISTERED: HassKey[bool] = HassKey(f"{DOMAIN}_incident_views")

# Frigate's `type` of review and event messages
MESSAGE_TYPES: Final = frozenset({"new", "update", "end"})
# what HA's MQTT integration hands a subscriber (bytes: NCC subscribes without decoding)
type Payload = str | bytes | bytearray


class PayloadProblem(StrEnum):
    """Why an MQTT message was ignored."""

    TOO_LARGE = "too large"
    NOT_JSON = "not JSON"
    WRONG_SHAPE = "not a Frigate message of this topic"
    UNKNOWN_CAMERA = "a camera NCC does not know"


class FeedMode(StrEnum):
    MQTT = "mqtt"
    POLL = "poll"


@dataclass(eq=False)
class ServerFeed:
    """How review items of one Frigate server reach NCC."""

    server_id: str
    mode: FeedMode
    prefix: str | None
    # polling: where the first window starts
    poll_after: float
    # MQTT: since when messages may have been missed (HA or Frigate off the broker); None: none
    missed_since: float | None = None
    unsubscribe: list[CALLBACK_TYPE] = field(default_factory=list)
    # event id -> (camera, object) for objects Frigate tracks now (from <prefix>/events)
    tracked: dict[str, tuple[str, TrackedObject]] = field(default_factory=dict)
    available: str | None = None
    polling: bool = False


def parse_review_message(document: object) -> ReviewItem:
    """The review item after the change a `<prefix>/reviews` message describes."""
    if not isinstance(document, dict) or not isinstance(document.get("after"), dict):
        raise TypeError("no review item after the change")
    if document.get("type") not in MESSAGE_TYPES:
        raise TypeError("not a new, update or end message")
    # MQTT rows are the HTTP rows without the per-user `has_been_reviewed` flag
    return ReviewItem.from_api({**document["after"], "has_been_reviewed": False})


def parse_event_message(document: object) -> tuple[str, str, TrackedObject, bool]:
    """(event id, camera, object, ended) of a `<prefix>/events` message."""
    if not isinstance(document, dict) or not isinstance(after := document.get("after"), dict):
        raise TypeError("no tracked object after the change")
    if document.get("type") not in MESSAGE_TYPES:
        raise TypeError("not a new, update or end message")
    event_id, camera, label = after.get("id"), after.get("camera"), after.get("label")
    zones = after.get("current_zones") or []
    if not (isinstance(event_id, str) and isinstance(camera, str) and isinstance(label, str)):
        raise TypeError("tracked object without id, camera or label")
    if not isinstance(zones, list) or not all(isinstance(zone, str) for zone in zones):
        raise TypeError("tracked object zones are not a list of names")
    ended = (
        document.get("type") == "end"
        or after.get("end_time") is not None
        or after.get("false_positive") is True
    )
    return event_id, camera, TrackedObject(label, frozenset(zones)), ended


def observation_of(server_id: str, item: ReviewItem, tracked: tuple[TrackedObject, ...]) -> ReviewObservation:
    """What routing needs to know about a Frigate review item."""
    return ReviewObservation(
        server_id=server_id,
        camera_id=camera_uid(server_id, item.camera),
        review_id=item.id,
        severity=Severity(item.severity.value),
        labels=item.objects,
        sub_labels=item.sub_labels,
        zones=item.zones,
        detections=item.detections,
        started_at=dt_util.utc_from_timestamp(item.start_time),
        ended_at=None if item.end_time is None else dt_util.utc_from_timestamp(item.end_time),
        tracked=tracked,
    )


def snapshot_path(incident_id: str) -> str:
    return SNAPSHOT_PATH.format(incident_id=incident_id)


class AlertDesk:
    """The city's alert handling: rules, incidents, feeds, timers and camera health."""

    def __init__(self, hass: HomeAssistant, city: CityRuntime, system_actor: Actor,
                 snapshot_dir: Path) -> None:
        self.hass = hass
        self.city = city
        self.system_actor = system_actor
        self.snapshot_dir = snapshot_dir
        self.router = Router()
        self.book = IncidentBook()
        self.feeds: dict[str, ServerFeed] = {}
        self.problems: Counter[PayloadProblem] = Counter()
        self._rules_store: Store[dict[str, Any]] = Store(hass, STORE_VERSION, RULES_KEY, atomic_writes=True)
        self._incidents_store: Store[dict[str, Any]] = Store(
            hass, STORE_VERSION, INCIDENTS_KEY, atomic_writes=True
        )
        self._camera_online: dict[str, bool] = {}
        self._server_available: dict[str, bool] = {}
        # (server, problem) pairs already logged as warnings; repeats go to debug
        self._warned: set[tuple[str, str]] = set()
        self._unsubscribe: list[CALLBACK_TYPE] = []
        self._escalation_timer: CALLBACK_TYPE | None = None
        self._escalation_at: datetime | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._audit_queue: deque[AuditItem] = deque()
        self._audit_writer: asyncio.Task[None] | None = None
        self._snapshot_slots = asyncio.Semaphore(SNAPSHOT_CONCURRENCY)
        self._snapshots_pending = 0
        # camera id -> (time.monotonic() the capture started, its frame once fetched)
        self._frames: dict[str, tuple[float, asyncio.Future[bytes | None]]] = {}
        self._sensor_debouncer = Debouncer(
            hass, _LOGGER, cooldown=SENSOR_COOLDOWN_S, immediate=True,
            function=self._announce_counts,
        )
        self._stopped = False

    # ---------------------------------------------------------------------------- life cycle

    async def async_start(self) -> None:
        stored_rules = await self._rules_store.async_load()
        if stored_rules is None:
            self.router = Router.with_defaults()
            await self.async_save_rules()
        else:
            self.router = Router.from_dict(stored_rules)
        stored_incidents = await self._incidents_store.async_load()
        if stored_incidents is not None:
            self.book = IncidentBook.from_dict(stored_incidents)
        self.city.add_open_work_provider(self._open_work)
        hass = self.hass
        self._unsubscribe += [
            async_dispatcher_connect(hass, SIGNAL_SERVER_UPDATED, self._on_server_updated),
            mqtt.async_subscribe_connection_status(hass, self._on_mqtt_connection),
            async_track_time_interval(hass, self._poll_all, REVIEW_POLL_INTERVAL, cancel_on_shutdown=True),
            async_track_time_interval(hass, self._prune, PRUNE_INTERVAL, cancel_on_shutdown=True),
            hass.async_add_shutdown_job(HassJob(self.async_stop)),
        ]
        self._prune()
        self._on_escalation_due()
        self._reconcile_feeds()

    async def async_stop(self) -> None:
        """Stop listening, flush the incidents and the audit queue (idempotent)."""
        if self._stopped:
            return
        self._stopped = True
        while self._unsubscribe:
            self._unsubscribe.pop()()
        for server_id in list(self.feeds):
            self._stop_feed(server_id)
        if self._escalation_timer is not None:
            self._escalation_timer()
            self._escalation_timer = None
        self._sensor_debouncer.async_shutdown()
        for task in list(self._tasks):
            task.cancel()
        await self._incidents_store.async_save(self.book.to_dict())
        if self._audit_writer is not None and not self._audit_writer.done():
            try:
                await asyncio.wait_for(asyncio.shield(self._audit_writer), STOP_TIMEOUT_S)
            except TimeoutError:
                _LOGGER.warning("%s audit entries of incidents were not written", len(self._audit_queue))
                self._audit_writer.cancel()

    def _spawn(self, coroutine: Any, name: str) -> None:
        task = self.hass.async_create_background_task(coroutine, name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --------------------------------------------------------------------------------- rules

    async def async_save_rules(self) -> None:
        await self._rules_store.async_save(self.router.to_dict())

    def set_rule(self, rule_id: str | None, changes: Mapping[str, Any]) -> RoutingRule:
        return self.router.set_rule(self.city.registry, rule_id, changes)

    # ------------------------------------------------------------------------------ incidents

    async def async_acknowledge(self, actor: Actor, incident_id: str, note: str) -> Incident:
        change = self.book.acknowledge(incident_id, user_id=actor.user_id, now=dt_util.utcnow(), note=note)
        reason = change.incident.acknowledge_note or None
        await self._async_commit(actor, change, reason)
        return change.incident

    async def async_close(self, actor: Actor, incident_id: str, note: str) -> Incident:
        change = self.book.close(incident_id, user_id=actor.user_id, note=note, now=dt_util.utcnow())
        await self._async_commit(actor, change, change.incident.close_note)
        return change.incident

    async def _async_commit(self, actor: Actor, change: IncidentChange, reason: str | None) -> None:
        """An operator's change: on disk and on the record before the action answers."""
        await self._incidents_store.async_save(self.book.to_dict())
        incident = change.incident
        await self.city.audit.async_record(
            actor, AUDIT_ACTIONS[change.type], "incident", incident.id, camera_id=incident.camera_id,
            reason=reason, details={"status": incident.status.value},
        )
        self._announce(change)

    def incident_view(self, incident: Incident, *, refresh_token_id: str | None = None) -> dict[str, Any]:
        """An incident as the dashboard shows it, with a snapshot link signed for the viewer."""
        registry = self.city.registry
        camera = registry.cameras.get(incident.camera_id)
        return {
            **incident.to_dict(),
            "camera_name": camera.name if camera else incident.camera_id,
            "agency_codes": self._codes(incident.agency_ids),
            "snapshot_url": async_sign_path(
                self.hass, snapshot_path(incident.id), SNAPSHOT_LINK_LIFETIME,
                refresh_token_id=refresh_token_id,
            ),
        }

    def _codes(self, agency_ids: Iterable[str]) -> list[str]:
        agencies = self.city.registry.agencies
        return [agencies[a].code for a in agency_ids if a in agencies]

    def _notify_targets(self, agency_ids: Iterable[str]) -> list[str]:
        agencies = self.city.registry.agencies
        targets: list[str] = []
        for agency in (agencies[a] for a in agency_ids if a in agencies):
            targets += [t for t in agency.notify_targets if t not in targets]
        return targets

    def _event_data(self, change: IncidentChange) -> dict[str, Any]:
        """The `ncc_incident` event; sub-labels (names, plates) stay out: events are public."""
        incident = change.incident
        registry = self.city.registry
        camera = registry.cameras.get(incident.camera_id)
        site = registry.sites.get(incident.site_id or "")
        return {
            "type": change.type.value,
            "incident_id": incident.id,
            "camera_id": incident.camera_id,
            "camera_name": camera.name if camera else incident.camera_id,
            "site_id": incident.site_id,
            "site_name": site.name if site else None,
            "server_id": incident.server_id,
            "label": incident.label,
            "labels": list(incident.labels),
            "zones": list(incident.zones),
            "severity": incident.severity.value,
            "status": incident.status.value,
            "agency_codes": self._codes(incident.agency_ids),
            "new_agency_codes": self._codes(change.added_agency_ids),
            "notify_targets": self._notify_targets(incident.agency_ids),
            "snapshot_url": async_sign_path(
                self.hass, snapshot_path(incident.id), SNAPSHOT_LINK_LIFETIME, use_content_user=True
            ),
            "review_id": incident.review_id,
            "escalation_level": incident.escalation_level,
            "started_at": incident.started_at.isoformat(),
        }

    @callback
    def _announce(self, change: IncidentChange) -> None:
        self.hass.bus.async_fire(EVENT_INCIDENT, self._event_data(change))
        async_dispatcher_send(self.hass, SIGNAL_INCIDENT_CHANGE, change)
        self._sensor_debouncer.async_schedule_call()
        deadline = change.incident.next_escalation_at
        if deadline is not None and (self._escalation_at is None or deadline < self._escalation_at):
            self._arm_escalation(deadline)

    @callback
    def _announce_counts(self) -> None:
        async_dispatcher_send(self.hass, SIGNAL_INCIDENTS_CHANGED)

    @callback
    def _apply(self, changes: Iterable[IncidentChange]) -> None:
        """Changes NCC made by itself: announce, audit in order, save soon."""
        applied = list(changes)
        for change in applied:
            self._announce(change)
            self._queue_audit(change)
            if change.type is ChangeType.NEW:
                self._capture_snapshot(change.incident)
        if applied:
            if any(change.type is ChangeType.NEW for change in applied):
                self._apply(self.book.close_overflow(
                    limit=MAX_OPEN_INCIDENTS, user_id=self.system_actor.user_id, note=OVERFLOW_NOTE,
                    now=dt_util.utcnow(),
                ))
            self._incidents_store.async_delay_save(self.book.to_dict, INCIDENT_SAVE_DELAY)

    def _queue_audit(self, change: IncidentChange) -> None:
        incident = change.incident
        if change.type is ChangeType.UPDATED and not change.added_agency_ids:
            return  # new objects or an end time are not decisions; new recipients are
        details: dict[str, Any] = {
            "review_id": incident.review_id,
            "label": incident.label,
            "severity": incident.severity.value,
            "agencies": list(change.added_agency_ids),
            "rules": list(incident.rule_ids),
        }
        reason = incident.close_note if change.type is ChangeType.CLOSED else None
        self._audit_queue.append(
            AuditItem(
                self.system_actor, AUDIT_ACTIONS[change.type], "incident", incident.id,
                camera_id=incident.camera_id, reason=reason, details=details,
            )
        )
        # a writer that started eagerly may already have drained the queue and finished
        if self._audit_writer is None or self._audit_writer.done():
            self._audit_writer = self.hass.async_create_background_task(
                self._async_write_audit(), f"{DOMAIN} incident audit"
            )

    async def _async_write_audit(self) -> None:
        """Write queued entries in order, each burst in one transaction; ends when the queue is empty."""
        while self._audit_queue:
            burst = [self._audit_queue.popleft() for _ in range(min(len(self._audit_queue), AUDIT_BURST))]
            try:
                await self.city.audit.async_record_many(burst)
            except Exception:
                _LOGGER.exception("Audit of %s incident change(s) failed", len(burst))

    def _open_work(self, kind: str, target_id: str) -> list[str]:
        if kind == "agency":
            count = self.book.open_count_for_agency(target_id)
            rules = [r for r in self.router.rules_involving(target_id) if r.enabled]
        else:
            count = self.book.open_count_for_camera(target_id)
            rules = [r for r in self.router.rules.values() if r.enabled and target_id in r.camera_ids]
        work = [f"{count} open incident(s)"] if count else []
        return work + [f'routing rule "{rule.name}"' for rule in rules]

    # ------------------------------------------------------------------------------ escalation

    @callback
    def _arm_escalation(self, when: datetime | None) -> None:
        if self._escalation_timer is not None:
            self._escalation_timer()
            self._escalation_timer = None
        self._escalation_at = when
        if when is not None and not self._stopped:
            self._escalation_timer = async_track_point_in_utc_time(self.hass, self._on_escalation_due, when)

    @callback
    def _on_escalation_due(self, _now: datetime | None = None) -> None:
        self._escalation_timer = None
        self._escalation_at = None
        self._apply(self.book.escalate_due(dt_util.utcnow()))
        self._arm_escalation(self.book.next_escalation_at())

    @callback
    def _prune(self, _now: datetime | None = None) -> None:
        forgotten = self.book.prune(
            now=dt_util.utcnow(), keep_closed_for=KEEP_CLOSED_FOR, max_closed=MAX_CLOSED_INCIDENTS
        )
        if forgotten:
            self._incidents_store.async_delay_save(self.book.to_dict, INCIDENT_SAVE_DELAY)
            self._spawn(self._async_delete_snapshots(forgotten), f"{DOMAIN} snapshot cleanup")

    # ------------------------------------------------------------------------------- snapshots

    def _capture_snapshot(self, incident: Incident) -> None:
        """Keep the camera's frame of the moment the incident opened (a bounded backlog)."""
        now = time.monotonic()
        for stale in [cam for cam, (at, _) in self._frames.items() if now - at >= SNAPSHOT_REUSE_S]:
            del self._frames[stale]
        shared = self._frames.get(incident.camera_id)
        if shared is not None:
            # a capture of this camera started moments ago (it may still be under way)
            self._spawn(self._async_store_shared(incident.id, shared[1]), f"{DOMAIN} snapshot {incident.id}")
            return
        coordinator = async_get_data(self.hass).servers.get(incident.server_id)
        if coordinator is None or self._snapshots_pending >= SNAPSHOT_BACKLOG:
            _LOGGER.debug("Snapshot of %s skipped: %s captures pending", incident.id, self._snapshots_pending)
            return
        self._snapshots_pending += 1
        frame: asyncio.Future[bytes | None] = self.hass.loop.create_future()
        self._frames[incident.camera_id] = (now, frame)
        self._spawn(self._async_capture(incident, coordinator, frame), f"{DOMAIN} snapshot {incident.id}")

    async def _async_capture(
        self, incident: Incident, coordinator: ServerCoordinator, frame: asyncio.Future[bytes | None]
    ) -> None:
        camera = incident.camera_id.partition("/")[2]
        image: bytes | None = None
        try:
            async with self._snapshot_slots:
                image = await coordinator.client.async_get_latest_image(camera, SNAPSHOT_HEIGHT_DEFAULT)
                await self.hass.async_add_executor_job(self._write_snapshot, incident.id, image)
        except FrigateError as err:
            _LOGGER.debug("No snapshot for %s: %s", incident.id, err)
        finally:
            self._snapshots_pending -= 1
            if not frame.done():
                frame.set_result(image)

    async def _async_store_shared(self, incident_id: str, frame: asyncio.Future[bytes | None]) -> None:
        image = await frame
        if image is not None:
            await self.hass.async_add_executor_job(self._write_snapshot, incident_id, image)

    def _snapshot_file(self, incident_id: str) -> Path:
        return self.snapshot_dir / f"{incident_id}.jpg"

    def _write_snapshot(self, incident_id: str, image: bytes) -> None:
        self.snapshot_dir.mkdir(parents=True, exist_ok=True)
        self._snapshot_file(incident_id).write_bytes(image)

    async def _async_delete_snapshots(self, incident_ids: list[str]) -> None:
        def delete() -> None:
            for incident_id in incident_ids:
                self._snapshot_file(incident_id).unlink(missing_ok=True)

        await self.hass.async_add_executor_job(delete)

    async def async_read_snapshot(self, incident_id: str) -> bytes | None:
        """The image captured when the incident opened, if there is one."""
        path = self._snapshot_file(incident_id)

        def read() -> bytes | None:
            return path.read_bytes() if path.is_file() else None

        return await self.hass.async_add_executor_job(read)

    # ----------------------------------------------------------------------------- ingestion

    @callback
    def ingest(self, feed: ServerFeed, item: ReviewItem, tracked: tuple[TrackedObject, ...]) -> None:
        """Route one review item of `feed`'s server and open or update its incident."""
        registry = self.city.registry
        camera = registry.cameras.get(camera_uid(feed.server_id, item.camera))
        if camera is None:
            self._ignore(feed, "reviews", PayloadProblem.UNKNOWN_CAMERA)
            return
        try:
            observation = observation_of(feed.server_id, item, tracked)
        except (OverflowError, ValueError, OSError):
            self._ignore(feed, "reviews", PayloadProblem.WRONG_SHAPE)
            return
        now = dt_util.utcnow()
        matches = self.router.matches(registry, observation, now=now, tz=dt_util.get_default_time_zone())
        change = self.book.observe(
            observation, matches, now=now, city_agency_id=self.city.operating_agency_id,
            site_id=camera.site_id, owner_agency_id=camera.owner_agency_id,
        )
        if change is not None:
            self._apply([change])

    def _ignore(self, feed: ServerFeed, topic: str, problem: PayloadProblem) -> None:
        """Hostile or broken messages: one warning per kind, then only debug lines."""
        self.problems[problem] += 1
        level = logging.WARNING if self.problems[problem] == 1 else logging.DEBUG
        _LOGGER.log(level, "Ignoring a message on %s/%s of server %s: %s",
                    feed.prefix or "(polled)", topic, feed.server_id, problem.value)

    def _document(self, feed: ServerFeed, topic: str, payload: Payload) -> object | None:
        if len(payload) > MAX_PAYLOAD_BYTES:
            self._ignore(feed, topic, PayloadProblem.TOO_LARGE)
            return None
        try:
            return json_loads(payload)
        except (ValueError, RecursionError):
            self._ignore(feed, topic, PayloadProblem.NOT_JSON)
            return None

    def _tracked_on(self, feed: ServerFeed, camera: str) -> tuple[TrackedObject, ...]:
        if not self.router.needs_tracked_objects():
            return ()
        return tuple(obj for cam, obj in feed.tracked.values() if cam == camera)

    @callback
    def _on_review_message(self, feed: ServerFeed, payload: Payload) -> None:
        document = self._document(feed, "reviews", payload)
        if document is None:
            return
        try:
            item = parse_review_message(document)
        except (FrigateError, TypeError):
            self._ignore(feed, "reviews", PayloadProblem.WRONG_SHAPE)
            return
        self.ingest(feed, item, self._tracked_on(feed, item.camera))

    @callback
    def _on_event_message(self, feed: ServerFeed, payload: Payload) -> None:
        document = self._document(feed, "events", payload)
        if document is None:
            return
        try:
            event_id, camera, tracked, ended = parse_event_message(document)
        except TypeError:
            self._ignore(feed, "events", PayloadProblem.WRONG_SHAPE)
            return
        if ended:
            feed.tracked.pop(event_id, None)
            return
        feed.tracked[event_id] = (camera, tracked)
        while len(feed.tracked) > MAX_TRACKED_OBJECTS:
            # objects whose end message was lost: forget the oldest
            del feed.tracked[next(iter(feed.tracked))]

    @callback
    def _on_available_message(self, feed: ServerFeed, payload: Payload) -> None:
        text = payload.decode(errors="replace") if isinstance(payload, bytes | bytearray) else str(payload)
        if text not in ("online", "offline"):
            self._ignore(feed, "available", PayloadProblem.WRONG_SHAPE)
            return
        feed.available = text
        if text == "offline":
            feed.missed_since = feed.missed_since or time.time()
            self._server_down(feed.server_id)
        elif feed.missed_since is not None:
            # Frigate is (back) on the broker: fetch what it may have published meanwhile
            after, feed.missed_since = feed.missed_since, None
            self._catch_up(feed, after)

    # ---------------------------------------------------------------------------------- feeds

    def _warn_once(self, server_id: str, problem: str, message: str, *args: object) -> None:
        """Feeds are reconciled at every poll: say a lasting problem once."""
        level = logging.DEBUG if (server_id, problem) in self._warned else logging.WARNING
        self._warned.add((server_id, problem))
        _LOGGER.log(level, message, *args)

    def _mqtt_ready(self) -> bool:
        if not mqtt.mqtt_config_entry_enabled(self.hass):
            return False
        entries = self.hass.config_entries.async_entries(mqtt.DOMAIN)
        return any(entry.state is ConfigEntryState.LOADED for entry in entries)

    @staticmethod
    def _prefix(coordinator: ServerCoordinator) -> str | None:
        config = coordinator.data.config.mqtt
        prefix = coordinator.settings.topic_prefix or config.topic_prefix
        # a wildcard would subscribe to other servers' topics too
        if not config.enabled or not prefix or "+" in prefix or "#" in prefix:
            return None
        return prefix

    @callback
    def _reconcile_feeds(self) -> None:
        """One feed per server: MQTT when HA's MQTT is up and the server publishes, else polling."""
        servers = async_get_data(self.hass).servers
        for server_id in [sid for sid in self.feeds if sid not in servers]:
            self._stop_feed(server_id)
        mqtt_ready = self._mqtt_ready()
        claimed: dict[str, str] = {}
        for server_id, coordinator in sorted(servers.items()):
            prefix = self._prefix(coordinator) if mqtt_ready else None
            if prefix is not None and prefix in claimed:
                self._warn_once(
                    server_id, "prefix",
                    "Servers %s and %s publish under the same MQTT prefix %s; polling %s",
                    claimed[prefix], server_id, prefix, server_id,
                )
                prefix = None
            if prefix is not None:
                claimed[prefix] = server_id
            mode = FeedMode.MQTT if prefix is not None else FeedMode.POLL
            feed = self.feeds.get(server_id)
            if feed is not None and feed.mode is mode and feed.prefix == prefix:
                continue
            if feed is not None:
                self._stop_feed(server_id)
            self._start_feed(server_id, mode, prefix)

    def _start_feed(self, server_id: str, mode: FeedMode, prefix: str | None) -> None:
        # what the server reported just before NCC listened (e.g. while HA restarted)
        since = time.time() - POLL_STARTUP_LOOKBACK.total_seconds()
        feed = ServerFeed(server_id, mode, prefix, poll_after=since,
                          missed_since=since if mode is FeedMode.MQTT else None)
        self.feeds[server_id] = feed
        _LOGGER.debug("Review items of %s arrive by %s %s", server_id, mode.value, prefix or "")
        if mode is FeedMode.MQTT:
            self._spawn(self._async_subscribe(feed), f"{DOMAIN} subscribe {server_id}")

    def _stop_feed(self, server_id: str) -> None:
        feed = self.feeds.pop(server_id)
        while feed.unsubscribe:
            feed.unsubscribe.pop()()

    async def _async_subscribe(self, feed: ServerFeed) -> None:
        handlers: dict[str, Callable[[ServerFeed, Payload], None]] = {
            "reviews": self._on_review_message,
            "events": self._on_event_message,
            "available": self._on_available_message,
        }
        for topic, handler in handlers.items():

            @callback
            def receive(message: mqtt.ReceiveMessage, handler: Callable[[ServerFeed, Payload], None] = handler
                        ) -> None:
                handler(feed, message.payload)

            try:
                unsubscribe = await mqtt.async_subscribe(
                    self.hass, f"{feed.prefix}/{topic}", receive, qos=0, encoding=None
                )
            except HomeAssistantError as err:
                self._warn_once(feed.server_id, "subscribe", "Cannot subscribe to %s/%s (%s); polling %s",
                                feed.prefix, topic, err, feed.server_id)
                self._stop_feed(feed.server_id)
                self._start_feed(feed.server_id, FeedMode.POLL, None)
                return
            if self.feeds.get(feed.server_id) is not feed:
                unsubscribe()  # the feed was replaced while subscribing
                return
            feed.unsubscribe.append(unsubscribe)

    @callback
    def _on_mqtt_connection(self, connected: bool) -> None:
        """HA resubscribes by itself; what was published meanwhile is fetched by HTTP when HA is
        back, and again when Frigate is (a restarted broker lost Frigate's connection too)."""
        now = time.time()
        for feed in self.feeds.values():
            if feed.mode is not FeedMode.MQTT:
                continue
            if not connected:
                feed.missed_since = feed.missed_since or now
                feed.available = None
            elif feed.missed_since is not None:
                self._catch_up(feed, feed.missed_since)

    def _catch_up(self, feed: ServerFeed, missed_since: float) -> None:
        after = missed_since - CATCH_UP_MARGIN.total_seconds()
        self._spawn(self._async_poll_feed(feed, after), f"{DOMAIN} catch up {feed.server_id}")

    @callback
    def _poll_all(self, _now: datetime | None = None) -> None:
        for feed in self.feeds.values():
            if feed.mode is FeedMode.POLL and not feed.polling:
                self._spawn(self._async_poll_feed(feed), f"{DOMAIN} poll {feed.server_id}")

    async def _async_poll_feed(self, feed: ServerFeed, after: float | None = None) -> None:
        """Fetch the server's recent review items (bounded) and ingest them, oldest first."""
        coordinator = async_get_data(self.hass).servers.get(feed.server_id)
        if coordinator is None:
            return
        window_start = time.time() - POLL_WINDOW.total_seconds()
        query = ReviewQuery(after=max(after or feed.poll_after, window_start))
        feed.polling = True
        try:
            # every page: a burst of alerts may outnumber one answer
            items = [
                item async for item in coordinator.client.async_iter_reviews(query, page_size=POLL_LIMIT)
            ]
            for item in sorted(items, key=lambda row: row.start_time):
                tracked = await self._async_tracked_by_http(coordinator, item)
                if self.feeds.get(feed.server_id) is feed:
                    self.ingest(feed, item, tracked)
        except FrigateError as err:
            _LOGGER.debug("Polling review items of %s failed: %s", feed.server_id, err)
        finally:
            feed.polling = False

    async def _async_tracked_by_http(
        self, coordinator: ServerCoordinator, item: ReviewItem
    ) -> tuple[TrackedObject, ...]:
        """Objects in progress on the camera, for count rules, when no event stream exists."""
        if not self.router.needs_tracked_objects():
            return ()
        events = await coordinator.client.async_get_events(
            EventQuery(cameras=(item.camera,), in_progress=True, limit=POLL_LIMIT)
        )
        return tuple(TrackedObject(event.label, frozenset(event.zones)) for event in events)

    # --------------------------------------------------------------------------- camera health

    @callback
    def _on_server_updated(self, server_id: str) -> None:
        self._reconcile_feeds()
        coordinator = async_get_data(self.hass).servers.get(server_id)
        prefix = f"{server_id}/"
        if coordinator is None:
            for camera_id in [c for c in self._camera_online if c.startswith(prefix)]:
                del self._camera_online[camera_id]
            self._server_available.pop(server_id, None)
            return
        if not coordinator.last_update_success:
            self._server_down(server_id)
            return
        self._server_available[server_id] = True
        snapshot = coordinator.data
        for name in snapshot.camera_names:
            camera_id = camera_uid(server_id, name)
            online = snapshot.camera_online(name)
            previous = self._camera_online.get(camera_id)
            self._camera_online[camera_id] = online
            if previous is not None and previous != online:
                self._camera_changed(camera_id, online, snapshot.fetched_at)

    def _camera_changed(self, camera_id: str, online: bool, since: datetime) -> None:
        # the server's cameras were synced into the registry before its snapshot was taken
        camera = self.city.registry.cameras[camera_id]
        owner = self.city.registry.agencies.get(camera.owner_agency_id)
        self.hass.bus.async_fire(EVENT_CAMERA_ONLINE if online else EVENT_CAMERA_OFFLINE, {
            "camera_id": camera_id,
            "camera_name": camera.name,
            "site_id": camera.site_id,
            "agency_code": owner.code if owner else None,
            "notify_targets": list(owner.notify_targets) if owner else [],
            "since": since.isoformat(),
        })

    def _server_down(self, server_id: str) -> None:
        if self._server_available.get(server_id) is False:
            return
        self._server_available[server_id] = False
        coordinator = async_get_data(self.hass).servers.get(server_id)
        agency_id = coordinator.settings.agency_id if coordinator else ""
        agency = self.city.registry.agencies.get(agency_id)
        self.hass.bus.async_fire(EVENT_SERVER_UNAVAILABLE, {
            "server_id": server_id,
            "agency_code": agency.code if agency else None,
            "notify_targets": list(agency.notify_targets) if agency else [],
        })


INCIDENT_SENSORS: tuple[AgencySensorDescription, ...] = (
    AgencySensorDescription(
        key="agency_open_incidents",
        translation_key="agency_open_incidents",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda city, agency_id: city.alerts.book.open_count_for_agency(agency_id),
        update_signal=SIGNAL_INCIDENTS_CHANGED,
    ),
)


async def async_setup_alerts(hass: HomeAssistant, city: CityRuntime) -> None:
    """Start the city's alert desk; it stops before the city closes."""
    from .city import SYSTEM_ACTOR
    from .incident_views import IncidentSnapshotView

    if not hass.data.get(DATA_VIEWS_REGISTERED):
        hass.http.register_view(IncidentSnapshotView())
        hass.data[DATA_VIEWS_REGISTERED] = True
    desk = AlertDesk(hass, city, SYSTEM_ACTOR, Path(hass.config.path(DOMAIN, "snapshots")))
    city.alerts = desk
    await desk.async_start()
    city.add_stop_callback(desk.async_stop)
