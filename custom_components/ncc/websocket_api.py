"""Websocket commands for NCC's dashboards, each through the same guard as the actions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.components.websocket_api import async_register_command
from homeassistant.components.websocket_api.connection import ActiveConnection
from homeassistant.components.websocket_api.const import ERR_INVALID_FORMAT, ERR_UNAUTHORIZED
from homeassistant.components.websocket_api.decorators import async_response, websocket_command
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util
import voluptuous as vol

from .city import CityRuntime
from .const import DOMAIN
from .core.audit import AuditInputError, AuditQuery
from .core.errors import ErrorKey, PermissionDenied
from .core.geo import camera_location
from .core.permissions import (
    CITY,
    Action,
    Actor,
    AgencyTarget,
    Target,
    authorize,
    privileges_for,
    require,
    visible_cameras,
)
from .guard import async_actor, city_or_raise, translate_errors
from .health import agency_health, camera_health

type WsHandler = Callable[
    [HomeAssistant, ActiveConnection, dict[str, Any], CityRuntime, Actor],
    Awaitable[Any],
]


# refusals answer `unauthorized`; every other domain error is the caller's input
DENIED = frozenset({
    ErrorKey.NO_ROLE, ErrorKey.PERMISSION_DENIED_CAMERA, ErrorKey.PERMISSION_DENIED_AGENCY,
    ErrorKey.PERMISSION_DENIED_CITY, ErrorKey.CAMERA_HAS_NO_FEED,
})


@dataclass(frozen=True, slots=True)
class NccCommand:
    """One command; the wrapper resolves the actor and refuses users without a role."""

    type: str
    schema: dict[str | vol.Marker, Any]
    handler: WsHandler


def require_role(actor: Actor) -> None:
    """Users without an NCC role see nothing of NCC."""
    if actor.role is None:
        raise PermissionDenied(ErrorKey.NO_ROLE)


async def _me(hass: HomeAssistant, connection: ActiveConnection,
              msg: dict[str, Any], city: CityRuntime, actor: Actor) -> Any:
    agency = city.registry.agencies.get(actor.agency_id or "")
    return {
        "user_id": actor.user_id,
        "name": actor.name,
        "role": actor.role.value if actor.role else None,
        "agency_id": actor.agency_id,
        "agency": agency.to_dict() if agency else None,
        "is_city_admin": actor.is_city_admin,
        "city": city.settings.name,
        "emergency_active": city.registry.emergency.active,
    }


def _may(city: CityRuntime, actor: Actor, action: Action, agency_id: str) -> bool:
    return authorize(city.registry, actor, action, AgencyTarget(agency_id), dt_util.utcnow()).allowed


async def _agencies(hass: HomeAssistant, connection: ActiveConnection,
                    msg: dict[str, Any], city: CityRuntime, actor: Actor) -> Any:
    health = agency_health(hass, city.registry.cameras.values())
    result = []
    for agency in city.registry.agencies.values():
        item: dict[str, Any] = {
            "id": agency.id, "code": agency.code, "name": agency.name, "kind": agency.kind.value,
        }
        if _may(city, actor, Action.VIEW_AGENCY, agency.id):
            # contacts are personal data: only for those who work with the agency
            item |= agency.to_dict()
            counts = health.get(agency.id)
            item["cameras_total"] = counts.total if counts else 0
            item["cameras_online"] = counts.online if counts else 0
        result.append(item)
    return {"agencies": result}


async def _cameras(hass: HomeAssistant, connection: ActiveConnection,
                   msg: dict[str, Any], city: CityRuntime, actor: Actor) -> Any:
    now = dt_util.utcnow()
    registry = city.registry
    result = []
    for camera in visible_cameras(registry, actor, now):
        item = camera.to_dict()
        location = camera_location(registry, camera)
        item["location"] = list(location) if location else None
        item["health"] = camera_health(hass, camera).value
        item["privileges"] = sorted(privileges_for(registry, actor, camera.id, now))
        result.append(item)
    return {"cameras": result}


async def _sites(hass: HomeAssistant, connection: ActiveConnection,
                 msg: dict[str, Any], city: CityRuntime, actor: Actor) -> Any:
    registry = city.registry
    if actor.is_city_admin:
        return {"sites": [site.to_dict() for site in registry.sites.values()]}
    seen = {cam.site_id for cam in visible_cameras(registry, actor, dt_util.utcnow())}
    return {"sites": [site.to_dict() for site in registry.sites.values() if site.id in seen]}


async def _grants(hass: HomeAssistant, connection: ActiveConnection,
                  msg: dict[str, Any], city: CityRuntime, actor: Actor) -> Any:
    grants = [
        grant for grant in city.registry.grants.values()
        if actor.is_city_admin or actor.agency_id in (grant.owner_agency_id, grant.grantee_agency_id)
    ]
    return {"grants": [grant.to_dict() for grant in grants]}


async def _operators(hass: HomeAssistant, connection: ActiveConnection,
                     msg: dict[str, Any], city: CityRuntime, actor: Actor) -> Any:
    return {
        "operators": [
            op.to_dict() for op in city.registry.operators.values()
            if _may(city, actor, Action.MANAGE_OPERATORS, op.agency_id)
        ]
    }


async def _audit(hass: HomeAssistant, connection: ActiveConnection,
                 msg: dict[str, Any], city: CityRuntime, actor: Actor) -> Any:
    agency_id: str | None = msg.get("agency_id")
    if not actor.is_city_admin:
        # agency administrators read their own agency's entries only
        agency_id = agency_id or actor.agency_id or ""
    target: Target = CITY if agency_id is None else AgencyTarget(agency_id)
    action = Action.VERIFY_AUDIT if agency_id is None else Action.VIEW_AUDIT
    with translate_errors():
        require(city.registry, actor, action, target, dt_util.utcnow())
    try:
        query = AuditQuery(
            since=_aware(msg.get("since")), until=_aware(msg.get("until")),
            user_id=msg.get("user_id"), agency_id=agency_id, camera_id=msg.get("camera_id"),
            action=msg.get("action"), target_id=msg.get("target_id"),
            limit=msg.get("limit", 100), cursor=msg.get("cursor"),
        )
    except AuditInputError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN, translation_key="audit_query_invalid",
            translation_placeholders={"error": str(err)},
        ) from err
    page = await city.audit.async_query(query)
    return {
        "entries": [
            {
                "seq": entry.seq, "timestamp": entry.timestamp.isoformat(),
                "user_id": entry.user_id, "user_name": entry.user_name,
                "agency_id": entry.agency_id, "action": entry.action,
                "target_type": entry.target_type, "target_id": entry.target_id,
                "camera_id": entry.camera_id, "reason": entry.reason,
                "details": entry.details, "hash": entry.hash,
            }
            for entry in page.entries
        ],
        "next_cursor": page.next_cursor,
    }


def _aware(value: datetime | None) -> datetime | None:
    return None if value is None else dt_util.as_utc(value)


COMMANDS: tuple[NccCommand, ...] = (
    NccCommand("ncc/me", {}, _me),
    NccCommand("ncc/agencies", {}, _agencies),
    NccCommand("ncc/sites", {}, _sites),
    NccCommand("ncc/cameras", {}, _cameras),
    NccCommand("ncc/grants", {}, _grants),
    NccCommand("ncc/operators", {}, _operators),
    NccCommand(
        "ncc/audit",
        {
            vol.Optional("since"): cv.datetime, vol.Optional("until"): cv.datetime,
            vol.Optional("user_id"): str, vol.Optional("agency_id"): str,
            vol.Optional("camera_id"): str, vol.Optional("action"): str,
            vol.Optional("target_id"): str, vol.Optional("limit"): vol.Coerce(int),
            vol.Optional("cursor"): vol.Coerce(int),
        },
        _audit,
    ),
)


@callback
def async_setup_websocket(hass: HomeAssistant) -> None:
    for command in COMMANDS:
        async_register_command(hass, _wrap(command))


def _wrap(command: NccCommand) -> Callable[[HomeAssistant, ActiveConnection, dict[str, Any]], None]:
    schema: dict[str | vol.Marker, Any] = {vol.Required("type"): command.type, **command.schema}

    @websocket_command(schema)
    @async_response
    async def handle(
        hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
    ) -> None:
        try:
            city = city_or_raise(hass)
            actor = await async_actor(hass, city, connection.user.id)
            with translate_errors():
                require_role(actor)
            result = await command.handler(hass, connection, msg, city, actor)
        except HomeAssistantError as err:
            code = (
                ERR_UNAUTHORIZED
                if (err.translation_key and "permission" in err.translation_key)
                or err.translation_key == "no_role"
                else ERR_INVALID_FORMAT
            )
            connection.send_error(
                msg["id"], code, str(err),
                translation_key=err.translation_key,
                translation_domain=err.translation_domain,
                translation_placeholders=err.translation_placeholders,
            )
            return
        connection.send_result(msg["id"], result)

    return handle
