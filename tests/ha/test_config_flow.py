"""Config flow: the city, servers, errors, reauthentication and reconfiguration."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
import sys
from typing import Any

from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ncc.const import (
    CONF_AGENCY_CODE,
    CONF_AGENCY_ID,
    CONF_AGENCY_NAME,
    CONF_AUDIT_DB_URL,
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

from .conftest import OPERATING_AGENCY_ID

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
    from .conftest import city_entry

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
    done = await hass.config_entries.flow.async_configure(
        down["flow_id"],
        {**form, CONF_URL: sim.servers[0].url, CONF_STREAM_TEMPLATE: "rtsp://{host}:9554/{camera}"},
    )
    assert done["type"] is FlowResultType.ABORT
    assert done["reason"] == "reconfigure_successful"
    assert first.data[CONF_VERIFY_SSL] is False
    assert first.data[CONF_STREAM_TEMPLATE] == "rtsp://{host}:9554/{camera}"
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
