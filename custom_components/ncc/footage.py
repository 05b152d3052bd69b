"""Footage requests at work: stored requests, preservation against Frigate, deadlines, evidence.

The domain (`core/footage.py`) decides; this desk does the I/O around it:

- requests live in HA's Store (`ncc.footage`), saved before an action answers;
- preservation: at intake each Frigate camera's window is assessed and exported at once (or its
  overlapping events retained where an export is refused); exports are polled until done,
  across Frigate and HA restarts (the state is in the Store and resumed at start); failures are
  retried with back-off and raised as a repair issue when they keep failing; a server that is
  down only delays the work;
- deadlines of public information requests are checked every quarter of an hour
  (`ncc_footage_request_due` once per state);
- evidence packages are built from the exports under `<config>/ncc/evidence/<request>/`, signed
  with the integration's own Ed25519 key (Store `ncc.footage_signing_key`, made once) and
  handed out through expiring links signed by HA's HTTP server (`views.py`);
- when a request's keep-until date passes, or an undecided request reaches the policy's
  `open_request_keep_days` (neither on legal hold), its exports and files are deleted and its
  personal data erased.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Coroutine, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
import logging
from pathlib import Path
import secrets
import shutil
from typing import TYPE_CHECKING, Any, Final
import weakref

from homeassistant.components.http.auth import async_sign_path
from homeassistant.components.sensor import SensorStateClass
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_connect, async_dispatcher_send
from homeassistant.helpers.event import async_track_point_in_utc_time, async_track_time_interval
from homeassistant.helpers.network import NoURLAvailableError, get_url
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .const import (
    DOMAIN,
    EVENT_FOOTAGE_REQUEST,
    EVENT_FOOTAGE_REQUEST_DUE,
    SIGNAL_FOOTAGE_CHANGED,
    SIGNAL_SERVER_UPDATED,
)
from .core.errors import ConflictError, NccError
from .core.evidence import PackageFile, PublicKey, SigningKey, build_package
from .core.footage import (
    REPAIR_AFTER_ATTEMPTS,
    SETTLED,
    STORAGE_VERSION as FOOTAGE_STORAGE_VERSION,
    Availability,
    Download,
    FootageBook,
    FootageKey,
    FootageRequest,
    Intake,
    Link as DownloadLink,
    Objection as FootageObjection,
    PackageRecord,
    Part,
    Preservation,
    Release,
    ReleaseOrder,
    RequestState,
    assess_footage,
    check_guardrails,
    check_link_hours,
    disclosure_register,
    intake_cameras,
    manifest_fields,
    migrate,
    part_file_name,
    retry_delay,
    write_register_csv,
)
from .core.permissions import Actor
from .core.registry import Registry
from .core.workdays import DueState
from .data import async_get_data
from .entity import AgencySensorDescription, CitySensorDescription
from .frigate import (
    EventQuery,
    FrigateAuthError,
    FrigateClient,
    FrigateConnectionError,
    FrigateError,
    FrigateExport,
    FrigateNotFoundError,
    FrigateRequestError,
    RecordRetention,
)

if TYPE_CHECKING:
    from .city import CityRuntime
    from .coordinator import ServerCoordinator

_LOGGER = logging.getLogger(__name__)

FOOTAGE_STORE_KEY: Final = f"{DOMAIN}.footage"
SIGNING_KEY_STORE_KEY: Final = f"{DOMAIN}.footage_signing_key"
DOWNLOAD_PATH: Final = "/api/ncc/evidence/{link_id}"
# Module-level so tests can shorten them.
EXPORT_POLL_INTERVAL = timedelta(seconds=5)
# Frigate shows an export's row a moment after starting it; a row missing longer than this
# means the export failed (Frigate deletes failed exports, and in-progress ones on restart).
EXPORT_ROW_GRACE = timedelta(seconds=60)
RETRY_BASE_DELAY = timedelta(seconds=30)
RETRY_MAX_DELAY = timedelta(minutes=30)
HOUSEKEEPING_INTERVAL = timedelta(minutes=15)
# intake answers once preservation has started, or after this long with parts still pending
INTAKE_WAIT_S = 20.0
SAVE_DELAY_S: Final = 1.0
# events that start this long before a window may still overlap it
EVENT_LOOKBACK: Final = timedelta(hours=1)
# camera ids named in a request's audit entry (an entry holds at most 8 kB of details)
AUDITED_CAMERAS: Final = 20

_DESKS: weakref.WeakKeyDictionary[Registry, FootageDesk] = weakref.WeakKeyDictionary()
_VIEWS_REGISTERED: HassKey[bool] = HassKey(f"{DOMAIN}_footage_views")


def desk_for(registry: Registry) -> FootageDesk | None:
    """The footage desk working on `registry`, if the city runs one (for guards)."""
    return _DESKS.get(registry)


class EventType(StrEnum):
    """`type` of the `ncc_footage_request` event."""

    CREATED = "created"
    OWNER_CONTACTED = "owner_contacted"
    DECIDED = "decided"
    RELEASED = "released"
    PRESERVED = "preserved"
    PRESERVATION_FAILED = "preservation_failed"


@dataclass(frozen=True, slots=True)
class IssuedLink:
    """A download link just made: the signed path, and the full URL when HA knows its own."""

    request: FootageRequest
    release: Release
    package: PackageRecord
    link: DownloadLink
    path: str
    url: str

    def as_response(self) -> dict[str, Any]:
        return {
            "request_id": self.request.id,
            "release_id": self.release.id,
            "package_id": self.package.id,
            "sha256": self.package.sha256,
            "size": self.package.size,
            "path": self.path,
            "url": self.url,
            "expires_at": self.link.expires_at.isoformat(),
        }


class FootageStore(Store[dict[str, Any]]):
    """The footage requests' JSON file; private (0600): it holds requesters' personal data."""

    def __init__(self, hass: HomeAssistant) -> None:
        super().__init__(
            hass, FOOTAGE_STORAGE_VERSION, FOOTAGE_STORE_KEY, private=True, atomic_writes=True
        )

    async def _async_migrate_func(
        self, old_major_version: int, old_minor_version: int, old_data: dict[str, Any]
    ) -> dict[str, Any]:
        return migrate(old_major_version, old_data)

    async def async_load_book(self) -> FootageBook:
        data = await self.async_load()
        return FootageBook() if data is None else FootageBook.from_dict(data)


async def async_load_signing_key(hass: HomeAssistant) -> SigningKey:
    """The integration's evidence key: made once, then kept in its own private Store file."""
    store: Store[dict[str, str]] = Store(
        hass, 1, SIGNING_KEY_STORE_KEY, private=True, atomic_writes=True
    )
    data = await store.async_load()
    if data is not None:
        try:
            return SigningKey.from_base64(data["private_key"])
        except (KeyError, TypeError, ValueError) as err:
            # never replaced silently: packages signed before must still verify
            raise ConfigEntryError(
                translation_domain=DOMAIN, translation_key=FootageKey.SIGNING_KEY_DAMAGED.value,
            ) from err
    key = SigningKey.generate()
    await store.async_save({"private_key": key.to_base64()})
    return key


