"""Bulk inventory import and export: CSV and YAML, all rows checked, all or nothing."""

from __future__ import annotations

import copy
import csv
import io
import time

import pytest

from custom_components.ncc.core.agencies import AgencyKind, Contact
from custom_components.ncc.core.cameras import AreaType, CameraPurpose
from custom_components.ncc.core.errors import ErrorKey, ValidationError
from custom_components.ncc.core.inventory import (
    CSV_COLUMNS,
    InventoryError,
    InventoryFormat,
    InventoryPlan,
    RowError,
    export_inventory,
    format_for_filename,
    parse_inventory,
)
from custom_components.ncc.core.registry import Registry

from .factories import Clock, assert_error, small_city

CSV = InventoryFormat.CSV
YAML = InventoryFormat.YAML
AGENCY_CODES = (
    "DISHUB",
    "DISKOMINFO",
    "SATPOLPP",
    "DAMKAR",
    "BPBD",
    "POLRES",
    "DLH",
    "DISPERKIM",
    "PUPR",
    "DINKES",
    "DISPENDIK",
    "KODIM",
    "MALL_SUNRISE",
)


def city_inventory_rows(cameras: int = 700) -> list[dict[str, str]]:
    """Mojokerto style: 56 cameras at 16 sites per agency, until `cameras` rows are written.

    Every agency runs its own Frigate server with the same camera names (cam_01, ...); every
    seventh camera is registry-only (no id). Some sites name a responsible agency, some cameras
    carry their own coordinates.
    """
    rows: list[dict[str, str]] = []
    for agency_number, code in enumerate(AGENCY_CODES):
        kind = "private_owner" if code.startswith("MALL") else "city_department"
        for camera_number in range(56):
            if len(rows) == cameras:
                return rows
            site_number = camera_number % 16
            registry_only = camera_number % 7 == 6
            rows.append(
                {
                    "agency_code": code,
                    "agency_name": f"Instansi {code.title()}",
                    "agency_kind": kind,
                    "site_name": f"{code.title()} Titik {site_number + 1}",
                    "site_address": f"Jl. Contoh No. {site_number + 1}, Mojokerto",
                    "site_latitude": f"{-7.40 - agency_number * 0.01 - site_number * 0.0005:.6f}",
                    "site_longitude": f"{112.40 + agency_number * 0.01 + site_number * 0.0005:.6f}",
                    "site_agency_code": "SATPOLPP" if site_number == 0 else "",
                    "camera_id": "" if registry_only else f"srv-{code.lower()}/cam_{camera_number:02d}",
                    "camera_name": f"{code.title()} Kamera {camera_number + 1}",
                    "purpose": "traffic" if code == "DISHUB" else "public_space",
                    "area_type": "" if camera_number == 55 else "public_road",
                    "bearing": str((camera_number * 45) % 360) if camera_number % 3 else "",
                    "retention_days": "10" if camera_number % 2 else "",
                    "camera_latitude": f"{-7.45 + camera_number * 0.0001:.6f}"
                    if camera_number % 5 == 0
                    else "",
                    "camera_longitude": f"{112.45 + camera_number * 0.0001:.6f}"
                    if camera_number % 5 == 0
                    else "",
                }
            )
    return rows


def to_csv(rows: list[dict[str, str]], columns: tuple[str, ...] = CSV_COLUMNS) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def lines_of(errors: tuple[RowError, ...]) -> list[int]:
    return sorted({error.line for error in errors})


def keys_of(errors: tuple[RowError, ...]) -> list[tuple[int, str, str]]:
    return [(error.line, error.field, error.message_key) for error in errors]


def applied(text: str, fmt: InventoryFormat, registry: Registry | None = None) -> Registry:
    registry = registry or Registry(clock=Clock())
    plan = parse_inventory(text, fmt)
    assert plan.ok, plan.errors[:5]
    registry.apply_inventory(plan)
    return registry


# ------------------------------------------------------------------------- 700-camera city


