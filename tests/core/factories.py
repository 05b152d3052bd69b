"""Builders shared by the domain tests: a settable clock, a small city, error assertions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
import re
import sys

from custom_components.ncc.core.agencies import AgencyKind
from custom_components.ncc.core.cameras import AreaType, CameraPurpose
from custom_components.ncc.core.errors import ErrorKey, NccError
from custom_components.ncc.core.registry import Registry

T0 = datetime(2025, 8, 17, 8, 0, tzinfo=UTC)
STRINGS = Path(__file__).parents[2] / "custom_components" / "ncc" / "strings.json"


def budget_ms(milliseconds: float) -> float:
    """A time limit, relaxed fourfold while a tracer (coverage) slows every line down."""
    return milliseconds * 4 if sys.gettrace() is not None else milliseconds


class Clock:
    """A clock tests move by hand."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def small_city(clock: Clock | None = None) -> Registry:
    """Dishub owns two Frigate cameras and a registry camera at one site; Polres and a mall exist.

    Agencies: dishub, diskominfo, polres, mall. Sites: alun-alun, simpang-empat.
    Cameras: srv1/gate (alun-alun), srv1/road (simpang-empat), registry/kiosk (alun-alun).
    """
    registry = Registry(clock=clock or Clock())
    registry.create_agency(code="DISHUB", name="Dinas Perhubungan", kind=AgencyKind.CITY_DEPARTMENT)
    registry.create_agency(code="DISKOMINFO", name="Dinas Kominfo", kind=AgencyKind.CITY_DEPARTMENT)
    registry.create_agency(code="POLRES", name="Polres Mojokerto", kind=AgencyKind.VERTICAL_AGENCY)
    registry.create_agency(code="MALL", name="Sunrise Mall", kind=AgencyKind.PRIVATE_OWNER)
    registry.create_site(name="Alun-alun", latitude=-7.4722, longitude=112.4338, address="Jl. Veteran")
    registry.create_site(name="Simpang Empat", latitude=-7.4650, longitude=112.4400)
    registry.sync_server_cameras("srv1", "dishub", ["gate", "road"])
    registry.assign_camera(
        "srv1/gate",
        site_id="alun-alun",
        purpose=CameraPurpose.PUBLIC_SPACE,
        area_type=AreaType.PUBLIC_SPACE,
    )
    registry.assign_camera(
        "srv1/road",
        site_id="simpang-empat",
        purpose=CameraPurpose.TRAFFIC,
        area_type=AreaType.PUBLIC_ROAD,
    )
    registry.add_registry_camera(
        name="Kiosk",
        owner_agency_id="dishub",
        purpose=CameraPurpose.PUBLIC_SPACE,
        area_type=AreaType.PUBLIC_SPACE,
        site_id="alun-alun",
    )
    return registry


def _message_placeholders() -> dict[str, set[str]]:
    exceptions = json.loads(STRINGS.read_text(encoding="utf-8")).get("exceptions", {})
    return {key: set(re.findall(r"\{(\w+)\}", entry["message"])) for key, entry in exceptions.items()}


_PLACEHOLDERS = _message_placeholders() if STRINGS.exists() else {}


def assert_error(error: NccError, key: ErrorKey) -> None:
    """`error` has `key` and every placeholder its translated message uses.

    Keys not yet in strings.json are caught by test_errors, which requires all of them.
    """
    assert error.key == key, f"expected {key}, got {error.key} {error.placeholders}"
    needed = _PLACEHOLDERS.get(key, set())
    missing = needed - set(error.placeholders)
    assert not missing, f"{key} lacks placeholders {missing}"
