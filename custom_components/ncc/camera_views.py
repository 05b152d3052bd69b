"""Camera images for NCC's cards, checked per user against agencies and grants.

Home Assistant's own camera proxy lets every user see every camera entity; the camera wall
uses these views instead, which ask `permissions.authorize` on each request: the still image
needs `view_camera`, the live stream `view_live` (checked again before every frame, so a
revoked grant ends a stream within a frame). Opening a live stream is audited.

The live stream is MJPEG (`multipart/x-mixed-replace`) made from the server's latest frame,
fetched through NCC's Frigate client at a modest rate: one open tile costs the server two small
images a second, whatever the number of cameras on the wall.

Cards that cannot send an authorization header (an `<img>` inside another card, such as the
Advanced Camera Card, which also appends its own `_t=` query parameter to defeat caching) use
the token views: the token sits in the path, names one camera and one kind of image, expires,
and is signed with a key derived from the caller's refresh token. The permission check still
runs on every request, as that session's user; a token outlives neither its session nor its
expiry, and extra query parameters are ignored.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
import hashlib
import hmac
from http import HTTPStatus
import time
from typing import ClassVar, Final

from aiohttp import web
from homeassistant.components.http.const import KEY_HASS_USER
from homeassistant.core import HomeAssistant
from homeassistant.helpers.http import KEY_HASS, HomeAssistantView
from homeassistant.util import dt as dt_util

from .city import CityRuntime
from .const import SNAPSHOT_HEIGHT_DEFAULT
from .coordinator import ServerCoordinator
from .core.cameras import CameraRecord
from .core.errors import ErrorKey
from .core.permissions import Action, Actor, CameraTarget, DecisionReason, authorize
from .data import async_get_city, async_get_data
from .frigate import FrigateError
from .guard import async_actor

CAMERA_ID_PATTERN = "{camera_id:[A-Za-z0-9_-]+/[A-Za-z0-9_-]+}"
# <refresh token id>.<expiry, unix seconds>.<signature>; split and checked in `_token_viewer`
SIGNED_SEGMENT = "{token:[A-Za-z0-9_.-]+}"
MIN_HEIGHT = 60
MAX_HEIGHT = 1080
LIVE_FRAME_INTERVAL_S = 0.5
# a stream left open on a wall ends after this; the card offers to open it again
LIVE_MAX_DURATION_S = 15 * 60
LIVE_RETRY_AFTER_S = 2.0
BOUNDARY = "ncc-frame"
STILL_TOKEN_TTL_S: Final = 5 * 60
# a live token only has to open the stream, which then ends by itself after its maximum
LIVE_TOKEN_TTL_S: Final = LIVE_MAX_DURATION_S
_TOKEN_KEY_LABEL: Final = b"ncc camera image token v1"


class ImageKind(StrEnum):
    """What a token lets its bearer load."""

    STILL = "still"
    LIVE = "live"


ACTION_FOR_KIND: Final = {ImageKind.STILL: Action.VIEW_CAMERA, ImageKind.LIVE: Action.VIEW_LIVE}
TOKEN_TTL_S: Final = {ImageKind.STILL: STILL_TOKEN_TTL_S, ImageKind.LIVE: LIVE_TOKEN_TTL_S}


class ViewRefusal(Exception):
    """Why a camera view answers with an error instead of images."""

    def __init__(self, status: HTTPStatus, code: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code


@dataclass(frozen=True, slots=True)
class TokenUrl:
    """A path an `<img>` may load without headers, and for how many seconds from now."""

    url: str
    expires_in: int

    def as_dict(self) -> dict[str, str | int]:
        return {"url": self.url, "expires_in": self.expires_in}


def _signature(jwt_key: str, camera_id: str, kind: ImageKind, expires: int) -> str:
    # a key of its own, derived from the session's, so these signatures mean nothing elsewhere
    key = hmac.new(jwt_key.encode(), _TOKEN_KEY_LABEL, hashlib.sha256).digest()
    digest = hmac.new(key, f"{camera_id}\n{kind}\n{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_url(
    hass: HomeAssistant, refresh_token_id: str, camera_id: str, kind: ImageKind, height: int
) -> TokenUrl:
    """A token path to `camera_id`'s images for the session of `refresh_token_id`.

    The caller checks the permission first; the view checks it again on every request.
    """
    refresh_token = hass.auth.async_get_refresh_token(refresh_token_id)
    if refresh_token is None:
        raise ValueError("unknown session")
    ttl = TOKEN_TTL_S[kind]
    expires = int(dt_util.utcnow().timestamp()) + ttl
    token = f"{refresh_token.id}.{expires}.{_signature(refresh_token.jwt_key, camera_id, kind, expires)}"
    suffix = ".jpg" if kind is ImageKind.STILL else ""
    return TokenUrl(f"/api/ncc/camera/{camera_id}/{kind}/{token}{suffix}?height={height}", ttl)


def _session_user(hass: HomeAssistant, refresh_token_id: str) -> str:
    """The active user of a session that still exists."""
    refresh_token = hass.auth.async_get_refresh_token(refresh_token_id)
    if refresh_token is None or not refresh_token.user.is_active:
        raise ViewRefusal(HTTPStatus.UNAUTHORIZED, "token_invalid")
    return refresh_token.user.id


def _token_viewer(
    hass: HomeAssistant, token: str, camera_id: str, kind: ImageKind
) -> Callable[[], str]:
    """The user a token was issued to, asked of its session at each call.

    Refuses at once unless the token is genuine, unexpired and its session lives.
    """
    refresh_token_id, _, rest = token.partition(".")
    expiry, _, signature = rest.partition(".")
    refresh_token = hass.auth.async_get_refresh_token(refresh_token_id)
    if refresh_token is None or not expiry.isdigit() or not hmac.compare_digest(
        signature, _signature(refresh_token.jwt_key, camera_id, kind, int(expiry))
    ):
        raise ViewRefusal(HTTPStatus.UNAUTHORIZED, "token_invalid")
    if int(expiry) < dt_util.utcnow().timestamp():
        raise ViewRefusal(HTTPStatus.UNAUTHORIZED, "token_expired")
    _session_user(hass, refresh_token_id)
    return lambda: _session_user(hass, refresh_token_id)


def _height(request: web.Request) -> int:
    raw = request.query.get("height")
    if raw is None:
        return SNAPSHOT_HEIGHT_DEFAULT
    try:
        height = int(raw)
    except ValueError:
        raise ViewRefusal(HTTPStatus.BAD_REQUEST, "invalid_height") from None
    if not MIN_HEIGHT <= height <= MAX_HEIGHT:
        raise ViewRefusal(HTTPStatus.BAD_REQUEST, "invalid_height")
    return height


def _city(hass: HomeAssistant) -> CityRuntime:
    city = async_get_city(hass)
    if city is None:
        raise ViewRefusal(HTTPStatus.SERVICE_UNAVAILABLE, "city_not_ready")
    return city


def _require(city: CityRuntime, actor: Actor, action: Action, camera_id: str) -> CameraRecord:
    """The camera, if `actor` may do `action` on it; unknown cameras only show to city admins."""
    decision = authorize(city.registry, actor, action, CameraTarget(camera_id), dt_util.utcnow())
    camera = city.registry.cameras.get(camera_id)
    if decision.allowed and camera is not None:
        return camera
    if decision.reason is DecisionReason.NO_ROLE:
        raise ViewRefusal(HTTPStatus.FORBIDDEN, ErrorKey.NO_ROLE)
    if decision.reason is DecisionReason.UNKNOWN_TARGET and actor.is_city_admin:
        raise ViewRefusal(HTTPStatus.NOT_FOUND, ErrorKey.CAMERA_NOT_FOUND)
    if decision.reason is DecisionReason.NO_FEED:
        raise ViewRefusal(HTTPStatus.NOT_FOUND, ErrorKey.CAMERA_HAS_NO_FEED)
    raise ViewRefusal(HTTPStatus.FORBIDDEN, ErrorKey.PERMISSION_DENIED_CAMERA)


async def _async_viewable(
    hass: HomeAssistant, camera_id: str, user_id: Callable[[], str], action: Action
) -> tuple[CityRuntime, Actor, CameraRecord]:
    """The city, the viewer and the camera, if the viewer may do `action` on it now."""
    city = _city(hass)
    actor = await async_actor(hass, city, user_id())
    return city, actor, _require(city, actor, action, camera_id)


def _feed(hass: HomeAssistant, camera: CameraRecord) -> tuple[ServerCoordinator, str]:
    """The server recording `camera` and the camera's name there."""
    if camera.server_id is None or camera.frigate_name is None:
        raise ViewRefusal(HTTPStatus.NOT_FOUND, ErrorKey.CAMERA_HAS_NO_FEED)
    coordinator = async_get_data(hass).servers.get(camera.server_id)
    if coordinator is None:
        raise ViewRefusal(HTTPStatus.SERVICE_UNAVAILABLE, "server_unavailable")
    return coordinator, camera.frigate_name


