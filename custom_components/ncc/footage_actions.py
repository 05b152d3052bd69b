"""Actions and websocket commands of footage requests.

Guards: opening a request (the action or `ncc/footage/request`) needs `request_export` on each
of its cameras (with a place instead of cameras: the cameras the caller may request there);
deciding, releasing, extending and recording objections need `decide_footage` on the cameras
concerned; legal holds and the footage policy are for city administrators (`legal_hold`), the
disclosure register too (`verify_audit`, like the audit log).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from homeassistant.components.websocket_api.connection import ActiveConnection
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util
import voluptuous as vol

from .city import CityRuntime
from .const import DOMAIN
from .core.errors import ErrorKey, NotFoundError, ValidationError
from .core.footage import (
    POLICY_LIMITS,
    Decision,
    FootageKey,
    FootageRequest,
    IncidentType,
    Intake,
    LegalBasis,
    ObjectionKind,
    Part,
    ReasonCode,
    ReleaseOrder,
    Requester as FootageRequester,
    RequesterKind,
    RequestState,
    SearchArea,
    TimeWindow,
    check_search_radius,
    decide_checks,
    intake_cameras,
    intake_checks,
    may_see_personal_data,
    may_see_request,
    suggest_cameras,
)
from .core.permissions import CITY, Action, Actor, CameraTarget, Target, require_all
from .core.registry import Registry
from .core.workdays import DueState
from .entrypoints import (
    NccCommand,
    NccService,
    Response,
    command_fields,
    command_from_action,
    enum_choice,
    require_role,
)
from .footage import FootageDesk, desk_for
from .guard import Guard, translate_errors

type Checks = list[tuple[Action, Target]]
type Fields = dict[str | vol.Marker, Any]


def _aware(value: datetime) -> datetime:
    """Times without a zone are the city's local time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt_util.get_default_time_zone())
    return dt_util.as_utc(value)


def _desk(registry: Registry) -> FootageDesk:
    desk = desk_for(registry)
    assert desk is not None, "the footage desk starts with the city"
    return desk


def _request(registry: Registry, data: Mapping[str, Any]) -> FootageRequest:
    return _desk(registry).book.get(str(data["request_id"]))


# --- guards -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FootageGuard(Guard):
    """Checks that read a stored request: users without a role are refused before the look-up."""

    def require(self, city: CityRuntime, actor: Actor, data: dict[str, object]) -> None:
        with translate_errors():
            require_role(actor)
        Guard.require(self, city, actor, data)


@dataclass(frozen=True, slots=True)
class IntakeGuard(Guard):
    """request_export on every camera of a new request.

    Given a place instead of cameras, the request takes the cameras the caller may request
    there, so these checks are worked out with the caller's own rights.
    """

    def require(self, city: CityRuntime, actor: Actor, data: dict[str, object]) -> None:
        if data.get("camera_ids"):
            Guard.require(self, city, actor, data)
            return
        now = dt_util.utcnow()
        with translate_errors():
            require_role(actor)
            intake = _intake(data)
            choices = intake_cameras(city.registry, actor, intake, _desk(city.registry).book.policy, now)
            require_all(city.registry, actor, intake_checks(choices), now)


def _named_camera_checks(registry: Registry, data: dict[str, object]) -> Checks:
    camera_ids = data.get("camera_ids") or []
    assert isinstance(camera_ids, list)
    return [(Action.REQUEST_EXPORT, CameraTarget(str(camera_id))) for camera_id in camera_ids]


def _part_checks(registry: Registry, data: dict[str, object]) -> Checks:
    request = _request(registry, data)
    part = data.get("part")
    return decide_checks(request.parts if part is None else [request.part(str(part))])


def _all_parts_checks(registry: Registry, data: dict[str, object]) -> Checks:
    return decide_checks(_request(registry, data).parts)


