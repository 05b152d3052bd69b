"""The Command Center in a real browser against a real Home Assistant, started as the demo does.

A simulated city (two Frigate servers: the city hall's and Dishub's) feeds a `hass` process
with NCC; the administrator creates the dashboard and two users through HA's own APIs and
NCC's actions. Then, in Chromium, Dishub's agency administrator sees only Dishub's cameras and
approves a footage request part in the request card; Diskominfo's operator is not offered
that request's cameras. Every view is photographed into artifacts/screenshots/.

Run alone with `pytest -m browser`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import importlib.util
import json
from pathlib import Path
import socket
import subprocess
import sys
import time
from typing import Any

import aiohttp
import pytest
import pytest_socket

from scripts import demo, realha
from tests.frontend.browser import BrowserThread, Proxy

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

ROOT = realha.ROOT
INTEGRATION = ROOT / "custom_components" / "ncc"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
DASHBOARD = "ncc-command-center"
CAMERAS_PER_SERVER = 4
PASSWORD = "Rahasia-Kota-2026"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def ha_python() -> Path:
    """This interpreter when it has HA's frontend; else the demo's own virtualenv."""
    if importlib.util.find_spec("hass_frontend") is not None:
        return Path(sys.executable)
    return realha.ensure_ha_venv(ROOT / ".venv-ha")


def tokens_for(url: str, username: str, password: str) -> dict[str, Any]:
    """Log in through HA's login flow, as the login page does; the tokens the frontend keeps."""
    client_id = f"{url}/"
    flow = realha.http_json("POST", f"{url}/auth/login_flow", {
        "client_id": client_id, "handler": ["homeassistant", None],
        "redirect_uri": f"{client_id}?auth_callback=1",
    })
    result = realha.http_json("POST", f"{url}/auth/login_flow/{flow['flow_id']}", {
        "client_id": client_id, "username": username, "password": password,
    })
    tokens = realha.http_json("POST", f"{url}/auth/token", {
        "grant_type": "authorization_code", "code": result["result"], "client_id": client_id,
    }, form=True)
    return {
        "access_token": tokens["access_token"], "refresh_token": tokens["refresh_token"],
        "token_type": "Bearer", "expires_in": tokens["expires_in"], "hassUrl": url,
        "clientId": client_id, "expires": int(time.time() * 1000) + tokens["expires_in"] * 1000,
    }


def websocket(url: str, token: str, *messages: dict[str, Any]) -> list[Any]:
    """Send `messages` over HA's websocket API as the token's user; their results in order."""

    async def run() -> list[Any]:
        results = []
        async with aiohttp.ClientSession() as session, session.ws_connect(f"{url}/api/websocket") as ws:
            await ws.receive_json()
            await ws.send_json({"type": "auth", "access_token": token})
            assert (await ws.receive_json())["type"] == "auth_ok"
            for number, message in enumerate(messages, start=1):
                await ws.send_json({"id": number, **message})
                reply = await ws.receive_json()
                assert reply["success"], reply
                results.append(reply["result"])
        return results

    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(run())
    finally:
        # its executor's threads (name lookups) must not outlive the call
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()


def action(url: str, token: str, name: str, data: dict[str, Any]) -> Any:
    return realha.http_json("POST", f"{url}/api/services/ncc/{name}?return_response", data, token=token)


@dataclass
class City:
    url: str
    admin: str  # the administrator's access token
    users: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> browser tokens
    cameras: dict[str, list[str]] = field(default_factory=dict)  # agency -> camera ids
    request_id: str = ""  # a footage request for two of Dishub's cameras


