"""Config flow: the city, servers, errors, reauthentication and reconfiguration."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
import sys
from typing import Any

import aiohttp
from homeassistant import config_entries
from homeassistant.auth.models import User
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.aiohttp_client import (
    async_create_clientsession,
    async_get_clientsession,
)
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol

from custom_components.ncc.config_flow import BOUND_EDGES
from custom_components.ncc.const import (
    CONF_AGENCY_CODE,
    CONF_AGENCY_ID,
    CONF_AGENCY_NAME,
    CONF_AUDIT_DB_URL,
    CONF_CAMERA_ENTITIES,
    CONF_CITY_BOUNDS,
    CONF_CITY_NAME,
    CONF_ENTRY_TYPE,
    CONF_PASSWORD,
    CONF_RETENTION_POLICY_DAYS,
    CONF_SERVER_ID,
    CONF_SERVER_NAME,
    CONF_STREAM_TEMPLATE,
    CONF_URL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
    DOMAIN,
    ENTRY_TYPE_CITY,
    ENTRY_TYPE_SERVER,
)
from frigate_sim import SimCity

from .conftest import OPERATING_AGENCY_ID, city_entry
from .test_registration import call as submit, submit_data

SetupCity = Callable[..., Awaitable[MockConfigEntry]]
AddServer = Callable[..., Awaitable[MockConfigEntry]]


def server_form(url: str, name: str = "Balai Kota", **extra: Any) -> dict[str, Any]:
    return {
        CONF_SERVER_NAME: name,
        CONF_URL: url,
        CONF_VERIFY_SSL: True,
        CONF_AGENCY_ID: OPERATING_AGENCY_ID,
        CONF_STREAM_TEMPLATE: "rtsp://{host}:8554/{camera}",
        **extra,
    }


async def test_first_flow_creates_the_city(hass: HomeAssistant, audit_db_url: str) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "city"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_CITY_NAME: "  Kota Malang ",
            CONF_RETENTION_POLICY_DAYS: 10,
            CONF_AGENCY_NAME: "Dinas Komunikasi dan Informatika",
            CONF_AGENCY_CODE: "diskominfo",
            CONF_AUDIT_DB_URL: audit_db_url,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Kota Malang"
    assert result["data"][CONF_ENTRY_TYPE] == ENTRY_TYPE_CITY
    assert result["data"][CONF_AGENCY_CODE] == "DISKOMINFO"
    await hass.async_block_till_done()
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    assert entry.state is config_entries.ConfigEntryState.LOADED


async def test_city_form_rejects_bad_input_and_creates_nothing(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_CITY_NAME: "   ",
            CONF_RETENTION_POLICY_DAYS: 10,
            CONF_AGENCY_NAME: "",
            CONF_AGENCY_CODE: "DIS KOMINFO!",
            CONF_AUDIT_DB_URL: "mysql://nope",
        },
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {
        CONF_CITY_NAME: "required",
        CONF_AGENCY_NAME: "required",
        CONF_AGENCY_CODE: "invalid_agency_code",
        CONF_AUDIT_DB_URL: "invalid_audit_db_url",
    }
    assert hass.config_entries.async_entries(DOMAIN) == []


async def test_second_city_is_refused(hass: HomeAssistant, setup_city: SetupCity) -> None:
    await setup_city()
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    # with a city configured the flow adds servers instead
    assert result["step_id"] == "server"
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": "city"})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_CITY_NAME: "Kota Lain",
            CONF_RETENTION_POLICY_DAYS: 10,
            CONF_AGENCY_NAME: "X",
            CONF_AGENCY_CODE: "X1",
        },
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_add_server(hass: HomeAssistant, setup_city: SetupCity, sim: SimCity) -> None:
    await setup_city()
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    assert result["step_id"] == "server"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], server_form(sim.servers[0].url + "/")
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Balai Kota"
    assert result["data"][CONF_SERVER_ID] == "balai_kota"
    assert result["data"][CONF_ENTRY_TYPE] == ENTRY_TYPE_SERVER
    assert result["data"][CONF_URL] == sim.servers[0].url
    assert result["data"][CONF_CAMERA_ENTITIES] is False  # HA camera entities only when chosen
    assert result["result"].unique_id == "server_balai_kota"


async def test_server_errors(
    hass: HomeAssistant, setup_city: SetupCity, auth_sim: SimCity
) -> None:
    await setup_city()
    srv = auth_sim.servers[0]

    async def submit(form: dict[str, Any]) -> dict[str, Any]:
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": config_entries.SOURCE_USER}
        )
        return dict(await hass.config_entries.flow.async_configure(result["flow_id"], form))

    # distinct names: a flow left open with errors keeps its unique id in progress
    refused = await submit(server_form("http://127.0.0.1:1", name="down"))
    assert refused["errors"] == {"base": "cannot_connect"}

    wrong = await submit(
        server_form(srv.url, name="wrong", **{CONF_USERNAME: "admin", CONF_PASSWORD: "salah"})
    )
    assert wrong["errors"] == {"base": "invalid_auth"}

    no_name = await submit(server_form(srv.url, name="!!!"))
    assert no_name["errors"] == {CONF_SERVER_NAME: "invalid_name"}

    no_camera = await submit(server_form(srv.url, name="tpl", **{CONF_STREAM_TEMPLATE: "rtsp://{host}"}))
    assert no_camera["errors"] == {CONF_STREAM_TEMPLATE: "invalid_stream_template"}

    srv.version = "0.13.2"
    old = await submit(
        server_form(srv.url, name="old", **{CONF_USERNAME: "admin", CONF_PASSWORD: "rahasia"})
    )
    assert old["errors"] == {"base": "unsupported_version"}
    assert [e for e in hass.config_entries.async_entries(DOMAIN)
            if e.data[CONF_ENTRY_TYPE] == ENTRY_TYPE_SERVER] == []


async def test_same_server_twice_is_refused(
    hass: HomeAssistant, setup_city: SetupCity, add_server: AddServer, sim: SimCity
) -> None:
    await setup_city()
    await add_server(sim.servers[0].url, "balai_kota")
    for form in (
        server_form(sim.servers[1].url, name="Balai Kota"),  # same name
        server_form(sim.servers[0].url, name="Other"),  # same URL
    ):
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": config_entries.SOURCE_USER}
        )
        result = await hass.config_entries.flow.async_configure(result["flow_id"], form)
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "already_configured"


async def test_server_flow_needs_a_running_city(hass: HomeAssistant, audit_db_url: str) -> None:
    entry = city_entry(audit_db_url)
    entry.add_to_hass(hass)  # configured but not loaded
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "city_not_ready"


async def test_reauth(
    hass: HomeAssistant, setup_city: SetupCity, add_server: AddServer, auth_sim: SimCity
) -> None:
    await setup_city()
    srv = auth_sim.servers[0]
    entry = await add_server(
        srv.url, "polres", **{CONF_USERNAME: "admin", CONF_PASSWORD: "rahasia"}
    )
    assert entry.state is config_entries.ConfigEntryState.LOADED

    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: "admin", CONF_PASSWORD: "salah"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: "admin", CONF_PASSWORD: "rahasia"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_PASSWORD] == "rahasia"


async def test_reconfigure_server(
    hass: HomeAssistant, setup_city: SetupCity, add_server: AddServer, sim: SimCity
) -> None:
    await setup_city()
    first = await add_server(sim.servers[0].url, "balaikota")
    await add_server(sim.servers[1].url, "dishub")

    result = await first.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure_server"
    form = {
        CONF_URL: sim.servers[1].url,
        CONF_VERIFY_SSL: False,
        CONF_AGENCY_ID: OPERATING_AGENCY_ID,
        CONF_STREAM_TEMPLATE: "rtsp://{host}:8554/{camera}",
    }
    taken = await hass.config_entries.flow.async_configure(result["flow_id"], form)
    assert taken["type"] is FlowResultType.ABORT
    assert taken["reason"] == "already_configured"

    result = await first.start_reconfigure_flow(hass)
    down = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**form, CONF_URL: "http://127.0.0.1:1"}
    )
    assert down["errors"] == {"base": "cannot_connect"}
    no_camera = await hass.config_entries.flow.async_configure(
        down["flow_id"], {**form, CONF_URL: sim.servers[0].url, CONF_STREAM_TEMPLATE: "rtsp://{host}"}
    )
    assert no_camera["errors"] == {CONF_STREAM_TEMPLATE: "invalid_stream_template"}
    done = await hass.config_entries.flow.async_configure(
        down["flow_id"],
        {**form, CONF_URL: sim.servers[0].url, CONF_STREAM_TEMPLATE: "rtsp://{host}:9554/{camera}",
         CONF_CAMERA_ENTITIES: True},
    )
    assert done["type"] is FlowResultType.ABORT
    assert done["reason"] == "reconfigure_successful"
    assert first.data[CONF_VERIFY_SSL] is False
    assert first.data[CONF_STREAM_TEMPLATE] == "rtsp://{host}:9554/{camera}"
    assert first.data[CONF_CAMERA_ENTITIES] is True
    await hass.async_block_till_done()
    assert first.state is config_entries.ConfigEntryState.LOADED


async def test_reconfigure_city(
    hass: HomeAssistant, setup_city: SetupCity, audit_db_url: str
) -> None:
    entry = await setup_city()
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure_city"
    bad = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_CITY_NAME: "", CONF_RETENTION_POLICY_DAYS: 14, CONF_AUDIT_DB_URL: audit_db_url},
    )
    assert bad["errors"] == {CONF_CITY_NAME: "required"}
    done = await hass.config_entries.flow.async_configure(
        bad["flow_id"],
        {CONF_CITY_NAME: "Kota Malang", CONF_RETENTION_POLICY_DAYS: 14,
         CONF_AUDIT_DB_URL: audit_db_url},
    )
    assert done["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()  # the reload it scheduled
    assert entry.title == "Kota Malang"
    assert entry.data[CONF_RETENTION_POLICY_DAYS] == 14


async def test_tls_server_with_and_without_verification(
    hass: HomeAssistant, setup_city: SetupCity
) -> None:
    # A separate process: the simulator logs the refused TLS handshake in its own event loop.
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "frigate_sim", "--servers", "1", "--cameras", "1", "--base-port", "0",
        "--auth", "--tls", "--password", "rahasia",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert process.stdout is not None
        url = ""
        while not url:
            line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
            if line.startswith("server "):
                url = line.split()[2]
        await setup_city()
        form = server_form(url, name="tls", **{CONF_USERNAME: "admin", CONF_PASSWORD: "rahasia"})
        assert url.startswith("https://")
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": config_entries.SOURCE_USER})
        verified = await hass.config_entries.flow.async_configure(result["flow_id"], form)
        assert verified["errors"] == {"base": "cannot_connect"}  # self-signed certificate
        unverified = await hass.config_entries.flow.async_configure(
            result["flow_id"], {**form, CONF_VERIFY_SSL: False})
        assert unverified["type"] is FlowResultType.CREATE_ENTRY
        await hass.async_block_till_done()
        assert unverified["result"].state is config_entries.ConfigEntryState.LOADED
        for entry in hass.config_entries.async_entries(DOMAIN):
            await hass.config_entries.async_unload(entry.entry_id)
    finally:
        process.terminate()
        await process.wait()


MOJOKERTO = {"south": -7.5, "west": 112.4, "north": -7.44, "east": 112.46}


def city_form(audit_db_url: str, **extra: Any) -> dict[str, Any]:
    return {
        CONF_CITY_NAME: "Kota Mojokerto",
        CONF_RETENTION_POLICY_DAYS: 10,
        CONF_AGENCY_NAME: "Dinas Komunikasi dan Informatika",
        CONF_AGENCY_CODE: "DISKOMINFO",
        CONF_AUDIT_DB_URL: audit_db_url,
        **extra,
    }


def suggested_bounds(result: Any) -> dict[str, Any]:
    """What the form's city-area section shows in each field."""
    schema = result["data_schema"].schema
    section = next(value for key, value in schema.items() if key == CONF_CITY_BOUNDS)
    return {
        str(key): (key.description or {}).get("suggested_value") for key in section.schema.schema
    }


