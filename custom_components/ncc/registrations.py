"""Private camera registrations in Home Assistant: the store, joining and leaving the registry,
the daily expiry check, reminders and sensors.

The domain (`core/registration.py`) decides which transition is allowed; the `RegistrationDesk`
here carries them out: on approval it creates (or reuses) the owner's agency, its site and its
cameras, connects the owner's Frigate through NCC's own config flow (tiers `on_request` and
`live`), and gives the city's operating agency the tier's privileges; on withdrawal or expiry it
revokes every grant on those cameras and removes them, so nothing of them stays in the registry
or in `recorded_streams()`. Each step is saved, then audited, before the caller hears back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from contextlib import AsyncExitStack
from datetime import date, datetime
import logging
from typing import TYPE_CHECKING, Any, Final
import weakref

from homeassistant.components.sensor import SensorStateClass
from homeassistant.config_entries import ConfigEntry, ConfigEntryDisabler
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ConfigEntryError
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_track_time_change
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .const import (
    CONF_AGENCY_ID,
    CONF_CITY_BOUNDS,
    CONF_ENTRY_TYPE,
    CONF_PASSWORD,
    CONF_SERVER_ID,
    CONF_SERVER_NAME,
    CONF_URL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
    DOMAIN,
    ENTRY_TYPE_CITY,
    ENTRY_TYPE_SERVER,
    EVENT_REGISTRATION_EXPIRING,
    REGISTRATION_CHECK_HOUR,
    REGISTRATION_CHECK_MINUTE,
    SIGNAL_REGISTRATIONS_CHANGED,
    SOURCE_REGISTRATION,
)
from .core.agencies import Agency, AgencyKind
from .core.cameras import AreaType, CameraPurpose
from .core.errors import ConflictError, ErrorKey, NccError, ValidationError, slugify, unique_id
from .core.grants import GrantScope
from .core.permissions import Actor
from .core.registration import (
    JOINED_STATES,
    PENDING_STATES,
    TIER_PRIVILEGES,
    Application,
    CityBounds,
    Party,
    Registration,
    RegistrationBook,
    RegistrationKey,
    RegistrationState,
    SharingTier,
    Transition,
    activate,
    approve,
    ends_soon,
    expire,
    expiry_reminder_due,
    is_over,
    joined,
    left,
    reject,
    reminder_sent,
    renew,
    resume,
    start_review,
    submit,
    suspend,
    withdraw,
)
from .core.registry import Change, Operation, Registry
from .core.streams import CameraStream
from .entity import CitySensorDescription

if TYPE_CHECKING:
    from .city import CityRuntime

_LOGGER = logging.getLogger(__name__)

REGISTRATIONS_KEY: Final = f"{DOMAIN}.registrations"
# config flow abort reasons -> what the reviewer is told
_ABORT_KEYS: Final[Mapping[str, RegistrationKey]] = {
    "cannot_connect": RegistrationKey.SERVER_UNREACHABLE,
    "invalid_auth": RegistrationKey.SERVER_AUTH_FAILED,
    "unsupported_version": RegistrationKey.SERVER_UNSUPPORTED,
    "already_configured": RegistrationKey.SERVER_TAKEN,
}

# The desk of each live registry, so guards (which see the registry) find the registrations.
_DESKS: weakref.WeakKeyDictionary[Registry, RegistrationDesk] = weakref.WeakKeyDictionary()


def desk_for(registry: Registry) -> RegistrationDesk | None:
    """The registration desk working on `registry`, if the city runs one."""
    return _DESKS.get(registry)


class RegistrationStore(Store[dict[str, Any]]):
    """The registrations' JSON file; the one place their credentials are kept."""

    def __init__(self, hass: HomeAssistant) -> None:
        super().__init__(hass, RegistrationBook.STORAGE_VERSION, REGISTRATIONS_KEY, atomic_writes=True)

    async def async_load_book(self) -> RegistrationBook:
        """The stored registrations, or none; damaged data raises and is left untouched."""
        data = await self.async_load()
        return RegistrationBook() if data is None else RegistrationBook.from_dict(data)


