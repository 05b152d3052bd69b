"""How NCC's actions and websocket commands are declared and registered.

Every entry point is an `NccService` or an `NccCommand`; the wrappers here resolve the city and
the caller, apply the entry point's `Guard`, and translate domain errors. Feature modules only
declare tables of them (`registry_actions.SERVICES`, ...), so none can skip the check.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any, cast

from homeassistant.components.websocket_api import async_register_command
from homeassistant.components.websocket_api.connection import ActiveConnection
from homeassistant.components.websocket_api.const import ERR_INVALID_FORMAT, ERR_UNAUTHORIZED
from homeassistant.components.websocket_api.decorators import async_response, websocket_command
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError
import voluptuous as vol

from .city import CityRuntime
from .const import DOMAIN
from .core.errors import ErrorKey, PermissionDenied
from .core.permissions import Actor
from .guard import Requirement, async_actor, city_or_raise, translate_errors

type Response = dict[str, Any]
type Handler = Callable[[HomeAssistant, CityRuntime, Actor, dict[str, Any]], Awaitable[Response]]
type WsHandler = Callable[
    [HomeAssistant, ActiveConnection, dict[str, Any], CityRuntime, Actor], Awaitable[Any]
]

# refusals answer `unauthorized`; every other domain error is the caller's input
DENIED = frozenset({
    ErrorKey.NO_ROLE, ErrorKey.PERMISSION_DENIED_CAMERA, ErrorKey.PERMISSION_DENIED_AGENCY,
    ErrorKey.PERMISSION_DENIED_CITY, ErrorKey.CAMERA_HAS_NO_FEED,
})


def enum_choice(kind: type[Any]) -> vol.In:
    """A schema accepting the values of a StrEnum (what HA's selectors send)."""
    return vol.In([member.value for member in kind])


def command_fields(msg: Mapping[str, Any]) -> dict[str, Any]:
    """A websocket message's fields, as the matching action takes them."""
    return {key: value for key, value in msg.items() if key not in ("id", "type")}


def command_from_action(guard: Requirement, handler: Handler) -> WsHandler:
    """The websocket command doing what an action does, behind the action's guard."""

    async def run(hass: HomeAssistant, connection: ActiveConnection,
                  msg: dict[str, Any], city: CityRuntime, actor: Actor) -> Any:
        data = command_fields(msg)
        guard.require(city, actor, data)
        return await handler(hass, city, actor, data)

    return run


@dataclass(frozen=True, slots=True)
class NccService:
    """One action: its schema, what it requires, what it does."""

    name: str
    schema: vol.Schema
    guard: Requirement
    handler: Handler
    response: SupportsResponse = SupportsResponse.OPTIONAL


@dataclass(frozen=True, slots=True)
class NccCommand:
    """One websocket command; the wrapper refuses users without a role before `handler` runs.

    Handlers that act on a specific camera, agency or request check it themselves with
    `permissions.require`, as lists depend on what the caller may see.
    """

    type: str
    schema: dict[str | vol.Marker, Any]
    handler: WsHandler


def require_role(actor: Actor) -> None:
    """Users without an NCC role see nothing of NCC."""
    if actor.role is None:
        raise PermissionDenied(ErrorKey.NO_ROLE)


async def async_commit(
    city: CityRuntime, actor: Actor, action: str, target_type: str, target_id: str,
    *, camera_id: str | None = None, reason: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Persist the registry, then audit: an answered action is on disk and on the record."""
    await city.async_save()
    await city.audit.async_record(
        actor, action, target_type, target_id,
        camera_id=camera_id, reason=reason, details=dict(details or {}),
    )


@callback
def async_register_services(hass: HomeAssistant, services: tuple[NccService, ...]) -> None:
    """Register each action once; every call resolves the city at call time."""
    for service in services:
        hass.services.async_register(
            DOMAIN, service.name, _service_handler(hass, service), schema=service.schema,
            supports_response=service.response,
        )


def _service_handler(
    hass: HomeAssistant, service: NccService
) -> Callable[[ServiceCall], Coroutine[Any, Any, ServiceResponse]]:
    async def handle(call: ServiceCall) -> ServiceResponse:
        city = city_or_raise(hass)
        actor = await async_actor(hass, city, call.context.user_id)
        data = dict(call.data)
        service.guard.require(city, actor, data)
        response = await service.handler(hass, city, actor, data)
        return cast(ServiceResponse, response) if call.return_response else None

    return handle


@callback
def async_register_commands(hass: HomeAssistant, commands: tuple[NccCommand, ...]) -> None:
    for command in commands:
        async_register_command(hass, _command_handler(command))


def _command_handler(
    command: NccCommand,
) -> Callable[[HomeAssistant, ActiveConnection, dict[str, Any]], None]:
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
            code = ERR_UNAUTHORIZED if err.translation_key in DENIED else ERR_INVALID_FORMAT
            connection.send_error(
                msg["id"], code, str(err),
                translation_key=err.translation_key,
                translation_domain=err.translation_domain,
                translation_placeholders=err.translation_placeholders,
            )
            return
        connection.send_result(msg["id"], result)

    return handle
