"""Footage requests end to end in a real HA against the Frigate simulator.

intake -> preserved export -> approval by the owner -> evidence package -> signed link download
through HA's HTTP server -> the offline `evidence.py verify` (run by path) -> one byte changed
fails; plus refusals, split requests, wrong roles, masking and every entry point's guard.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
import csv
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
import sys
import time
from typing import Any

from homeassistant.auth.models import User
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator, WebSocketGenerator

from custom_components.ncc import footage as footage_module
from custom_components.ncc.city import CityRuntime
from custom_components.ncc.const import DOMAIN
from custom_components.ncc.core.audit import AuditQuery
from custom_components.ncc.data import async_get_city
from custom_components.ncc.footage_actions import COMMANDS, SERVICES
from frigate_sim import SimCity

SetupCity = Callable[..., Awaitable[MockConfigEntry]]
AddServer = Callable[..., Awaitable[MockConfigEntry]]

REPO = Path(__file__).resolve().parents[2]
EVIDENCE_SCRIPT = REPO / "custom_components" / "ncc" / "core" / "evidence.py"
NIK = "3507123456789012"
PHONE = "+62 812-3456-7890"
# balaikota (srv1, owned by Diskominfo) and terminal (srv2, owned by Dishub)
GATE, HALL = "balaikota/ijen_01", "balaikota/kayutangan_01"
TERMINAL = "terminal/alun_alun_01"


@dataclass
class Env:
    hass: HomeAssistant
    sim: SimCity
    entry: MockConfigEntry
    admin: User
    kominfo: User  # agency_admin of Diskominfo (owns balaikota)
    viewer: User  # viewer at Diskominfo: may not decide
    dishub: User  # agency_admin of Dishub (owns terminal)
    police: User  # operator at Polres: may request, may not decide

    @property
    def city(self) -> CityRuntime:
        city = async_get_city(self.hass)
        assert city is not None
        return city


async def call(hass: HomeAssistant, name: str, data: dict[str, Any], user: User | None) -> Any:
    return await hass.services.async_call(
        DOMAIN, name, data, blocking=True,
        context=Context(user_id=user.id) if user else None, return_response=True,
    )


async def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> float:
    """Seconds it took `predicate` to hold."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.02)
    return time.monotonic() - start


def window(end_minutes_ago: float = 10, minutes: float = 20) -> dict[str, str]:
    end = dt_util.utcnow() - timedelta(minutes=end_minutes_ago)
    return {"start": (end - timedelta(minutes=minutes)).isoformat(), "end": end.isoformat()}


def intake(cameras: list[str], **changes: Any) -> dict[str, Any]:
    return {
        "requester_name": "Budi Santoso", "requester_identity_number": NIK,
        "requester_kind": "citizen", "requester_phone": PHONE,
        "purpose": "Tabrakan motor di depan balai kota", "incident_type": "traffic_accident",
        "legal_basis": "data_subject", "camera_ids": cameras, **window(), **changes,
    }


async def token_for(hass: HomeAssistant, user: User) -> str:
    refresh = await hass.auth.async_create_refresh_token(user, "http://127.0.0.1/")
    return hass.auth.async_create_access_token(refresh)


async def ws(client: Any, command: str, **data: Any) -> dict[str, Any]:
    await client.send_json_auto_id({"type": command, **data})
    return dict(await client.receive_json())