async def _async_still(hass: HomeAssistant, request: web.Request, camera_id: str,
                       user_id: Callable[[], str]) -> web.Response:
    """The camera's latest frame as JPEG, for the user `user_id` names."""
    height = _height(request)
    _, _, camera = await _async_viewable(hass, camera_id, user_id, Action.VIEW_CAMERA)
    coordinator, name = _feed(hass, camera)
    try:
        image = await coordinator.client.async_get_latest_image(name, height=height)
    except FrigateError:
        raise ViewRefusal(HTTPStatus.BAD_GATEWAY, "server_unavailable") from None
    return web.Response(body=image, content_type="image/jpeg", headers={"Cache-Control": "no-store"})


async def _async_live(hass: HomeAssistant, request: web.Request, camera_id: str,
                      user_id: Callable[[], str]) -> web.StreamResponse:
    """An MJPEG stream for the user `user_id` names, asked again before every frame."""
    height = _height(request)
    city, actor, camera = await _async_viewable(hass, camera_id, user_id, Action.VIEW_LIVE)
    coordinator, name = _feed(hass, camera)
    await city.audit.async_record(
        actor, "live.view", "camera", camera_id, camera_id=camera_id, details={"height": height}
    )
    response = web.StreamResponse(headers={
        "Content-Type": f"multipart/x-mixed-replace; boundary={BOUNDARY}",
        "Cache-Control": "no-store",
    })
    await response.prepare(request)
    ends = time.monotonic() + LIVE_MAX_DURATION_S
    try:
        while time.monotonic() < ends and await _async_still_allowed(hass, city, camera_id, user_id):
            try:
                image = await coordinator.client.async_get_latest_image(name, height=height)
            except FrigateError:
                await asyncio.sleep(LIVE_RETRY_AFTER_S)
                continue
            await response.write(_frame(image))
            await asyncio.sleep(LIVE_FRAME_INTERVAL_S)
    except ConnectionResetError:
        # the viewer closed the tile
        return response
    await response.write_eof()
    return response


