"""Camera images for NCC's cards, checked per user against agencies and grants.

Home Assistant's own camera proxy lets every user see every camera entity; the camera wall
uses these views instead, which ask `permissions.authorize` on each request: the still image
needs `view_camera`, the live stream `view_live` (checked again before every frame, so a
revoked grant ends a stream within a frame). Opening a live stream is audited.

The live stream is MJPEG (`multipart/x-mixed-replace`) made from the server's latest frame,
fetched through NCC's Frigate client at a modest rate: one open tile costs the server two small
images a second, whatever the number of cameras on the wall.
"""

from __future__ import annotations

import asyncio
from http import HTTPStatus
import time

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
MIN_HEIGHT = 60
MAX_HEIGHT = 1080
LIVE_FRAME_INTERVAL_S = 0.5
# a stream left open on a wall ends after this; the card offers to open it again
LIVE_MAX_DURATION_S = 15 * 60
LIVE_RETRY_AFTER_S = 2.0
BOUNDARY = "ncc-frame"


class ViewRefusal(Exception):
    """Why a camera view answers with an error instead of images."""

    def __init__(self, status: HTTPStatus, code: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code


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


async def _async_caller(request: web.Request) -> tuple[HomeAssistant, CityRuntime, Actor]:
    hass: HomeAssistant = request.app[KEY_HASS]
    city = async_get_city(hass)
    if city is None:
        raise ViewRefusal(HTTPStatus.SERVICE_UNAVAILABLE, "city_not_ready")
    actor = await async_actor(hass, city, request[KEY_HASS_USER].id)
    return hass, city, actor


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


def _feed(hass: HomeAssistant, camera: CameraRecord) -> tuple[ServerCoordinator, str]:
    """The server recording `camera` and the camera's name there."""
    if camera.server_id is None or camera.frigate_name is None:
        raise ViewRefusal(HTTPStatus.NOT_FOUND, ErrorKey.CAMERA_HAS_NO_FEED)
    coordinator = async_get_data(hass).servers.get(camera.server_id)
    if coordinator is None:
        raise ViewRefusal(HTTPStatus.SERVICE_UNAVAILABLE, "server_unavailable")
    return coordinator, camera.frigate_name


class _CameraView(HomeAssistantView):
    requires_auth = True

    def refusal(self, refusal: ViewRefusal) -> web.Response:
        return self.json_message(refusal.code, refusal.status, message_code=refusal.code)


class CameraSnapshotView(_CameraView):
    """The camera's latest frame as JPEG; needs `view_camera`."""

    url = f"/api/ncc/camera/{CAMERA_ID_PATTERN}/snapshot.jpg"
    name = "api:ncc:camera:snapshot"

    async def get(self, request: web.Request, camera_id: str) -> web.StreamResponse:
        try:
            height = _height(request)
            hass, city, actor = await _async_caller(request)
            camera = _require(city, actor, Action.VIEW_CAMERA, camera_id)
            coordinator, name = _feed(hass, camera)
            try:
                image = await coordinator.client.async_get_latest_image(name, height=height)
            except FrigateError:
                raise ViewRefusal(HTTPStatus.BAD_GATEWAY, "server_unavailable") from None
        except ViewRefusal as refusal:
            return self.refusal(refusal)
        return web.Response(
            body=image, content_type="image/jpeg", headers={"Cache-Control": "no-store"}
        )


class CameraLiveView(_CameraView):
    """A live MJPEG stream of the camera; needs `view_live`, audited as `live.view`."""

    url = f"/api/ncc/camera/{CAMERA_ID_PATTERN}/live"
    name = "api:ncc:camera:live"

    async def get(self, request: web.Request, camera_id: str) -> web.StreamResponse:
        try:
            height = _height(request)
            hass, city, actor = await _async_caller(request)
            camera = _require(city, actor, Action.VIEW_LIVE, camera_id)
            coordinator, name = _feed(hass, camera)
        except ViewRefusal as refusal:
            return self.refusal(refusal)
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
            while time.monotonic() < ends and await _async_still_allowed(request, city, camera_id):
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


async def _async_still_allowed(request: web.Request, city: CityRuntime, camera_id: str) -> bool:
    """Whether the viewer may go on watching: role, grants and the city as they are now."""
    try:
        _hass, current, actor = await _async_caller(request)
        _require(current, actor, Action.VIEW_LIVE, camera_id)
    except ViewRefusal:
        return False
    return current is city


def _frame(image: bytes) -> bytes:
    head = (
        f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(image)}\r\n\r\n"
    ).encode()
    return head + image + b"\r\n"