def _release_checks(registry: Registry, data: dict[str, object]) -> Checks:
    """decide_footage on what is handed over: the parts named, else the approved ones."""
    request = _request(registry, data)
    if data.get("release_id"):
        release = request.release(str(data["release_id"]))
        return decide_checks(request.part(part_id) for part_id in release.part_ids)
    named = data.get("parts") or []
    assert isinstance(named, list)
    if named:
        return decide_checks(request.part(str(ref)) for ref in named)
    approved = [part for part in request.parts if part.approved]
    return decide_checks(approved or request.parts)


def _city_checks(action: Action) -> Guard:
    return FootageGuard(lambda _registry, _data: [(action, CITY)], action.value)


INTAKE_GUARD = IntakeGuard(_named_camera_checks, Action.REQUEST_EXPORT.value)
DECIDE_GUARD = FootageGuard(_part_checks, Action.DECIDE_FOOTAGE.value)
RELEASE_GUARD = FootageGuard(_release_checks, Action.DECIDE_FOOTAGE.value)
REQUEST_GUARD = FootageGuard(_all_parts_checks, Action.DECIDE_FOOTAGE.value)


# --- input ------------------------------------------------------------------------------------


def _area(data: Mapping[str, Any]) -> SearchArea | None:
    given = [key for key in ("latitude", "longitude", "radius_m") if data.get(key) is not None]
    if not given:
        return None
    for key in ("latitude", "longitude", "radius_m"):
        if data.get(key) is None:
            raise ValidationError(ErrorKey.FIELD_REQUIRED, field=key)
    return SearchArea(data["latitude"], data["longitude"], data["radius_m"])


def _intake(data: Mapping[str, Any]) -> Intake:
    """The intake from an action's fields; every check runs here, before anything is stored."""
    requester = FootageRequester(
        name=str(data.get("requester_name", "")),
        kind=RequesterKind(data["requester_kind"]),
        identity_number=str(data.get("requester_identity_number", "")),
        organisation=str(data.get("requester_organisation", "")),
        phone=str(data.get("requester_phone", "")),
        email=str(data.get("requester_email", "")),
    )
    return Intake(
        requester=requester,
        purpose=str(data.get("purpose", "")),
        incident_type=IncidentType(data["incident_type"]),
        legal_basis=LegalBasis(data["legal_basis"]),
        window=TimeWindow(_aware(data["start"]), _aware(data["end"])),
        reference=str(data.get("reference", "")),
        camera_ids=tuple(str(camera_id) for camera_id in data.get("camera_ids") or ()),
        area=_area(data),
    )


def _config_path(hass: HomeAssistant, relative: str) -> Path:
    """A path inside the configuration folder; anything else is refused."""
    try:
        path = Path(hass.config.path(relative)).resolve()
    except (OSError, ValueError) as err:  # e.g. a NUL character, a loop of links
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key=FootageKey.REGISTER_UNWRITABLE.value,
            translation_placeholders={"path": relative.replace("\0", ""), "error": "invalid file name"},
        ) from err
    if not path.is_relative_to(Path(hass.config.config_dir).resolve()):
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="path_outside_config",
            translation_placeholders={"path": relative},
        )
    return path


def _part_response(part: Part) -> dict[str, Any]:
    return {
        "part_id": part.id, "camera_id": part.camera_id, "camera_name": part.camera_name,
        "owner_agency_id": part.owner_agency_id, "registry_only": part.registry_only,
        "distance_m": part.distance_m, "footage": part.availability.value,
        "recorded_s": part.recorded_s,
        "overwrite_at": None if part.overwrite_at is None else part.overwrite_at.isoformat(),
        "preservation": part.preservation.value, "export_id": part.export_id,
        "problem": part.last_error or None,
        "decision": None if part.decision is None else part.decision.decision.value,
    }


# --- actions ----------------------------------------------------------------------------------


async def _request_footage(hass: HomeAssistant, city: CityRuntime, actor: Actor,
                           data: dict[str, Any]) -> Response:
    with translate_errors():
        request = await city.footage.async_open(actor, _intake(data))
    return {
        "request_id": request.id, "state": request.state.value,
        "due": None if request.due is None else request.due.isoformat(),
        "parts": [_part_response(part) for part in request.parts],
    }