async def run_verify(package: Path, key: str) -> tuple[int, str]:
    """The offline command, by path, as a recipient runs it."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(EVIDENCE_SCRIPT), "verify", str(package), "--public-key", key,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await process.communicate()
    return process.returncode or 0, out.decode()


def fast_timings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(footage_module, "EXPORT_POLL_INTERVAL", timedelta(milliseconds=50))
    monkeypatch.setattr(footage_module, "RETRY_BASE_DELAY", timedelta(milliseconds=50))
    monkeypatch.setattr(footage_module, "RETRY_MAX_DELAY", timedelta(milliseconds=200))
    monkeypatch.setattr(footage_module, "EXPORT_ROW_GRACE", timedelta(seconds=2))


@asynccontextmanager
async def footage_city(
    hass: HomeAssistant, setup_city: SetupCity, add_server: AddServer, admin: User,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Env]:
    """Two simulated servers (Diskominfo's balaikota, Dishub's terminal), four operators and
    the grants that let Polres request footage of both owners' cameras."""
    fast_timings(monkeypatch)
    sim = SimCity.synthetic(servers=2, cameras=2, seed=4, auth=False,
                            export_duration_s=0.2, export_row_delay_s=0.02)
    await sim.start(host="127.0.0.1", base_port=0)
    try:
        entry = await setup_city()
        for code, name, kind in (("DISHUB", "Dinas Perhubungan", "city_department"),
                                 ("POLRES", "Polres Mojokerto Kota", "vertical_agency"),
                                 ("MALL", "Sunrise Mall", "private_owner")):
            await call(hass, "create_agency", {"code": code, "name": name, "kind": kind}, admin)
        await add_server(sim.servers[0].url, "balaikota")
        await add_server(sim.servers[1].url, "terminal", agency_id="dishub")
        users = {}
        for user_name, agency, role in (("kominfo", "diskominfo", "agency_admin"),
                                        ("viewer", "diskominfo", "viewer"),
                                        ("dishub", "dishub", "agency_admin"),
                                        ("police", "polres", "operator")):
            user = await hass.auth.async_create_user(user_name.title(), group_ids=["system-users"])
            await call(hass, "set_operator", {"user_id": user.id, "agency_id": agency, "role": role},
                       admin)
            users[user_name] = user
        for owner in ("diskominfo", "dishub"):
            await call(hass, "grant_access", {
                "owner_agency_id": owner, "grantee_agency_id": "polres",
                "privileges": ["request_export"], "scope": "all",
            }, admin)
        yield Env(hass, sim, entry, admin, **users)
    finally:
        await sim.stop()


def footage_env_fixture() -> Any:
    """The `env` fixture, for each footage test module to declare as its own."""

    @pytest.fixture
    async def env(
        hass: HomeAssistant, setup_city: SetupCity, add_server: AddServer, hass_admin_user: User,
        monkeypatch: pytest.MonkeyPatch,
    ) -> AsyncIterator[Env]:
        async with footage_city(hass, setup_city, add_server, hass_admin_user, monkeypatch) as value:
            yield value

    return env


env = footage_env_fixture()


async def preserved(env: Env, request_id: str, *parts: str) -> float:
    book = env.city.footage.book

    def done() -> bool:
        request = book.get(request_id)
        return all(request.part(part).preservation.value == "preserved" for part in parts)

    return await wait_until(done)