def start_simulator() -> tuple[subprocess.Popen[bytes], list[dict[str, str]]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "frigate_sim", "--servers", "2", "--cameras", str(CAMERAS_PER_SERVER),
         "--base-port", "0", "--seed", "7", "--name", "balaikota", "--name", "dishub"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    servers = realha.simulator_servers(process)
    if servers is not None:
        return process, servers
    raise RuntimeError("the Frigate simulator exited before it was ready")


def wait_for_cameras(url: str, token: str, count: int, timeout: float = 60) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        cameras: list[dict[str, Any]] = websocket(url, token, {"type": "ncc/cameras"})[0]["cameras"]
        if len(cameras) >= count or time.monotonic() > deadline:
            return cameras
        time.sleep(0.5)


def add_user(city: City, name: str, username: str, agency_id: str, role: str) -> None:
    created = websocket(city.url, city.admin, {
        "type": "config/auth/create", "name": name, "group_ids": ["system-users"],
        "local_only": False,
    })[0]
    user_id = created["user"]["id"]
    websocket(city.url, city.admin, {
        "type": "config/auth_provider/homeassistant/create", "user_id": user_id,
        "username": username, "password": PASSWORD,
    })
    action(city.url, city.admin, "set_operator", {"user_id": user_id, "agency_id": agency_id, "role": role})
    city.users[username] = tokens_for(city.url, username, PASSWORD)


def configure(city: City, servers: list[dict[str, str]]) -> None:
    """The demo's city (agencies, servers), sites with coordinates, users, the dashboard."""
    demo.configure_ncc(city.url, city.admin, servers, mqtt=False)
    cameras = wait_for_cameras(city.url, city.admin, 2 * CAMERAS_PER_SERVER)
    for camera in cameras:
        city.cameras.setdefault(camera["owner_agency_id"], []).append(camera["id"])
    assert sorted(city.cameras) == ["dishub", "diskominfo"], city.cameras
    sites = {
        "diskominfo": ("Alun-alun Mojokerto", -7.4706, 112.4339, "public_space"),
        "dishub": ("Simpang Empat Sekarputih", -7.4791, 112.4421, "public_road"),
    }
    for agency_id, (name, latitude, longitude, area_type) in sites.items():
        site = action(city.url, city.admin, "create_site", {
            "name": name, "latitude": latitude, "longitude": longitude, "agency_id": agency_id,
        })["service_response"]["site"]
        for number, camera_id in enumerate(city.cameras[agency_id]):
            action(city.url, city.admin, "assign_camera", {
                "camera_id": camera_id, "site_id": site["id"], "area_type": area_type,
                "latitude": latitude + 0.0012 * number, "longitude": longitude + 0.0009 * number,
            })
    add_user(city, "Budi (Dishub)", "budi", "dishub", "agency_admin")
    add_user(city, "Sari (Diskominfo)", "sari", "diskominfo", "operator")
    # the police ask the city's front desk for footage of a hit-and-run at Dishub's crossing
    now = datetime.now(UTC)
    request = action(city.url, city.admin, "request_footage", {
        "requester_name": "Bripka Agus Santoso", "requester_identity_number": "3576010101900001",
        "requester_kind": "police", "requester_organisation": "Polres Mojokerto Kota",
        "requester_phone": "+62 812 3456 7890",
        "purpose": "Tabrak lari di Simpang Empat Sekarputih", "incident_type": "traffic_accident",
        "legal_basis": "law_enforcement", "reference": "B/123/XI/2026/Satlantas",
        "start": (now - timedelta(minutes=3)).isoformat(), "end": (now - timedelta(minutes=1)).isoformat(),
        "camera_ids": city.cameras["dishub"][:2],
    })["service_response"]
    city.request_id = request["request_id"]
    action(city.url, city.admin, "create_dashboard", {"title": "Pusat Komando"})


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[City]:
    # set up once for the module, before the per-test `socket_enabled` applies
    pytest_socket.enable_socket()
    config_dir = tmp_path_factory.mktemp("hass")
    (config_dir / "custom_components").mkdir()
    (config_dir / "custom_components" / "ncc").symlink_to(INTEGRATION)
    port = free_port()
    realha.write_config(config_dir, port=port, integrations=("frontend",))
    sim, servers = start_simulator()
    hass: realha.RunningHA | None = None
    try:
        hass = realha.start_hass(ha_python(), config_dir, port=port, timeout=120)
        owner = realha.onboard(hass.url, password=PASSWORD)
        result = City(url=hass.url, admin=owner.access_token)
        result.users["admin"] = tokens_for(hass.url, "admin", PASSWORD)
        configure(result, servers)
        yield result
    finally:
        if hass is not None:
            hass.stop()
        sim.terminate()
        sim.wait(10)


def open_as(chromium: BrowserThread, city: City, username: str, language: str = "en") -> Proxy:
    """A page logged in as `username` (tokens in local storage, as the login page leaves them)."""
    tokens = json.dumps(city.users[username])
    script = (
        f"localStorage.setItem('hassTokens', {json.dumps(tokens)});"
        f"localStorage.setItem('selectedLanguage', {json.dumps(json.dumps(language))});"
    )

    def new_page() -> Any:
        context = chromium.browser._target.new_context(viewport={"width": 1280, "height": 800})
        context.add_init_script(script)
        return context.new_page()

    return Proxy(chromium, chromium.call(new_page))


def view(page: Proxy, city: City, path: str, ready: str) -> None:
    page.goto(f"{city.url}/{DASHBOARD}/{path}")
    # the first view of a run loads the whole HA frontend in a cold browser, on a busy machine
    page.wait_for_selector(ready, timeout=60_000)


def shoot(page: Proxy, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.wait_for_timeout(500)  # stills and the map settle
    # written here: Playwright would write it from an executor thread of its own loop
    path.write_bytes(page.screenshot())
    return path


def tile_cameras(page: Proxy) -> list[str]:
    found: list[str] = page.eval_on_selector_all(
        "ncc-camera-wall-card .tile", "tiles => tiles.map(t => t.dataset.camera)")
    return found


def test_command_center_shows_each_agency_its_own(chromium: BrowserThread, city: City) -> None:
    budi = open_as(chromium, city, "budi")
    view(budi, city, "cameras", "ncc-camera-wall-card .tile")
    assert sorted(tile_cameras(budi)) == sorted(city.cameras["dishub"])
    shoot(budi, "dishub-cameras")
    view(budi, city, "agency-dishub", "ncc-camera-wall-card .tile")
    assert sorted(tile_cameras(budi)) == sorted(city.cameras["dishub"])
    shoot(budi, "dishub-agency")

    # the one tile opened streams live (MJPEG through NCC's checked view), and is audited
    watched = city.cameras["dishub"][0]
    budi.click(f"ncc-camera-wall-card .tile[data-camera='{watched}']")
    budi.wait_for_function("""() => {
        const dialog = document.querySelector('ncc-camera-dialog');
        const img = dialog && dialog.shadowRoot.querySelector('img.view');
        return img && img.naturalWidth > 0;
    }""", timeout=15_000)
    shoot(budi, "dishub-live")
    budi.keyboard.press("Escape")
    audit = websocket(city.url, city.admin, {"type": "ncc/audit", "action": "live.view"})[0]["entries"]
    assert [(entry["camera_id"], entry["user_name"]) for entry in audit] == [(watched, "Budi (Dishub)")]
    view(budi, city, "overview", "ncc-map-card ncc-map .dot")
    shoot(budi, "dishub-overview")

    # approve the first part of the police request in the request card
    view(budi, city, "requests", f"ncc-request-queue-card tr[data-id='{city.request_id}']")
    budi.click(f"ncc-request-queue-card tr[data-id='{city.request_id}']")
    budi.wait_for_selector("ncc-request-queue-card [data-decide='P1']")
    decide = "ncc-request-queue-card [data-decide='P1']"
    budi.select_option(f"{decide} select[name=reason-approve]", "legal_obligation")
    budi.fill(f"{decide} textarea[name=note]", "Surat Polres diverifikasi")
    budi.click(f"{decide} [data-decision=approve]")
    budi.wait_for_selector("ncc-request-queue-card tr[data-part-row='P1'] [data-role=decision]")
    assert "Approved" in budi.inner_text("ncc-request-queue-card tr[data-part-row='P1']")
    assert budi.query_selector("ncc-request-queue-card [data-decide='P2']") is not None
    shoot(budi, "dishub-request-decided")
    decided = websocket(city.url, city.admin, {"type": "ncc/footage/get", "request_id": city.request_id})[0]
    first = decided["request"]["parts"][0]
    assert first["decision"]["decision"] == "approve"
    assert first["decision"]["decided_by_name"] == "Budi (Dishub)"

    sari = open_as(chromium, city, "sari", "id")
    view(sari, city, "cameras", "ncc-camera-wall-card .tile")
    offered = tile_cameras(sari)
    assert sorted(offered) == sorted(city.cameras["diskominfo"])
    assert not set(offered) & set(city.cameras["dishub"])
    shoot(sari, "diskominfo-cameras-id")
    view(sari, city, "requests", "ncc-request-queue-card table")
    assert sari.query_selector(f"ncc-request-queue-card tr[data-id='{city.request_id}']") is None
    shoot(sari, "diskominfo-requests-id")

    admin = open_as(chromium, city, "admin")
    view(admin, city, "overview", "ncc-map-card ncc-map .dot")
    admin.wait_for_selector("ncc-city-status-card tr[data-server]")
    shoot(admin, "admin-overview")
    for path, ready in (("audit", "ncc-audit-card tr[data-seq]"),
                        ("registrations", "ncc-registration-review-card table"),
                        ("incidents", "ncc-incident-list-card table")):
        view(admin, city, path, ready)
        shoot(admin, f"admin-{path}")