async def _decide(hass: HomeAssistant, city: CityRuntime, actor: Actor,
                  data: dict[str, Any]) -> Response:
    with translate_errors():
        part = await city.footage.async_decide(
            actor, data["request_id"], data["part"], decision=data["decision"],
            reason=data["reason"], note=data.get("note", ""),
        )
    request = city.footage.book.get(data["request_id"])
    return {"request_id": request.id, "state": request.state.value, "part": _part_response(part)}


async def _extend(hass: HomeAssistant, city: CityRuntime, actor: Actor,
                  data: dict[str, Any]) -> Response:
    with translate_errors():
        request = await city.footage.async_extend(actor, data["request_id"], data["reason"])
    assert request.due is not None
    return {"request_id": request.id, "due": request.due.isoformat(), "extended": request.extended}


async def _release(hass: HomeAssistant, city: CityRuntime, actor: Actor,
                   data: dict[str, Any]) -> Response:
    with translate_errors():
        order = ReleaseOrder(
            recipient=data["recipient_name"], organisation=data.get("recipient_organisation", ""),
            note=data.get("note", ""), valid_hours=data.get("valid_hours"),
        )
        issued = await city.footage.async_release(actor, data["request_id"], data.get("parts") or [], order)
    return issued.as_response()


async def _set_hold(hass: HomeAssistant, city: CityRuntime, actor: Actor,
                    data: dict[str, Any]) -> Response:
    with translate_errors():
        request = await city.footage.async_set_hold(actor, data["request_id"], data["reason"])
    assert request.legal_hold is not None
    return {"request_id": request.id, "legal_hold": request.legal_hold.to_dict()}


async def _release_hold(hass: HomeAssistant, city: CityRuntime, actor: Actor,
                        data: dict[str, Any]) -> Response:
    with translate_errors():
        request = await city.footage.async_release_hold(actor, data["request_id"], data.get("reason", ""))
    return {"request_id": request.id, "legal_hold": None}


async def _export_register(hass: HomeAssistant, city: CityRuntime, actor: Actor,
                           data: dict[str, Any]) -> Response:
    path = _config_path(hass, data["path"])
    since = _aware(data["since"]) if data.get("since") else None
    until = _aware(data["until"]) if data.get("until") else None
    try:
        rows = await city.footage.async_export_register(actor, path, since, until)
    except OSError as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key=FootageKey.REGISTER_UNWRITABLE.value,
            translation_placeholders={"path": data["path"], "error": err.strerror or type(err).__name__},
        ) from err
    return {"path": str(path), "rows": rows}


async def _record_objection(hass: HomeAssistant, city: CityRuntime, actor: Actor,
                            data: dict[str, Any]) -> Response:
    with translate_errors():
        objection = await city.footage.async_record_objection(
            actor, data["request_id"], kind=data["kind"], part_ref=data.get("part"),
            text=data["text"], organisation=data.get("organisation", ""),
        )
    return {"request_id": data["request_id"], "objection": objection.to_dict()}


async def _set_policy(hass: HomeAssistant, city: CityRuntime, actor: Actor,
                      data: dict[str, Any]) -> Response:
    changes: dict[str, Any] = {key: data[key] for key in POLICY_LIMITS if key in data}
    if "extra_days_off" in data:
        changes["extra_days_off"] = tuple(data["extra_days_off"])
    with translate_errors():
        policy = await city.footage.async_set_policy(actor, changes)
    return {"policy": policy}