async def test_end_to_end_from_intake_to_a_verified_download(
    env: Env, hass_client_no_auth: ClientSessionGenerator, hass_ws_client: WebSocketGenerator,
    tmp_path: Path,
) -> None:
    hass = env.hass
    events = async_capture_events(hass, "ncc_footage_request")
    started = time.monotonic()
    answer = await call(hass, "request_footage", intake([GATE, HALL]), env.police)
    request_id = answer["request_id"]
    assert request_id == f"FR-{dt_util.now().year}-0001"
    assert [part["camera_id"] for part in answer["parts"]] == [GATE, HALL]
    for part in answer["parts"]:
        assert part["footage"] == "available"
        assert part["preservation"] == "exporting"
        assert part["export_id"].startswith(part["camera_id"].split("/")[1])
        # the server keeps 10 days: the window's start is overwritten 10 days after it
        overwrite = dt_util.parse_datetime(part["overwrite_at"])
        assert overwrite is not None
        start = dt_util.parse_datetime(window()["start"])
        assert start is not None
        assert abs((overwrite - start) - timedelta(days=10)) < timedelta(seconds=30)
    await preserved(env, request_id, "P1", "P2")
    took = time.monotonic() - started
    print(f"intake to preserved export: {took:.2f} s")  # a number the issue asks for
    assert {(event.data["type"], tuple(event.data["part_ids"])) for event in events} >= {
        ("created", ("P1", "P2")), ("preserved", ("P1",)), ("preserved", ("P2",)),
    }
    for event in events:
        assert set(event.data) >= {"type", "request_id", "agency_ids", "camera_ids"}
        assert event.data["agency_ids"] == ["diskominfo"]
        assert NIK not in str(event.data)
        assert "812" not in str(event.data)

    # the requester's agency may not decide; the owner's viewer neither
    for user in (env.police, env.viewer):
        with pytest.raises(ServiceValidationError) as refused:
            await call(hass, "decide_footage_request", {
                "request_id": request_id, "part": "P1", "decision": "approve",
                "reason": "data_subject_access",
            }, user)
        assert refused.value.translation_key == "permission_denied_camera"
    decided = await call(hass, "decide_footage_request", {
        "request_id": request_id, "part": GATE, "decision": "approve", "reason": "data_subject_access",
        "note": "Pemohon terlihat di rekaman",
    }, env.kominfo)
    assert decided["part"]["decision"] == "approve"
    assert decided["state"] == "open"
    await call(hass, "decide_footage_request", {
        "request_id": request_id, "part": "P2", "decision": "refuse", "reason": "not_relevant",
    }, env.kominfo)

    client = await hass_ws_client(hass, await token_for(hass, env.kominfo))
    released = await ws(client, "ncc/footage/release_link", request_id=request_id,
                        recipient_name="Budi Santoso", recipient_organisation="", valid_hours=2)
    assert released["success"], released
    link = released["result"]
    assert link["package_id"] == f"{request_id}-E1"
    assert link["path"].startswith("/api/ncc/evidence/")
    assert "authSig=" in link["path"]
    expires = dt_util.parse_datetime(link["expires_at"])
    assert expires is not None
    assert timedelta(hours=1, minutes=59) < expires - dt_util.utcnow() <= timedelta(hours=2)

    http = await hass_client_no_auth()
    response = await http.get(link["path"])
    assert response.status == 200
    body = await response.read()
    assert response.headers["Content-Disposition"] == f'attachment; filename="{request_id}-E1.zip"'
    package = tmp_path / "evidence.zip"
    package.write_bytes(body)
    key = env.city.footage.diagnostics()["public_key"]
    code, out = await run_verify(package, key)
    assert code == 0, out
    assert out.startswith(f"OK {request_id}-E1: 1 file(s)")
    tampered = bytearray(body)
    tampered[len(tampered) // 2] ^= 0x01
    bad = tmp_path / "tampered.zip"
    bad.write_bytes(bytes(tampered))
    code, out = await run_verify(bad, key)
    assert code == 1
    assert out.startswith("FAILED:")

    # the download is on record: who, when, from where
    page = await env.city.audit.async_query(AuditQuery(action="footage.download"))
    (entry,) = page.entries
    assert entry.user_name == "Budi Santoso"
    assert entry.target_id == request_id
    assert entry.details["remote"] == "127.0.0.1"
    request = env.city.footage.book.get(request_id)
    assert len(request.releases[0].downloads) == 1
    assert request.state.value == "closed"
    # personal data stays out of the audit log
    everything = await env.city.audit.async_query(AuditQuery(target_id=request_id))
    assert NIK not in str([item.details for item in everything.entries])

    # the register lists the release and the refusal
    register = await call(hass, "export_disclosure_register", {"path": "ncc/register.csv"}, env.admin)
    assert register["rows"] == 2
    text = Path(register["path"]).read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert [row["entry"] for row in rows] == ["refusal", "release"]
    assert rows[1]["recipient"] == "Budi Santoso"
    assert rows[1]["package_sha256"] == link["sha256"]
    assert NIK not in text


async def test_personal_data_is_masked_for_everyone_but_deciders(
    env: Env, hass_ws_client: WebSocketGenerator
) -> None:
    hass = env.hass
    answer = await call(hass, "request_footage", intake([GATE]), env.police)
    request_id = answer["request_id"]

    async def requester_as(user: User) -> dict[str, Any]:
        client = await hass_ws_client(hass, await token_for(hass, user))
        listed = await ws(client, "ncc/footage/list")
        (request,) = listed["result"]["requests"]
        got = await ws(client, "ncc/footage/get", request_id=request_id)
        assert got["result"]["request"]["requester"] == request["requester"]
        return dict(request["requester"])

    for user in (env.police, env.viewer):
        masked = await requester_as(user)
        assert masked["masked"] is True
        assert masked["identity_number"] == "************9012"
        assert masked["phone"] == "+** ***-****-**90"
    for user in (env.kominfo, env.admin):
        plain = await requester_as(user)
        assert plain["identity_number"] == NIK
        assert plain["phone"] == PHONE
    # filters
    client = await hass_ws_client(hass, await token_for(hass, env.kominfo))
    for filters, expected in (
        ({"state": "open"}, [request_id]), ({"state": "closed"}, []),
        ({"agency_id": "polres"}, [request_id]), ({"agency_id": "dishub"}, []),
        ({"due": "overdue"}, []),
    ):
        listed = await ws(client, "ncc/footage/list", **filters)
        assert [item["id"] for item in listed["result"]["requests"]] == expected, filters
    no_recipient = await ws(client, "ncc/footage/release_link", request_id=request_id)
    assert no_recipient["error"]["translation_key"] == "field_required"
    # an agency with nothing to do with the request does not see it at all
    client = await hass_ws_client(hass, await token_for(hass, env.dishub))
    assert (await ws(client, "ncc/footage/list"))["result"]["requests"] == []
    missing = await ws(client, "ncc/footage/get", request_id=request_id)
    assert missing["error"]["translation_key"] == "footage_request_not_found"
    # never in diagnostics
    diagnostics = env.city.footage.diagnostics()
    assert NIK not in str(diagnostics)
    assert diagnostics["requests"] == {"open": 1}


async def test_a_split_request_completes_per_owner(env: Env, hass_ws_client: WebSocketGenerator) -> None:
    hass = env.hass
    events = async_capture_events(hass, "ncc_footage_request")
    answer = await call(hass, "request_footage", intake([GATE, TERMINAL]), env.police)
    request_id = answer["request_id"]
    assert [part["owner_agency_id"] for part in answer["parts"]] == ["diskominfo", "dishub"]
    await preserved(env, request_id, "P1", "P2")
    # each owner decides only its own part
    with pytest.raises(ServiceValidationError):
        await call(hass, "decide_footage_request", {
            "request_id": request_id, "part": TERMINAL, "decision": "approve",
            "reason": "legal_obligation",
        }, env.kominfo)
    client = await hass_ws_client(hass, await token_for(hass, env.dishub))
    refused = await ws(client, "ncc/footage/decide", request_id=request_id, part="P1",
                       decision="approve", reason="legal_obligation")
    assert refused["error"]["code"] == "unauthorized"
    ok = await ws(client, "ncc/footage/decide", request_id=request_id, part="P2",
                  decision="approve", reason="legal_obligation")
    assert ok["result"]["state"] == "open"
    # Dishub releases its part while Diskominfo has not decided yet
    link = await ws(client, "ncc/footage/release_link", request_id=request_id,
                    recipient_name="AKP Sari", recipient_organisation="Satlantas", parts=["P2"])
    assert link["success"], link
    with pytest.raises(ServiceValidationError) as foreign:
        await call(hass, "release_footage", {
            "request_id": request_id, "recipient_name": "X", "parts": ["P1"],
        }, env.dishub)
    assert foreign.value.translation_key == "permission_denied_camera"
    await call(hass, "decide_footage_request", {
        "request_id": request_id, "part": "P1", "decision": "refuse", "reason": "third_party_privacy",
    }, env.kominfo)
    request = env.city.footage.book.get(request_id)
    assert request.state.value == "closed"
    assert request.releases[0].part_ids == ("P2",)
    decided = [event.data for event in events if event.data["type"] == "decided"]
    assert [(data["agency_ids"], data["decision"]) for data in decided] == [
        (["dishub"], "approve"), (["diskominfo"], "refuse"),
    ]
    released = [event.data for event in events if event.data["type"] == "released"]
    assert released[0]["camera_ids"] == [TERMINAL]
    # a fresh link for the same release, e.g. after the first one expired
    again = await ws(client, "ncc/footage/release_link", request_id=request_id,
                     release_id=released[0]["release_id"], valid_hours=1)
    assert again["result"]["release_id"] == "R1"
    assert again["result"]["path"] != link["result"]["path"]


async def test_refusals_and_bad_input_change_nothing(env: Env) -> None:
    hass = env.hass
    book = env.city.footage.book
    cases = [
        (intake([GATE], **window(end_minutes_ago=-10)), "footage_window_in_future"),
        (intake([GATE], **window(minutes=180)), "footage_window_too_long"),
        (intake([GATE], legal_basis="law_enforcement"), "footage_reference_required"),
        (intake([GATE], requester_phone=""), "footage_contact_required"),
        (intake([GATE], requester_identity_number="12"), "footage_invalid_identity_number"),
        (intake([], latitude=-7.47), "field_required"),
        (intake([]), "footage_cameras_or_area"),
    ]
    for data, key in cases:
        with pytest.raises(ServiceValidationError) as refused:
            await call(hass, "request_footage", data, env.police)
        assert refused.value.translation_key == key, key
    assert book.requests == {}
    # a camera the caller may not request
    await call(hass, "revoke_access", {"grant_id": "grant-1"}, env.admin)
    with pytest.raises(ServiceValidationError) as denied:
        await call(hass, "request_footage", intake([GATE]), env.police)
    assert denied.value.translation_key == "permission_denied_camera"
    assert book.requests == {}
    # refusing a part, then the objection against it
    request_id = (await call(hass, "request_footage", intake([TERMINAL]), env.police))["request_id"]
    with pytest.raises(ServiceValidationError) as wrong_reason:
        await call(hass, "decide_footage_request", {
            "request_id": request_id, "part": "P1", "decision": "refuse", "reason": "public_interest",
        }, env.dishub)
    assert wrong_reason.value.translation_key == "footage_reason_not_for_decision"
    await call(hass, "decide_footage_request", {
        "request_id": request_id, "part": "P1", "decision": "refuse", "reason": "other",
        "note": "Kamera mengarah ke rumah warga",
    }, env.dishub)
    with pytest.raises(ServiceValidationError) as twice:
        await call(hass, "decide_footage_request", {
            "request_id": request_id, "part": "P1", "decision": "approve", "reason": "other", "note": "x",
        }, env.dishub)
    assert twice.value.translation_key == "footage_part_already_decided"
    with pytest.raises(ServiceValidationError) as nothing:
        await call(hass, "release_footage", {"request_id": request_id, "recipient_name": "X"}, env.dishub)
    assert nothing.value.translation_key == "footage_nothing_to_release"
    objection = await call(hass, "record_objection", {
        "request_id": request_id, "kind": "against_refusal", "part": "P1",
        "text": "Pemohon mengajukan keberatan", "organisation": "LBH Surabaya",
    }, env.dishub)
    assert objection["objection"]["id"] == "O1"
    with pytest.raises(ServiceValidationError) as unknown:
        await call(hass, "decide_footage_request", {
            "request_id": "FR-1999-0001", "part": "P1", "decision": "approve", "reason": "other",
        }, env.dishub)
    assert unknown.value.translation_key == "footage_request_not_found"
    register = await call(hass, "export_disclosure_register", {"path": "register.csv"}, env.admin)
    assert register["rows"] == 2
    with pytest.raises(ServiceValidationError) as unwritable:
        await call(hass, "export_disclosure_register", {"path": "."}, env.admin)
    assert unwritable.value.translation_key == "footage_register_unwritable"
    with pytest.raises(ServiceValidationError) as nul:
        await call(hass, "export_disclosure_register", {"path": "a\0b.csv"}, env.admin)
    assert nul.value.translation_key == "footage_register_unwritable"
    with pytest.raises(ServiceValidationError) as outside:
        await call(hass, "export_disclosure_register", {"path": "../register.csv"}, env.admin)
    assert outside.value.translation_key == "path_outside_config"
    with pytest.raises(ServiceValidationError) as not_admin:
        await call(hass, "export_disclosure_register", {"path": "register.csv"}, env.dishub)
    assert not_admin.value.translation_key == "permission_denied_city"


async def test_cameras_around_a_place_and_registry_only_owners(
    env: Env, hass_ws_client: WebSocketGenerator
) -> None:
    hass = env.hass
    here = {"latitude": -7.4722, "longitude": 112.4338}
    for camera_id, offset in ((GATE, 0.0), (HALL, 0.001), (TERMINAL, 0.0005)):
        await call(hass, "assign_camera", {"camera_id": camera_id, "latitude": here["latitude"] + offset,
                                           "longitude": here["longitude"]}, env.admin)
    shop = await call(hass, "add_registry_camera", {
        "name": "Toko Emas", "owner_agency_id": "mall", "purpose": "private_premises",
        "area_type": "private_facing_public", **here,
    }, env.admin)
    shop_id = shop["camera"]["id"]
    await call(hass, "grant_access", {"owner_agency_id": "mall", "grantee_agency_id": "polres",
                                      "privileges": ["request_export"], "scope": "all"}, env.admin)
    client = await hass_ws_client(hass, await token_for(hass, env.police))
    suggested = await ws(client, "ncc/footage/suggest_cameras", radius_m=150, **here)
    cameras = suggested["result"]["cameras"]
    assert [camera["camera_id"] for camera in cameras] == [GATE, shop_id, TERMINAL, HALL]
    assert cameras[1]["registry_only"] is True
    assert cameras[3]["distance_m"] == pytest.approx(111, abs=2)
    too_wide = await ws(client, "ncc/footage/suggest_cameras", radius_m=5000, **here)
    assert too_wide["error"]["translation_key"] == "footage_radius_too_large"

    events = async_capture_events(hass, "ncc_footage_request")
    answer = await call(hass, "request_footage", intake([], radius_m=60, **here), env.police)
    parts = {part["camera_id"]: part for part in answer["parts"]}
    assert set(parts) == {GATE, shop_id, TERMINAL}
    assert parts[shop_id]["preservation"] == "owner_contacted"
    assert parts[shop_id]["footage"] == "no_feed"
    assert parts[GATE]["distance_m"] == 0.0
    contacted = [event.data for event in events if event.data["type"] == "owner_contacted"]
    assert contacted == [{
        "type": "owner_contacted", "request_id": answer["request_id"], "agency_ids": ["mall"],
        "camera_ids": [shop_id], "part_ids": [parts[shop_id]["part_id"]], "requesting_agency_id": "polres",
    }]
    # a place with nothing the caller may request
    with pytest.raises(ServiceValidationError) as nothing:
        await call(hass, "request_footage", intake([], latitude=-7.0, longitude=112.0, radius_m=50),
                   env.police)
    assert nothing.value.translation_key == "footage_no_cameras_in_area"
    stranger = await hass.auth.async_create_user("Stranger", group_ids=["system-users"])
    with pytest.raises(ServiceValidationError) as no_role:
        await call(hass, "request_footage", intake([], radius_m=60, **here), stranger)
    assert no_role.value.translation_key == "no_role"


SAMPLE_CALLS: dict[str, dict[str, Any]] = {
    "request_footage": intake([GATE]),
    "decide_footage_request": {"request_id": "FR-2026-0001", "part": "P1", "decision": "approve",
                               "reason": "other"},
    "extend_footage_deadline": {"request_id": "FR-2026-0001", "reason": "x"},
    "release_footage": {"request_id": "FR-2026-0001", "recipient_name": "X"},
    "set_legal_hold": {"request_id": "FR-2026-0001", "reason": "x"},
    "release_legal_hold": {"request_id": "FR-2026-0001"},
    "export_disclosure_register": {"path": "register.csv"},
    "record_objection": {"request_id": "FR-2026-0001", "kind": "data_subject", "text": "x"},
    "set_footage_policy": {"max_radius_m": 300},
}
SAMPLE_COMMANDS: dict[str, dict[str, Any]] = {
    "ncc/footage/list": {},
    "ncc/footage/get": {"request_id": "FR-2026-0001"},
    "ncc/footage/decide": {"request_id": "FR-2026-0001", "part": "P1", "decision": "approve",
                           "reason": "other"},
    "ncc/footage/release_link": {"request_id": "FR-2026-0001", "recipient_name": "X"},
    "ncc/footage/suggest_cameras": {"latitude": -7.47, "longitude": 112.43, "radius_m": 100},
    "ncc/footage/request": intake([GATE]),
}


async def test_every_footage_entry_point_refuses_users_without_a_role(
    hass: HomeAssistant, setup_city: SetupCity, hass_ws_client: WebSocketGenerator,
    hass_read_only_user: User,
) -> None:
    await setup_city()
    assert set(SAMPLE_CALLS) == {service.name for service in SERVICES}
    assert set(SAMPLE_COMMANDS) == {command.type for command in COMMANDS}
    assert set(SAMPLE_CALLS) <= set(hass.services.async_services_for_domain(DOMAIN))
    for name, data in SAMPLE_CALLS.items():
        with pytest.raises(ServiceValidationError) as refused:
            await call(hass, name, data, hass_read_only_user)
        assert refused.value.translation_key == "no_role", name
    client = await hass_ws_client(hass, await token_for(hass, hass_read_only_user))
    for command, data in SAMPLE_COMMANDS.items():
        reply = await ws(client, command, **data)
        assert reply["error"]["code"] == "unauthorized", command
        assert reply["error"]["translation_key"] == "no_role"
    city = async_get_city(hass)
    assert city is not None
    assert city.footage.book.requests == {}