def test_700_cameras_round_trip_through_csv_and_yaml() -> None:
    text = to_csv(city_inventory_rows())
    start = time.perf_counter()
    plan = parse_inventory(text, CSV)
    registry = Registry(clock=Clock())
    result = registry.apply_inventory(plan)
    import_seconds = time.perf_counter() - start
    assert plan.ok
    assert (len(plan.agencies), len(plan.sites), len(plan.cameras)) == (13, 208, 700)
    assert (result.agencies_created, result.sites_created, result.cameras_created) == (
        13,
        208,
        700,
    )
    assert len(registry.cameras_of("dishub")) == 56
    assert len({c.site_id for c in registry.cameras_of("dishub")}) == 16
    assert registry.get_camera("srv-dishub/cam_00").owner_agency_id == "dishub"
    assert registry.get_camera("srv-polres/cam_00").owner_agency_id == "polres"
    kiosk = registry.get_camera("registry/dishub-kamera-7")
    assert (kiosk.is_registry_only, kiosk.present) == (True, True)
    assert not registry.get_camera("srv-dishub/cam_00").present, "present once Frigate says so"
    assert registry.get_site("dishub-titik-1").agency_id == "satpolpp"
    assert import_seconds < 2

    for fmt in (CSV, YAML):
        exported = export_inventory(registry, fmt)
        again = applied(exported, fmt)
        assert again.to_dict() == registry.to_dict(), fmt
        revision = registry.revision
        unchanged = registry.apply_inventory(parse_inventory(exported, fmt))
        assert unchanged.cameras_updated == unchanged.cameras_created == 0
        assert registry.revision == revision


def test_bad_rows_reject_the_whole_file_with_their_lines() -> None:
    rows = city_inventory_rows(40)
    for row in rows:  # this excerpt holds no SATPOLPP row to refer to
        row["site_agency_code"] = ""
    rows[0]["site_name"] = "Kantor Dishub"
    rows[0]["site_address"] = "Jl. Majapahit\nRT 02 / RW 03"  # a quoted two-line cell
    rows[10]["purpose"] = "spying"
    rows[20]["site_latitude"] = "-97.5"
    rows[30]["camera_id"] = rows[29]["camera_id"] = "srv-dishub/cam_29"
    text = to_csv(rows)
    # Header is line 1, row 0 spans lines 2-3, so row n starts on physical line n + 3.
    registry = small_city()
    before, revision = copy.deepcopy(registry.to_dict()), registry.revision
    plan = parse_inventory(text, CSV)
    assert lines_of(plan.errors) == [13, 23, 33]
    assert keys_of(plan.errors) == [
        (13, "purpose", ErrorKey.INVALID_CHOICE),
        (23, "site_latitude", ErrorKey.INVALID_LATITUDE),
        (33, "camera_id", ErrorKey.INVENTORY_DUPLICATE),
    ]
    assert plan.errors[2].placeholders["first_line"] == "32"
    assert registry.check_inventory(plan) == plan.errors
    with pytest.raises(InventoryError) as info:
        registry.apply_inventory(plan)
    assert_error(info.value, ErrorKey.INVENTORY_INVALID)
    assert info.value.placeholders == {"count": "3", "lines": "13, 23, 33"}
    assert lines_of(info.value.rows) == [13, 23, 33]
    assert registry.to_dict() == before
    assert registry.revision == revision


# -------------------------------------------------------------------------------- CSV rules


HEADER = (
    "agency_code,agency_name,agency_kind,site_name,site_latitude,site_longitude,camera_id,"
    "camera_name,purpose,area_type,bearing,retention_days,camera_latitude,camera_longitude"
)