REQUEST_ID: Fields = {vol.Required("request_id"): cv.string}
# the `request_footage` action and the `ncc/footage/request` command take the same fields
INTAKE_FIELDS: Fields = {
    vol.Required("requester_name"): cv.string,
    vol.Required("requester_identity_number"): cv.string,
    vol.Required("requester_kind"): enum_choice(RequesterKind),
    vol.Optional("requester_organisation", default=""): cv.string,
    vol.Optional("requester_phone", default=""): cv.string,
    vol.Optional("requester_email", default=""): cv.string,
    vol.Required("purpose"): cv.string,
    vol.Required("incident_type"): enum_choice(IncidentType),
    vol.Required("legal_basis"): enum_choice(LegalBasis),
    vol.Optional("reference", default=""): cv.string,
    vol.Required("start"): cv.datetime,
    vol.Required("end"): cv.datetime,
    vol.Optional("camera_ids"): vol.All(cv.ensure_list, [cv.string]),
    vol.Optional("latitude"): vol.Coerce(float),
    vol.Optional("longitude"): vol.Coerce(float),
    vol.Optional("radius_m"): vol.Coerce(float),
}
RELEASE_FIELDS: Fields = {
    vol.Required("recipient_name"): cv.string,
    vol.Optional("recipient_organisation", default=""): cv.string,
    vol.Optional("parts"): vol.All(cv.ensure_list, [cv.string]),
    vol.Optional("valid_hours"): vol.Coerce(int),
    vol.Optional("note", default=""): cv.string,
}
DECIDE_FIELDS: Fields = {
    **REQUEST_ID,
    vol.Required("part"): cv.string,
    vol.Required("decision"): enum_choice(Decision),
    vol.Required("reason"): enum_choice(ReasonCode),
    vol.Optional("note", default=""): cv.string,
}

SERVICES: tuple[NccService, ...] = (
    NccService("request_footage", vol.Schema(INTAKE_FIELDS), INTAKE_GUARD, _request_footage),
    NccService("decide_footage_request", vol.Schema(DECIDE_FIELDS), DECIDE_GUARD, _decide),
    NccService(
        "extend_footage_deadline",
        vol.Schema({**REQUEST_ID, vol.Required("reason"): cv.string}),
        REQUEST_GUARD, _extend,
    ),
    NccService(
        "release_footage", vol.Schema({**REQUEST_ID, **RELEASE_FIELDS}), RELEASE_GUARD, _release,
    ),
    NccService(
        "set_legal_hold", vol.Schema({**REQUEST_ID, vol.Required("reason"): cv.string}),
        _city_checks(Action.LEGAL_HOLD), _set_hold,
    ),
    NccService(
        "release_legal_hold",
        vol.Schema({**REQUEST_ID, vol.Optional("reason", default=""): cv.string}),
        _city_checks(Action.LEGAL_HOLD), _release_hold,
    ),
    NccService(
        "export_disclosure_register",
        vol.Schema({
            vol.Required("path"): cv.string, vol.Optional("since"): cv.datetime,
            vol.Optional("until"): cv.datetime,
        }),
        _city_checks(Action.VERIFY_AUDIT), _export_register,
    ),
    NccService(
        "record_objection",
        vol.Schema({
            **REQUEST_ID, vol.Required("kind"): enum_choice(ObjectionKind),
            vol.Optional("part"): cv.string, vol.Required("text"): cv.string,
            vol.Optional("organisation", default=""): cv.string,
        }),
        DECIDE_GUARD, _record_objection,
    ),
    NccService(
        "set_footage_policy",
        vol.Schema({
            **{vol.Optional(key): vol.Coerce(int) for key in POLICY_LIMITS},
            vol.Optional("extra_days_off"): vol.All(cv.ensure_list, [cv.date]),
        }),
        _city_checks(Action.MANAGE_FOOTAGE_POLICY), _set_policy,
    ),
)


# --- websocket commands -----------------------------------------------------------------------


def _visible(city: CityRuntime, actor: Actor, request_id: str) -> FootageRequest:
    """A request the caller may see; others are answered as unknown."""
    request = city.footage.book.requests.get(request_id)
    if request is None or not may_see_request(city.registry, actor, request, dt_util.utcnow()):
        raise NotFoundError(FootageKey.REQUEST_NOT_FOUND, request=request_id)
    return request


def _view(
    city: CityRuntime, actor: Actor, request: FootageRequest, due_state: DueState | None
) -> dict[str, Any]:
    reveal = may_see_personal_data(city.registry, actor, request, dt_util.utcnow())
    return request.view(reveal=reveal, due_state=due_state)


