"""Actions and websocket commands of the multi-agency model: agencies, sites, cameras,
operators, grants, emergency mode, inventory files and the audit log."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict
from datetime import datetime
import logging
from pathlib import Path
from typing import Any

from homeassistant.components.websocket_api.connection import ActiveConnection
from homeassistant.core import HomeAssistant, SupportsResponse
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util
import voluptuous as vol

from .city import CityRuntime
from .const import DOMAIN
from .core.agencies import AgencyKind, Contact
from .core.audit import MAX_REASON_LENGTH, AuditInputError, AuditQuery
from .core.cameras import AreaType, CameraPurpose
from .core.geo import camera_location
from .core.grants import GrantScope, Privilege
from .core.inventory import (
    InventoryError,
    InventoryFormat,
    export_inventory,
    format_for_filename,
    parse_inventory,
)
from .core.operators import Role
from .core.permissions import (
    CITY,
    Action,
    Actor,
    AgencyTarget,
    CameraTarget,
    Target,
    authorize,
    camera_assignment_checks,
    operator_change_checks,
    privileges_for,
    require,
    visible_cameras,
)
from .core.registry import Registry
from .entrypoints import NccCommand, NccService, Response, async_commit, enum_choice
from .guard import Guard, on, on_city, translate_errors, translated
from .health import agency_health, camera_health

_LOGGER = logging.getLogger(__name__)


def _recordable(value: str) -> str:
    """Text the audit log can keep: no NUL characters, valid Unicode."""
    if "\x00" in value:
        raise vol.Invalid("NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as err:
        raise vol.Invalid("not valid Unicode text") from err
    return value


# what the audit log can keep: refuse anything else before changing anything
REASON = vol.All(cv.string, vol.Length(max=MAX_REASON_LENGTH), _recordable)


CONTACT_SCHEMA = vol.Schema(
    {
        vol.Required("name"): cv.string,
        vol.Optional("role", default=""): cv.string,
        vol.Optional("phone", default=""): cv.string,
        vol.Optional("email", default=""): cv.string,
    }
)
AGENCY_FIELDS: dict[vol.Marker, Any] = {
    vol.Optional("contacts"): vol.All(cv.ensure_list, [CONTACT_SCHEMA]),
    vol.Optional("notify_targets"): vol.All(cv.ensure_list, [cv.string]),
}
COORDINATES: dict[vol.Marker, Any] = {
    vol.Optional("latitude"): vol.Coerce(float),
    vol.Optional("longitude"): vol.Coerce(float),
}


def _changes(data: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    """Only the fields the caller gave; the domain leaves the others UNCHANGED."""
    return {key: data[key] for key in keys if key in data}


def _contacts(data: Mapping[str, Any]) -> dict[str, Any]:
    if "contacts" not in data:
        return {}
    with translate_errors():
        return {"contacts": [Contact(**contact) for contact in data["contacts"]]}


# --- agencies ---------------------------------------------------------------------------------


async def _create_agency(hass: HomeAssistant, city: CityRuntime, actor: Actor,
                         data: dict[str, Any]) -> Response:
    with translate_errors():
        agency = city.registry.create_agency(
            code=data["code"], name=data["name"], kind=AgencyKind(data["kind"]),
            agency_id=data.get("agency_id"), **_contacts(data),
            notify_targets=data.get("notify_targets", ()),
        )
    await async_commit(city, actor, "agency.create", "agency", agency.id,
                details={"code": agency.code, "name": agency.name, "kind": agency.kind.value})
    return {"agency": agency.to_dict()}


async def _update_agency(hass: HomeAssistant, city: CityRuntime, actor: Actor,
                         data: dict[str, Any]) -> Response:
    changes = _changes(data, "name", "code", "notify_targets") | _contacts(data)
    if "kind" in data:
        changes["kind"] = AgencyKind(data["kind"])
    with translate_errors():
        agency = city.registry.update_agency(data["agency_id"], **changes)
    await async_commit(city, actor, "agency.update", "agency", agency.id,
                details={"fields": sorted(changes)})
    return {"agency": agency.to_dict()}


async def _delete_agency(hass: HomeAssistant, city: CityRuntime, actor: Actor,
                         data: dict[str, Any]) -> Response:
    with translate_errors():
        agency = city.registry.delete_agency(
            data["agency_id"], open_work=city.open_work_for_agency(data["agency_id"])
        )
    await async_commit(city, actor, "agency.delete", "agency", agency.id,
                reason=data.get("reason"), details={"code": agency.code})
    return {"agency": agency.to_dict()}


async def _list_agencies(hass: HomeAssistant, city: CityRuntime, actor: Actor,
                         data: dict[str, Any]) -> Response:
    return {"agencies": [a.to_dict() for a in city.registry.agencies.values()]}


# --- sites ------------------------------------------------------------------------------------


async def _create_site(hass: HomeAssistant, city: CityRuntime, actor: Actor,
                       data: dict[str, Any]) -> Response:
    with translate_errors():
        site = city.registry.create_site(
            name=data["name"], latitude=data["latitude"], longitude=data["longitude"],
            address=data.get("address", ""), agency_id=data.get("agency_id"),
            site_id=data.get("site_id"),
        )
    await async_commit(city, actor, "site.create", "site", site.id, details={"name": site.name})
    return {"site": site.to_dict()}


async def _update_site(hass: HomeAssistant, city: CityRuntime, actor: Actor,
                       data: dict[str, Any]) -> Response:
    changes = _changes(data, "name", "address", "latitude", "longitude", "agency_id")
    with translate_errors():
        site = city.registry.update_site(data["site_id"], **changes)
    await async_commit(city, actor, "site.update", "site", site.id, details={"fields": sorted(changes)})
    return {"site": site.to_dict()}


async def _delete_site(hass: HomeAssistant, city: CityRuntime, actor: Actor,
                       data: dict[str, Any]) -> Response:
    with translate_errors():
        site = city.registry.delete_site(data["site_id"])
    await async_commit(city, actor, "site.delete", "site", site.id, details={"name": site.name})
    return {"site": site.to_dict()}


# --- cameras ----------------------------------------------------------------------------------


CAMERA_FIELDS = ("owner_agency_id", "site_id", "name", "bearing", "retention_days",
                 "latitude", "longitude")


async def _assign_camera(hass: HomeAssistant, city: CityRuntime, actor: Actor,
                         data: dict[str, Any]) -> Response:
    changes = _changes(data, *CAMERA_FIELDS)
    if "purpose" in data:
        changes["purpose"] = CameraPurpose(data["purpose"])
    if "area_type" in data:
        changes["area_type"] = AreaType(data["area_type"])
    before = city.registry.cameras.get(data["camera_id"])
    with translate_errors():
        camera = city.registry.assign_camera(data["camera_id"], **changes)
    details: dict[str, Any] = {"fields": sorted(changes)}
    if before is not None and before.owner_agency_id != camera.owner_agency_id:
        details["owner"] = {"from": before.owner_agency_id, "to": camera.owner_agency_id}
    await async_commit(city, actor, "camera.assign", "camera", camera.id, camera_id=camera.id,
                details=details)
    return {"camera": camera.to_dict()}


async def _add_registry_camera(hass: HomeAssistant, city: CityRuntime, actor: Actor,
                               data: dict[str, Any]) -> Response:
    with translate_errors():
        camera = city.registry.add_registry_camera(
            name=data["name"], owner_agency_id=data["owner_agency_id"],
            purpose=CameraPurpose(data["purpose"]), area_type=AreaType(data["area_type"]),
            **_changes(data, "site_id", "bearing", "retention_days", "latitude", "longitude"),
        )
    await async_commit(city, actor, "camera.add", "camera", camera.id, camera_id=camera.id,
                details={"name": camera.name, "owner": camera.owner_agency_id})
    return {"camera": camera.to_dict()}


async def _remove_camera(hass: HomeAssistant, city: CityRuntime, actor: Actor,
                         data: dict[str, Any]) -> Response:
    with translate_errors():
        camera = city.registry.remove_camera(
            data["camera_id"], open_work=city.open_work_for_camera(data["camera_id"])
        )
    await async_commit(city, actor, "camera.remove", "camera", camera.id, camera_id=camera.id)
    return {"camera": camera.to_dict()}


# --- operators and grants ---------------------------------------------------------------------


async def _set_operator(hass: HomeAssistant, city: CityRuntime, actor: Actor,
                        data: dict[str, Any]) -> Response:
    user = await hass.auth.async_get_user(data["user_id"])
    if user is None or user.system_generated:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="user_not_found",
            translation_placeholders={"user": data["user_id"]},
        )
    with translate_errors():
        operator = city.registry.set_operator(
            user.id, agency_id=data["agency_id"], role=Role(data["role"]), name=user.name or ""
        )
    await async_commit(city, actor, "operator.set", "user", user.id,
                details={"agency": operator.agency_id, "role": operator.role.value})
    return {"operator": operator.to_dict()}


async def _remove_operator(hass: HomeAssistant, city: CityRuntime, actor: Actor,
                           data: dict[str, Any]) -> Response:
    with translate_errors():
        operator = city.registry.remove_operator(data["user_id"])
    await async_commit(city, actor, "operator.remove", "user", operator.user_id,
                details={"agency": operator.agency_id, "role": operator.role.value})
    return {"operator": operator.to_dict()}


async def _grant_access(hass: HomeAssistant, city: CityRuntime, actor: Actor,
                        data: dict[str, Any]) -> Response:
    until: datetime | None = data.get("until")
    if until is not None and until.tzinfo is None:
        until = until.replace(tzinfo=dt_util.get_default_time_zone())
    with translate_errors():
        grant = city.registry.create_grant(
            owner_agency_id=data["owner_agency_id"],
            grantee_agency_id=data["grantee_agency_id"],
            privileges=[Privilege(p) for p in data["privileges"]],
            scope=GrantScope(data["scope"]),
            scope_id=data.get("scope_id"),
            until=until,
            emergency_only=data.get("emergency_only", False),
            created_by=actor.user_id,
            reason=data.get("reason", ""),
        )
    await async_commit(city, actor, "grant.create", "grant", grant.id, reason=grant.reason or None,
                camera_id=grant.scope_id if grant.scope is GrantScope.CAMERA else None,
                details=grant.to_dict())
    return {"grant": grant.to_dict()}


async def _revoke_access(hass: HomeAssistant, city: CityRuntime, actor: Actor,
                         data: dict[str, Any]) -> Response:
    with translate_errors():
        grant = city.registry.revoke_grant(
            data["grant_id"], revoked_by=actor.user_id, reason=data.get("reason", "")
        )
    await async_commit(city, actor, "grant.revoke", "grant", grant.id, reason=data.get("reason"))
    return {"grant": grant.to_dict()}


async def _set_emergency(hass: HomeAssistant, city: CityRuntime, actor: Actor,
                         data: dict[str, Any]) -> Response:
    with translate_errors():
        state = city.registry.set_emergency(
            data["active"], changed_by=actor.user_id, reason=data.get("reason", "")
        )
    await async_commit(city, actor, "emergency.set", "city", "emergency", reason=data.get("reason"),
                details={"active": state.active})
    return {"emergency": state.to_dict()}


# --- inventory and audit ----------------------------------------------------------------------


def _config_path(hass: HomeAssistant, relative: str) -> Path:
    """A path inside the configuration folder; anything else is refused."""
    try:
        path = Path(hass.config.path(relative)).resolve()
        inside = path.is_relative_to(Path(hass.config.config_dir).resolve())
    except (OSError, ValueError):  # NUL characters, overlong names
        inside = False
    if not inside:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="path_outside_config",
            translation_placeholders={"path": relative},
        )
    return path


def _unwritable(relative: str, err: Exception) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key="file_unwritable",
        translation_placeholders={"path": relative, "error": err.__class__.__name__},
    )


def _inventory_format(data: Mapping[str, Any]) -> InventoryFormat:
    if data.get("format"):
        return InventoryFormat(data["format"])
    with translate_errors():
        return format_for_filename(data["path"])


async def _import_inventory(hass: HomeAssistant, city: CityRuntime, actor: Actor,
                            data: dict[str, Any]) -> Response:
    path = _config_path(hass, data["path"])
    fmt = _inventory_format(data)
    try:
        text = await hass.async_add_executor_job(path.read_text, "utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="file_unreadable",
            translation_placeholders={"path": data["path"], "error": err.__class__.__name__},
        ) from err
    try:
        plan = parse_inventory(text, fmt)
        if data.get("dry_run"):
            problems = city.registry.check_inventory(plan)
            return {"valid": not problems, "problems": await _row_problems(hass, problems)}
        result = city.registry.apply_inventory(plan)
    except InventoryError as err:
        if data.get("dry_run"):
            return {"valid": False, "problems": await _row_problems(hass, err.rows)}
        _LOGGER.info("Inventory %s refused: %s bad rows", data["path"], len(err.rows))
        raise translated(err) from err
    summary = asdict(result)
    await async_commit(city, actor, "inventory.import", "inventory", data["path"], details=summary)
    return {"valid": True, "result": summary}


async def _row_problems(hass: HomeAssistant, rows: Any) -> list[dict[str, Any]]:
    from homeassistant.helpers.translation import async_get_translations

    strings = await async_get_translations(hass, hass.config.language, "exceptions", [DOMAIN])
    problems = []
    for row in rows:
        template = strings.get(f"component.{DOMAIN}.exceptions.{row.message_key}.message", "")
        try:
            message = template.format(**row.placeholders) if template else str(row.message_key)
        except (KeyError, IndexError):
            message = template
        problems.append({"line": row.line, "field": row.field, "error": str(row.message_key),
                         "message": message})
    return problems


async def _export_inventory(hass: HomeAssistant, city: CityRuntime, actor: Actor,
                            data: dict[str, Any]) -> Response:
    path = _config_path(hass, data["path"])
    fmt = _inventory_format(data)
    text = export_inventory(city.registry, fmt)

    def write() -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    try:
        await hass.async_add_executor_job(write)
    except OSError as err:
        raise _unwritable(data["path"], err) from err
    await city.audit.async_record(actor, "inventory.export", "inventory", data["path"],
                                  details={"format": fmt.value})
    return {"path": str(path), "cameras": len(city.registry.cameras)}


async def _verify_audit_log(hass: HomeAssistant, city: CityRuntime, actor: Actor,
                            data: dict[str, Any]) -> Response:
    report = await city.audit.async_verify()
    await city.audit.async_record(actor, "audit.verify", "audit", "chain",
                                  details={"ok": report.ok, "checked": report.checked})
    return {
        "ok": report.ok,
        "checked": report.checked,
        "first_broken_seq": report.first_broken_seq,
        "problem": report.problem.value if report.problem else None,
    }


async def _export_audit_log(hass: HomeAssistant, city: CityRuntime, actor: Actor,
                            data: dict[str, Any]) -> Response:
    path = _config_path(hass, data["path"])
    since = dt_util.as_utc(data["since"])
    until = dt_util.as_utc(data["until"])
    try:
        rows = await city.audit.async_export_csv(since, until, path)
    except OSError as err:
        raise _unwritable(data["path"], err) from err
    except AuditInputError as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="audit_query_invalid",
            translation_placeholders={"error": str(err)},
        ) from err
    await city.audit.async_record(actor, "audit.export", "audit", data["path"],
                                  details={"rows": rows})
    return {"path": str(path), "rows": rows}


# --- the table --------------------------------------------------------------------------------


def _agency(key: str) -> Callable[[dict[str, Any]], Target]:
    return lambda data: AgencyTarget(data[key])


def _camera(key: str) -> Callable[[dict[str, Any]], Target]:
    return lambda data: CameraTarget(data[key])


def _revoke_checks(registry: Registry, data: dict[str, object]) -> list[tuple[Action, Target]]:
    """Revoking is for the grant's owner agency; an unknown grant is refused like a foreign one."""
    grant = registry.grants.get(str(data["grant_id"]))
    return [(Action.MANAGE_GRANTS, AgencyTarget(grant.owner_agency_id if grant else ""))]