async def _async_still_allowed(hass: HomeAssistant, city: CityRuntime, camera_id: str,
                               user_id: Callable[[], str]) -> bool:
    """Whether the viewer may go on watching: session, role, grants and the city as they are now."""
    try:
        current, _, _ = await _async_viewable(hass, camera_id, user_id, Action.VIEW_LIVE)
    except ViewRefusal:
        return False
    return current is city


def _frame(image: bytes) -> bytes:
    head = (
        f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(image)}\r\n\r\n"
    ).encode()
    return head + image + b"\r\n"


def _request_user(request: web.Request) -> Callable[[], str]:
    return lambda: str(request[KEY_HASS_USER].id)


class _CameraView(HomeAssistantView):
    """One kind of camera image, for the signed-in user or, in token views, a token's bearer."""

    requires_auth = True
    kind: ClassVar[ImageKind]

    async def get(
        self, request: web.Request, camera_id: str, token: str | None = None
    ) -> web.StreamResponse:
        hass = request.app[KEY_HASS]
        serve = _async_still if self.kind is ImageKind.STILL else _async_live
        try:
            user_id = (
                _request_user(request) if token is None
                else _token_viewer(hass, token, camera_id, self.kind)
            )
            return await serve(hass, request, camera_id, user_id)
        except ViewRefusal as refusal:
            return self.json_message(refusal.code, refusal.status, message_code=refusal.code)


class CameraSnapshotView(_CameraView):
    """The camera's latest frame as JPEG; needs `view_camera`."""

    url = f"/api/ncc/camera/{CAMERA_ID_PATTERN}/snapshot.jpg"
    name = "api:ncc:camera:snapshot"
    kind = ImageKind.STILL


class CameraLiveView(_CameraView):
    """A live MJPEG stream of the camera; needs `view_live`, audited as `live.view`."""

    url = f"/api/ncc/camera/{CAMERA_ID_PATTERN}/live"
    name = "api:ncc:camera:live"
    kind = ImageKind.LIVE


class CameraStillTokenView(_CameraView):
    """The still image for a token from `ncc/cameras/image_url`; needs `view_camera`."""

    requires_auth = False
    url = f"/api/ncc/camera/{CAMERA_ID_PATTERN}/still/{SIGNED_SEGMENT}.jpg"
    name = "api:ncc:camera:still:token"
    kind = ImageKind.STILL


class CameraLiveTokenView(_CameraView):
    """The live stream for a token from `ncc/cameras/image_url`; needs `view_live`, audited.

    The token opens the stream; every frame then asks whether the session still exists and its
    user may still watch.
    """

    requires_auth = False
    url = f"/api/ncc/camera/{CAMERA_ID_PATTERN}/live/{SIGNED_SEGMENT}"
    name = "api:ncc:camera:live:token"
    kind = ImageKind.LIVE
