"""Login, cookies, bearer tokens, expiry, refresh, CSRF, roles and TLS of the simulator."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
import pytest

from frigate_sim import SimCamera, SimCity, SimServer
from frigate_sim.auth import Authenticator, Identity, decode_jwt, encode_jwt
from frigate_sim.testing import CityFactory

PASSWORD = "sim-password-1234"
CSRF = {"X-CSRF-TOKEN": "1"}


async def _secured(sim_city: CityFactory, **options: Any) -> SimServer:
    city = await sim_city(servers=1, cameras=2, seed=5, auth=True, password=PASSWORD, **options)
    return city.servers[0]


async def _login(http: aiohttp.ClientSession, srv: SimServer, user: str = "admin") -> str:
    async with http.post(f"{srv.url}/api/login", json={"user": user, "password": PASSWORD}) as r:
        assert r.status == 200
        assert await r.read() == b""
        return r.cookies["frigate_token"].value


def test_jwt_is_hs256_with_frigate_claims() -> None:
    authenticator = Authenticator([], session_length_s=60, refresh_time_s=10)
    token, expires_at = authenticator.issue(Identity("budi", "viewer"))
    claims = decode_jwt(token, authenticator._secret)
    assert claims is not None
    assert claims["sub"] == "budi"
    assert claims["role"] == "viewer"
    assert claims["exp"] == expires_at
    assert expires_at - 60 <= claims["iat"] <= expires_at  # type: ignore[operator]
    assert decode_jwt(token, b"other secret") is None
    assert decode_jwt(token[:-2] + "xx", authenticator._secret) is None
    assert decode_jwt("not.a.jwt", authenticator._secret) is None
    unsigned = encode_jwt({"sub": "x"}, b"k").rsplit(".", 1)[0] + "."
    assert decode_jwt(unsigned, b"k") is None


async def test_everything_under_api_needs_a_token(sim_city: CityFactory, http: aiohttp.ClientSession) -> None:
    srv = await _secured(sim_city)
    for path in ("/api/", "/api/version", "/api/stats", "/api/profile", "/api/logout"):
        async with http.get(srv.url + path) as response:
            assert response.status == 401, path
    async with http.get(srv.url + "/_sim/state") as response:
        assert response.status == 200
    async with http.get(srv.url + "/api/stats", headers={"Authorization": "Bearer junk"}) as r:
        assert r.status == 401


async def test_cookie_and_bearer_both_work(sim_city: CityFactory, http: aiohttp.ClientSession) -> None:
    srv = await _secured(sim_city)
    token = await _login(http, srv)
    async with http.get(f"{srv.url}/api/profile") as response:  # the cookie from login
        assert await response.json() == {
            "username": "admin",
            "role": "admin",
            "allowed_cameras": list(srv.cameras),
        }
    async with aiohttp.ClientSession() as fresh:
        headers = {"Authorization": f"Bearer {token}"}
        async with fresh.get(f"{srv.url}/api/config", headers=headers) as response:
            assert response.status == 200
            assert "Set-Cookie" not in response.headers  # bearer tokens are never refreshed


async def test_wrong_credentials(sim_city: CityFactory, http: aiohttp.ClientSession) -> None:
    srv = await _secured(sim_city)
    for body in ({"user": "admin", "password": "x"}, {"user": "ghost", "password": PASSWORD}):
        async with http.post(f"{srv.url}/api/login", json=body) as response:
            assert response.status == 401
            assert await response.json() == {"message": "Login failed"}
            assert "Set-Cookie" not in response.headers


async def test_expiry_and_cookie_refresh(sim_city: CityFactory, http: aiohttp.ClientSession) -> None:
    srv = await _secured(sim_city, session_length_s=600, refresh_time_s=120)
    token = await _login(http, srv)
    async with http.get(f"{srv.url}/api/stats") as response:
        assert "Set-Cookie" not in response.headers  # far from expiry
    clock = srv.authenticator
    clock.clock = lambda: time.time() + 500  # within refresh_time of exp
    async with http.get(f"{srv.url}/api/stats") as response:
        assert response.status == 200
        refreshed = response.cookies["frigate_token"].value
    assert refreshed != token
    clock.clock = lambda: time.time() + 700  # the first token has expired, the new one not
    async with aiohttp.ClientSession() as other:
        old = {"Authorization": f"Bearer {token}"}
        async with other.get(f"{srv.url}/api/stats", headers=old) as response:
            assert response.status == 401
        new = {"Authorization": f"Bearer {refreshed}"}
        async with other.get(f"{srv.url}/api/stats", headers=new) as response:
            assert response.status == 200


async def test_expire_tokens_invalidates_every_issued_token(
    sim_city: CityFactory, http: aiohttp.ClientSession
) -> None:
    srv = await _secured(sim_city)
    await _login(http, srv)
    srv.expire_tokens()
    async with http.get(f"{srv.url}/api/stats") as response:
        assert response.status == 401
    await _login(http, srv)
    async with http.post(f"{srv.url}/_sim/expire_tokens") as response:
        assert response.status == 200
    async with http.get(f"{srv.url}/api/stats") as response:
        assert response.status == 401


async def test_csrf_header_is_required_with_an_origin(
    sim_city: CityFactory, http: aiohttp.ClientSession
) -> None:
    srv = await _secured(sim_city)
    await _login(http, srv)
    event_id = next(iter(srv.catalog.events))
    url = f"{srv.url}/api/events/{event_id}/retain"
    async with http.post(url, headers={"Origin": srv.url}) as response:
        assert response.status == 401
        assert await response.json() == {"success": False, "message": "Missing CSRF header"}
    assert srv.catalog.events[event_id].retain_indefinitely is False
    async with http.post(url, headers={"Origin": srv.url, **CSRF}) as response:
        assert response.status == 200
    async with http.post(url) as response:  # no Origin (a server-side client): no check
        assert response.status == 200
    async with http.get(f"{srv.url}/api/stats", headers={"Origin": srv.url}) as response:
        assert response.status == 200


async def test_viewer_reads_and_exports_but_admin_actions_are_refused(
    sim_city: CityFactory, http: aiohttp.ClientSession
) -> None:
    srv = await _secured(sim_city, export_duration_s=0.0, export_row_delay_s=0.0)
    await _login(http, srv, user="viewer")
    async with http.get(f"{srv.url}/api/profile") as response:
        assert (await response.json())["role"] == "viewer"
    event_id = next(iter(srv.catalog.events))
    async with http.post(f"{srv.url}/api/events/{event_id}/retain") as response:
        assert response.status == 403
        assert await response.json() == {"detail": "Role viewer not authorized. Required: admin"}
    now = time.time()
    async with http.post(
        f"{srv.url}/api/export/ijen_01/start/{now - 300}/end/{now - 200}", json={}
    ) as response:
        assert response.status == 200
        export_id = (await response.json())["export_id"]
    export = await _finished_export(http, srv, export_id)
    async with http.get(f"{srv.url}/{export['video_path'].replace('/media/frigate/', '')}") as r:
        assert r.status == 200
        assert (await r.read())[4:8] == b"ftyp"
    for method, path in (
        ("DELETE", f"/api/export/{export_id}"),
        ("PATCH", f"/api/export/{export_id}/rename"),
    ):
        async with http.request(method, srv.url + path, json={"name": "x"}) as response:
            assert response.status == 403, path
    assert srv.export_store.get(export_id) is not None


async def _finished_export(http: aiohttp.ClientSession, srv: SimServer, export_id: str) -> dict[str, str]:
    for _ in range(200):
        async with http.get(f"{srv.url}/api/exports/{export_id}") as response:
            if response.status == 200:
                row = await response.json()
                if not row["in_progress"]:
                    return row  # type: ignore[no-any-return]
        await asyncio.sleep(0.02)
    raise AssertionError("export did not finish")


async def test_export_download_needs_a_token(sim_city: CityFactory, http: aiohttp.ClientSession) -> None:
    srv = await _secured(sim_city, export_duration_s=0.0, export_row_delay_s=0.0)
    await _login(http, srv)
    now = time.time()
    async with http.post(
        f"{srv.url}/api/export/ijen_01/start/{now - 300}/end/{now - 200}", json={}
    ) as response:
        export_id = (await response.json())["export_id"]
    export = await _finished_export(http, srv, export_id)
    file_url = f"{srv.url}/{export['video_path'].replace('/media/frigate/', '')}"
    async with aiohttp.ClientSession() as anonymous, anonymous.get(file_url) as response:
        assert response.status == 401
    async with http.get(file_url) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "video/mp4"


async def test_logout_clears_the_cookie(sim_city: CityFactory, http: aiohttp.ClientSession) -> None:
    srv = await _secured(sim_city)
    await _login(http, srv)
    async with http.get(f"{srv.url}/api/logout", allow_redirects=False) as response:
        assert response.status == 303
        assert response.headers["Location"] == "/login"
        assert response.cookies["frigate_token"].value == ""


async def test_open_port_needs_no_token(sim_city: CityFactory, http: aiohttp.ClientSession) -> None:
    city = await sim_city(servers=1, cameras=1, seed=5)
    srv = city.servers[0]
    event_id = next(iter(srv.catalog.events))
    async with http.delete(f"{srv.url}/api/events/{event_id}/retain") as response:
        assert response.status == 200
    async with http.get(f"{srv.url}/api/profile") as response:
        assert (await response.json())["username"] == "anonymous"


async def test_tls_serves_https_with_a_self_signed_certificate(
    sim_city: CityFactory, http: aiohttp.ClientSession
) -> None:
    srv = await _secured(sim_city, tls=True)
    assert srv.url.startswith("https://127.0.0.1:")
    with pytest.raises(aiohttp.ClientConnectorCertificateError):
        async with http.get(f"{srv.url}/api/"):
            pass
    async with http.post(
        f"{srv.url}/api/login", json={"user": "admin", "password": PASSWORD}, ssl=False
    ) as response:
        assert response.status == 200
    async with http.get(f"{srv.url}/api/version", ssl=False) as response:
        assert await response.text() == srv.version


async def test_older_versions_keep_their_differences(
    sim_city: CityFactory, http: aiohttp.ClientSession
) -> None:
    city = await sim_city(
        SimCity(
            [
                SimServer("v14", [_camera()], auth=True, password=PASSWORD, version="0.14.1"),
                SimServer("v16", [_camera()], version="0.16.2"),
            ]
        )
    )
    v14, v16 = city.servers
    async with http.post(f"{v14.url}/api/login", json={"user": "admin", "password": "no"}) as r:
        assert r.status == 400
    async with http.get(f"{v16.url}/api/recordings/unavailable?after=1&before=2") as response:
        assert response.status == 404
    async with http.get(f"{v16.url}/api/profile") as response:
        assert "allowed_cameras" not in await response.json()
    with pytest.raises(ValueError, match="no authentication"):
        SimServer("v13", [_camera()], auth=True, version="0.13.2")
    with pytest.raises(ValueError, match=r"MAJOR\.MINOR"):
        SimServer("bad", [_camera()], version="latest")


def _camera() -> SimCamera:
    return SimCamera("gate")