async def _ws_list(hass: HomeAssistant, connection: ActiveConnection,
                   msg: dict[str, Any], city: CityRuntime, actor: Actor) -> Any:
    now = dt_util.utcnow()
    state = msg.get("state")
    agency_id = msg.get("agency_id")
    due = msg.get("due")
    result = []
    for request in sorted(city.footage.book.requests.values(), key=lambda item: item.created_at,
                          reverse=True):
        if state is not None and request.state.value != state:
            continue
        if agency_id is not None and not request.involves_agency(agency_id):
            continue
        due_state = city.footage.due_state(request)
        if due is not None and (due_state is None or due_state.value != due):
            continue
        if may_see_request(city.registry, actor, request, now):
            result.append(_view(city, actor, request, due_state))
    return {"requests": result}


async def _ws_get(hass: HomeAssistant, connection: ActiveConnection,
                  msg: dict[str, Any], city: CityRuntime, actor: Actor) -> Any:
    with translate_errors():
        request = _visible(city, actor, msg["request_id"])
    return {"request": _view(city, actor, request, city.footage.due_state(request))}


async def _ws_release_link(hass: HomeAssistant, connection: ActiveConnection,
                           msg: dict[str, Any], city: CityRuntime, actor: Actor) -> Any:
    """A new release for a recipient, or (with `release_id`) a fresh link for an earlier one."""
    data = command_fields(msg)
    RELEASE_GUARD.require(city, actor, data)
    if data.get("release_id"):
        with translate_errors():
            issued = await city.footage.async_reissue_link(
                actor, data["request_id"], data["release_id"], data.get("valid_hours")
            )
        return issued.as_response()
    if not data.get("recipient_name"):
        with translate_errors():
            raise ValidationError(ErrorKey.FIELD_REQUIRED, field="recipient_name")
    return await _release(hass, city, actor, data)


async def _ws_suggest(hass: HomeAssistant, connection: ActiveConnection,
                      msg: dict[str, Any], city: CityRuntime, actor: Actor) -> Any:
    policy = city.footage.book.policy
    with translate_errors():
        area = SearchArea(msg["latitude"], msg["longitude"], msg["radius_m"])
        check_search_radius(area, policy)
    found = suggest_cameras(city.registry, actor, area, dt_util.utcnow())
    return {
        "cameras": [
            {
                "camera_id": camera.id, "name": camera.name, "owner_agency_id": camera.owner_agency_id,
                "registry_only": camera.is_registry_only, "distance_m": round(distance, 1),
            }
            for camera, distance in found
        ],
        "max_cameras": policy.max_cameras,
    }


COMMANDS: tuple[NccCommand, ...] = (
    NccCommand(
        "ncc/footage/list",
        {
            vol.Optional("state"): enum_choice(RequestState), vol.Optional("agency_id"): str,
            vol.Optional("due"): vol.In([DueState.DUE_SOON.value, DueState.OVERDUE.value]),
        },
        _ws_list,
    ),
    NccCommand("ncc/footage/get", {vol.Required("request_id"): str}, _ws_get),
    NccCommand("ncc/footage/decide", DECIDE_FIELDS, command_from_action(DECIDE_GUARD, _decide)),
    NccCommand(
        "ncc/footage/release_link",
        {
            **REQUEST_ID,
            vol.Optional("release_id"): cv.string,
            vol.Optional("recipient_name"): cv.string,
            **{key: value for key, value in RELEASE_FIELDS.items() if str(key) != "recipient_name"},
        },
        _ws_release_link,
    ),
    # The intake card's way in: as the action, without HA's `call_service` event (HA fires it with
    # the full data of every action call, and the recorder keeps it), so the requester's identity
    # number and contacts stay in NCC's own store.
    NccCommand("ncc/footage/request", INTAKE_FIELDS, command_from_action(INTAKE_GUARD, _request_footage)),
    NccCommand(
        "ncc/footage/suggest_cameras",
        {
            vol.Required("latitude"): vol.Coerce(float), vol.Required("longitude"): vol.Coerce(float),
            vol.Required("radius_m"): vol.Coerce(float),
        },
        _ws_suggest,
    ),
)