# each is refused whole: a missing edge, edges swapped, out of range
BAD_BOUNDS = [
    {k: v for k, v in MOJOKERTO.items() if k != "east"},
    {**MOJOKERTO, "south": -7.40},
    {**MOJOKERTO, "west": 112.5},
    {**MOJOKERTO, "north": 91.0},
    {**MOJOKERTO, "east": 181.0},
]


@pytest.mark.parametrize("bounds", BAD_BOUNDS)
async def test_city_form_refuses_bad_bounds(
    hass: HomeAssistant, audit_db_url: str, bounds: dict[str, float]
) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    assert set(suggested_bounds(result)) == set(BOUND_EDGES)
    refused = await hass.config_entries.flow.async_configure(
        result["flow_id"], city_form(audit_db_url, **{CONF_CITY_BOUNDS: bounds})
    )
    assert refused["type"] is FlowResultType.FORM
    assert refused["errors"] == {"base": "invalid_bounds"}
    # what was typed is shown again, to be corrected
    assert {k: v for k, v in suggested_bounds(refused).items() if v is not None} == bounds
    assert hass.config_entries.async_entries(DOMAIN) == []


async def test_city_bounds_set_in_the_flow_hold_registrations_until_removed(
    hass: HomeAssistant, audit_db_url: str, hass_admin_user: User
) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    created = await hass.config_entries.flow.async_configure(
        result["flow_id"], city_form(audit_db_url, **{CONF_CITY_BOUNDS: MOJOKERTO})
    )
    assert created["type"] is FlowResultType.CREATE_ENTRY
    assert created["data"][CONF_CITY_BOUNDS] == MOJOKERTO
    await hass.async_block_till_done()
    surabaya = submit_data(latitude=-7.25, longitude=112.75)
    with pytest.raises(ServiceValidationError) as outside:
        await submit(hass, "submit_registration", surabaya, hass_admin_user)
    assert outside.value.translation_key == "registration_outside_city"

    entry = created["result"]
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    removed = await hass.config_entries.flow.async_configure(result["flow_id"], {
        CONF_CITY_NAME: "Kota Mojokerto", CONF_RETENTION_POLICY_DAYS: 10,
        CONF_AUDIT_DB_URL: audit_db_url, CONF_CITY_BOUNDS: {},
    })
    assert removed["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    accepted = await submit(hass, "submit_registration", surabaya, hass_admin_user)
    assert accepted["registration_id"]


async def test_a_city_without_bounds_stores_none(hass: HomeAssistant, audit_db_url: str) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    created = await hass.config_entries.flow.async_configure(
        result["flow_id"], city_form(audit_db_url, **{CONF_CITY_BOUNDS: {}})
    )
    assert created["type"] is FlowResultType.CREATE_ENTRY
    assert CONF_CITY_BOUNDS not in created["data"]
    await hass.async_block_till_done()


async def test_reconfigure_sets_changes_and_removes_the_bounds(
    hass: HomeAssistant, setup_city: SetupCity, audit_db_url: str
) -> None:
    entry = await setup_city()
    form = {CONF_CITY_NAME: "Kota Mojokerto", CONF_RETENTION_POLICY_DAYS: 10,
            CONF_AUDIT_DB_URL: audit_db_url}

    async def reconfigure(bounds: dict[str, float]) -> Any:
        result = await entry.start_reconfigure_flow(hass)
        shown = suggested_bounds(result)
        done = await hass.config_entries.flow.async_configure(
            result["flow_id"], {**form, CONF_CITY_BOUNDS: bounds}
        )
        await hass.async_block_till_done()
        return shown, done

    shown, done = await reconfigure(MOJOKERTO)
    assert shown == dict.fromkeys(BOUND_EDGES)  # nothing set yet
    assert done["reason"] == "reconfigure_successful"
    assert entry.data[CONF_CITY_BOUNDS] == MOJOKERTO

    wider = {**MOJOKERTO, "east": 112.6}
    shown, done = await reconfigure(wider)
    assert shown == MOJOKERTO  # the current area is offered for editing
    assert entry.data[CONF_CITY_BOUNDS] == wider

    result = await entry.start_reconfigure_flow(hass)
    refused = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**form, CONF_CITY_BOUNDS: {"south": -7.5}}
    )
    assert refused["errors"] == {"base": "invalid_bounds"}
    assert entry.data[CONF_CITY_BOUNDS] == wider  # a refused form changes nothing

    shown, done = await reconfigure({})
    assert shown == wider
    assert done["reason"] == "reconfigure_successful"
    assert CONF_CITY_BOUNDS not in entry.data
    assert entry.data[CONF_AGENCY_CODE] == "DISKOMINFO"  # the rest of the entry is kept