@pytest.mark.parametrize(
    ("row", "field", "key"),
    [
        ("DISHUB,Dishub,ministry,,,,,Cam,traffic,,,,,", "agency_kind", ErrorKey.INVALID_CHOICE),
        ("D,Dishub,other,,,,,Cam,traffic,,,,,", "agency_code", ErrorKey.INVALID_AGENCY_CODE),
        ("DISHUB,,other,,,,,Cam,traffic,,,,,", "agency_name", ErrorKey.FIELD_REQUIRED),
        ("DISHUB,Dishub,other,S,-7,,,Cam,traffic,,,,,", "site_longitude", ErrorKey.FIELD_REQUIRED),
        ("DISHUB,Dishub,other,S,x,1,,Cam,traffic,,,,,", "site_latitude", ErrorKey.INVALID_NUMBER),
        ("DISHUB,Dishub,other,S,-7,181,,Cam,traffic,,,,,", "site_longitude", ErrorKey.INVALID_LONGITUDE),
        ("DISHUB,Dishub,other,!!!,-7,1,,Cam,traffic,,,,,", "site_id", ErrorKey.INVALID_ID),
        ("DISHUB,Dishub,other,,,,srv1,Cam,traffic,,,,,", "camera_id", ErrorKey.INVALID_CAMERA_ID),
        ("DISHUB,Dishub,other,,,,,!!!,traffic,,,,,", "camera_id", ErrorKey.INVALID_ID),
        ("DISHUB,Dishub,other,,,,,,traffic,,,,,", "camera_name", ErrorKey.FIELD_REQUIRED),
        ("DISHUB,Dishub,other,,,,,Cam,,,,,,", "purpose", ErrorKey.FIELD_REQUIRED),
        ("DISHUB,Dishub,other,,,,,Cam,traffic,beach,,,,", "area_type", ErrorKey.INVALID_CHOICE),
        ("DISHUB,Dishub,other,,,,,Cam,traffic,,360,,,", "bearing", ErrorKey.INVALID_BEARING),
        ("DISHUB,Dishub,other,,,,,Cam,traffic,,9.5,,,", "bearing", ErrorKey.INVALID_NUMBER),
        ("DISHUB,Dishub,other,,,,,Cam,traffic,,,-1,,", "retention_days", ErrorKey.INVALID_NUMBER),
        ("DISHUB,Dishub,other,,,,,Cam,traffic,,,9999,,", "retention_days", ErrorKey.INVALID_RETENTION_DAYS),
        ("DISHUB,Dishub,other,,,,,Cam,traffic,,,,-7,", "camera_latitude", ErrorKey.COORDINATES_INCOMPLETE),
        ("DISHUB,Dishub,other,,,,,Cam,traffic,,,,,nan", "camera_longitude", ErrorKey.INVALID_NUMBER),
    ],
)
def test_csv_field_errors(row: str, field: str, key: ErrorKey) -> None:
    plan = parse_inventory(f"{HEADER}\n{row}\n", CSV)
    assert [(e.line, e.field, e.message_key) for e in plan.errors if e.field == field] == [(2, field, key)]
    assert not plan.cameras


def test_csv_semicolons_decimal_commas_bom_and_blank_lines() -> None:
    text = (
        "\ufeffAgency_Code;agency_name;agency_kind;site_name;site_latitude;site_longitude;"
        "camera_name;purpose\n"
        "\n"
        'dishub;Dishub;city_department;Alun-alun;-7,4722;112,4338;"Kamera; Utara";TRAFFIC\n'
        " ; ; ; ; ; ; ; \n"
    )
    plan = parse_inventory(text, CSV)
    assert plan.ok, plan.errors
    (site,) = plan.sites
    assert (site.site_id, site.latitude, site.longitude) == ("alun-alun", -7.4722, 112.4338)
    (camera,) = plan.cameras
    assert (camera.camera_id, camera.name, camera.agency_code, camera.purpose, camera.line) == (
        "registry/kamera-utara",
        "Kamera; Utara",
        "DISHUB",
        CameraPurpose.TRAFFIC,
        3,
    )


