"""Inventory files a city might hand over: mostly right, sometimes mangled, now and then absurd.

A file starts as a consistent inventory (agencies, sites and cameras that agree with each other
and partly with the test city: `small_city` in the tests) and is then left alone, given a few
wrong cells, or mangled as text, so generated files reach every stage of the import (parsing,
the registry check, applying) instead of all failing at the first cell.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy
import yaml

from custom_components.ncc.core.inventory import CSV_COLUMNS, CSV_REQUIRED_COLUMNS

# code -> (name, kind): the test city has DISKOMINFO and DISHUB
AGENCIES = {
    "DISKOMINFO": ("Diskominfo", "city_department"),
    "DISHUB": ("Dinas Perhubungan", "city_department"),
    "POLRES": ("Polres Mojokerto Kota", "vertical_agency"),
    "MALL": ("Mall Olympic Garden", "private_owner"),
}
# site id -> (name, latitude, longitude): the test city has simpang-empat
SITES = {
    "simpang-empat": ("Simpang Empat", -7.47, 112.43),
    "alun-alun": ("Alun-alun", -7.4726, 112.4381),
}
CAMERA_IDS = (
    "balaikota/alun_alun_01", "balaikota/ijen_01", "registry/toko-a", "registry/lobby",
    "registry/parkir", "balaikota/new_cam",
)
PURPOSES = ("traffic", "public_space", "government_building", "private_premises", "other")
AREAS = ("public_road", "public_space", "government_building", "private_facing_public", "")
JUNK_CELLS = (
    "", " ", "-91", "181", "1e400", "nan", "-7,47", "abc", "360", "Bad Id", "no-slash",
    "registry/Bad Slug", "ministry", "X" * 40, "x" * 500, '"', "a;b", "\n", "\x00", "=cmd()",
)


# columns that only make sense together
OPTIONAL_COLUMN_GROUPS = (
    ("camera_id",), ("agency_id",), ("area_type",), ("bearing",), ("retention_days",),
    ("camera_latitude", "camera_longitude"),
    ("site_id", "site_name", "site_latitude", "site_longitude"), ("site_address",),
)
assert {c for group in OPTIONAL_COLUMN_GROUPS for c in group} | set(CSV_REQUIRED_COLUMNS) == (
    set(CSV_COLUMNS) - {"site_agency_code"}
)


@st.composite
def _camera(draw: st.DrawFn, camera_id: str) -> dict[str, Any]:
    code = draw(st.sampled_from(sorted(AGENCIES)))
    latitude, longitude = draw(st.sampled_from([("", ""), ("-7.47", "112.43"), ("-7.5", "112.5")]))
    return {
        "camera_id": camera_id,
        "camera_name": f"{draw(st.sampled_from(['Gerbang', 'Kamera']))} {camera_id.split('/')[1]}",
        "agency_code": code,
        # an id another agency already has: the registry, not the parser, refuses that
        "agency_id": draw(st.sampled_from(["", "", "", "", "diskominfo", "dishub"])),
        "site_id": draw(st.sampled_from(["", *sorted(SITES)])),
        "purpose": draw(st.sampled_from(PURPOSES)),
        "area_type": draw(st.sampled_from(AREAS)),
        "bearing": draw(st.sampled_from(["", "0", "90", "359"])),
        "retention_days": draw(st.sampled_from(["", "0", "10", "30"])),
        "latitude": latitude,
        "longitude": longitude,
    }


@st.composite
def _cameras(draw: st.DrawFn) -> list[dict[str, Any]]:
    ids = draw(st.lists(st.sampled_from(CAMERA_IDS), unique=True, min_size=1, max_size=len(CAMERA_IDS)))
    return [draw(_camera(camera_id)) for camera_id in ids]


def _csv_row(camera: dict[str, Any], columns: list[str]) -> list[str]:
    name, kind = AGENCIES[camera["agency_code"]]
    site = SITES.get(camera["site_id"])
    values = {
        **{key: str(value) for key, value in camera.items()},
        "agency_name": name, "agency_kind": kind,
        "site_name": site[0] if site else "", "site_address": "",
        "site_latitude": str(site[1]) if site else "", "site_longitude": str(site[2]) if site else "",
        "site_agency_code": "",
        "camera_latitude": camera["latitude"], "camera_longitude": camera["longitude"],
    }
    return [values.get(column, "") for column in columns]


@st.composite
def csv_inventories(draw: st.DrawFn) -> str:
    groups = draw(st.lists(st.sampled_from(OPTIONAL_COLUMN_GROUPS), unique=True))
    columns = draw(st.permutations([*CSV_REQUIRED_COLUMNS, *(c for group in groups for c in group)]))
    rows = [_csv_row(camera, columns) for camera in draw(_cameras())]
    for _ in range(draw(_noise())):
        if rows:
            row = draw(st.sampled_from(rows))
            row[draw(st.integers(0, len(columns) - 1))] = draw(st.sampled_from(JUNK_CELLS))
    if draw(_rarely()):
        columns = [*columns, draw(st.sampled_from(["camera", "owner", ""]))]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=draw(st.sampled_from([",", ";"])), lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    text = out.getvalue()
    if draw(st.booleans()):
        text = "\ufeff" + text
    return draw(_mangled(text))


def _yaml_document(cameras: list[dict[str, Any]]) -> dict[str, Any]:
    codes = sorted({camera["agency_code"] for camera in cameras})
    ids = {camera["agency_code"]: camera["agency_id"] for camera in cameras}
    sites = sorted({camera["site_id"] for camera in cameras if camera["site_id"]})
    return {
        "agencies": [{"code": code, "name": AGENCIES[code][0], "kind": AGENCIES[code][1],
                      **({"id": ids[code]} if ids[code] else {})}
                     for code in codes if code not in ("DISKOMINFO", "DISHUB")],
        "sites": [{"id": site, "name": SITES[site][0], "latitude": SITES[site][1],
                   "longitude": SITES[site][2]} for site in sites if site != "simpang-empat"],
        "cameras": [
            {
                "id": camera["camera_id"], "name": camera["camera_name"],
                "agency": camera["agency_code"], "purpose": camera["purpose"],
                **{key: _number(camera[key]) for key in ("bearing", "retention_days", "latitude",
                                                         "longitude") if camera[key]},
                **({"site": camera["site_id"]} if camera["site_id"] else {}),
                **({"area_type": camera["area_type"]} if camera["area_type"] else {}),
            }
            for camera in cameras
        ],
    }


def _number(text: str) -> int | float:
    return float(text) if "." in text else int(text)


@st.composite
def yaml_inventories(draw: st.DrawFn) -> str:
    document = _yaml_document(draw(_cameras()))
    for _ in range(draw(_noise())):
        section = draw(st.sampled_from(["agencies", "sites", "cameras"]))
        if document[section]:
            item = draw(st.sampled_from(document[section]))
            key = draw(st.sampled_from([*sorted(item), "unknown_key"]))
            item[key] = draw(st.one_of(st.sampled_from(JUNK_CELLS), st.none(), st.integers(-400, 400),
                                       st.lists(st.text(max_size=3), max_size=2)))
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    if draw(_rarely()):
        text = draw(st.sampled_from(["", "- a\n- b\n", "cameras: 5\n", "a: [\n", "&a [*a]\n",
                                     "cameras:\n  - !!python/object:os.system {}\n"]))
    return draw(_mangled(text))


def _rarely() -> SearchStrategy[bool]:
    return st.sampled_from([False] * 14 + [True])


def _noise() -> SearchStrategy[int]:
    """How many values to spoil: none in half the files."""
    return st.sampled_from([0, 0, 0, 1, 2])


def _mangled(text: str) -> SearchStrategy[str]:
    """The text as written (mostly), or with a slice cut out or a stray character put in."""

    @st.composite
    def mangle(draw: st.DrawFn) -> str:
        how = draw(st.sampled_from(["as_is"] * 8 + ["cut", "insert"]))
        if how == "as_is" or not text:
            return text
        at = draw(st.integers(0, len(text) - 1))
        if how == "cut":
            return text[:at] + text[at + draw(st.integers(1, 20)):]
        return text[:at] + draw(st.sampled_from(['"', ":", "\n", "\t", "\x00", "- ", "{"])) + text[at:]

    return mangle()