def _footage_days(retention: RecordRetention) -> float | None:
    """How long a camera's round-the-clock footage lasts; events only when it keeps none."""
    days = max(retention.continuous_days, retention.motion_days) or retention.longest_days
    return days or None


class FootageDesk:
    """The footage requests of the city."""

    def __init__(
        self,
        hass: HomeAssistant,
        city: CityRuntime,
        store: FootageStore,
        book: FootageBook,
        key: SigningKey,
    ) -> None:
        self._hass = hass
        self._city = city
        self._store = store
        self.book = book
        self._key = key
        self._busy: set[tuple[str, str]] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._unsubscribe: list[CALLBACK_TYPE] = []
        self._wake: CALLBACK_TYPE | None = None
        # parts whose last attempt could not reach their server, by server id
        self._waiting: dict[str, set[tuple[str, str]]] = {}
        self._stopping = False
        # one package is built at a time: two releases of the same parts share it
        self._packaging = asyncio.Lock()
        _DESKS[city.registry] = self

    @property
    def public_key(self) -> PublicKey:
        return self._key.public_key

    # ------------------------------------------------------------------------ life cycle

    @callback
    def async_start(self) -> None:
        self._unsubscribe.append(
            async_track_time_interval(self._hass, self._on_housekeeping, HOUSEKEEPING_INTERVAL)
        )
        self._unsubscribe.append(
            async_dispatcher_connect(self._hass, SIGNAL_SERVER_UPDATED, self._on_server_updated)
        )
        self._city.add_open_work_provider(self._open_work)
        # exports in flight before a restart are polled again, pending parts retried; a part
        # stored while its step was running has no time set and goes first
        now = dt_util.utcnow()
        for request in self.book.requests.values():
            for part in request.parts:
                if request.expired_at is None and part.preservation not in SETTLED:
                    part.next_check_at = part.next_check_at or now
        self._schedule()
        self._spawn(self.async_housekeeping())

    async def async_stop(self) -> None:
        self._stopping = True
        while self._unsubscribe:
            self._unsubscribe.pop()()
        if self._wake is not None:
            self._wake()
            self._wake = None
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._store.async_save(self.book.to_dict())

    def _spawn(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = self._hass.async_create_background_task(work, f"{DOMAIN} footage", eager_start=True)
        if not task.done():
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return task

    def _open_work(self, kind: str, target_id: str) -> Iterable[str]:
        for request in self.book.requests.values():
            if request.expired_at is not None:
                continue
            holds = (
                target_id in request.camera_ids if kind == "camera"
                else request.involves_agency(target_id)
            )
            if holds:
                yield f"footage request {request.id}"

    # ------------------------------------------------------------------------- figures

    @staticmethod
    def _today() -> date:
        """Deadlines run in whole days of the city's own time zone."""
        return dt_util.now().date()

    def due_state(self, request: FootageRequest) -> DueState | None:
        policy = self.book.policy
        return request.due_state(policy.calendar(), self._today(), policy.due_soon_working_days)

    def count(self, *, due: DueState | None = None, agency_id: str | None = None) -> int:
        """Open requests (optionally only those due soon or overdue; of one owner agency)."""
        return sum(
            1 for request in self.book.requests.values()
            if request.state is RequestState.OPEN
            and (agency_id is None or agency_id in request.undecided_owner_ids())
            and (due is None or self.due_state(request) is due)
        )

    def diagnostics(self) -> dict[str, Any]:
        """Counts and the public key only: no personal data, no secrets."""
        requests = list(self.book.requests.values())
        key = self.public_key
        return {
            "public_key": key.base64,
            "public_key_pem": key.pem,
            "public_key_fingerprint": key.fingerprint,
            "requests": dict(Counter(request.state.value for request in requests)),
            "parts": dict(Counter(part.preservation.value for request in requests for part in request.parts)),
            "failing_parts": sum(part.failing for request in requests for part in request.parts),
            "on_legal_hold": sum(request.legal_hold is not None for request in requests),
            "releases": sum(len(request.releases) for request in requests),
            "policy": self.book.policy.to_dict(),
        }

    # ---------------------------------------------------------------------- actions

    async def async_open(self, actor: Actor, intake: Intake) -> FootageRequest:
        """Register a request, then start preserving every camera's footage at once."""
        now = dt_util.utcnow()
        registry = self._city.registry
        check_guardrails(intake, self.book.policy, now)
        choices = intake_cameras(registry, actor, intake, self.book.policy, now)
        cameras = [(registry.get_camera(choice.camera_id), choice.distance_m) for choice in choices]
        request = self.book.open(intake, cameras, actor=actor, now=now, today=self._today())
        await self._async_save()
        started = [
            self._spawn(self._async_advance(request, part))
            for part in request.parts if part.preservation is Preservation.PENDING
        ]
        if started:
            # answer once every export has started; what takes longer goes on in the background
            await asyncio.wait(started, timeout=INTAKE_WAIT_S)
        await self._async_save()
        await self._async_audit(actor, "footage.request", request, details={
            # the audit entry stays small; the request itself lists every camera
            "cameras": request.camera_ids[:AUDITED_CAMERAS],
            "camera_count": len(request.parts), "legal_basis": request.legal_basis.value,
            "incident_type": request.incident_type.value,
            "requester_kind": request.requester.kind.value,
            "window": request.window.to_dict(),
            "due": None if request.due is None else request.due.isoformat(),
        })
        self._fire(EventType.CREATED, request, request.parts)
        contacted = [part for part in request.parts if part.preservation is Preservation.OWNER_CONTACTED]
        if contacted:
            self._fire(EventType.OWNER_CONTACTED, request, contacted)
        self._notify()
        return request

    async def async_decide(
        self, actor: Actor, request_id: str, part_ref: str, *, decision: str, reason: str, note: str
    ) -> Part:
        part = self.book.decide(
            request_id, part_ref, decision, reason, note, actor=actor, now=dt_util.utcnow()
        )
        request = self.book.get(request_id)
        await self._async_save()
        assert part.decision is not None
        await self._async_audit(
            actor, "footage.decide", request, camera_id=part.camera_id,
            reason=part.decision.reason.value,
            details={"part": part.id, "decision": part.decision.decision.value},
        )
        self._fire(EventType.DECIDED, request, [part], decision=part.decision.decision.value,
                   state=request.state.value)
        self._notify()
        return part

    async def async_extend(self, actor: Actor, request_id: str, reason: str) -> FootageRequest:
        request = self.book.extend_deadline(request_id, reason)
        await self._async_save()
        assert request.due is not None
        await self._async_audit(actor, "footage.extend", request, reason=reason.strip(),
                                details={"due": request.due.isoformat()})
        self._notify()
        return request

    async def async_release(
        self, actor: Actor, request_id: str, part_refs: Sequence[str], order: ReleaseOrder
    ) -> IssuedLink:
        """Package the approved footage (once per set of parts) and link it for a recipient."""
        parts = self.book.release_parts(request_id, part_refs)
        request = self.book.get(request_id)
        async with self._packaging:
            package = await self._async_package(request, parts)
        now = dt_util.utcnow()
        release = self.book.add_release(request, package, order, actor=actor, now=now)
        issued = self._issue_link(request, release, package, valid_hours=order.valid_hours,
                                  actor=actor, now=now)
        await self._async_save()
        await self._async_audit(actor, "footage.release", request, details={
            "release": release.id, "package": package.id, "sha256": package.sha256,
            "parts": list(release.part_ids),
            "cameras": [request.part(part_id).camera_id for part_id in release.part_ids],
            "recipient": release.recipient, "organisation": release.organisation,
            "expires_at": issued.link.expires_at.isoformat(),
        })
        self._fire(EventType.RELEASED, request, [request.part(part_id) for part_id in release.part_ids],
                   release_id=release.id, package_id=package.id)
        self._notify()
        return issued

    async def async_reissue_link(
        self, actor: Actor, request_id: str, release_id: str, valid_hours: int | None
    ) -> IssuedLink:
        """A new link for a release made earlier (the old one expired, or HA restarted)."""
        check_link_hours(valid_hours)
        request = self.book.get(request_id)
        request.check_not_expired()
        release = request.release(release_id)
        package = request.package(release.package_id)
        assert package is not None, "a release is made of a package"
        issued = self._issue_link(request, release, package, valid_hours=valid_hours, actor=actor,
                                  now=dt_util.utcnow())
        await self._async_save()
        await self._async_audit(actor, "footage.link", request, details={
            "release": release.id, "recipient": release.recipient,
            "expires_at": issued.link.expires_at.isoformat(),
        })
        return issued

    async def async_set_hold(self, actor: Actor, request_id: str, reason: str) -> FootageRequest:
        request = self.book.set_hold(request_id, reason, actor=actor, now=dt_util.utcnow())
        await self._async_save()
        await self._async_audit(actor, "footage.legal_hold", request, reason=reason.strip())
        self._notify()
        return request

    async def async_release_hold(self, actor: Actor, request_id: str, reason: str) -> FootageRequest:
        request = self.book.release_hold(request_id, reason)
        await self._async_save()
        await self._async_audit(actor, "footage.legal_hold_release", request,
                                reason=reason.strip() or None)
        self._notify()
        # a keep-until date that passed during the hold expires the request now
        self._spawn(self.async_housekeeping())
        return request

    async def async_record_objection(
        self, actor: Actor, request_id: str, *, kind: str, part_ref: str | None, text: str,
        organisation: str,
    ) -> FootageObjection:
        objection = self.book.add_objection(
            request_id, kind, part_ref, text, organisation, actor=actor, now=dt_util.utcnow()
        )
        request = self.book.get(request_id)
        await self._async_save()
        await self._async_audit(actor, "footage.objection", request,
                                details={"objection": objection.id, "kind": objection.kind.value,
                                         "part": objection.part_id})
        return objection

    async def async_export_register(
        self, actor: Actor, path: Path, since: datetime | None, until: datetime | None
    ) -> int:
        """Write the register as CSV; raises OSError when the file cannot be written."""
        entries = disclosure_register(self.book.requests.values(), since, until)

        def write() -> int:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("w", encoding="utf-8", newline="") as out:
                return write_register_csv(entries, out)

        rows = await self._hass.async_add_executor_job(write)
        await self._city.audit.async_record(
            actor, "footage.register_export", "footage_register", "disclosure_register",
            details={"file": path.name[:200], "rows": rows},
        )
        return rows

    async def async_set_policy(self, actor: Actor, changes: Mapping[str, Any]) -> dict[str, Any]:
        policy = self.book.set_policy(**changes)
        await self._async_save()
        await self._city.audit.async_record(actor, "footage.policy", "footage_policy", "city",
                                            details={"fields": sorted(changes)})
        self._notify()
        return policy.to_dict()

    # ------------------------------------------------------------------- links and files

    def evidence_dir(self, request: FootageRequest) -> Path:
        return Path(self._hass.config.path("ncc", "evidence", request.id))

    def package_path(self, request: FootageRequest, package: PackageRecord) -> Path:
        return self.evidence_dir(request) / package.file_name

    def find_link(self, link_id: str) -> tuple[FootageRequest, Release, DownloadLink] | None:
        for request in self.book.requests.values():
            for release in request.releases:
                for link in release.links:
                    if secrets.compare_digest(link.id, link_id):
                        return request, release, link
        return None

    async def async_record_download(
        self, request: FootageRequest, release: Release, link: DownloadLink, remote: str
    ) -> None:
        """Who (the release's recipient), when and from where: in the release and the audit log."""
        release.downloads.append(Download(at=dt_util.utcnow(), link_id=link.id, remote=remote))
        await self._async_save()
        recipient = Actor(user_id=f"recipient:{request.id}/{release.id}", name=release.recipient)
        await self._city.audit.async_record(
            recipient, "footage.download", "footage_request", request.id,
            details={"release": release.id, "package": release.package_id,
                     "organisation": release.organisation, "remote": remote},
        )

    def _issue_link(
        self, request: FootageRequest, release: Release, package: PackageRecord, *,
        valid_hours: int | None, actor: Actor, now: datetime,
    ) -> IssuedLink:
        hours = valid_hours or self.book.policy.link_valid_hours
        link = DownloadLink(
            id=secrets.token_urlsafe(24), created_at=now, expires_at=now + timedelta(hours=hours),
            created_by=actor.user_id,
        )
        release.links.append(link)
        # signed for HA's read-only content user: the link opens this one path, nothing else
        path = async_sign_path(
            self._hass, DOWNLOAD_PATH.format(link_id=link.id), timedelta(hours=hours),
            use_content_user=True,
        )
        try:
            url = get_url(self._hass, prefer_external=True) + path
        except NoURLAvailableError:
            # HA does not know its own address: the path, relative to wherever it is opened
            url = path
        return IssuedLink(request, release, package, link, path, url)

    async def _async_package(self, request: FootageRequest, parts: Sequence[Part]) -> PackageRecord:
        part_ids = tuple(part.id for part in sorted(parts, key=lambda item: int(item.id[1:])))
        folder = self.evidence_dir(request)
        for existing in request.packages:
            path = folder / existing.file_name
            if existing.part_ids == part_ids and await self._hass.async_add_executor_job(path.exists):
                return existing
        files = []
        for part in map(request.part, part_ids):
            name = part_file_name(request, part)
            target = folder / "files" / name
            if not await self._hass.async_add_executor_job(target.exists):
                await self._async_download(request, part, target)
            files.append(PackageFile(name, target))
        now = dt_util.utcnow()
        package_id = f"{request.id}-E{len(request.packages) + 1}"
        registry = self._city.registry
        manifest = manifest_fields(
            request, [request.part(part_id) for part_id in part_ids], package_id=package_id,
            city=self._city.settings.name,
            agency_names={agency.id: agency.name for agency in registry.agencies.values()},
            created_at=now,
        )
        file_name = f"{package_id}.zip"
        info = await self._hass.async_add_executor_job(
            build_package, folder / file_name, manifest, files, self._key, now
        )
        package = PackageRecord(
            id=package_id, part_ids=part_ids, file_name=file_name, sha256=info.sha256,
            size=info.size, created_at=now,
        )
        request.packages.append(package)
        return package

    async def _async_download(self, request: FootageRequest, part: Part, target: Path) -> None:
        label = f"{request.id}/{part.id}"
        coordinator = self._coordinator(part)
        if coordinator is None or part.export_id is None:
            raise ConflictError(FootageKey.EVIDENCE_UNAVAILABLE, part=label, error="server not loaded")
        await self._hass.async_add_executor_job(lambda: target.parent.mkdir(parents=True, exist_ok=True))
        try:
            export = await coordinator.client.async_get_export(part.export_id)
            await coordinator.client.async_download_export(export, target)
        except FrigateError as err:
            raise ConflictError(FootageKey.EVIDENCE_UNAVAILABLE, part=label, error=str(err)) from err

    # ------------------------------------------------------------------- preservation

    def _coordinator(self, part: Part) -> ServerCoordinator | None:
        return async_get_data(self._hass).servers.get(part.server_id or "")

    @callback
    def _schedule(self) -> None:
        """Wake up when the next part needs work."""
        if self._stopping:
            return
        if self._wake is not None:
            self._wake()
            self._wake = None
        due = [
            part.next_check_at
            for request in self.book.requests.values() if request.expired_at is None
            for part in request.parts
            if part.next_check_at is not None and part.preservation not in SETTLED
            and (request.id, part.id) not in self._busy
        ]
        if due:
            when = max(min(due), dt_util.utcnow())
            self._wake = async_track_point_in_utc_time(self._hass, self._on_wake, when)

    @callback
    def _on_wake(self, now: datetime) -> None:
        self._wake = None
        for request in self.book.requests.values():
            if request.expired_at is not None:
                continue
            for part in request.parts:
                if (
                    part.next_check_at is not None and part.next_check_at <= now
                    and part.preservation not in SETTLED
                ):
                    self._spawn(self._async_advance(request, part))
        self._schedule()

    @callback
    def _on_server_updated(self, server_id: str) -> None:
        """A server answered its poll: parts that could not reach it try again now."""
        waiting = self._waiting.get(server_id)
        coordinator = async_get_data(self._hass).servers.get(server_id)
        if not waiting or coordinator is None or not coordinator.last_update_success:
            return
        self._waiting.pop(server_id)
        now = dt_util.utcnow()
        for request_id, part_id in waiting:
            request = self.book.requests.get(request_id)
            if request is None:
                continue
            part = request.part(part_id)
            if part.preservation not in SETTLED and part.next_check_at is not None:
                part.next_check_at = now
        self._schedule()

    async def _async_advance(self, request: FootageRequest, part: Part) -> None:
        """One step of a part's preservation: start it, or poll its export."""
        key = (request.id, part.id)
        if key in self._busy or part.preservation in SETTLED:
            return
        self._busy.add(key)
        part.next_check_at = None
        try:
            if part.preservation is Preservation.PENDING:
                await self._async_start(request, part)
            else:
                await self._async_poll(request, part)
        finally:
            self._busy.discard(key)
            self._store.async_delay_save(self.book.to_dict, SAVE_DELAY_S)
            self._schedule()

    async def _async_start(self, request: FootageRequest, part: Part) -> None:
        coordinator = self._coordinator(part)
        if coordinator is None:
            self._retry(request, part, "server not loaded in Home Assistant", waiting=True)
            return
        client = coordinator.client
        window = request.window
        if part.availability is Availability.UNKNOWN:
            try:
                await self._async_assess(coordinator, request, part)
            except FrigateConnectionError as err:
                self._retry(request, part, str(err), waiting=True)
                return
            except FrigateError as err:
                # preserving matters more than knowing: export all the same
                _LOGGER.debug("Footage of %s/%s not assessed: %s", request.id, part.id, err)
        if part.availability in (Availability.NO_RECORDINGS, Availability.OVERWRITTEN):
            self._settle(request, part, Preservation.NO_FOOTAGE)
            return
        try:
            name = self._export_name(request, part)
            export_id = await client.async_start_export(
                part.frigate_name, window.start.timestamp(), window.end.timestamp(), name
            )
        except (FrigateRequestError, FrigateNotFoundError) as err:
            await self._async_retain_events(client, request, part, str(err))
            return
        except FrigateAuthError as err:
            if err.status == 403:
                await self._async_retain_events(client, request, part, str(err))
            else:
                self._retry(request, part, str(err))
            return
        except FrigateError as err:
            self._retry(request, part, str(err), waiting=isinstance(err, FrigateConnectionError))
            return
        now = dt_util.utcnow()
        part.preservation = Preservation.EXPORTING
        part.export_id = export_id
        part.export_started_at = now
        part.poll_errors = 0
        part.next_check_at = now + EXPORT_POLL_INTERVAL

    @staticmethod
    def _export_name(request: FootageRequest, part: Part) -> str:
        """How NCC finds its export again on Frigate 0.14, which answers without an id."""
        return f"NCC {request.id} {part.id}"

    async def _async_assess(
        self, coordinator: ServerCoordinator, request: FootageRequest, part: Part
    ) -> None:
        window = request.window
        snapshot = coordinator.data
        camera = snapshot.config.cameras.get(part.frigate_name) if snapshot is not None else None
        retention = None if camera is None else _footage_days(camera.retention)
        missing = await coordinator.client.async_get_unavailable(
            [part.frigate_name], window.start.timestamp(), window.end.timestamp()
        )
        assessment = assess_footage(
            window, dt_util.utcnow(), retention, [(gap.start_time, gap.end_time) for gap in missing]
        )
        part.availability = assessment.availability
        part.recorded_s = assessment.recorded_s
        part.overwrite_at = assessment.overwrite_at

    async def _async_retain_events(
        self, client: FrigateClient, request: FootageRequest, part: Part, why: str
    ) -> None:
        """No export possible: keep the events that overlap the window instead."""
        window = request.window
        start, end = window.start.timestamp(), window.end.timestamp()
        query = EventQuery(
            cameras=(part.frigate_name,), after=start - EVENT_LOOKBACK.total_seconds(), before=end
        )
        try:
            # every page of the window: a busy camera has more events than one answer holds
            overlapping = [
                event.id async for event in client.async_iter_events(query)
                if event.end_time is None or event.end_time >= start
            ]
            for event_id in overlapping:
                await client.async_retain_event(event_id)
        except FrigateError as err:
            self._retry(request, part, str(err), waiting=isinstance(err, FrigateConnectionError))
            return
        part.last_error = why
        part.retained_event_ids = tuple(overlapping)
        self._settle(
            request, part, Preservation.EVENTS_RETAINED if overlapping else Preservation.NOT_POSSIBLE
        )

    async def _async_poll(self, request: FootageRequest, part: Part) -> None:
        now = dt_util.utcnow()
        coordinator = self._coordinator(part)
        if coordinator is None:
            self._poll_later(request, part, "server not loaded in Home Assistant")
            return
        client = coordinator.client
        try:
            export = await self._async_export_of(client, request, part)
        except FrigateNotFoundError:
            started = part.export_started_at or now
            if now - started < EXPORT_ROW_GRACE:
                part.next_check_at = now + EXPORT_POLL_INTERVAL
                return
            # Frigate dropped it: the export failed, or the server restarted mid-export
            part.preservation = Preservation.PENDING
            part.export_id = None
            part.export_started_at = None
            self._retry(request, part, "the export disappeared from Frigate before it finished")
            return
        except FrigateError as err:
            self._poll_later(request, part, str(err))
            if isinstance(err, FrigateConnectionError):
                self._waiting.setdefault(part.server_id or "", set()).add((request.id, part.id))
            return
        if part.failing:
            ir.async_delete_issue(self._hass, DOMAIN, self._issue_id(request, part))
        part.poll_errors = 0
        if export.in_progress:
            part.next_check_at = now + EXPORT_POLL_INTERVAL
            return
        part.preserved_at = now
        part.last_error = ""
        self._settle(request, part, Preservation.PRESERVED)

    async def _async_export_of(
        self, client: FrigateClient, request: FootageRequest, part: Part
    ) -> FrigateExport:
        """The part's export; found by its name on Frigate 0.14, which gives no id at the start."""
        if part.export_id is not None:
            return await client.async_get_export(part.export_id)
        name = self._export_name(request, part)
        for export in await client.async_get_exports():
            if export.name == name:
                part.export_id = export.id
                return export
        raise FrigateNotFoundError(f"no export named {name} yet")

    def _poll_later(self, request: FootageRequest, part: Part, error: str) -> None:
        part.poll_errors += 1
        part.last_error = error
        part.next_check_at = dt_util.utcnow() + max(
            EXPORT_POLL_INTERVAL, retry_delay(part.poll_errors, RETRY_BASE_DELAY, RETRY_MAX_DELAY)
        )
        # an export Frigate may still be writing, on a server that stays unreachable
        if part.failing:
            self._report_failing(request, part, part.poll_errors, error)

    def _retry(self, request: FootageRequest, part: Part, error: str, *, waiting: bool = False) -> None:
        part.attempts += 1
        part.last_error = error
        part.next_check_at = dt_util.utcnow() + retry_delay(part.attempts, RETRY_BASE_DELAY, RETRY_MAX_DELAY)
        if waiting and part.server_id is not None:
            self._waiting.setdefault(part.server_id, set()).add((request.id, part.id))
        _LOGGER.debug("Preservation of %s/%s failed (attempt %s): %s",
                      request.id, part.id, part.attempts, error)
        if part.failing:
            self._report_failing(request, part, part.attempts, error)

    def _report_failing(self, request: FootageRequest, part: Part, attempts: int, error: str) -> None:
        """A repair issue while the part keeps failing; an event when it starts to."""
        ir.async_create_issue(
            self._hass, DOMAIN, self._issue_id(request, part), is_fixable=False,
            severity=ir.IssueSeverity.ERROR, translation_key="footage_preservation_failing",
            translation_placeholders={
                "request": request.id, "camera": part.camera_name,
                "attempts": str(attempts), "error": error,
            },
        )
        if attempts == REPAIR_AFTER_ATTEMPTS:
            self._fire(EventType.PRESERVATION_FAILED, request, [part], attempts=attempts)
            self._notify()

    @staticmethod
    def _issue_id(request: FootageRequest, part: Part) -> str:
        return f"footage_preservation_{request.id}_{part.id}"

    def _settle(self, request: FootageRequest, part: Part, state: Preservation) -> None:
        part.preservation = state
        part.next_check_at = None
        ir.async_delete_issue(self._hass, DOMAIN, self._issue_id(request, part))
        if state in (Preservation.PRESERVED, Preservation.EVENTS_RETAINED):
            self._fire(EventType.PRESERVED, request, [part], preservation=state.value)
        self._notify()

    # -------------------------------------------------------------------- housekeeping

    @callback
    def _on_housekeeping(self, _now: datetime) -> None:
        self._spawn(self.async_housekeeping())

    async def async_housekeeping(self) -> None:
        """Deadline events, expiry of kept evidence, Frigate clean-up left over."""
        changed = self._check_deadlines()
        now = dt_util.utcnow()
        for request in self.book.expiring(now):
            await self._async_expire(request)  # saves the book itself
        for request in self.book.requests.values():
            if request.expired_at is not None and any(part.needs_cleanup for part in request.parts):
                changed = await self._async_clean_frigate(request) or changed
        if changed:
            await self._async_save()
        # due soon and overdue change with the date, not only with the requests
        self._notify()

    def _check_deadlines(self) -> bool:
        changed = False
        for request in self.book.requests.values():
            state = self.due_state(request)
            if state not in (DueState.DUE_SOON, DueState.OVERDUE):
                continue
            assert request.due is not None
            notice = f"{state.value}:{request.due.isoformat()}"
            if request.due_notice == notice:
                continue
            request.due_notice = notice
            changed = True
            self._hass.bus.async_fire(EVENT_FOOTAGE_REQUEST_DUE, {
                "request_id": request.id,
                "agency_ids": request.undecided_owner_ids(),
                "requesting_agency_id": request.requesting_agency_id,
                "due": request.due.isoformat(),
                "state": state.value,
            })
        return changed

    async def _async_expire(self, request: FootageRequest) -> None:
        from .city import SYSTEM_ACTOR  # the city imports this module's set-up

        await self._async_clean_frigate(request)
        await self._hass.async_add_executor_job(
            lambda: shutil.rmtree(self.evidence_dir(request), ignore_errors=True)
        )
        for part in request.parts:
            ir.async_delete_issue(self._hass, DOMAIN, self._issue_id(request, part))
            part.next_check_at = None
        self.book.expire(request, dt_util.utcnow())
        await self._async_save()
        await self._async_audit(SYSTEM_ACTOR, "footage.expire", request, details={
            "frigate_cleanup_pending": sum(part.needs_cleanup for part in request.parts),
            # never fully decided: dropped `open_request_keep_days` after intake
            "undecided": request.keep_until is None,
        })

    async def _async_clean_frigate(self, request: FootageRequest) -> bool:
        """Delete the request's exports and release its retained events; what fails waits."""
        changed = False
        for part in request.parts:
            coordinator = self._coordinator(part)
            if not part.needs_cleanup or coordinator is None:
                continue
            client = coordinator.client
            try:
                if part.export_id is not None:
                    await _ignore_missing(client.async_delete_export(part.export_id))
                for event_id in part.retained_event_ids:
                    await _ignore_missing(client.async_unretain_event(event_id))
            except FrigateError as err:
                _LOGGER.debug("Clean-up of %s/%s in Frigate waits: %s", request.id, part.id, err)
                continue
            part.cleaned_up = True
            changed = True
        return changed

    # ------------------------------------------------------------------------ helpers

    async def _async_save(self) -> None:
        await self._store.async_save(self.book.to_dict())

    async def _async_audit(
        self, actor: Actor, action: str, request: FootageRequest, *, camera_id: str | None = None,
        reason: str | None = None, details: Mapping[str, Any] | None = None,
    ) -> None:
        await self._city.audit.async_record(
            actor, action, "footage_request", request.id, camera_id=camera_id, reason=reason,
            details=dict(details or {}),
        )

    def _fire(self, event_type: EventType, request: FootageRequest, parts: Sequence[Part],
              **extra: Any) -> None:
        """An event for automations: ids and states only, never personal data."""
        self._hass.bus.async_fire(EVENT_FOOTAGE_REQUEST, {
            "type": event_type.value,
            "request_id": request.id,
            "agency_ids": sorted({part.owner_agency_id for part in parts}),
            "camera_ids": [part.camera_id for part in parts],
            "part_ids": [part.id for part in parts],
            "requesting_agency_id": request.requesting_agency_id,
            **extra,
        })

    @callback
    def _notify(self) -> None:
        async_dispatcher_send(self._hass, SIGNAL_FOOTAGE_CHANGED)


async def _ignore_missing(call: Coroutine[Any, Any, None]) -> None:
    try:
        await call
    except FrigateNotFoundError:
        return


async def async_setup_footage(hass: HomeAssistant, city: CityRuntime) -> None:
    """Load the requests and the signing key, resume preservation, publish the download view."""
    from .views import EvidenceDownloadView  # views find the desk through the city

    store = FootageStore(hass)
    try:
        book = await store.async_load_book()
    except NccError as err:
        raise ConfigEntryError(
            translation_domain=DOMAIN, translation_key=str(err.key),
            translation_placeholders=err.placeholders,
        ) from err
    key = await async_load_signing_key(hass)
    desk = FootageDesk(hass, city, store, book, key)
    city.footage = desk
    if not hass.data.get(_VIEWS_REGISTERED):
        hass.http.register_view(EvidenceDownloadView())
        hass.data[_VIEWS_REGISTERED] = True
    desk.async_start()
    city.add_stop_callback(desk.async_stop)


def _city_sensor(key: str, due: DueState | None) -> CitySensorDescription:
    return CitySensorDescription(
        key=key, translation_key=key, state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda city: city.footage.count(due=due),
        update_signal=SIGNAL_FOOTAGE_CHANGED,
    )


def _agency_sensor(key: str, due: DueState | None) -> AgencySensorDescription:
    return AgencySensorDescription(
        key=key, translation_key=key, state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda city, agency_id: city.footage.count(due=due, agency_id=agency_id),
        update_signal=SIGNAL_FOOTAGE_CHANGED,
    )


_SENSOR_KINDS: Final[Sequence[tuple[str, DueState | None]]] = (
    ("footage_requests_open", None),
    ("footage_requests_due_soon", DueState.DUE_SOON),
    ("footage_requests_overdue", DueState.OVERDUE),
)
FOOTAGE_CITY_SENSORS: tuple[CitySensorDescription, ...] = tuple(
    _city_sensor(key, due) for key, due in _SENSOR_KINDS
)
# per owner agency: open requests waiting for its decision
FOOTAGE_AGENCY_SENSORS: tuple[AgencySensorDescription, ...] = tuple(
    _agency_sensor(key, due) for key, due in _SENSOR_KINDS
)