def test_csv_header_problems() -> None:
    plan = parse_inventory("agency_code,camera_nam,purpose\n", CSV)
    assert keys_of(plan.errors) == [
        (1, "camera_nam", ErrorKey.INVENTORY_UNKNOWN_FIELD),
        (1, "", ErrorKey.INVENTORY_MISSING_COLUMNS),
    ]
    assert plan.errors[1].placeholders["columns"] == "agency_name, agency_kind, camera_name"
    for text in ("", "\n\n", " , ,\n"):
        assert keys_of(parse_inventory(text, CSV).errors) == [(1, "", ErrorKey.INVENTORY_EMPTY)]
    assert keys_of(parse_inventory(f"{HEADER}\n", CSV).errors) == [(1, "", ErrorKey.INVENTORY_EMPTY)]


def test_csv_row_shape_and_syntax() -> None:
    good = "DISHUB,Dishub,other,,,,,Cam,traffic,,,,,"
    plan = parse_inventory(f"{HEADER}\n{good},extra\n{good.replace('Cam', 'Cam2')}\n", CSV)
    assert keys_of(plan.errors) == [(2, "", ErrorKey.INVENTORY_EXTRA_CELLS)]
    assert plan.errors[0].placeholders == {"columns": "14", "cells": "15"}
    huge = "x" * 200_000
    plan = parse_inventory(f'{HEADER}\n{good}\nDISHUB,Dishub,other,,,,,"{huge}",traffic\n', CSV)
    assert keys_of(plan.errors) == [(3, "", ErrorKey.INVENTORY_SYNTAX)]


def test_csv_repeated_agencies_and_sites_must_agree() -> None:
    rows = city_inventory_rows(4)
    rows[1]["agency_name"] = "Dishub (typo)"
    rows[2]["site_name"] = rows[0]["site_name"]
    rows[2]["site_latitude"] = "-7.1"
    for row in rows:
        row["agency_id"] = "dishub"
    rows[3]["agency_code"] = "DISHUB2"
    plan = parse_inventory(to_csv(rows), CSV)
    assert keys_of(plan.errors) == [
        (3, "agency_code", ErrorKey.INVENTORY_CONFLICTING_VALUES),
        (4, "site_id", ErrorKey.INVENTORY_CONFLICTING_VALUES),
        (5, "agency_id", ErrorKey.INVENTORY_DUPLICATE),
    ]
    assert plan.errors[0].placeholders == {
        "field": "agency_code",
        "value": "DISHUB",
        "first_line": "2",
    }


def test_csv_registry_cameras_with_equal_names_collide() -> None:
    rows = city_inventory_rows(2)
    rows[0]["camera_id"] = rows[1]["camera_id"] = ""
    rows[1]["camera_name"] = rows[0]["camera_name"].upper()
    plan = parse_inventory(to_csv(rows), CSV)
    assert keys_of(plan.errors) == [(3, "camera_id", ErrorKey.INVENTORY_DUPLICATE)]


# ------------------------------------------------------------------------------------- YAML

YAML_TEXT = """\
agencies:
  - code: DISHUB
    name: Dinas Perhubungan
    kind: city_department
    contacts:
      - {name: Budi, role: Kasi Lalin, phone: "0812345678", email: budi@mojokertokota.go.id}
    notify_targets: [notify.mobile_app_budi]
  - code: MALL
    id: sunrise
    name: Sunrise Mall
    kind: private_owner
sites:
  - name: Alun-alun
    address: Jl. Veteran
    latitude: -7.4722
    longitude: 112.4338
    agency: DISHUB
  - id: mall-gate
    name: Gerbang Mall
    latitude: "-7.46"
    longitude: 112.44
cameras:
  - id: srv1/gate
    name: Gerbang
    agency: DISHUB
    site: alun-alun
    purpose: traffic
    area_type: public_road
    bearing: 90
    retention_days: 10
  - name: Lobby
    agency: MALL
    site: mall-gate
    purpose: private_premises
    area_type: private_facing_public
    latitude: -7.461
    longitude: 112.441
"""


