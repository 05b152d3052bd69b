"""The Command Center dashboard: created through Lovelace's own collection, the overview's data,
and the modules served to the browser."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from unittest.mock import patch

from homeassistant.auth.models import User
from homeassistant.components.lovelace.const import LOVELACE_DATA
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator, WebSocketGenerator

from custom_components.ncc import frontend_setup
from custom_components.ncc.const import DOMAIN
from custom_components.ncc.dashboard_actions import DASHBOARD_URL_PATH, STRATEGY_CONFIG
from custom_components.ncc.data import async_get_city, async_get_data
from custom_components.ncc.frontend_setup import (
    DATA_FRONTEND_URL,
    ENTRY_MODULE,
    async_setup_frontend,
    frontend_version,
)
from frigate_sim import SimCity

SetupCity = Callable[..., Awaitable[MockConfigEntry]]
AddServer = Callable[..., Awaitable[MockConfigEntry]]


async def call(hass: HomeAssistant, data: dict[str, Any], user: User | None) -> Any:
    return await hass.services.async_call(
        DOMAIN, "create_dashboard", data, blocking=True, return_response=True,
        context=Context(user_id=user.id) if user else None,
    )


async def make_operator(
    hass: HomeAssistant, admin: User, agency_id: str, role: str = "operator"
) -> User:
    user = await hass.auth.async_create_user(f"{agency_id} {role}", group_ids=["system-users"])
    await hass.services.async_call(
        DOMAIN, "set_operator", {"user_id": user.id, "agency_id": agency_id, "role": role},
        blocking=True, context=Context(user_id=admin.id),
    )
    return user


async def token_for(hass: HomeAssistant, user: User) -> str:
    refresh = await hass.auth.async_create_refresh_token(user, "http://127.0.0.1/")
    return hass.auth.async_create_access_token(refresh)


async def test_dashboard_is_created_once_through_lovelace_and_reset_on_request(
    hass: HomeAssistant, setup_city: SetupCity, hass_admin_user: User
) -> None:
    await setup_city()
    assert await async_setup_component(hass, "lovelace", {})
    result = await call(hass, {}, hass_admin_user)
    assert result["created"] is True
    assert result["dashboard"]["url_path"] == DASHBOARD_URL_PATH
    assert result["dashboard"]["title"] == "Kota Mojokerto"
    assert result["dashboard"]["icon"] == "mdi:cctv"
    store = hass.data[LOVELACE_DATA].dashboards[DASHBOARD_URL_PATH]
    assert await store.async_load(False) == STRATEGY_CONFIG

    # the city took control and edited it: calling again keeps the edit
    edited = {"views": [{"title": "Video wall", "cards": []}]}
    await store.async_save(edited)
    again = await call(hass, {"title": "Ignored"}, hass_admin_user)
    assert again["created"] is False
    assert again["dashboard"]["title"] == "Kota Mojokerto"
    assert await store.async_load(False) == edited

    await call(hass, {"reset": True}, hass_admin_user)
    assert await store.async_load(False) == STRATEGY_CONFIG


async def test_dashboard_options_and_audit(
    hass: HomeAssistant,
    setup_city: SetupCity,
    hass_admin_user: User,
    hass_ws_client: WebSocketGenerator,
) -> None:
    await setup_city()
    assert await async_setup_component(hass, "lovelace", {})
    result = await call(hass, {
        "url_path": "pusat-komando", "title": "Pusat Komando", "icon": "mdi:monitor-dashboard",
        "show_in_sidebar": False, "require_admin": True,
    }, None)
    assert result["dashboard"] | {"id": "x"} == {
        "id": "x", "url_path": "pusat-komando", "title": "Pusat Komando",
        "icon": "mdi:monitor-dashboard", "show_in_sidebar": False, "require_admin": True,
        "mode": "storage",
    }
    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": "ncc/audit", "action": "dashboard.create"})
    entries = (await client.receive_json())["result"]["entries"]
    assert [(e["target_id"], e["user_id"]) for e in entries] == [("pusat-komando", "automation")]
    await client.send_json_auto_id({"type": "lovelace/dashboards/list"})
    listed = (await client.receive_json())["result"]
    assert [item["url_path"] for item in listed] == ["pusat-komando"]


async def test_dashboard_refusals(
    hass: HomeAssistant, setup_city: SetupCity, hass_admin_user: User
) -> None:
    await setup_city()
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, {}, hass_admin_user)
    assert err.value.translation_key == "dashboards_unavailable"

    assert await async_setup_component(hass, "lovelace", {})
    operator = await make_operator(hass, hass_admin_user, "diskominfo", "agency_admin")
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, {}, operator)
    assert err.value.translation_key == "permission_denied_city"

    with pytest.raises(ServiceValidationError) as err:
        await call(hass, {"url_path": "nohyphen"}, hass_admin_user)
    assert err.value.translation_key == "dashboard_not_created"
    assert err.value.translation_placeholders["url_path"] == "nohyphen"
    assert DASHBOARD_URL_PATH not in hass.data[LOVELACE_DATA].dashboards


async def test_servers_command_shows_storage_to_those_who_see_the_cameras(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    setup_city: SetupCity,
    add_server: AddServer,
    sim: SimCity,
    hass_admin_user: User,
) -> None:
    await setup_city()
    await hass.services.async_call(
        DOMAIN, "create_agency", {"code": "POLRES", "name": "Polres", "kind": "vertical_agency"},
        blocking=True, context=Context(user_id=hass_admin_user.id),
    )
    await add_server(sim.servers[0].url, "balaikota")
    await add_server(sim.servers[1].url, "polres", agency_id="polres")

    admin = await hass_ws_client(hass)
    await admin.send_json_auto_id({"type": "ncc/servers"})
    servers = (await admin.receive_json())["result"]["servers"]
    assert [s["id"] for s in servers] == ["balaikota", "polres"]
    first = servers[0]
    assert first["reachable"] is True
    assert first["cameras_total"] == len(sim.servers[0].cameras)
    assert first["cameras_online"] == first["cameras_total"]
    assert first["retention_days"] == 10
    assert first["agency_id"] == "diskominfo"
    # not planned yet: the disk's days are unknown, the policy is the city's
    assert first["days_kept"] is None
    assert first["policy_days"] == 10

    officer = await make_operator(hass, hass_admin_user, "polres")
    client = await hass_ws_client(hass, await token_for(hass, officer))
    await client.send_json_auto_id({"type": "ncc/servers"})
    assert [s["id"] for s in (await client.receive_json())["result"]["servers"]] == ["polres"]

    shared = f"balaikota/{next(iter(sim.servers[0].cameras))}"
    await hass.services.async_call(DOMAIN, "grant_access", {
        "owner_agency_id": "diskominfo", "grantee_agency_id": "polres",
        "privileges": ["view_live"], "scope": "camera", "scope_id": shared,
    }, blocking=True, context=Context(user_id=hass_admin_user.id))
    await client.send_json_auto_id({"type": "ncc/servers"})
    assert [s["id"] for s in (await client.receive_json())["result"]["servers"]] == [
        "balaikota", "polres"
    ]

    # a server that stops answering is listed without figures
    sim.servers[0].faults.down = True
    await async_get_data(hass).servers["balaikota"].async_refresh()
    await admin.send_json_auto_id({"type": "ncc/servers"})
    down = (await admin.receive_json())["result"]["servers"][0]
    assert down["reachable"] is False
    assert down["retention_days"] is None
    sim.servers[0].faults.down = False


async def test_servers_show_the_days_the_disk_keeps_against_the_policy(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    setup_city: SetupCity,
    add_server: AddServer,
    sim: SimCity,
) -> None:
    # Malang: footage requests may reach back 30 days, the disk keeps 10
    await setup_city(retention_policy_days=30)
    await add_server(sim.servers[0].url, "balaikota")
    city = async_get_city(hass)
    assert city is not None
    await city.frigate_configs.async_refresh_plan()
    admin = await hass_ws_client(hass)
    await admin.send_json_auto_id({"type": "ncc/servers"})
    [server] = (await admin.receive_json())["result"]["servers"]
    assert server["days_kept"] == city.frigate_configs.days_kept("balaikota") == 10.0
    assert server["policy_days"] == 30
    assert server["days_kept"] < server["policy_days"]
    assert server["retention_days"] == 10


async def test_modules_are_served_under_their_content_hash(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> None:
    # without NCC's own set-up, which registers the modules once already
    assert await async_setup_component(hass, "http", {})
    hass.config.components.add("frontend")
    with patch.object(frontend_setup, "add_extra_js_url") as add:
        base = await async_setup_frontend(hass)
        assert await async_setup_frontend(hass) == base  # once per Home Assistant
    add.assert_called_once_with(hass, f"{base}/{ENTRY_MODULE}")
    assert base.endswith(frontend_version())
    client = await hass_client()
    for name in ("ncc-strategy.js", "ncc-common.js", "ncc-camera-wall-card.js"):
        response = await client.get(f"{base}/{name}")
        assert response.status == 200, name
        assert "javascript" in response.headers["Content-Type"]
        assert await response.text() == (frontend_setup.FRONTEND_DIR / name).read_text()


async def test_modules_are_not_added_to_pages_without_the_frontend(hass: HomeAssistant) -> None:
    assert await async_setup_component(hass, "http", {})
    assert "frontend" not in hass.config.components
    with patch.object(frontend_setup, "add_extra_js_url") as add:
        await async_setup_frontend(hass)
    add.assert_not_called()
    assert hass.data[DATA_FRONTEND_URL].startswith("/ncc_frontend/")


def test_version_follows_the_modules_contents(tmp_path: Path) -> None:
    (tmp_path / "a.js").write_text("export const a = 1;\n")
    first = frontend_version(tmp_path)
    assert first == frontend_version(tmp_path)
    (tmp_path / "a.js").write_text("export const a = 2;\n")
    assert frontend_version(tmp_path) != first
    assert len(first) == 12
