"""The camera wall's image views: each request checked against the caller's agency and grants."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any
from unittest.mock import patch

from aiohttp import ClientResponse
from homeassistant.auth.models import RefreshToken, User
from homeassistant.core import Context, HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator, WebSocketGenerator

from custom_components.ncc import camera_views
from custom_components.ncc.camera_views import ImageKind, token_url
from custom_components.ncc.const import DOMAIN
from custom_components.ncc.data import async_get_city
from custom_components.ncc.frontend_setup import async_setup_frontend
from frigate_sim import SimCity

SetupCity = Callable[..., Awaitable[MockConfigEntry]]
AddServer = Callable[..., Awaitable[MockConfigEntry]]
JPEG_START = b"\xff\xd8"


async def act(hass: HomeAssistant, service: str, data: dict[str, Any], user: User) -> Any:
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, context=Context(user_id=user.id),
        return_response=True,
    )


class City:
    """Two agencies, a server each, an operator and a viewer at Polres."""

    def __init__(self, hass: HomeAssistant, sim: SimCity, client: Any,
                 ws_client: WebSocketGenerator) -> None:
        self.hass = hass
        self.sim = sim
        self.client = client
        self.ws_client = ws_client
        self.tokens: dict[str, str] = {}
        self.sessions: dict[str, RefreshToken] = {}
        self.users: dict[str, User] = {}
        self.own = f"polres/{next(iter(sim.servers[1].cameras))}"
        self.foreign = f"balaikota/{next(iter(sim.servers[0].cameras))}"

    async def user(self, name: str, agency_id: str | None, role: str | None, admin: User) -> None:
        user = await self.hass.auth.async_create_user(name, group_ids=["system-users"])
        if agency_id and role:
            await act(self.hass, "set_operator",
                      {"user_id": user.id, "agency_id": agency_id, "role": role}, admin)
        refresh = await self.hass.auth.async_create_refresh_token(user, "http://127.0.0.1/")
        self.tokens[name] = self.hass.auth.async_create_access_token(refresh)
        self.sessions[name] = refresh
        self.users[name] = user

    async def get(self, who: str, path: str) -> ClientResponse:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        response: ClientResponse = await self.client.get(path, headers=headers)
        return response

    async def image_url(self, who: str, camera_id: str, **data: Any) -> dict[str, Any]:
        """`ncc/cameras/image_url` as `who`: its result, or its error."""
        client = await self.ws_client(self.hass, self.tokens[who])
        await client.send_json_auto_id({"type": "ncc/cameras/image_url", "camera_id": camera_id, **data})
        reply = await client.receive_json()
        await client.close()
        answer: dict[str, Any] = reply["result"] if reply["success"] else reply["error"]
        return answer


@pytest.fixture
async def city(
    hass: HomeAssistant,
    setup_city: SetupCity,
    add_server: AddServer,
    sim: SimCity,
    hass_admin_user: User,
    hass_client: ClientSessionGenerator,
    hass_ws_client: WebSocketGenerator,
) -> City:
    await setup_city()
    await act(hass, "create_agency",
              {"code": "POLRES", "name": "Polres", "kind": "vertical_agency"}, hass_admin_user)
    await add_server(sim.servers[0].url, "balaikota")
    await add_server(sim.servers[1].url, "polres", agency_id="polres")
    await async_setup_frontend(hass)
    result = City(hass, sim, await hass_client(), hass_ws_client)
    await result.user("officer", "polres", "operator", hass_admin_user)
    await result.user("watcher", "polres", "viewer", hass_admin_user)
    await result.user("stranger", None, None, hass_admin_user)
    return result


def snapshot(camera_id: str, query: str = "") -> str:
    return f"/api/ncc/camera/{camera_id}/snapshot.jpg{query}"


def live(camera_id: str, query: str = "") -> str:
    return f"/api/ncc/camera/{camera_id}/live{query}"


async def test_stills_follow_ownership_and_grants(
    city: City, hass: HomeAssistant, hass_admin_user: User,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    own = await city.get("officer", snapshot(city.own, "?height=120"))
    assert own.status == 200
    assert own.content_type == "image/jpeg"
    assert own.headers["Cache-Control"] == "no-store"
    assert (await own.read()).startswith(JPEG_START)

    foreign = await city.get("officer", snapshot(city.foreign))
    assert foreign.status == 403
    assert (await foreign.json())["code"] == "permission_denied_camera"

    await act(hass, "grant_access", {
        "owner_agency_id": "diskominfo", "grantee_agency_id": "polres",
        "privileges": ["view_recordings"], "scope": "camera", "scope_id": city.foreign,
    }, hass_admin_user)
    assert (await city.get("officer", snapshot(city.foreign))).status == 200
    anonymous = await hass_client_no_auth()
    assert (await anonymous.get(snapshot(city.own))).status == 401
    stranger = await city.get("stranger", snapshot(city.own))
    assert stranger.status == 403
    assert (await stranger.json())["code"] == "no_role"


async def test_unknown_and_feedless_cameras(
    city: City, hass: HomeAssistant, hass_admin_user: User, hass_client: ClientSessionGenerator
) -> None:
    admin = await hass_client()
    unknown = await admin.get(snapshot("balaikota/nope"))
    assert unknown.status == 404
    assert (await unknown.json())["code"] == "camera_not_found"
    # others are not told whether it exists
    assert (await city.get("officer", snapshot("balaikota/nope"))).status == 403

    added = await act(hass, "add_registry_camera", {
        "name": "Lobby Mall", "owner_agency_id": "polres", "purpose": "private_premises",
        "area_type": "private_facing_public",
    }, hass_admin_user)
    feedless = added["camera"]["id"]
    still = await city.get("officer", snapshot(feedless))
    assert still.status == 404
    assert (await still.json())["code"] == "camera_has_no_feed"
    stream = await city.get("officer", live(feedless))
    assert stream.status == 404
    assert (await stream.json())["code"] == "camera_has_no_feed"


@pytest.mark.parametrize("query", ["?height=abc", "?height=10", "?height=5000"])
async def test_heights_out_of_range_are_refused(city: City, query: str) -> None:
    response = await city.get("officer", snapshot(city.own, query))
    assert response.status == 400
    assert (await response.json())["code"] == "invalid_height"


async def test_server_trouble_answers_without_an_image(city: City, hass: HomeAssistant) -> None:
    city.sim.servers[1].faults.http_500 = True
    broken = await city.get("officer", snapshot(city.own))
    assert broken.status == 502
    assert (await broken.json())["code"] == "server_unavailable"
    city.sim.servers[1].faults.clear()

    entry = next(e for e in hass.config_entries.async_entries(DOMAIN) if e.title == "polres")
    await hass.config_entries.async_unload(entry.entry_id)
    gone = await city.get("officer", snapshot(city.own))
    assert gone.status == 503
    assert (await gone.json())["code"] == "server_unavailable"


async def test_views_wait_for_the_city(city: City, hass: HomeAssistant) -> None:
    entry = next(e for e in hass.config_entries.async_entries(DOMAIN) if e.title == "Kota Mojokerto")
    await hass.config_entries.async_unload(entry.entry_id)
    response = await city.get("officer", snapshot(city.own))
    assert response.status == 503
    assert (await response.json())["code"] == "city_not_ready"


async def read_frame(response: ClientResponse) -> bytes:
    """The first JPEG of a multipart stream."""
    reader = response.content
    while not (boundary := (await reader.readline()).strip()):
        pass  # the line break closing the previous frame
    assert boundary == f"--{camera_views.BOUNDARY}".encode()
    headers: dict[str, str] = {}
    while (line := (await reader.readline()).strip()):
        name, _, value = line.decode().partition(":")
        headers[name.lower()] = value.strip()
    assert headers["content-type"] == "image/jpeg"
    return await reader.readexactly(int(headers["content-length"]))


async def test_live_stream_is_audited_and_ends_when_access_does(
    city: City, hass: HomeAssistant, hass_admin_user: User
) -> None:
    with patch.object(camera_views, "LIVE_FRAME_INTERVAL_S", 0.01):
        response = await city.get("officer", live(city.own, "?height=90"))
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("multipart/x-mixed-replace")
        assert (await read_frame(response)).startswith(JPEG_START)
        assert (await read_frame(response)).startswith(JPEG_START)
        await act(hass, "remove_operator", {"user_id": city.users["officer"].id}, hass_admin_user)
        rest = await asyncio.wait_for(response.read(), timeout=5)
        assert rest.count(f"--{camera_views.BOUNDARY}".encode()) <= 2
    audit = async_get_city(hass)
    assert audit is not None
    page = await audit.audit.async_query(
        camera_views_query(city.own)
    )
    assert [(e.action, e.user_id) for e in page.entries] == [
        ("live.view", city.users["officer"].id)
    ]


def camera_views_query(camera_id: str) -> Any:
    from custom_components.ncc.core.audit import AuditQuery

    return AuditQuery(camera_id=camera_id, action="live.view")


async def test_live_needs_view_live(city: City, hass: HomeAssistant, hass_admin_user: User) -> None:
    await act(hass, "grant_access", {
        "owner_agency_id": "diskominfo", "grantee_agency_id": "polres",
        "privileges": ["view_recordings"], "scope": "camera", "scope_id": city.foreign,
    }, hass_admin_user)
    refused = await city.get("officer", live(city.foreign))
    assert refused.status == 403
    assert (await refused.json())["code"] == "permission_denied_camera"
    assert (await city.get("officer", live(city.own, "?height=1"))).status == 400


async def test_live_stream_rides_out_server_trouble_and_ends_in_time(
    city: City, hass: HomeAssistant
) -> None:
    with (
        patch.object(camera_views, "LIVE_FRAME_INTERVAL_S", 0.01),
        patch.object(camera_views, "LIVE_RETRY_AFTER_S", 0.01),
        patch.object(camera_views, "LIVE_MAX_DURATION_S", 0.5),
    ):
        city.sim.servers[1].faults.http_500 = True
        response = await city.get("watcher", live(city.own))
        assert response.status == 200
        await asyncio.sleep(0.1)
        city.sim.servers[1].faults.clear()
        assert (await read_frame(response)).startswith(JPEG_START)
        await asyncio.wait_for(response.read(), timeout=5)  # ends by itself


async def test_a_viewer_closing_the_tile_ends_the_stream(city: City) -> None:
    frames = 0
    real_frame = camera_views._frame

    def counted(image: bytes) -> bytes:
        nonlocal frames
        frames += 1
        return real_frame(image)

    with (
        patch.object(camera_views, "LIVE_FRAME_INTERVAL_S", 0.01),
        patch.object(camera_views, "_frame", counted),
    ):
        response = await city.get("officer", live(city.own))
        await read_frame(response)
        response.close()
        await asyncio.sleep(0.2)
        after_close = frames
        await asyncio.sleep(0.2)
    assert frames == after_close


# --- token URLs, for images shown by other cards (no header, extra query parameters) ----------


async def test_still_token_url_works_without_a_header_and_with_extra_parameters(
    city: City, hass_client_no_auth: ClientSessionGenerator
) -> None:
    answer = await city.image_url("officer", city.own, height=120)
    assert answer["expires_in"] == camera_views.STILL_TOKEN_TTL_S
    url = answer["url"]
    assert url.startswith(f"/api/ncc/camera/{city.own}/still/")
    assert url.endswith(".jpg?height=120")
    anonymous = await hass_client_no_auth()
    # the Advanced Camera Card appends `_t=<timestamp>` to defeat caching
    still = await anonymous.get(f"{url}&_t=123")
    assert still.status == 200
    assert still.content_type == "image/jpeg"
    assert still.headers["Cache-Control"] == "no-store"
    assert (await still.read()).startswith(JPEG_START)
    path = url.partition("?")[0]
    assert (await anonymous.get(f"{path}?_t=124")).status == 200
    assert (await anonymous.get(f"{path}?height=5000&_t=125")).status == 400


async def test_token_urls_are_refused_without_the_permission(
    city: City, hass: HomeAssistant, hass_admin_user: User,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    refused = await city.image_url("officer", city.foreign)
    assert refused["code"] == "unauthorized"
    assert refused["translation_key"] == "permission_denied_camera"
    assert (await city.image_url("stranger", city.own))["translation_key"] == "no_role"

    granted = await act(hass, "grant_access", {
        "owner_agency_id": "diskominfo", "grantee_agency_id": "polres",
        "privileges": ["view_recordings"], "scope": "camera", "scope_id": city.foreign,
    }, hass_admin_user)
    url = (await city.image_url("officer", city.foreign))["url"]
    # still images yes, the live stream needs `view_live`
    live_refused = await city.image_url("officer", city.foreign, kind="live")
    assert live_refused["translation_key"] == "permission_denied_camera"
    anonymous = await hass_client_no_auth()
    assert (await anonymous.get(f"{url}&_t=1")).status == 200

    # the view asks again on every request: a revoked grant ends a token at once
    await act(hass, "revoke_access", {"grant_id": granted["grant"]["id"]}, hass_admin_user)
    revoked = await anonymous.get(f"{url}&_t=2")
    assert revoked.status == 403
    assert (await revoked.json())["code"] == "permission_denied_camera"


async def test_forged_expired_and_orphaned_tokens_are_refused(
    city: City, hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> None:
    anonymous = await hass_client_no_auth()
    url = (await city.image_url("officer", city.own))["url"]
    path, _, query = url.partition("?")
    token = path.rsplit("/", 1)[1].removesuffix(".jpg")
    session, expiry, signature = token.split(".")

    async def code(target: str) -> tuple[int, str]:
        response = await anonymous.get(target)
        return response.status, (await response.json())["code"]

    invalid = (401, "token_invalid")
    # bound to its camera, its kind, its expiry and its session
    assert await code(url.replace(city.own, city.foreign)) == invalid
    assert await code(f"/api/ncc/camera/{city.own}/live/{token}?{query}") == invalid
    assert await code(url.replace(f".{expiry}.", f".{int(expiry) + 3600}.")) == invalid
    assert await code(url.replace(signature, signature[::-1])) == invalid
    assert await code(url.replace(session, "0" * len(session))) == invalid
    assert await code(f"/api/ncc/camera/{city.own}/still/garbage.jpg") == invalid
    assert await code(url.replace(f".{expiry}.", ".soon.")) == invalid

    with patch.dict(camera_views.TOKEN_TTL_S, {ImageKind.STILL: -1}):
        expired = (await city.image_url("officer", city.own))["url"]
    assert await code(expired) == (401, "token_expired")

    # a session that ended (logged out) takes its tokens with it
    hass.auth.async_remove_refresh_token(city.sessions["officer"])
    assert await code(url) == invalid
    with pytest.raises(ValueError, match="unknown session"):
        token_url(hass, city.sessions["officer"].id, city.own, ImageKind.STILL, 120)


async def test_a_deactivated_user_loses_the_token(
    city: City, hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> None:
    url = (await city.image_url("watcher", city.own))["url"]
    anonymous = await hass_client_no_auth()
    assert (await anonymous.get(url)).status == 200
    await hass.auth.async_update_user(city.users["watcher"], is_active=False)
    assert (await anonymous.get(url)).status == 401


async def test_live_token_streams_is_audited_and_ends_with_the_session(
    city: City, hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> None:
    answer = await city.image_url("watcher", city.own, kind="live", height=90)
    assert answer["expires_in"] == camera_views.LIVE_TOKEN_TTL_S
    url = answer["url"]
    assert url.startswith(f"/api/ncc/camera/{city.own}/live/")
    anonymous = await hass_client_no_auth()
    with patch.object(camera_views, "LIVE_FRAME_INTERVAL_S", 0.01):
        response = await anonymous.get(f"{url}&_t=99")
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("multipart/x-mixed-replace")
        assert (await read_frame(response)).startswith(JPEG_START)
        hass.auth.async_remove_refresh_token(city.sessions["watcher"])
        rest = await asyncio.wait_for(response.read(), timeout=5)
        assert rest.count(f"--{camera_views.BOUNDARY}".encode()) <= 2
    running = async_get_city(hass)
    assert running is not None
    page = await running.audit.async_query(camera_views_query(city.own))
    assert [(e.action, e.user_id) for e in page.entries] == [("live.view", city.users["watcher"].id)]


async def test_image_url_checks_its_input(city: City) -> None:
    assert (await city.image_url("officer", city.own, height=10))["code"] == "invalid_format"
    assert (await city.image_url("officer", city.own, kind="video"))["code"] == "invalid_format"