def test_yaml_import() -> None:
    registry = applied(YAML_TEXT, YAML)
    dishub = registry.get_agency("dishub")
    assert dishub.contacts == (
        Contact(name="Budi", role="Kasi Lalin", phone="0812345678", email="budi@mojokertokota.go.id"),
    )
    assert dishub.notify_targets == ("notify.mobile_app_budi",)
    assert registry.get_agency("sunrise").code == "MALL"
    assert registry.get_site("alun-alun").agency_id == "dishub"
    gate = registry.get_camera("srv1/gate")
    assert (gate.bearing, gate.retention_days, gate.area_type, gate.present) == (
        90,
        10,
        AreaType.PUBLIC_ROAD,
        False,
    )
    lobby = registry.get_camera("registry/lobby")
    assert (lobby.owner_agency_id, lobby.latitude, lobby.owner_assigned) == (
        "sunrise",
        -7.461,
        True,
    )
    again = applied(export_inventory(registry, YAML), YAML)
    assert again.to_dict() == registry.to_dict()


BAD_YAML = """\
agencies:
  - code: DISHUB
    name: Dinas Perhubungan
    kind: ministry          # bad-kind
  - code: POLRES            # polres
    name: Polres
    kind: vertical_agency
  - code: POLRES            # polres-again
    name: Polres again
    kind: vertical_agency
  - code: MALL              # mall
    name: Mall
    kind: private_owner
    colour: blue
  - just a string           # string
sites:
  - name: Pos               # pos
    latitude: -7.5
    longitude: 112.5
    agency: GHOST
  - name: Pos               # pos-again
    latitude: -7.5
    longitude: 112.5
cameras:
  - id: srv1/a              # camera-a
    name: A
    agency: DISHUB
    purpose: traffic
  - id: srv1/b              # camera-b
    name: B
    agency: KODIM
    purpose: traffic
  - id: srv1/c              # camera-c
    name: C
    agency: POLRES
    site: nowhere
    purpose: traffic
  - id: srv1/d              # camera-d
    name: D
    agency: MALL
    purpose: traffic
    bearing: 400
    contacts: [{name: X, fax: 1}]
"""


def line_of(text: str, marker: str) -> int:
    """The line of `text` ending in the comment `# marker`."""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.rstrip().endswith(f"# {marker}"):
            return number
    raise AssertionError(marker)


