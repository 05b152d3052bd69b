"""Home Assistant killed (SIGKILL) while a footage export runs and actions are answered.

A real `hass` process against the simulator: a footage request is made (its export takes a
while on purpose), a burst of actions is fired, and HA is killed half-way. After a restart the
request's export is picked up where it was (one export per camera, not two), every action HA
had answered is in the registry and in the audit log, and the audit chain verifies.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
import time

from homeassistant.util import dt as dt_util
import pytest

from frigate_sim import SimCity

from .real_hass import RealHass, hass_python

pytestmark = [
    pytest.mark.reliability,
    pytest.mark.skipif(hass_python() is None, reason="this Python has no complete HA to start"),
]
EXPORT_TAKES_S = 8.0
BURST = 100
KILL_AFTER = 5


@pytest.fixture
def auto_enable_custom_integrations() -> None:
    """No HA core in this process: the real `hass` loads NCC from its own configuration folder."""


@pytest.fixture
async def slow_exports() -> AsyncIterator[SimCity]:
    city = SimCity.synthetic(servers=1, cameras=2, seed=4, auth=False)
    city.servers[0].export_duration_s = EXPORT_TAKES_S
    await city.start(host="127.0.0.1", base_port=0)
    yield city
    await city.stop()


@pytest.fixture
async def real_hass(tmp_path: Path) -> AsyncIterator[RealHass]:
    hass = RealHass(tmp_path / "config")
    yield hass
    await hass.stop()


async def wait_for(check, what: str, within_s: float = 60.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + within_s
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.25)


async def test_killed_mid_export_resumes_and_loses_nothing(
    real_hass: RealHass, slow_exports: SimCity
) -> None:
    server = slow_exports.servers[0]
    camera = sorted(server.cameras)[0]
    await real_hass.start()
    await real_hass.flow([{
        "city_name": "Kota Mojokerto", "retention_policy_days": 10,
        "agency_name": "Dinas Komunikasi dan Informatika", "agency_code": "DISKOMINFO",
    }])
    await real_hass.flow([{
        "name": "balaikota", "url": server.url, "verify_ssl": False, "agency_id": "diskominfo",
        "stream_url_template": "rtsp://{host}:8554/{camera}",
    }])
    # the faults start once HA's own records are on disk: it writes config entries a second late
    await real_hass.wait_entries_saved(2)

    end = dt_util.utcnow() - timedelta(minutes=5)
    opened = await real_hass.action("request_footage", {
        "requester_name": "Bripka Santoso", "requester_identity_number": "3576012345670001",
        "requester_kind": "police", "requester_phone": "+62 321 123456",
        "purpose": "Tabrakan di simpang empat",
        "incident_type": "traffic_accident", "legal_basis": "law_enforcement",
        "reference": "LP/123/XI/2026", "start": (end - timedelta(minutes=2)).isoformat(),
        "end": end.isoformat(), "camera_ids": [f"balaikota/{camera}"],
    })
    request_id = opened["request_id"]

    async def exporting() -> bool:
        request = await real_hass.command("ncc/footage/get", request_id=request_id)
        return any(part["preservation"] == "exporting" for part in request["request"]["parts"])

    await wait_for(exporting, "the export to start")

    # a burst of actions; HA dies while they are being answered
    answered: list[str] = []

    async def create(number: int) -> None:
        code = f"OPD{number:02d}"
        try:
            await real_hass.action("create_agency", {
                "code": code, "name": f"Dinas {number}", "kind": "city_department",
            })
        except Exception:  # cut off by the kill: not answered, so nothing was promised
            return
        answered.append(code)
        if len(answered) == KILL_AFTER:
            real_hass.kill()  # at once, while the other answers are still being written

    await asyncio.gather(*(create(number) for number in range(BURST)))
    assert KILL_AFTER <= len(answered) < BURST, "HA was not killed in the middle of the burst"

    await real_hass.start()
    await real_hass.wait_loaded()

    async def preserved() -> dict | None:  # type: ignore[type-arg]
        request = (await real_hass.command("ncc/footage/get", request_id=request_id))["request"]
        parts = request["parts"]
        return request if all(part["preservation"] == "preserved" for part in parts) else None

    request = await wait_for(preserved, "the export to be picked up again", within_s=90)
    assert [part["camera_id"] for part in request["parts"]] == [f"balaikota/{camera}"]
    exports = [export for export in server.export_store.visible() if export.camera == camera]
    assert len(exports) == 1, "the export was started again instead of resumed"

    listed = await real_hass.action("list_agencies", {})
    codes = {agency["code"] for agency in listed["agencies"]}
    assert set(answered) <= codes
    audit = await real_hass.command("ncc/audit", action="agency.create", limit=BURST + 5)
    audited = {entry["details"].get("code") for entry in audit["entries"]}
    assert set(answered) <= audited
    verified = await real_hass.action("verify_audit_log", {})
    assert verified["ok"], verified
    assert "[custom_components.ncc" not in real_hass.log_text().split(" ERROR ", 1)[-1]
