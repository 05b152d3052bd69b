"""Actions and websocket commands of alerts: incidents and routing rules."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import time, timedelta
from typing import Any

from homeassistant.components.websocket_api.connection import ActiveConnection
from homeassistant.components.websocket_api.messages import event_message
from homeassistant.core import HomeAssistant, SupportsResponse, callback
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.util import dt as dt_util
import voluptuous as vol

from .city import CityRuntime
from .const import SIGNAL_INCIDENT_CHANGE
from .core.errors import NotFoundError, ValidationError
from .core.incidents import Incident, IncidentChange, IncidentErrorKey, IncidentStatus, may_see
from .core.permissions import (
    Action,
    Actor,
    AgencyTarget,
    authorize,
    require_incident_action,
)
from .core.routing import RoutingErrorKey, RoutingRule, Severity, TimeWindow
from .entrypoints import NccCommand, NccService, Response, command_from_action
from .guard import on_city, translate_errors, translated

MAX_LIST_LIMIT = 500
DEFAULT_LIST_LIMIT = 100


@dataclass(frozen=True, slots=True)
class IncidentGuard:
    """Acting on an incident: the camera's rights, or being an agency it was routed to.

    An unknown incident is refused like a camera the caller may not act on; only city
    administrators learn that it does not exist.
    """

    description: str = Action.ACKNOWLEDGE_INCIDENT.value

    def require(self, city: CityRuntime, actor: Actor, data: dict[str, object]) -> None:
        incident_id = str(data["incident_id"])
        incident = city.alerts.book.incidents.get(incident_id)
        if incident is None and actor.is_city_admin:
            raise translated(NotFoundError(IncidentErrorKey.NOT_FOUND, incident=incident_id))
        with translate_errors():
            require_incident_action(
                city.registry, actor, incident.camera_id if incident else "",
                incident.agency_ids if incident else (), dt_util.utcnow(),
            )


ACKNOWLEDGE = IncidentGuard()


MANAGE_ROUTING = on_city(Action.MANAGE_ROUTING)


# --- incidents --------------------------------------------------------------------------------


async def _acknowledge(hass: HomeAssistant, city: CityRuntime, actor: Actor,
                       data: dict[str, Any]) -> Response:
    with translate_errors():
        incident = await city.alerts.async_acknowledge(actor, data["incident_id"], data.get("note", ""))
    return {"incident": city.alerts.incident_view(incident)}


async def _close(hass: HomeAssistant, city: CityRuntime, actor: Actor, data: dict[str, Any]) -> Response:
    with translate_errors():
        incident = await city.alerts.async_close(actor, data["incident_id"], data["note"])
    return {"incident": city.alerts.incident_view(incident)}


# --- routing rules ----------------------------------------------------------------------------


LIST_FIELDS = ("labels", "sub_labels", "zones", "camera_ids", "site_ids", "owner_agency_ids",
               "target_agency_ids", "escalate_to")
FLAG_FIELDS = ("enabled", "require_zone", "notify_camera_agencies")


def rule_changes(data: Mapping[str, Any]) -> dict[str, Any]:
    """The `RoutingRule` fields an action's input sets; absent inputs stay as they are."""
    changes: dict[str, Any] = {key: data[key] for key in (*LIST_FIELDS, *FLAG_FIELDS, "name") if key in data}
    if "severities" in data:
        changes["severities"] = frozenset(Severity(value) for value in data["severities"])
    if "min_objects" in data:
        changes["min_objects"] = data["min_objects"] or None
    if "cooldown_seconds" in data:
        changes["cooldown"] = timedelta(seconds=data["cooldown_seconds"])
    if "escalate_after_minutes" in data:
        minutes = data["escalate_after_minutes"]
        changes["escalate_after"] = timedelta(minutes=minutes) if minutes else None
    if "time_after" in data or "time_before" in data:
        changes["time_window"] = _time_window(data.get("time_after"), data.get("time_before"))
    return changes


def _time_window(after: time | None, before: time | None) -> TimeWindow | None:
    if after is None and before is None:
        return None
    if after is None or before is None:
        raise translated(ValidationError(RoutingErrorKey.TIME_WINDOW_INCOMPLETE, field="time_after"))
    with translate_errors():
        return TimeWindow(after, before)


async def _set_rule(hass: HomeAssistant, city: CityRuntime, actor: Actor,
                    data: dict[str, Any]) -> Response:
    rule_id: str | None = data.get("rule_id")
    created = rule_id not in city.alerts.router.rules
    changes = rule_changes(data)
    with translate_errors():
        rule = city.alerts.set_rule(rule_id, changes)
    await city.alerts.async_save_rules()
    await city.audit.async_record(
        actor, "routing.create" if created else "routing.update", "routing_rule", rule.id,
        details={"fields": sorted(changes), "enabled": rule.enabled},
    )
    return {"rule": rule.to_dict()}


async def _delete_rule(hass: HomeAssistant, city: CityRuntime, actor: Actor,
                       data: dict[str, Any]) -> Response:
    with translate_errors():
        rule = city.alerts.router.delete_rule(data["rule_id"])
    await city.alerts.async_save_rules()
    await city.audit.async_record(actor, "routing.delete", "routing_rule", rule.id,
                                  details={"name": rule.name})
    return {"rule": rule.to_dict()}


async def _list_rules(hass: HomeAssistant, city: CityRuntime, actor: Actor,
                      data: dict[str, Any]) -> Response:
    return {"rules": [rule.to_dict() for rule in city.alerts.router.rules.values()]}