def test_yaml_errors_carry_item_lines() -> None:
    plan = parse_inventory(BAD_YAML, YAML)

    def at(marker: str) -> int:
        return line_of(BAD_YAML, marker)

    assert keys_of(plan.errors) == [
        (at("bad-kind") - 2, "kind", ErrorKey.INVALID_CHOICE),
        (at("polres-again"), "code", ErrorKey.INVENTORY_DUPLICATE),
        (at("mall"), "colour", ErrorKey.INVENTORY_UNKNOWN_FIELD),
        (at("string"), "agencies", ErrorKey.INVENTORY_NOT_A_MAPPING),
        (at("pos-again"), "site_id", ErrorKey.INVENTORY_DUPLICATE),
        (at("camera-d"), "contacts", ErrorKey.INVENTORY_UNKNOWN_FIELD),
        (at("camera-d"), "bearing", ErrorKey.INVALID_BEARING),
    ]
    assert plan.errors[1].placeholders["first_line"] == str(at("polres"))
    registry = small_city()
    before = copy.deepcopy(registry.to_dict())
    with pytest.raises(InventoryError) as info:
        registry.apply_inventory(plan)
    # Against the registry: GHOST and KODIM are unknown, "nowhere" is no site. DISHUB and
    # MALL failed their own rows; DISHUB exists in the registry and MALL's failure is not
    # reported again at the cameras referring to it.
    assert keys_of(info.value.rows) == sorted(
        [
            *keys_of(plan.errors),
            (at("pos"), "agency", ErrorKey.INVENTORY_UNKNOWN_AGENCY),
            (at("camera-b"), "agency", ErrorKey.INVENTORY_UNKNOWN_AGENCY),
            (at("camera-c"), "site", ErrorKey.INVENTORY_UNKNOWN_SITE),
        ],
        key=lambda item: item[0],
    )
    assert registry.to_dict() == before


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("agencies: [\n", [(2, "", ErrorKey.INVENTORY_SYNTAX)]),
        ("- a\n- b\n", [(1, "", ErrorKey.INVENTORY_NOT_A_MAPPING)]),
        ("", [(1, "", ErrorKey.INVENTORY_EMPTY)]),
        ("agencies:\nsites: ~\n", [(1, "", ErrorKey.INVENTORY_EMPTY)]),
        ("agencies: {code: X}\n", [(1, "agencies", ErrorKey.INVENTORY_NOT_A_LIST)]),
        ("cameraz: []\n", [(1, "cameraz", ErrorKey.INVENTORY_UNKNOWN_FIELD)]),
        ("cameras:\n  - !!python/name:os.system x\n", [(2, "", ErrorKey.INVENTORY_SYNTAX)]),
        (
            "agencies:\n  - {code: A1, name: [x], kind: other, notify_targets: x}\n",
            [
                (2, "name", ErrorKey.INVENTORY_WRONG_TYPE),
                (2, "notify_targets", ErrorKey.INVENTORY_NOT_A_LIST),
            ],
        ),
        (
            "agencies:\n  - {code: A1, name: A, kind: other, contacts: [x]}\n",
            [(2, "contacts", ErrorKey.INVENTORY_NOT_A_MAPPING)],
        ),
        (
            "agencies:\n  - {code: A1, name: A, kind: other, contacts: [{name: B, email: x}]}\n",
            [(2, "contacts", ErrorKey.INVALID_EMAIL)],
        ),
        (
            "agencies:\n  - {code: A1, name: A, kind: other, contacts: [{name: B, fax: 1}]}\n",
            [(2, "contacts", ErrorKey.INVENTORY_UNKNOWN_FIELD)],
        ),
        (
            "agencies:\n  - {code: A1, name: A, kind: other, notify_targets: [bad]}\n",
            [(2, "notify_targets", ErrorKey.INVALID_NOTIFY_TARGET)],
        ),
        (
            "sites:\n  - {name: '!!!', latitude: 0, longitude: 0}\n",
            [(2, "id", ErrorKey.INVALID_ID)],
        ),
        (
            "sites:\n  - {name: S, latitude: true, longitude: 0}\n",
            [(2, "latitude", ErrorKey.INVENTORY_WRONG_TYPE)],
        ),
        (
            "cameras:\n  - {name: C, agency: A1, purpose: other, bearing: '90'}\n"
            "  - {name: D, agency: A1, purpose: other, latitude: 1}\n",
            [(3, "latitude", ErrorKey.COORDINATES_INCOMPLETE)],
        ),
    ],
)
def test_yaml_structure_errors(text: str, expected: list[tuple[int, str, str]]) -> None:
    assert keys_of(parse_inventory(text, YAML).errors) == expected


def test_yaml_anchors_and_numbers_as_text() -> None:
    text = "agencies:\n  - &base {code: A1, name: 2024, kind: other}\n  - {<<: *base, code: A2}\n"
    plan = parse_inventory(text, YAML)
    assert plan.ok
    assert [(a.code, a.name) for a in plan.agencies] == [("A1", "2024"), ("A2", "2024")]


# ---------------------------------------------------------------------- against the registry


