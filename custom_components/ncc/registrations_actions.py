"""Actions and websocket commands of private camera registration.

Who may do what, in terms of `core/permissions`:
- submit: an operator or administrator of the city department whose front desk takes the
  application (`submit_registration` on `received_by_agency_id`), or `review_registration`
  when no desk is named;
- review (start, approve, reject) and renew: `review_registration` (city administrators);
- suspend, resume, withdraw: once approved, `manage_agency` on the owner's agency (the owner's
  own administrators, and city administrators acting for the owner); a suspension by the city
  (and resuming it) needs `review_registration`; before approval, those who may submit at the
  receiving desk, or a reviewer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from homeassistant.components.websocket_api.connection import ActiveConnection
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util
import voluptuous as vol

from .city import CityRuntime
from .core.agencies import Contact
from .core.cameras import AreaType
from .core.permissions import CITY, Action, Actor, AgencyTarget, Target, authorize, require
from .core.registration import (
    Application,
    OwnerServer,
    Party,
    RegisteredCamera,
    Registration,
    RegistrationState,
    ReviewDecision,
    SharingTier,
    StreamSource,
)
from .core.registry import Registry
from .entrypoints import NccCommand, NccService, Response, enum_choice
from .guard import Guard, on_city, translate_errors
from .registrations import RegistrationDesk, desk_for

type Check = tuple[Action, Target]


CAMERA_SCHEMA = vol.Schema({
    vol.Required("name"): cv.string,
    vol.Required("views"): cv.string,
    vol.Required("covers_public_area"): cv.boolean,
    vol.Optional("area_type"): vol.Any(None, enum_choice(AreaType)),
    vol.Optional("bearing"): vol.Any(None, vol.Coerce(int)),
    vol.Optional("retention_days"): vol.Any(None, vol.Coerce(int)),
    vol.Optional("frigate_camera"): cv.string,
    vol.Optional("stream_url"): cv.string,
    vol.Optional("stream_username", default=""): cv.string,
    vol.Optional("stream_password", default=""): cv.string,
})
SUBMIT_SCHEMA = vol.Schema({
    vol.Required("business_name"): cv.string,
    vol.Required("legal_entity"): cv.string,
    vol.Required("contact_name"): cv.string,
    vol.Optional("contact_role", default=""): cv.string,
    vol.Required("contact_phone"): cv.string,
    vol.Required("contact_email"): cv.string,
    vol.Required("address"): cv.string,
    vol.Required("latitude"): vol.Coerce(float),
    vol.Required("longitude"): vol.Coerce(float),
    vol.Required("cameras"): vol.All(cv.ensure_list, [CAMERA_SCHEMA]),
    vol.Required("tier"): enum_choice(SharingTier),
    vol.Required("valid_from"): cv.date,
    vol.Required("valid_until"): cv.date,
    vol.Required("consent_version"): cv.string,
    vol.Optional("frigate_url"): cv.string,
    vol.Optional("frigate_username", default=""): cv.string,
    vol.Optional("frigate_password", default=""): cv.string,
    vol.Optional("frigate_verify_ssl", default=True): cv.boolean,
    vol.Optional("agency_code", default=""): cv.string,
    vol.Optional("received_by_agency_id"): cv.string,
})
REGISTRATION_ID = vol.Required("registration_id")


# --- building the application -------------------------------------------------------------


def _camera(data: dict[str, Any]) -> RegisteredCamera:
    stream = None
    if data.get("stream_url"):
        stream = StreamSource(
            url=data["stream_url"], username=data["stream_username"], password=data["stream_password"]
        )
    return RegisteredCamera(
        name=data["name"],
        views=data["views"],
        covers_public_area=data["covers_public_area"],
        area_type=AreaType(data["area_type"]) if data.get("area_type") else None,
        bearing=data.get("bearing"),
        retention_days=data.get("retention_days"),
        frigate_camera=data.get("frigate_camera"),
        stream=stream,
    )


def application_from(data: dict[str, Any]) -> Application:
    """The domain's application from an action's (schema-checked) data; raises NccError."""
    server = None
    if data.get("frigate_url"):
        server = OwnerServer(
            url=data["frigate_url"], username=data["frigate_username"],
            password=data["frigate_password"], verify_ssl=data["frigate_verify_ssl"],
        )
    return Application(
        business_name=data["business_name"],
        legal_entity=data["legal_entity"],
        contact=Contact(
            name=data["contact_name"], role=data["contact_role"],
            phone=data["contact_phone"], email=data["contact_email"],
        ),
        address=data["address"],
        latitude=data["latitude"],
        longitude=data["longitude"],
        cameras=tuple(_camera(camera) for camera in data["cameras"]),
        tier=SharingTier(data["tier"]),
        valid_from=data["valid_from"],
        valid_until=data["valid_until"],
        consent_version=data["consent_version"],
        owner_server=server,
        agency_code=data["agency_code"],
        received_by=data.get("received_by_agency_id"),
    )


# --- who may --------------------------------------------------------------------------------


def _registration(registry: Registry, data: dict[str, object]) -> Registration | None:
    registrations = desk_for(registry)
    if registrations is None:
        return None
    return registrations.registrations.get(str(data.get("registration_id", "")))


def _for_owner(registry: Registry, registration: Registration | None) -> list[Check]:
    """The owner's administrators once its agency exists; before that, whoever may submit at
    the receiving desk, or a reviewer.

    An unknown registration needs a reviewer, so others learn nothing about what exists.
    """
    if registration is None:
        return [(Action.REVIEW_REGISTRATION, CITY)]
    if registration.agency_id is not None and registration.agency_id in registry.agencies:
        return [(Action.MANAGE_AGENCY, AgencyTarget(registration.agency_id))]
    if registration.application.received_by is not None:
        return [(Action.SUBMIT_REGISTRATION, AgencyTarget(registration.application.received_by))]
    return [(Action.REVIEW_REGISTRATION, CITY)]


def _submit_checks(registry: Registry, data: dict[str, object]) -> list[Check]:
    front_desk = data.get("received_by_agency_id")
    if front_desk:
        return [(Action.SUBMIT_REGISTRATION, AgencyTarget(str(front_desk)))]
    return [(Action.REVIEW_REGISTRATION, CITY)]


def _suspend_checks(registry: Registry, data: dict[str, object]) -> list[Check]:
    if data.get("by", Party.CITY) == Party.OWNER:
        return _for_owner(registry, _registration(registry, data))
    return [(Action.REVIEW_REGISTRATION, CITY)]


def _resume_checks(registry: Registry, data: dict[str, object]) -> list[Check]:
    registration = _registration(registry, data)
    if registration is not None and registration.suspended_by is Party.OWNER:
        return _for_owner(registry, registration)
    return [(Action.REVIEW_REGISTRATION, CITY)]


def _withdraw_checks(registry: Registry, data: dict[str, object]) -> list[Check]:
    return _for_owner(registry, _registration(registry, data))


def _may_see(city: CityRuntime, actor: Actor, registration: Registration) -> bool:
    """Reviewers see every registration; the receiving desk and the owner see theirs."""
    now = dt_util.utcnow()
    registry = city.registry
    if authorize(registry, actor, Action.REVIEW_REGISTRATION, CITY, now).allowed:
        return True
    agencies = {
        agency_id for agency_id in (registration.agency_id, registration.application.received_by)
        if agency_id is not None
    }
    return any(
        agency_id in registry.agencies
        and authorize(registry, actor, Action.VIEW_AGENCY, AgencyTarget(agency_id), now).allowed
        for agency_id in agencies
    )


# --- handlers --------------------------------------------------------------------------------


def desk(city: CityRuntime) -> RegistrationDesk:
    return city.registrations


def detail(registration: Registration) -> dict[str, Any]:
    """Everything about a registration except secrets (credentials show as has_credentials)."""
    today = dt_util.now().date()
    return {
        **registration.summary(),
        **registration.to_dict(secrets=False),
        "days_left": registration.days_left(today),
        "suspended_by": None if registration.suspended_by is None else registration.suspended_by.value,
    }


async def _submit(hass: HomeAssistant, city: CityRuntime, actor: Actor, data: dict[str, Any]) -> Response:
    with translate_errors():
        registration = await desk(city).async_submit(actor, application_from(data))
    return {"registration_id": registration.id, "state": registration.state.value}


async def review(city: CityRuntime, actor: Actor, registration_id: str, decision: ReviewDecision,
                 reason: str) -> Registration:
    """One review step (shared by the action and the dashboard's websocket command)."""
    registrations = desk(city)
    with translate_errors():
        if decision is ReviewDecision.START_REVIEW:
            return await registrations.async_start_review(actor, registration_id)
        if decision is ReviewDecision.APPROVE:
            return await registrations.async_approve(actor, registration_id)
        return await registrations.async_reject(actor, registration_id, reason)


async def _review(hass: HomeAssistant, city: CityRuntime, actor: Actor, data: dict[str, Any]) -> Response:
    registration = await review(
        city, actor, data["registration_id"], ReviewDecision(data["decision"]), data["reason"]
    )
    return {"registration": detail(registration)}


async def _suspend(hass: HomeAssistant, city: CityRuntime, actor: Actor, data: dict[str, Any]) -> Response:
    with translate_errors():
        registration = await desk(city).async_suspend(
            actor, data["registration_id"], data["reason"], Party(data["by"])
        )
    return {"registration": detail(registration)}


async def _resume(hass: HomeAssistant, city: CityRuntime, actor: Actor, data: dict[str, Any]) -> Response:
    with translate_errors():
        registration = await desk(city).async_resume(actor, data["registration_id"], data["reason"])
    return {"registration": detail(registration)}


async def _renew(hass: HomeAssistant, city: CityRuntime, actor: Actor, data: dict[str, Any]) -> Response:
    valid_until: date = data["valid_until"]
    with translate_errors():
        registration = await desk(city).async_renew(actor, data["registration_id"], valid_until)
    return {"registration": detail(registration)}


async def _withdraw(hass: HomeAssistant, city: CityRuntime, actor: Actor, data: dict[str, Any]) -> Response:
    with translate_errors():
        registration = await desk(city).async_withdraw(actor, data["registration_id"], data["reason"])
    return {"registration": detail(registration)}


def _guard(checks: Callable[[Registry, dict[str, object]], list[Check]], action: Action) -> Guard:
    return Guard(checks, action.value)


SERVICES: tuple[NccService, ...] = (
    NccService(
        "submit_registration", SUBMIT_SCHEMA, _guard(_submit_checks, Action.SUBMIT_REGISTRATION), _submit
    ),
    NccService(
        "review_registration",
        vol.Schema({
            REGISTRATION_ID: cv.string, vol.Required("decision"): enum_choice(ReviewDecision),
            vol.Optional("reason", default=""): cv.string,
        }),
        on_city(Action.REVIEW_REGISTRATION), _review,
    ),
    NccService(
        "suspend_registration",
        vol.Schema({
            REGISTRATION_ID: cv.string, vol.Required("reason"): cv.string,
            vol.Optional("by", default=Party.CITY.value): enum_choice(Party),
        }),
        _guard(_suspend_checks, Action.REVIEW_REGISTRATION), _suspend,
    ),
    NccService(
        "resume_registration",
        vol.Schema({REGISTRATION_ID: cv.string, vol.Optional("reason", default=""): cv.string}),
        _guard(_resume_checks, Action.REVIEW_REGISTRATION), _resume,
    ),
    NccService(
        "renew_registration",
        vol.Schema({REGISTRATION_ID: cv.string, vol.Required("valid_until"): cv.date}),
        on_city(Action.REVIEW_REGISTRATION), _renew,
    ),
    NccService(
        "withdraw_registration",
        vol.Schema({REGISTRATION_ID: cv.string, vol.Optional("reason", default=""): cv.string}),
        _guard(_withdraw_checks, Action.MANAGE_AGENCY), _withdraw,
    ),
)


# --- websocket commands ------------------------------------------------------------------------


async def _ws_list(hass: HomeAssistant, connection: ActiveConnection,
                   msg: dict[str, Any], city: CityRuntime, actor: Actor) -> Any:
    state = msg.get("state")
    registrations = sorted(desk(city).registrations.values(), key=lambda reg: reg.id, reverse=True)
    return {
        "registrations": [
            registration.summary() for registration in registrations
            if (state is None or registration.state == state) and _may_see(city, actor, registration)
        ]
    }


async def _ws_get(hass: HomeAssistant, connection: ActiveConnection,
                  msg: dict[str, Any], city: CityRuntime, actor: Actor) -> Any:
    registration = desk(city).registrations.get(msg["registration_id"])
    if registration is None or not _may_see(city, actor, registration):
        with translate_errors():
            # refused like an unknown one; only reviewers learn that it does not exist
            require(city.registry, actor, Action.REVIEW_REGISTRATION, CITY, dt_util.utcnow())
            desk(city).get(msg["registration_id"])
    assert registration is not None
    return {"registration": detail(registration)}


async def _ws_review(hass: HomeAssistant, connection: ActiveConnection,
                     msg: dict[str, Any], city: CityRuntime, actor: Actor) -> Any:
    with translate_errors():
        require(city.registry, actor, Action.REVIEW_REGISTRATION, CITY, dt_util.utcnow())
    registration = await review(
        city, actor, msg["registration_id"], ReviewDecision(msg["decision"]), msg.get("reason", "")
    )
    return {"registration": detail(registration)}


COMMANDS: tuple[NccCommand, ...] = (
    NccCommand("ncc/registrations/list", {vol.Optional("state"): enum_choice(RegistrationState)}, _ws_list),
    NccCommand("ncc/registrations/get", {vol.Required("registration_id"): str}, _ws_get),
    NccCommand(
        "ncc/registrations/review",
        {
            vol.Required("registration_id"): str,
            vol.Required("decision"): enum_choice(ReviewDecision),
            vol.Optional("reason"): str,
        },
        _ws_review,
    ),
)