def _site_checks(registry: Registry, data: dict[str, object]) -> list[tuple[Action, Target]]:
    return [(Action.MANAGE_SITES, CITY)]


SERVICES: tuple[NccService, ...] = (
    NccService(
        "create_agency",
        vol.Schema({
            vol.Required("code"): cv.string, vol.Required("name"): cv.string,
            vol.Required("kind"): enum_choice(AgencyKind), vol.Optional("agency_id"): cv.string,
            **AGENCY_FIELDS,
        }),
        on_city(Action.CREATE_AGENCY), _create_agency,
    ),
    NccService(
        "update_agency",
        vol.Schema({
            vol.Required("agency_id"): cv.string, vol.Optional("code"): cv.string,
            vol.Optional("name"): cv.string, vol.Optional("kind"): enum_choice(AgencyKind),
            **AGENCY_FIELDS,
        }),
        on(Action.MANAGE_AGENCY, _agency("agency_id")), _update_agency,
    ),
    NccService(
        "delete_agency",
        vol.Schema({vol.Required("agency_id"): cv.string, vol.Optional("reason"): REASON}),
        on_city(Action.DELETE_AGENCY), _delete_agency,
    ),
    NccService(
        "list_agencies", vol.Schema({}), on_city(Action.EXPORT_INVENTORY), _list_agencies,
        SupportsResponse.ONLY,
    ),
    NccService(
        "create_site",
        vol.Schema({
            vol.Required("name"): cv.string, vol.Required("latitude"): vol.Coerce(float),
            vol.Required("longitude"): vol.Coerce(float), vol.Optional("address"): cv.string,
            vol.Optional("agency_id"): cv.string, vol.Optional("site_id"): cv.string,
        }),
        Guard(_site_checks, Action.MANAGE_SITES.value), _create_site,
    ),
    NccService(
        "update_site",
        vol.Schema({
            vol.Required("site_id"): cv.string, vol.Optional("name"): cv.string,
            vol.Optional("address"): cv.string, vol.Optional("agency_id"): vol.Any(None, cv.string),
            **COORDINATES,
        }),
        Guard(_site_checks, Action.MANAGE_SITES.value), _update_site,
    ),
    NccService(
        "delete_site", vol.Schema({vol.Required("site_id"): cv.string}),
        Guard(_site_checks, Action.MANAGE_SITES.value), _delete_site,
    ),
    NccService(
        "assign_camera",
        vol.Schema({
            vol.Required("camera_id"): cv.string, vol.Optional("owner_agency_id"): cv.string,
            vol.Optional("site_id"): vol.Any(None, cv.string), vol.Optional("name"): cv.string,
            vol.Optional("purpose"): enum_choice(CameraPurpose),
            vol.Optional("area_type"): enum_choice(AreaType),
            vol.Optional("bearing"): vol.Any(None, vol.Coerce(int)),
            vol.Optional("retention_days"): vol.Any(None, vol.Coerce(int)),
            vol.Optional("latitude"): vol.Any(None, vol.Coerce(float)),
            vol.Optional("longitude"): vol.Any(None, vol.Coerce(float)),
        }),
        Guard(
            lambda registry, data: camera_assignment_checks(
                registry, str(data["camera_id"]),
                owner_agency_id=data.get("owner_agency_id"),  # type: ignore[arg-type]
            ),
            Action.ASSIGN_CAMERA.value,
        ),
        _assign_camera,
    ),
    NccService(
        "add_registry_camera",
        vol.Schema({
            vol.Required("name"): cv.string, vol.Required("owner_agency_id"): cv.string,
            vol.Required("purpose"): enum_choice(CameraPurpose),
            vol.Required("area_type"): enum_choice(AreaType), vol.Optional("site_id"): cv.string,
            vol.Optional("bearing"): vol.Coerce(int),
            vol.Optional("retention_days"): vol.Coerce(int), **COORDINATES,
        }),
        on(Action.MANAGE_AGENCY, _agency("owner_agency_id")), _add_registry_camera,
    ),
    NccService(
        "remove_camera", vol.Schema({vol.Required("camera_id"): cv.string}),
        on(Action.TRANSFER_CAMERA, _camera("camera_id")), _remove_camera,
    ),
    NccService(
        "set_operator",
        vol.Schema({
            vol.Required("user_id"): cv.string, vol.Required("agency_id"): cv.string,
            vol.Required("role"): enum_choice(Role),
        }),
        Guard(
            lambda registry, data: operator_change_checks(
                registry, str(data["user_id"]), agency_id=str(data["agency_id"]),
                role=Role(str(data["role"])),
            ),
            Action.MANAGE_OPERATORS.value,
        ),
        _set_operator,
    ),
    NccService(
        "remove_operator", vol.Schema({vol.Required("user_id"): cv.string}),
        Guard(
            lambda registry, data: operator_change_checks(
                registry, str(data["user_id"]), agency_id=None, role=None
            ),
            Action.MANAGE_OPERATORS.value,
        ),
        _remove_operator,
    ),
    NccService(
        "grant_access",
        vol.Schema({
            vol.Required("owner_agency_id"): cv.string,
            vol.Required("grantee_agency_id"): cv.string,
            vol.Required("privileges"): vol.All(cv.ensure_list, [enum_choice(Privilege)]),
            vol.Required("scope"): enum_choice(GrantScope), vol.Optional("scope_id"): cv.string,
            vol.Optional("until"): cv.datetime, vol.Optional("emergency_only"): cv.boolean,
            vol.Optional("reason"): REASON,
        }),
        on(Action.MANAGE_GRANTS, _agency("owner_agency_id")), _grant_access,
    ),
    NccService(
        "revoke_access",
        vol.Schema({vol.Required("grant_id"): cv.string, vol.Optional("reason"): REASON}),
        Guard(_revoke_checks, Action.MANAGE_GRANTS.value),
        _revoke_access,
    ),
    NccService(
        "set_emergency",
        vol.Schema({vol.Required("active"): cv.boolean, vol.Optional("reason"): REASON}),
        on_city(Action.SET_EMERGENCY), _set_emergency,
    ),
    NccService(
        "import_inventory",
        vol.Schema({
            vol.Required("path"): cv.string,
            vol.Optional("format"): enum_choice(InventoryFormat),
            vol.Optional("dry_run", default=False): cv.boolean,
        }),
        on_city(Action.IMPORT_INVENTORY), _import_inventory,
    ),
    NccService(
        "export_inventory",
        vol.Schema({vol.Required("path"): cv.string, vol.Optional("format"): enum_choice(InventoryFormat)}),
        on_city(Action.EXPORT_INVENTORY), _export_inventory,
    ),
    NccService(
        "verify_audit_log", vol.Schema({}), on_city(Action.VERIFY_AUDIT), _verify_audit_log,
        SupportsResponse.ONLY,
    ),
    NccService(
        "export_audit_log",
        vol.Schema({
            vol.Required("path"): cv.string, vol.Required("since"): cv.datetime,
            vol.Required("until"): cv.datetime,
        }),
        on_city(Action.VERIFY_AUDIT), _export_audit_log,
    ),
)



# --- websocket commands ---------------------------------------------------------------


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