def test_import_updates_existing_records() -> None:
    registry = small_city()
    registry.update_agency("dishub", contacts=[Contact(name="Budi")])
    registry.sync_server_cameras("srv1", "dishub", ["gate", "road"])
    text = (
        "agency_code,agency_name,agency_kind,site_id,site_name,site_latitude,site_longitude,"
        "camera_id,camera_name,purpose,area_type\n"
        "DISHUB,Dishub Baru,city_department,alun-alun,Alun-alun,-7.4722,112.4338,"
        "srv1/gate,Gate,traffic,public_road\n"
        "MALL,Sunrise Mall,private_owner,,,,,srv1/road,Road,private_premises,\n"
        "DAMKAR,Damkar,city_department,pos-damkar,Pos Damkar,-7.48,112.42,,Menara,other,\n"
    )
    result = registry.apply_inventory(parse_inventory(text, CSV))
    assert (result.agencies_created, result.agencies_updated) == (1, 1)
    assert (result.sites_created, result.sites_updated) == (1, 0)
    assert (result.cameras_created, result.cameras_updated) == (1, 2)
    dishub = registry.get_agency("dishub")
    assert (dishub.name, dishub.contacts) == ("Dishub Baru", (Contact(name="Budi"),))
    road = registry.get_camera("srv1/road")
    assert (road.owner_agency_id, road.present, road.owner_assigned, road.site_id) == (
        "mall",
        True,
        True,
        None,
    )
    registry.sync_server_cameras("srv1", "dishub", ["gate", "road"])
    assert registry.get_camera("srv1/road").owner_agency_id == "mall", "import pins the owner"


def test_import_refuses_conflicting_agency_ids() -> None:
    registry = small_city()
    text = (
        "agency_code,agency_name,agency_kind,agency_id,camera_name,purpose\n"
        "DISHUB,Dishub,city_department,dinas-perhubungan,A,traffic\n"
        "NEWCO,New Co,other,polres,B,other\n"
    )
    with pytest.raises(InventoryError) as info:
        registry.apply_inventory(parse_inventory(text, CSV))
    assert keys_of(info.value.rows) == [
        (2, "agency_id", ErrorKey.INVENTORY_AGENCY_ID_MISMATCH),
        (3, "agency_id", ErrorKey.AGENCY_ID_TAKEN),
    ]
    assert info.value.rows[0].placeholders == {"code": "DISHUB", "agency": "dishub"}


def test_new_agency_ids_avoid_existing_ones() -> None:
    registry = Registry(clock=Clock())
    registry.create_agency(code="OLD", name="Old", kind=AgencyKind.OTHER, agency_id="dishub")
    text = "agency_code,agency_name,agency_kind,camera_name,purpose\nDISHUB,Dishub,other,A,other\n"
    registry.apply_inventory(parse_inventory(text, CSV))
    assert registry.find_agency_by_code("DISHUB").id == "dishub_2"  # type: ignore[union-attr]


def test_yaml_may_refer_to_registry_records() -> None:
    registry = small_city()
    text = (
        "cameras:\n"
        "  - {id: srv2/x, name: X, agency: POLRES, site: alun-alun, purpose: other}\n"
        "sites:\n"
        "  - {name: Pos, latitude: 0, longitude: 0, agency: MALL}\n"
    )
    result = registry.apply_inventory(parse_inventory(text, YAML))
    assert (result.cameras_created, result.sites_created) == (1, 1)
    assert registry.get_camera("srv2/x").owner_agency_id == "polres"
    assert registry.get_site("pos").agency_id == "mall"


def test_plan_with_nothing_new_changes_nothing() -> None:
    registry = small_city()
    revision = registry.revision
    plan = InventoryPlan(format=CSV)
    assert registry.check_inventory(plan) == ()
    registry.apply_inventory(plan)
    assert registry.revision == revision


def test_export_round_trips_records_without_cameras() -> None:
    registry = small_city()
    registry.sync_server_cameras("srv2", "mall", ["hall"])  # no site, no area type
    registry.update_site("alun-alun", agency_id="polres")  # polres owns no camera
    registry.create_site(name="Pos Kosong", latitude=-7.5, longitude=112.5, agency_id="polres")
    for fmt in (CSV, YAML):
        data = applied(export_inventory(registry, fmt), fmt).to_dict()
        expected = registry.to_dict()
        assert data["agencies"] == expected["agencies"]
        assert data["sites"] == expected["sites"]
        assert data["cameras"] == [
            {**camera, "present": camera["id"].startswith("registry/"), "owner_assigned": True}
            for camera in expected["cameras"]
        ]


