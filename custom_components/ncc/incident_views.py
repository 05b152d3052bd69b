"""The incident snapshot, behind Home Assistant's authentication and NCC's permissions.

Links come signed and expiring (`async_sign_path`). A link NCC signed for an `ncc_incident`
event (as HA's content user, the signer of links nobody is logged in to use) opens that one
incident's snapshot until it expires: NCC already decided who receives the event. Any other
caller (a logged-in user, or a link signed for one in the dashboard) must be allowed to see
the incident by `core.incidents.may_see`.
"""

from __future__ import annotations

from http import HTTPStatus

from aiohttp import web
from homeassistant.components.http.const import KEY_HASS_USER
from homeassistant.helpers.http import KEY_HASS, HomeAssistantView
from homeassistant.util import dt as dt_util

from .alerts import SNAPSHOT_PATH
from .core.incidents import may_see
from .data import async_get_city
from .guard import async_actor
from .views import signed_by_ha

CACHE_SECONDS = 300


class IncidentSnapshotView(HomeAssistantView):
    """GET the image captured when an incident opened."""

    url = SNAPSHOT_PATH
    name = "api:ncc:incident_snapshot"
    requires_auth = True

    async def get(self, request: web.Request, incident_id: str) -> web.Response:
        hass = request.app[KEY_HASS]
        city = async_get_city(hass)
        if city is None:
            return web.Response(status=HTTPStatus.SERVICE_UNAVAILABLE)
        incident = city.alerts.book.incidents.get(incident_id)
        if incident is None:
            return web.Response(status=HTTPStatus.NOT_FOUND)
        if not signed_by_ha(hass, request):
            actor = await async_actor(hass, city, request[KEY_HASS_USER].id)
            if not may_see(city.registry, actor, incident, dt_util.utcnow()):
                return web.Response(status=HTTPStatus.FORBIDDEN)
        image = await city.alerts.async_read_snapshot(incident_id)
        if image is None:
            return web.Response(status=HTTPStatus.NOT_FOUND)
        return web.Response(
            body=image, content_type="image/jpeg",
            headers={"Cache-Control": f"private, max-age={CACHE_SECONDS}"},
        )
