"""Evidence downloads through expiring links signed by Home Assistant's own HTTP server.

A release link is `/api/ncc/evidence/<link id>?authSig=...`: HA signs the path for its
read-only content user (`async_sign_path(..., use_content_user=True)`), so the signature opens
this one path and nothing else, and HA's auth middleware checks it on every request. The view
serves nothing but NCC's own packages (never a proxy to Frigate) and only to a request that
came through such a signature. It checks the link itself first so that a refusal says why:

- 404 `link_unknown`: no such link;
- 410 `link_expired`: the link's time is over (ask for a new link);
- 410 `evidence_deleted`: the request's records expired and its evidence is gone;
- 401 `signature_invalid`: no valid signature (a tampered link, or one signed before Home
  Assistant restarted: HA's signing secret lives in memory only).

Every download is recorded with the release's recipient, the time and the remote address.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aiohttp import hdrs, web
from homeassistant.components.http.auth import STORAGE_KEY as HTTP_AUTH_KEY
from homeassistant.components.http.const import KEY_HASS_REFRESH_TOKEN_ID
from homeassistant.core import HomeAssistant
from homeassistant.helpers.http import KEY_AUTHENTICATED, KEY_HASS, HomeAssistantView
from homeassistant.util import dt as dt_util

from .data import async_get_city

LINK_ID_PATTERN = "{link_id:[A-Za-z0-9_-]{16,64}}"


def _refusal(status: HTTPStatus, code: str, message: str, **extra: Any) -> web.Response:
    return HomeAssistantView.json({"code": code, "message": message, **extra}, status)


def signed_by_ha(hass: HomeAssistant, request: web.Request) -> bool:
    """The request carried a valid HA signature made for the content user (a release link)."""
    content_token = hass.data.get(HTTP_AUTH_KEY)
    return (
        bool(request.get(KEY_AUTHENTICATED))
        and content_token is not None
        and request.get(KEY_HASS_REFRESH_TOKEN_ID) == content_token
    )


class EvidenceDownloadView(HomeAssistantView):
    """`GET /api/ncc/evidence/<link id>`: one evidence package, for a valid signed link."""

    url = "/api/ncc/evidence/" + LINK_ID_PATTERN
    name = "api:ncc:evidence"
    # The signature is checked below rather than by the view wrapper, so that an expired link
    # is told so instead of a bare 401; nothing is served without it.
    requires_auth = False

    async def get(self, request: web.Request, link_id: str) -> web.StreamResponse:
        hass = request.app[KEY_HASS]
        city = async_get_city(hass)
        if city is None:
            return _refusal(HTTPStatus.SERVICE_UNAVAILABLE, "city_not_ready",
                            "The command center is not running; try again later.")
        desk = city.footage
        found = desk.find_link(link_id)
        if found is None:
            return _refusal(HTTPStatus.NOT_FOUND, "link_unknown", "There is no such download link.")
        footage_request, release, link = found
        if link.expires_at <= dt_util.utcnow():
            return _refusal(
                HTTPStatus.GONE, "link_expired",
                "This download link has expired; ask the command center for a new one.",
                expired_at=link.expires_at.isoformat(),
            )
        package = footage_request.package(release.package_id)
        path = None if package is None else desk.package_path(footage_request, package)
        if (
            footage_request.expired_at is not None or path is None
            or not await hass.async_add_executor_job(path.is_file)
        ):
            return _refusal(HTTPStatus.GONE, "evidence_deleted",
                            "The evidence of this request has been deleted.")
        if not signed_by_ha(hass, request):
            return _refusal(
                HTTPStatus.UNAUTHORIZED, "signature_invalid",
                "This link's signature is not valid (links stop working when Home Assistant "
                "restarts); ask the command center for a new one.",
            )
        await desk.async_record_download(footage_request, release, link, request.remote or "")
        assert package is not None
        return web.FileResponse(
            path,
            headers={
                hdrs.CONTENT_TYPE: "application/zip",
                hdrs.CONTENT_DISPOSITION: f'attachment; filename="{package.file_name}"',
                hdrs.CACHE_CONTROL: "no-store",
            },
        )