def test_csv_definition_rows() -> None:
    text = (
        "agency_code,agency_name,agency_kind,site_name,site_latitude,site_longitude,"
        "camera_name,purpose\n"
        "BPBD,BPBD Kota,city_department,,,,,\n"
        ",,,Posko Banjir,-7.5,112.5,,\n"
        ",Nameless,other,,,,,\n"
    )
    plan = parse_inventory(text, CSV)
    assert [a.code for a in plan.agencies] == ["BPBD"]
    assert [s.site_id for s in plan.sites] == ["posko-banjir"]
    assert plan.cameras == ()
    assert keys_of(plan.errors) == [(4, "agency_code", ErrorKey.FIELD_REQUIRED)]


def test_missing_columns_keep_current_values() -> None:
    registry = small_city()
    registry.assign_camera("srv1/gate", bearing=45, retention_days=10, latitude=-7.1, longitude=112.1)
    text = "agency_code,agency_name,agency_kind,camera_id,camera_name,purpose\n" + (
        "DISHUB,Dinas Perhubungan,city_department,srv1/gate,Gerbang,traffic\n"
    )
    registry.apply_inventory(parse_inventory(text, CSV))
    gate = registry.get_camera("srv1/gate")
    assert (gate.name, gate.purpose, gate.bearing, gate.retention_days, gate.latitude) == (
        "Gerbang",
        CameraPurpose.TRAFFIC,
        45,
        10,
        -7.1,
    )
    assert (gate.site_id, gate.area_type) == ("alun-alun", AreaType.PUBLIC_SPACE)
    cleared = "agency_code,agency_name,agency_kind,camera_id,camera_name,purpose,bearing\n" + (
        "DISHUB,Dinas Perhubungan,city_department,srv1/gate,Gerbang,traffic,\n"
    )
    registry.apply_inventory(parse_inventory(cleared, CSV))
    assert registry.get_camera("srv1/gate").bearing is None
    yaml_text = "sites:\n  - {id: alun-alun, name: Alun-alun, latitude: -7.4722, longitude: 112.4338}\n"
    registry.update_site("alun-alun", agency_id="polres")
    registry.apply_inventory(parse_inventory(yaml_text, YAML))
    site = registry.get_site("alun-alun")
    assert (site.agency_id, site.address) == ("polres", "Jl. Veteran")
    yaml_clear = (
        "sites:\n  - {id: alun-alun, name: Alun-alun, latitude: -7.4722, longitude: 112.4338,"
        " agency: null, address: ''}\n"
        "agencies:\n  - {code: DISHUB, name: Dishub, kind: city_department, contacts: null}\n"
    )
    registry.update_agency("dishub", contacts=[Contact(name="Budi")])
    registry.apply_inventory(parse_inventory(yaml_clear, YAML))
    assert (registry.get_site("alun-alun").agency_id, registry.get_site("alun-alun").address) == (
        None,
        "",
    )
    assert registry.get_agency("dishub").contacts == ()


def test_references_to_failed_rows_are_not_reported_twice() -> None:
    text = (
        "sites:\n"
        "  - {id: pos, name: Pos, latitude: 99, longitude: 0}\n"
        "cameras:\n"
        "  - {name: C, agency: DISHUB, site: pos, purpose: other}\n"
    )
    registry = small_city()
    assert keys_of(registry.check_inventory(parse_inventory(text, YAML))) == [
        (2, "latitude", ErrorKey.INVALID_LATITUDE)
    ]


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("kamera.csv", CSV), ("INVENTARIS.YAML", YAML), ("a.b.yml", YAML)],
)
def test_format_for_filename(name: str, fmt: InventoryFormat) -> None:
    assert format_for_filename(name) is fmt


@pytest.mark.parametrize("name", ["kamera.xlsx", "kamera", "csv"])
def test_unknown_file_format(name: str) -> None:
    with pytest.raises(ValidationError) as info:
        format_for_filename(name)
    assert_error(info.value, ErrorKey.INVENTORY_UNKNOWN_FORMAT)