class RegistrationDesk:
    """The registrations of one running city, and everything they do to its registry."""

    def __init__(
        self, hass: HomeAssistant, city: CityRuntime, store: RegistrationStore, book: RegistrationBook
    ) -> None:
        self._hass = hass
        self._city = city
        self._store = store
        self._book = book
        # one change at a time: approvals wait for config flows and must not interleave
        self._lock = asyncio.Lock()
        self._unsubscribe: list[CALLBACK_TYPE] = []
        self._handling: set[str] = set()
        self._stopped = False

    # ------------------------------------------------------------------------------------ reads

    @property
    def registrations(self) -> Mapping[str, Registration]:
        """Every registration by number."""
        return self._book.registrations

    def get(self, registration_id: str) -> Registration:
        """The registration `registration_id`; NotFoundError if there is none."""
        return self._book.get(registration_id)

    def pending_review(self) -> int:
        """Applications waiting for or in review."""
        return sum(1 for reg in self._book.registrations.values() if reg.state in PENDING_STATES)

    def expiring(self) -> int:
        """Joined registrations whose agreement ends within the reminder period."""
        today = _today()
        return sum(1 for reg in self._book.registrations.values() if ends_soon(reg, today))

    def active_cameras(self, tier: SharingTier) -> int:
        """Cameras of active registrations at `tier` that are in the registry."""
        cameras = self._city.registry.cameras
        return sum(
            1
            for reg in self._book.registrations.values()
            if reg.state is RegistrationState.ACTIVE and reg.tier is tier
            for camera_id in reg.camera_ids
            if camera_id in cameras
        )

    def recorded_streams(self) -> list[CameraStream]:
        """The streams a city Frigate server should record: active `recorded` registrations only.

        Suspended, expired, withdrawn and rejected registrations contribute nothing, so a
        generated configuration drops their cameras. Credentials travel as secrets.
        """
        cameras = self._city.registry.cameras
        streams: list[CameraStream] = []
        for reg in self._book.registrations.values():
            if not reg.recorded_by_city:
                continue
            for camera in reg.cameras:
                record = cameras.get(camera.camera_id or "")
                if record is None or camera.stream is None:
                    continue
                streams.append(
                    CameraStream(
                        camera_id=record.id,
                        name=camera.name,
                        owner_agency_id=record.owner_agency_id,
                        purpose=record.purpose,
                        url=camera.stream.url,
                        site_id=record.site_id,
                        area_type=record.area_type,
                        username=camera.stream.username,
                        password=camera.stream.password,
                    )
                )
        return sorted(streams, key=lambda stream: stream.camera_id)

    def withheld_cameras(self) -> frozenset[str]:
        """Registered cameras no city Frigate server may record now, whatever the stream book
        holds for them: those of registrations not active at tier `recorded` (suspended ones,
        tiers that share no stream, cameras an ended registration still keeps for open work)."""
        registrations = self._book.registrations.values()
        recorded = {
            camera_id for reg in registrations if reg.recorded_by_city for camera_id in reg.camera_ids
        }
        listed = {camera_id for reg in registrations for camera_id in reg.camera_ids}
        return frozenset(listed - recorded)

    def check_recordable(self, camera_id: str) -> None:
        """Refuse a city stream for a registered camera the city may not record under its agreement:
        a registration at a tier that shares no stream, or one that has ended (its cameras are on
        their way out). A suspended `recorded` registration's camera may get one; it waits."""
        for reg in self._book.registrations.values():
            if camera_id in reg.camera_ids and not (reg.tier.uses_streams and reg.state in JOINED_STATES):
                record = self._city.registry.cameras.get(camera_id)
                raise ValidationError(
                    RegistrationKey.CAMERA_NOT_RECORDED, field="camera_id",
                    camera=camera_id if record is None else record.name,
                    registration=reg.id, tier=reg.tier, state=reg.state,
                )

    def diagnostics(self) -> dict[str, Any]:
        """Counts only: no names, contacts or credentials."""
        by_state: dict[str, int] = {}
        by_tier: dict[str, int] = {}
        for reg in self._book.registrations.values():
            by_state[reg.state.value] = by_state.get(reg.state.value, 0) + 1
            by_tier[reg.tier.value] = by_tier.get(reg.tier.value, 0) + 1
        return {"registrations": len(self._book.registrations), "by_state": by_state, "by_tier": by_tier}

    # ------------------------------------------------------------------------- life cycle

    @callback
    def async_start(self) -> None:
        _DESKS[self._city.registry] = self
        self._unsubscribe.append(self._city.registry.add_listener(self._on_registry_change))
        self._unsubscribe.append(
            async_track_time_change(
                self._hass, self._on_daily_check,
                hour=REGISTRATION_CHECK_HOUR, minute=REGISTRATION_CHECK_MINUTE, second=0,
            )
        )
        self._city.add_open_work_provider(self._open_work)
        # HA may have been down at the daily check time
        self._hass.async_create_task(self.async_daily_check(), eager_start=False)

    async def async_stop(self) -> None:
        self._stopped = True
        while self._unsubscribe:
            self._unsubscribe.pop()()
        async with self._lock:  # let a running change finish before the registry closes
            _DESKS.pop(self._city.registry, None)

    def _open_work(self, kind: str, target_id: str) -> Iterable[str]:
        """Registered cameras and their owners are removed by withdrawing, not by hand.

        Registrations the desk is changing itself (`_handling`) hold nothing against it.
        """
        for reg in self._book.registrations.values():
            if reg.id in self._handling or not reg.camera_ids:
                continue
            if (kind == "camera" and target_id in reg.camera_ids) or (
                kind == "agency" and target_id == reg.agency_id
            ):
                yield f"{reg.id} ({reg.state.value})"

    # ---------------------------------------------------------------------------- actions

    async def async_submit(self, actor: Actor, application: Application) -> Registration:
        """File an application; returns it in state `submitted` with its number."""
        registry = self._city.registry
        if application.received_by is not None:
            desk = registry.get_agency(application.received_by)
            if desk.kind is not AgencyKind.CITY_DEPARTMENT:
                raise ValidationError(
                    RegistrationKey.DESK_NOT_CITY, field="received_by_agency_id", agency=desk.name
                )
        self._check_agency_code(application.agency_code)
        async with self._lock:
            now = dt_util.utcnow()
            registration = submit(
                application,
                number=self._book.next_number(dt_util.as_local(now).year),
                now=now,
                by=actor.user_id,
                today=_today(),
                bounds=self._city_bounds(),
            )
            self._book.add(registration)
            await self._async_save()
            await self._async_audit(actor, registration, Transition.SUBMIT, details={
                "business": application.business_name,
                "tier": application.tier.value,
                "cameras": len(application.cameras),
                "valid_until": application.valid_until.isoformat(),
            })
            self._notify()
        return registration

    async def async_start_review(self, actor: Actor, registration_id: str) -> Registration:
        async with self._lock:
            current = self._book.get(registration_id)
            registration = start_review(current, now=dt_util.utcnow(), by=actor.user_id)
            await self._async_commit(actor, registration, Transition.START_REVIEW)
        return registration

    async def async_reject(self, actor: Actor, registration_id: str, reason: str) -> Registration:
        async with self._lock:
            registration = reject(
                self._book.get(registration_id), now=dt_util.utcnow(), by=actor.user_id, reason=reason
            )
            await self._async_commit(
                actor, registration, Transition.REJECT, reason=registration.last_step.reason
            )
        return registration

    async def async_approve(self, actor: Actor, registration_id: str) -> Registration:
        """Approve, then join: the owner's agency, site and cameras, and the tier's grant."""
        async with self._lock:
            current = self._book.get(registration_id)
            approved = approve(current, now=dt_util.utcnow(), by=actor.user_id, today=_today())
            self._check_agency_code(approved.application.agency_code)
            registration, details = await self._async_join(actor, approved)
            await self._async_commit(actor, registration, Transition.APPROVE, details=details)
            if registration.state is RegistrationState.ACTIVE:
                await self._async_audit(actor, registration, Transition.ACTIVATE)
        return registration

    async def async_suspend(
        self, actor: Actor, registration_id: str, reason: str, party: Party
    ) -> Registration:
        async with self._lock:
            registration = suspend(
                self._book.get(registration_id), now=dt_util.utcnow(), by=actor.user_id,
                reason=reason, party=party,
            )
            await self._async_set_server_enabled(registration, enabled=False)
            await self._async_commit(actor, registration, Transition.SUSPEND,
                                     reason=registration.last_step.reason, details={"by": party.value})
        return registration

    async def async_resume(self, actor: Actor, registration_id: str, reason: str = "") -> Registration:
        async with self._lock:
            registration = resume(
                self._book.get(registration_id), now=dt_util.utcnow(), by=actor.user_id, reason=reason
            )
            await self._async_set_server_enabled(registration, enabled=True)
            await self._async_commit(actor, registration, Transition.RESUME, reason=reason or None)
        return registration

    async def async_renew(self, actor: Actor, registration_id: str, valid_until: date) -> Registration:
        """Extend the agreement; an expired registration joins the registry again."""
        async with self._lock:
            current = self._book.get(registration_id)
            registration = renew(
                current, now=dt_util.utcnow(), by=actor.user_id, valid_until=valid_until, today=_today()
            )
            details: dict[str, Any] = {
                "from": current.valid_until.isoformat(), "to": valid_until.isoformat(),
            }
            if current.state is RegistrationState.EXPIRED:
                self._check_agency_code(registration.application.agency_code)
                registration, joined_details = await self._async_join(actor, registration)
                details |= joined_details
            await self._async_commit(actor, registration, Transition.RENEW, details=details)
            if registration.state is RegistrationState.ACTIVE and current.state is RegistrationState.EXPIRED:
                await self._async_audit(actor, registration, Transition.ACTIVATE)
        return registration

    async def async_withdraw(self, actor: Actor, registration_id: str, reason: str = "") -> Registration:
        """The owner leaves: every grant on its cameras revoked, the cameras and server removed."""
        async with self._lock:
            current = self._book.get(registration_id)
            registration = withdraw(current, now=dt_util.utcnow(), by=actor.user_id, reason=reason)
            registration, details = await self._async_leave(actor, registration, strict=True)
            await self._async_commit(actor, registration, Transition.WITHDRAW,
                                     reason=reason or None, details=details)
        return registration

    # ------------------------------------------------------------------- daily check, reminders

    @callback
    def _on_daily_check(self, _now: datetime) -> None:
        self._hass.async_create_task(self.async_daily_check(), eager_start=False)

    async def async_daily_check(self) -> None:
        """Expire ended agreements, finish leaving what open work held back, send reminders."""
        from .city import SYSTEM_ACTOR  # the city imports this module's set-up

        async with self._lock:
            if self._stopped:
                return
            today = _today()
            for registration in list(self._book.registrations.values()):
                if is_over(registration, today):
                    expired = expire(registration, now=dt_util.utcnow(), today=today)
                    expired, details = await self._async_leave(SYSTEM_ACTOR, expired, strict=False)
                    await self._async_commit(SYSTEM_ACTOR, expired, Transition.EXPIRE, details=details)
                    self._fire_expiring(expired, today)
                    _LOGGER.info(
                        "Registration %s expired: %s cameras removed, %s kept for open work",
                        expired.id, len(details["cameras_removed"]), len(details["cameras_kept"]),
                    )
                elif registration.state is RegistrationState.EXPIRED and registration.camera_ids:
                    remaining, details = await self._async_leave(SYSTEM_ACTOR, registration, strict=False)
                    await self._async_keep(SYSTEM_ACTOR, remaining, "registration.leave", details)
                elif expiry_reminder_due(registration, today):
                    reminded = reminder_sent(registration)
                    await self._async_keep(SYSTEM_ACTOR, reminded, "registration.remind", {
                        "valid_until": reminded.valid_until.isoformat(),
                        "days_left": reminded.days_left(today),
                    })
                    self._fire_expiring(reminded, today)
        # the number of agreements ending soon moves with the date alone
        self._notify()

    def _fire_expiring(self, registration: Registration, today: date) -> None:
        """The event automations remind the owner and the city with; no personal data in it."""
        self._hass.bus.async_fire(EVENT_REGISTRATION_EXPIRING, {
            "registration_id": registration.id,
            "business": registration.application.business_name,
            "agency_id": registration.agency_id,
            "expires": registration.valid_until.isoformat(),
            "days_left": registration.days_left(today),
            "state": "expired" if registration.state is RegistrationState.EXPIRED else "expiring",
        })

    # ------------------------------------------------------------------------- joining

    def _check_agency_code(self, code: str) -> None:
        agency = self._city.registry.find_agency_by_code(code)
        if agency is not None and agency.kind is not AgencyKind.PRIVATE_OWNER:
            raise ConflictError(RegistrationKey.AGENCY_CODE_TAKEN, field="agency_code", code=code,
                                agency=agency.name)

    async def _async_join(
        self, actor: Actor, registration: Registration
    ) -> tuple[Registration, dict[str, Any]]:
        """Bring an approved registration's records into the registry: all of them, or none."""
        self._handling.add(registration.id)
        try:
            linked, grant_id = await self._async_join_records(actor, registration)
        finally:
            self._handling.discard(registration.id)
        if len(linked.camera_ids) == len(linked.cameras):
            linked = activate(linked, now=dt_util.utcnow(), by=actor.user_id)
        details = {
            "agency": linked.agency_id, "site": linked.site_id, "server": linked.server_id,
            "cameras": list(linked.camera_ids), "grant": grant_id,
        }
        return linked, details

    async def _async_join_records(
        self, actor: Actor, registration: Registration
    ) -> tuple[Registration, str | None]:
        registry = self._city.registry
        app = registration.application
        async with AsyncExitStack() as undo:
            agency = self._owner_agency(registration, undo)
            site_id = registration.site_id
            if site_id is None or site_id not in registry.sites:
                site = registry.create_site(
                    name=app.business_name, latitude=app.latitude, longitude=app.longitude,
                    address=app.address, agency_id=agency.id,
                )
                undo.callback(registry.delete_site, site.id)
                site_id = site.id
            server_id = registration.server_id if self._server_entry(registration.server_id) else None
            if app.tier.uses_owner_server and server_id is None:
                entry = await self._async_connect_server(registration, agency)
                undo.push_async_callback(self._async_remove_server, entry.data[CONF_SERVER_ID], agency.id)
                server_id = str(entry.data[CONF_SERVER_ID])
            linked = joined(registration, agency_id=agency.id, site_id=site_id, server_id=server_id,
                            camera_ids=[camera.camera_id for camera in registration.cameras])
            linked = self._link_cameras(actor, linked, undo)
            grant_id = self._grant_tier(actor, linked)
            undo.pop_all()
        return linked, grant_id

    def _owner_agency(self, registration: Registration, undo: AsyncExitStack) -> Agency:
        """The private owner's agency, created on first approval and reused after."""
        registry = self._city.registry
        app = registration.application
        agency = registry.find_agency_by_code(app.agency_code)
        if agency is None:
            agency = registry.create_agency(
                code=app.agency_code, name=app.legal_entity, kind=AgencyKind.PRIVATE_OWNER,
                contacts=[app.contact],
            )
            undo.callback(registry.delete_agency, agency.id)
        elif app.contact not in agency.contacts:
            previous = agency.contacts
            agency = registry.update_agency(agency.id, contacts=[*agency.contacts, app.contact])
            undo.callback(registry.update_agency, agency.id, contacts=previous)
        return agency

    def _link_cameras(self, actor: Actor, registration: Registration, undo: AsyncExitStack) -> Registration:
        """Each camera's registry record: its feed from the owner's Frigate when that reports it,
        otherwise a registry-only record (except at tier live, which waits for the feed)."""
        registry = self._city.registry
        agency_id = registration.agency_id or ""
        site_id = registration.site_id or ""
        ids: list[str | None] = []
        for camera in registration.cameras:
            current = camera.camera_id if camera.camera_id in registry.cameras else None
            feed = (
                f"{registration.server_id}/{camera.frigate_camera}"
                if registration.server_id and camera.frigate_camera else None
            )
            if feed is not None and feed in registry.cameras and current != feed:
                if current is not None and self._city.open_work_for_camera(current):
                    ids.append(current)  # a placeholder still in use moves to its feed later
                    continue
                registry.assign_camera(
                    feed, owner_agency_id=agency_id, site_id=site_id, name=camera.name,
                    purpose=CameraPurpose.PRIVATE_PREMISES, area_type=camera.area_type,
                    bearing=camera.bearing, retention_days=camera.retention_days,
                )
                if current is not None:
                    self._move_camera_grants(actor, current, feed)
                    registry.remove_camera(current)
                ids.append(feed)
            elif current is not None:
                ids.append(current)
            elif registration.tier is SharingTier.LIVE:
                ids.append(None)
            else:
                record = registry.add_registry_camera(
                    name=camera.name, owner_agency_id=agency_id,
                    purpose=CameraPurpose.PRIVATE_PREMISES,
                    area_type=camera.area_type or AreaType.PRIVATE_FACING_PUBLIC,
                    site_id=site_id, bearing=camera.bearing, retention_days=camera.retention_days,
                    slug=self._placeholder_slug(registration, camera.name),
                )
                undo.callback(registry.remove_camera, record.id)
                if camera.area_type is None:
                    # adding takes an area type; a camera not facing the public has none
                    registry.assign_camera(record.id, area_type=None)
                ids.append(record.id)
        return joined(registration, agency_id=agency_id, site_id=site_id,
                      server_id=registration.server_id, camera_ids=ids)

    def _placeholder_slug(self, registration: Registration, camera_name: str) -> str:
        taken = {camera_id.partition("/")[2] for camera_id in self._city.registry.cameras}
        base = slugify(f"{registration.application.agency_code} {camera_name}")[:56].rstrip("-")
        return unique_id(base or "camera", taken, "-")

    def _move_camera_grants(self, actor: Actor, old_id: str, new_id: str) -> None:
        """Grants on a registry-only placeholder follow the camera to its feed."""
        registry = self._city.registry
        now = registry.now()
        for grant in list(registry.grants.values()):
            if grant.scope is not GrantScope.CAMERA or grant.scope_id != old_id or not grant.is_live(now):
                continue
            registry.create_grant(
                owner_agency_id=grant.owner_agency_id, grantee_agency_id=grant.grantee_agency_id,
                privileges=grant.privileges, scope=GrantScope.CAMERA, scope_id=new_id,
                until=grant.until, emergency_only=grant.emergency_only, created_by=actor.user_id,
                reason=grant.reason,
            )
            registry.revoke_grant(grant.id, revoked_by=actor.user_id, reason=f"moved to {new_id}")

    def _grant_tier(self, actor: Actor, registration: Registration) -> str | None:
        """The city's operating agency gets the tier's privileges on the registration's site."""
        registry = self._city.registry
        privileges = TIER_PRIVILEGES[registration.tier]
        operating = self._city.operating_agency_id
        if not privileges or operating is None or operating == registration.agency_id:
            return None
        grant = registry.create_grant(
            owner_agency_id=registration.agency_id or "", grantee_agency_id=operating,
            privileges=privileges, scope=GrantScope.SITE, scope_id=registration.site_id,
            created_by=actor.user_id, reason=f"{registration.id}: tier {registration.tier.value}",
        )
        return grant.id

    # ------------------------------------------------------------------ the owner's Frigate

    def _server_entry(self, server_id: str | None) -> ConfigEntry | None:
        if server_id is None:
            return None
        return next(
            (
                entry for entry in self._hass.config_entries.async_entries(DOMAIN)
                if entry.data.get(CONF_ENTRY_TYPE) == ENTRY_TYPE_SERVER
                and entry.data.get(CONF_SERVER_ID) == server_id
            ),
            None,
        )

    async def _async_connect_server(self, registration: Registration, agency: Agency) -> ConfigEntry:
        """Add the owner's Frigate as a server entry of the owner's agency, through the config flow."""
        app = registration.application
        server = app.owner_server
        assert server is not None  # the application requires one at this tier
        result = await self._hass.config_entries.flow.async_init(
            DOMAIN,
            context={"source": SOURCE_REGISTRATION},
            data={
                CONF_SERVER_NAME: f"{app.business_name} {registration.id}",
                CONF_URL: server.url,
                CONF_USERNAME: server.username,
                CONF_PASSWORD: server.password,
                CONF_VERIFY_SSL: server.verify_ssl,
                CONF_AGENCY_ID: agency.id,
            },
        )
        if result["type"] is not FlowResultType.CREATE_ENTRY:
            reason = str(result.get("reason", ""))
            raise ValidationError(
                _ABORT_KEYS.get(reason, RegistrationKey.SERVER_UNREACHABLE),
                field="frigate_url", server=app.business_name,
            )
        entry: ConfigEntry = result["result"]
        return entry

    async def _async_remove_server(self, server_id: str, agency_id: str) -> list[str]:
        """Remove the owner's server entry and its cameras' records; returns what stayed (open work)."""
        if (entry := self._server_entry(server_id)) is not None:
            await self._hass.config_entries.async_remove(entry.entry_id)
        registry = self._city.registry
        prefix = f"{server_id}/"
        ids = sorted(camera_id for camera_id in registry.cameras if camera_id.startswith(prefix))
        if ids and agency_id in registry.agencies:
            # the server is gone: it reports none of its cameras any more
            registry.sync_server_cameras(server_id, agency_id, [])
        kept = []
        for camera_id in ids:
            if self._city.open_work_for_camera(camera_id):
                kept.append(camera_id)
            else:
                registry.remove_camera(camera_id)
        return kept

    async def _async_set_server_enabled(self, registration: Registration, *, enabled: bool) -> None:
        """A suspended registration's Frigate is disabled (nothing polled or shown) until resumed."""
        if (entry := self._server_entry(registration.server_id)) is None:
            return
        await self._hass.config_entries.async_set_disabled_by(
            entry.entry_id, None if enabled else ConfigEntryDisabler.USER
        )

    # --------------------------------------------------------------------------- leaving

    async def _async_leave(
        self, actor: Actor, registration: Registration, *, strict: bool
    ) -> tuple[Registration, dict[str, Any]]:
        """Revoke every grant on the registration's cameras, remove them, its server and site.

        `strict` (withdrawal) refuses while open work holds a camera; otherwise (expiry) such
        cameras stay until the next daily check finds them free.
        """
        registry = self._city.registry
        self._handling.add(registration.id)
        try:
            prefix = f"{registration.server_id}/"
            server_cameras = (
                [camera_id for camera_id in registry.cameras if camera_id.startswith(prefix)]
                if registration.server_id else []
            )
            ids = sorted({*registration.camera_ids, *server_cameras} & set(registry.cameras))
            blocked = {camera_id: self._city.open_work_for_camera(camera_id) for camera_id in ids}
            blocked = {camera_id: work for camera_id, work in blocked.items() if work}
            if blocked and strict:
                raise ConflictError(
                    ErrorKey.OPEN_WORK, target=registration.id,
                    open_work="; ".join(item for work in blocked.values() for item in work),
                )
            revoked = self._revoke_grants(actor, registration, ids)
            kept: list[str] = []
            if registration.server_id is not None and registration.agency_id is not None:
                kept = await self._async_remove_server(registration.server_id, registration.agency_id)
            for camera_id in ids:
                if camera_id in registry.cameras and camera_id not in kept:
                    if camera_id in blocked:
                        kept.append(camera_id)
                    else:
                        registry.remove_camera(camera_id)
            site_removed = self._remove_site(registration) if not kept else False
        finally:
            self._handling.discard(registration.id)
        details = {
            "cameras_removed": [camera_id for camera_id in ids if camera_id not in kept],
            "cameras_kept": sorted(kept), "grants_revoked": revoked,
            "server": registration.server_id, "site_removed": site_removed,
        }
        return left(registration, kept_camera_ids=kept), details

    def _revoke_grants(self, actor: Actor, registration: Registration, camera_ids: list[str]) -> list[str]:
        """Every live grant of the owner covering these cameras: by camera, by site, or all of
        them when the owner has no other registration in the registry."""
        registry = self._city.registry
        owner = registration.agency_id
        if owner is None:
            return []
        others = any(
            reg.id != registration.id and reg.agency_id == owner and reg.camera_ids
            for reg in self._book.registrations.values()
        )
        now = registry.now()
        revoked = []
        for grant in list(registry.grants.values()):
            if not grant.is_live(now) or grant.owner_agency_id != owner:
                continue
            covers = (
                (grant.scope is GrantScope.CAMERA and grant.scope_id in camera_ids)
                or (grant.scope is GrantScope.SITE and grant.scope_id == registration.site_id)
                or (grant.scope is GrantScope.ALL and not others)
            )
            if covers:
                registry.revoke_grant(
                    grant.id, revoked_by=actor.user_id,
                    reason=f"{registration.id}: {registration.last_step.transition.value}",
                )
                revoked.append(grant.id)
        return revoked

    def _remove_site(self, registration: Registration) -> bool:
        registry = self._city.registry
        site_id = registration.site_id
        if site_id is None or site_id not in registry.sites or registry.cameras_at(site_id):
            return False
        try:
            registry.delete_site(site_id)
        except NccError:
            # another owner's live grant still names the site; it stays, empty
            return False
        return True

    # -------------------------------------------------------------- feeds that arrive later

    def _on_registry_change(self, change: Change) -> None:
        if change.operation is not Operation.SYNC_SERVER_CAMERAS or self._stopped:
            return
        waiting = any(
            reg.state in JOINED_STATES and reg.server_id is not None
            and any(camera_id.startswith(f"{reg.server_id}/") for camera_id in change.cameras)
            for reg in self._book.registrations.values()
        )
        if waiting:
            self._hass.async_create_task(self._async_link_arrived_feeds(), eager_start=False)

    async def _async_link_arrived_feeds(self) -> None:
        """A server reported cameras: registrations waiting for their feeds take them."""
        from .city import SYSTEM_ACTOR  # the city imports this module's set-up

        changed = False
        async with self._lock:
            if self._stopped:
                return
            for registration in list(self._book.registrations.values()):
                if registration.state not in JOINED_STATES or registration.server_id is None:
                    continue
                self._handling.add(registration.id)
                try:
                    async with AsyncExitStack() as undo:
                        linked = self._link_cameras(SYSTEM_ACTOR, registration, undo)
                        undo.pop_all()
                finally:
                    self._handling.discard(registration.id)
                if linked == registration:
                    continue
                changed = True
                if (linked.state is RegistrationState.APPROVED
                        and len(linked.camera_ids) == len(linked.cameras)):
                    linked = activate(linked, now=dt_util.utcnow(), by=SYSTEM_ACTOR.user_id)
                    await self._async_commit(SYSTEM_ACTOR, linked, Transition.ACTIVATE,
                                             details={"cameras": list(linked.camera_ids)})
                else:
                    await self._async_keep(SYSTEM_ACTOR, linked, "registration.link",
                                           {"cameras": list(linked.camera_ids)})
        if changed:
            self._notify()

    # ---------------------------------------------------------------------------- plumbing

    def _city_bounds(self) -> CityBounds | None:
        entry = next(
            (
                entry for entry in self._hass.config_entries.async_entries(DOMAIN)
                if entry.data.get(CONF_ENTRY_TYPE) == ENTRY_TYPE_CITY
            ),
            None,
        )
        value = None if entry is None else entry.data.get(CONF_CITY_BOUNDS)
        return None if value is None else CityBounds.from_value(value)

    async def _async_save(self) -> None:
        await self._store.async_save(self._book.to_dict())

    async def _async_keep(
        self, actor: Actor, registration: Registration, action: str, details: Mapping[str, Any]
    ) -> None:
        """Keep a change that is no transition (leaving, a reminder, a feed), save and audit it."""
        self._book.put(registration)
        await self._async_save()
        await self._async_record(actor, registration, action, details=details)

    async def _async_commit(
        self, actor: Actor, registration: Registration, transition: Transition,
        *, reason: str | None = None, details: Mapping[str, Any] | None = None,
    ) -> None:
        """Keep the new version, save it and the registry, audit the step, tell the sensors."""
        self._book.put(registration)
        await self._async_save()
        await self._async_audit(actor, registration, transition, reason=reason, details=details)
        self._notify()

    async def _async_audit(
        self, actor: Actor, registration: Registration, transition: Transition,
        *, reason: str | None = None, details: Mapping[str, Any] | None = None,
    ) -> None:
        await self._async_record(
            actor, registration, f"registration.{transition.value}",
            reason=reason, details={"state": registration.state.value, **(details or {})},
        )

    async def _async_record(
        self, actor: Actor, registration: Registration, action: str,
        *, reason: str | None = None, details: Mapping[str, Any] | None = None,
    ) -> None:
        from .entrypoints import async_commit  # the city imports this module's set-up

        await async_commit(self._city, actor, action, "registration", registration.id,
                           reason=reason, details=details)

    @callback
    def _notify(self) -> None:
        async_dispatcher_send(self._hass, SIGNAL_REGISTRATIONS_CHANGED)


