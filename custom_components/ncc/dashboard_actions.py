"""The Command Center dashboard: the action that creates it and the data its overview reads.

The dashboard is a Lovelace storage dashboard whose configuration is only
`{"strategy": {"type": "custom:ncc"}}`: the browser builds its views from NCC's websocket
commands each time it opens, so agencies, sites and cameras added later appear by themselves.
It is created through Lovelace's own dashboards collection (the object behind
`lovelace/dashboards/create`), never a second collection writing the same storage file.
"""

from __future__ import annotations

import inspect
from typing import Any

from homeassistant.components.lovelace.const import LOVELACE_DATA
from homeassistant.components.lovelace.dashboard import DashboardsCollection
from homeassistant.components.websocket_api import DOMAIN as WEBSOCKET_DOMAIN
from homeassistant.components.websocket_api.connection import ActiveConnection
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util
import voluptuous as vol

from .camera_views import ACTION_FOR_KIND, MAX_HEIGHT, MIN_HEIGHT, ImageKind, token_url
from .city import CityRuntime
from .const import DOMAIN, SNAPSHOT_HEIGHT_DEFAULT
from .core.permissions import Action, Actor, CameraTarget, require, visible_cameras
from .data import async_get_data
from .entrypoints import NccCommand, NccService, Response, async_commit
from .guard import on_city, translate_errors

DASHBOARD_URL_PATH = "ncc-command-center"
DASHBOARD_ICON = "mdi:cctv"
STRATEGY_CONFIG: dict[str, Any] = {"strategy": {"type": "custom:ncc"}}
# Lovelace's own command: its registered handler is a method of the collection's websocket
# adapter, which holds the one collection Lovelace writes through.
_LOVELACE_CREATE_COMMAND = "lovelace/dashboards/create"


def _lovelace_dashboards(hass: HomeAssistant) -> DashboardsCollection:
    """Lovelace's dashboards collection, as its `lovelace/dashboards/create` command uses it."""
    handlers: dict[str, Any] = hass.data.get(WEBSOCKET_DOMAIN) or {}
    registered = handlers.get(_LOVELACE_CREATE_COMMAND)
    adapter = getattr(inspect.unwrap(registered[0]), "__self__", None) if registered else None
    collection = getattr(adapter, "storage_collection", None)
    if LOVELACE_DATA not in hass.data or not isinstance(collection, DashboardsCollection):
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="dashboards_unavailable")
    return collection


async def _create_dashboard(hass: HomeAssistant, city: CityRuntime, actor: Actor,
                            data: dict[str, Any]) -> Response:
    dashboards = _lovelace_dashboards(hass)
    url_path: str = data["url_path"]
    existing = next((item for item in dashboards.async_items() if item["url_path"] == url_path), None)
    created = existing is None
    if existing is None:
        try:
            existing = await dashboards.async_create_item({
                "url_path": url_path,
                "title": data.get("title") or city.settings.name,
                "icon": data["icon"],
                "show_in_sidebar": data["show_in_sidebar"],
                "require_admin": data["require_admin"],
                "mode": "storage",
            })
        except (vol.Invalid, ValueError, HomeAssistantError) as err:
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="dashboard_not_created",
                translation_placeholders={"url_path": url_path, "error": str(err)},
            ) from err
    store = hass.data[LOVELACE_DATA].dashboards[url_path]
    # an existing dashboard keeps what the city made of it unless the caller asks for a reset
    if created or data["reset"]:
        await store.async_save(STRATEGY_CONFIG)
    await async_commit(city, actor, "dashboard.create" if created else "dashboard.reset",
                       "dashboard", url_path, details={"created": created, "reset": data["reset"]})
    return {"dashboard": dict(existing), "created": created}


SERVICES: tuple[NccService, ...] = (
    NccService(
        "create_dashboard",
        vol.Schema({
            vol.Optional("url_path", default=DASHBOARD_URL_PATH): cv.string,
            vol.Optional("title"): cv.string,
            vol.Optional("icon", default=DASHBOARD_ICON): cv.icon,
            vol.Optional("show_in_sidebar", default=True): cv.boolean,
            vol.Optional("require_admin", default=False): cv.boolean,
            vol.Optional("reset", default=False): cv.boolean,
        }),
        on_city(Action.MANAGE_SERVERS), _create_dashboard,
    ),
)


# --- websocket commands ---------------------------------------------------------------


async def _servers(hass: HomeAssistant, connection: ActiveConnection,
                   msg: dict[str, Any], city: CityRuntime, actor: Actor) -> Any:
    """Frigate servers with their health and storage, for the overview.

    `retention_days` is what the server is configured to keep, `days_kept` what its disk
    really holds under that retention (the storage planner's figure, None until planned) and
    `policy_days` how far back the city lets footage requests reach: a server keeping fewer
    days than the policy loses footage a request may still ask for.

    City administrators see every server; others see their agency's servers and those
    recording a camera they may see.
    """
    seen = {cam.server_id for cam in visible_cameras(city.registry, actor, dt_util.utcnow())}
    result = []
    for server_id, coordinator in sorted(async_get_data(hass).servers.items()):
        settings = coordinator.settings
        if not (actor.is_city_admin or settings.agency_id == actor.agency_id or server_id in seen):
            continue
        snapshot = coordinator.data if coordinator.last_update_success else None
        result.append({
            "id": server_id,
            "name": settings.name,
            "agency_id": settings.agency_id,
            "reachable": snapshot is not None,
            "cameras_total": snapshot.cameras_total if snapshot else None,
            "cameras_online": snapshot.cameras_online if snapshot else None,
            "retention_days": snapshot.retention_days if snapshot else None,
            "days_kept": city.frigate_configs.days_kept(server_id),
            "policy_days": city.settings.retention_policy_days,
            "storage_used_percent": snapshot.storage_used_percent if snapshot else None,
        })
    return {"servers": result}


async def _image_url(hass: HomeAssistant, connection: ActiveConnection,
                     msg: dict[str, Any], city: CityRuntime, actor: Actor) -> Any:
    """A short-lived token URL of a camera's still image or live stream, for this session.

    For cards that show images in elements of their own and cannot send a header; the view
    checks the permission again on every request. `expires_in` tells when to ask again.
    """
    kind = ImageKind(msg["kind"])
    with translate_errors():
        require(city.registry, actor, ACTION_FOR_KIND[kind], CameraTarget(msg["camera_id"]),
                dt_util.utcnow())
    return token_url(hass, connection.refresh_token_id, msg["camera_id"], kind, msg["height"]).as_dict()


COMMANDS: tuple[NccCommand, ...] = (
    NccCommand("ncc/servers", {}, _servers),
    NccCommand("ncc/cameras/image_url", {
        vol.Required("camera_id"): cv.string,
        vol.Optional("kind", default=ImageKind.STILL.value): vol.In([kind.value for kind in ImageKind]),
        vol.Optional("height", default=SNAPSHOT_HEIGHT_DEFAULT): vol.All(
            vol.Coerce(int), vol.Range(min=MIN_HEIGHT, max=MAX_HEIGHT)),
    }, _image_url),
)