_ID_LIST = vol.All(cv.ensure_list, [cv.string])
# one input for the action and the websocket command, so the dashboard edits what automations do
RULE_FIELDS: dict[str | vol.Marker, Any] = {
    vol.Optional("rule_id"): cv.string,
    vol.Optional("name"): cv.string,
    vol.Optional("enabled"): cv.boolean,
    **{vol.Optional(key): _ID_LIST for key in LIST_FIELDS},
    vol.Optional("severities"): vol.All(cv.ensure_list, [vol.In([s.value for s in Severity])]),
    vol.Optional("require_zone"): cv.boolean,
    vol.Optional("notify_camera_agencies"): cv.boolean,
    vol.Optional("time_after"): vol.Any(None, cv.time),
    vol.Optional("time_before"): vol.Any(None, cv.time),
    vol.Optional("min_objects"): vol.Any(None, vol.Coerce(int)),
    vol.Optional("cooldown_seconds"): vol.Coerce(int),
    vol.Optional("escalate_after_minutes"): vol.Any(None, vol.Coerce(int)),
}
RULE_SCHEMA = vol.Schema(RULE_FIELDS)
DELETE_RULE_FIELDS: dict[str | vol.Marker, Any] = {vol.Required("rule_id"): cv.string}

SERVICES: tuple[NccService, ...] = (
    NccService(
        "acknowledge_incident",
        vol.Schema({vol.Required("incident_id"): cv.string, vol.Optional("note"): cv.string}),
        ACKNOWLEDGE, _acknowledge,
    ),
    NccService(
        "close_incident",
        vol.Schema({vol.Required("incident_id"): cv.string, vol.Required("note"): cv.string}),
        ACKNOWLEDGE, _close,
    ),
    NccService("set_routing_rule", RULE_SCHEMA, MANAGE_ROUTING, _set_rule),
    NccService("delete_routing_rule", vol.Schema(DELETE_RULE_FIELDS), MANAGE_ROUTING, _delete_rule),
    NccService("list_routing_rules", vol.Schema({}), MANAGE_ROUTING, _list_rules, SupportsResponse.ONLY),
)


# --- websocket commands -----------------------------------------------------------------------


def _visible(city: CityRuntime, actor: Actor) -> Callable[[Incident], bool]:
    now = dt_util.utcnow()
    return lambda incident: may_see(city.registry, actor, incident, now)


async def _list_incidents(hass: HomeAssistant, connection: ActiveConnection,
                          msg: dict[str, Any], city: CityRuntime, actor: Actor) -> Any:
    statuses = set(msg.get("status") or [s.value for s in IncidentStatus])
    visible = _visible(city, actor)
    found = sorted(
        (
            incident for incident in city.alerts.book.incidents.values()
            if incident.status.value in statuses
            and msg.get("camera_id") in (None, incident.camera_id)
            and (msg.get("agency_id") is None or msg["agency_id"] in incident.agency_ids)
            and visible(incident)
        ),
        key=lambda incident: incident.created_at,
        reverse=True,
    )
    limit = msg.get("limit", DEFAULT_LIST_LIMIT)
    token = connection.refresh_token_id
    return {
        "incidents": [city.alerts.incident_view(i, refresh_token_id=token) for i in found[:limit]],
        "total": len(found),
    }


async def _list_routing(hass: HomeAssistant, connection: ActiveConnection,
                        msg: dict[str, Any], city: CityRuntime, actor: Actor) -> Any:
    """City administrators see every rule; others the rules naming an agency they may view."""
    now = dt_util.utcnow()

    def concerns_caller(rule: RoutingRule) -> bool:
        return any(
            authorize(city.registry, actor, Action.VIEW_AGENCY, AgencyTarget(agency_id), now).allowed
            for agency_id in rule.referenced_agency_ids
        )

    rules = city.alerts.router.rules.values()
    return {"rules": [rule.to_dict() for rule in rules if actor.is_city_admin or concerns_caller(rule)]}


async def _subscribe(hass: HomeAssistant, connection: ActiveConnection,
                     msg: dict[str, Any], city: CityRuntime, actor: Actor) -> Any:
    """Push each new or changed incident the caller may see, as it happens."""
    desk = city.alerts

    @callback
    def forward(change: IncidentChange) -> None:
        if may_see(city.registry, actor, change.incident, dt_util.utcnow()):
            view = desk.incident_view(change.incident, refresh_token_id=connection.refresh_token_id)
            connection.send_message(event_message(msg["id"], {"type": change.type.value, "incident": view}))

    connection.subscriptions[msg["id"]] = async_dispatcher_connect(hass, SIGNAL_INCIDENT_CHANGE, forward)


COMMANDS: tuple[NccCommand, ...] = (
    NccCommand(
        "ncc/incidents/list",
        {
            vol.Optional("status"): [vol.In([s.value for s in IncidentStatus])],
            vol.Optional("camera_id"): str,
            vol.Optional("agency_id"): str,
            vol.Optional("limit"): vol.All(vol.Coerce(int), vol.Range(min=1, max=MAX_LIST_LIMIT)),
        },
        _list_incidents,
    ),
    NccCommand("ncc/incidents/acknowledge", {vol.Required("incident_id"): str, vol.Optional("note"): str},
               command_from_action(ACKNOWLEDGE, _acknowledge)),
    NccCommand("ncc/incidents/close", {vol.Required("incident_id"): str, vol.Required("note"): str},
               command_from_action(ACKNOWLEDGE, _close)),
    NccCommand("ncc/routing/list", {}, _list_routing),
    NccCommand("ncc/routing/set", RULE_FIELDS, command_from_action(MANAGE_ROUTING, _set_rule)),
    NccCommand("ncc/routing/delete", DELETE_RULE_FIELDS, command_from_action(MANAGE_ROUTING, _delete_rule)),
    NccCommand("ncc/incidents/subscribe", {}, _subscribe),
)