def _today() -> date:
    """Agreements run in whole days of the city's own time zone."""
    return dt_util.now().date()


async def async_setup_registrations(hass: HomeAssistant, city: CityRuntime) -> None:
    """Load the registrations, start the daily check; refuse to start on damaged data."""
    store = RegistrationStore(hass)
    try:
        book = await store.async_load_book()
    except NccError as err:
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key=str(err.key),
            translation_placeholders=err.placeholders,
        ) from err
    desk = RegistrationDesk(hass, city, store, book)
    city.registrations = desk
    desk.async_start()
    city.add_stop_callback(desk.async_stop)


def _tier_sensor(tier: SharingTier) -> CitySensorDescription:
    return CitySensorDescription(
        key=f"private_cameras_{tier.value}",
        translation_key=f"private_cameras_{tier.value}",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda city: city.registrations.active_cameras(tier),
        update_signal=SIGNAL_REGISTRATIONS_CHANGED,
    )


REGISTRATION_SENSORS: tuple[CitySensorDescription, ...] = (
    CitySensorDescription(
        key="registrations_pending_review",
        translation_key="registrations_pending_review",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda city: city.registrations.pending_review(),
        update_signal=SIGNAL_REGISTRATIONS_CHANGED,
    ),
    CitySensorDescription(
        key="registrations_expiring",
        translation_key="registrations_expiring",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda city: city.registrations.expiring(),
        update_signal=SIGNAL_REGISTRATIONS_CHANGED,
    ),
    *(_tier_sensor(tier) for tier in SharingTier),
)