async def test_reconfigure_offers_stored_bounds_in_either_form_and_ignores_bad_ones(
    hass: HomeAssistant, setup_city: SetupCity
) -> None:
    entry = await setup_city(**{CONF_CITY_BOUNDS: [1, 2]})
    result = await entry.start_reconfigure_flow(hass)
    assert suggested_bounds(result) == dict.fromkeys(BOUND_EDGES)
    # `[south, west, north, east]`, as registrations also read it
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, CONF_CITY_BOUNDS: list(MOJOKERTO.values())}
    )
    result = await entry.start_reconfigure_flow(hass)
    assert suggested_bounds(result) == MOJOKERTO


async def test_the_bounds_fields_are_numbers(hass: HomeAssistant, audit_db_url: str) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    with pytest.raises(vol.Invalid):
        await hass.config_entries.flow.async_configure(
            result["flow_id"], city_form(audit_db_url, **{CONF_CITY_BOUNDS: {**MOJOKERTO, "south": "x"}})
        )


async def test_validation_leaves_no_frigate_token_in_the_shared_cookie_jar(
    hass: HomeAssistant, setup_city: SetupCity, auth_sim: SimCity,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await setup_city()
    srv = auth_sim.servers[0]
    account = {CONF_USERNAME: "admin", CONF_PASSWORD: "rahasia"}
    # aiohttp's jar ignores cookies of bare IP addresses; the shared jars here keep them, as
    # they would for a server reached by name (the simulator is only at 127.0.0.1)
    for verify_ssl in (True, False):
        shared = async_get_clientsession(hass, verify_ssl=verify_ssl)
        shared._cookie_jar = aiohttp.CookieJar(unsafe=True)
    # such a jar keeps the token Frigate's login answers with
    plain = async_create_clientsession(
        hass, auto_cleanup=False, cookie_jar=aiohttp.CookieJar(unsafe=True)
    )
    await plain.post(f"{srv.url}/api/login", json={"user": "admin", "password": "rahasia"})
    assert "frigate_token" in [cookie.key for cookie in plain.cookie_jar]
    plain.detach()
    signed_in: list[bool] = []
    login = srv.authenticator.login

    def counted_login(user: str, password: str) -> tuple[str, int] | None:
        answer = login(user, password)
        signed_in.append(answer is not None)
        return answer

    monkeypatch.setattr(srv.authenticator, "login", counted_login)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    created = await hass.config_entries.flow.async_configure(
        result["flow_id"], server_form(srv.url, name="polres", **account)
    )
    assert created["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    entry = created["result"]
    reauth = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_REAUTH, "entry_id": entry.entry_id},
        data=entry.data,
    )
    reauthed = await hass.config_entries.flow.async_configure(reauth["flow_id"], account)
    assert reauthed["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert signed_in.count(True) >= 2  # the flow and the reauthentication signed in
    for verify_ssl in (True, False):
        jar = async_get_clientsession(hass, verify_ssl=verify_ssl).cookie_jar
        assert [cookie.key for cookie in jar] == []
    for other in hass.config_entries.async_entries(DOMAIN):
        await hass.config_entries.async_unload(other.entry_id)


async def test_an_account_needs_both_username_and_password(
    hass: HomeAssistant, setup_city: SetupCity, add_server: AddServer, auth_sim: SimCity
) -> None:
    await setup_city()
    srv = auth_sim.servers[0]
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    half = await hass.config_entries.flow.async_configure(
        result["flow_id"], server_form(srv.url, name="half", **{CONF_USERNAME: "admin"})
    )
    assert half["errors"] == {"base": "incomplete_auth"}

    entry = await add_server(srv.url, "polres", **{CONF_USERNAME: "admin", CONF_PASSWORD: "rahasia"})
    form = {CONF_URL: srv.url, CONF_VERIFY_SSL: True, CONF_AGENCY_ID: OPERATING_AGENCY_ID,
            CONF_STREAM_TEMPLATE: "rtsp://{host}:8554/{camera}"}
    result = await entry.start_reconfigure_flow(hass)
    # a password without an account is refused; an empty password keeps the stored one
    alone = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**form, CONF_PASSWORD: "rahasia"}
    )
    assert alone["errors"] == {"base": "incomplete_auth"}
    kept = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**form, CONF_USERNAME: "admin"}
    )
    assert kept["reason"] == "reconfigure_successful"
    assert entry.data[CONF_PASSWORD] == "rahasia"
    await hass.async_block_till_done()
    # removing the account drops the stored password with it (the server refuses then)
    result = await entry.start_reconfigure_flow(hass)
    anonymous = await hass.config_entries.flow.async_configure(result["flow_id"], form)
    assert anonymous["errors"] == {"base": "invalid_auth"}
    await hass.config_entries.async_unload(entry.entry_id)
