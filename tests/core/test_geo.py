"""Camera locations and the nearest-cameras search."""

from __future__ import annotations

import math
import random
import time

import pytest

from custom_components.ncc.core.agencies import AgencyKind
from custom_components.ncc.core.cameras import AreaType, CameraPurpose
from custom_components.ncc.core.errors import ErrorKey, ValidationError
from custom_components.ncc.core.geo import camera_location, cameras_near, haversine_m
from custom_components.ncc.core.operators import Role
from custom_components.ncc.core.permissions import actor_for, visible_cameras
from custom_components.ncc.core.registry import Registry

from .factories import T0, Clock, assert_error, budget_ms, small_city


def test_haversine_known_distances() -> None:
    assert haversine_m(0, 0, 0, 0) == 0
    # One degree of latitude is about 111.2 km on a 6371 km sphere.
    assert haversine_m(0, 0, 1, 0) == pytest.approx(111_195, rel=1e-4)
    # Mojokerto alun-alun to Surabaya Tugu Pahlawan: about 43 km.
    assert haversine_m(-7.4722, 112.4338, -7.2456, 112.7378) == pytest.approx(41_900, rel=0.03)
    assert haversine_m(0, 179.9, 0, -179.9) == pytest.approx(22_239, rel=1e-3)
    assert haversine_m(90, 0, -90, 0) == pytest.approx(math.pi * 6_371_008.8, rel=1e-9)


def test_camera_location_prefers_own_coordinates() -> None:
    registry = small_city()
    gate = registry.get_camera("srv1/gate")
    assert camera_location(registry, gate) == (-7.4722, 112.4338)
    own = registry.assign_camera("srv1/gate", latitude=-7.47, longitude=112.43)
    assert camera_location(registry, own) == (-7.47, 112.43)
    nowhere = registry.assign_camera("srv1/road", site_id=None)
    assert camera_location(registry, nowhere) is None
    found = cameras_near(registry, -7.4650, 112.4400, 100_000)
    assert [camera.id for camera, _ in found] == ["registry/kiosk", "srv1/gate"]


def test_cameras_near_sorted_with_registry_cameras() -> None:
    registry = small_city()
    registry.assign_camera("srv1/gate", latitude=-7.4725, longitude=112.4338)  # ~33 m south
    found = cameras_near(registry, -7.4722, 112.4338, 200)
    assert [(camera.id, round(distance)) for camera, distance in found] == [
        ("registry/kiosk", 0),
        ("srv1/gate", 33),
    ]
    wider = cameras_near(registry, -7.4722, 112.4338, 1_500)
    assert [camera.id for camera, _ in wider] == ["registry/kiosk", "srv1/gate", "srv1/road"]
    assert wider[2][1] == pytest.approx(haversine_m(-7.4722, 112.4338, -7.4650, 112.4400), rel=1e-9)


def test_cameras_near_among_visible_cameras() -> None:
    registry = small_city()
    registry.sync_server_cameras("srv2", "mall", ["lobby"])
    registry.assign_camera("srv2/lobby", site_id="alun-alun")
    registry.set_operator("u-mall", agency_id="mall", role=Role.OPERATOR)
    actor = actor_for(registry, "u-mall", is_ha_admin=False)
    found = cameras_near(registry, -7.4722, 112.4338, 100, among=visible_cameras(registry, actor, T0))
    assert [camera.id for camera, _ in found] == ["srv2/lobby"]


def test_cameras_near_across_the_antimeridian_and_poles() -> None:
    registry = Registry(clock=Clock())
    registry.create_agency(code="X1", name="X", kind=AgencyKind.OTHER)
    for name, latitude, longitude in (
        ("east", 0.0, 179.9995),
        ("west", 0.0, -179.9995),
        ("pole", 89.9999, 10.0),
        ("equator", 0.0, 10.0),
    ):
        registry.add_registry_camera(
            name=name,
            owner_agency_id="x1",
            purpose=CameraPurpose.OTHER,
            area_type=AreaType.PUBLIC_SPACE,
            latitude=latitude,
            longitude=longitude,
        )
    assert [c.name for c, _ in cameras_near(registry, 0.0, 180.0, 100)] == ["east", "west"]
    assert [c.name for c, _ in cameras_near(registry, 90.0, -170.0, 50)] == ["pole"]
    assert [c.name for c, _ in cameras_near(registry, 0.0, 9.9995, 100)] == ["equator"]
    assert cameras_near(registry, 0.0, 9.9, 100) == []


@pytest.mark.parametrize(
    ("latitude", "longitude", "radius", "key"),
    [
        (-91, 0, 10, ErrorKey.INVALID_LATITUDE),
        (0, 200, 10, ErrorKey.INVALID_LONGITUDE),
        (0, 0, 0, ErrorKey.INVALID_RADIUS),
        (0, 0, 100_001, ErrorKey.INVALID_RADIUS),
        (0, 0, float("nan"), ErrorKey.INVALID_RADIUS),
        (0, 0, True, ErrorKey.INVALID_RADIUS),
    ],
)
def test_cameras_near_validates(latitude: float, longitude: float, radius: float, key: ErrorKey) -> None:
    with pytest.raises(ValidationError) as info:
        cameras_near(small_city(), latitude, longitude, radius)
    assert_error(info.value, key)


def test_cameras_near_is_fast() -> None:
    rng = random.Random(3)
    registry = Registry(clock=Clock())
    registry.create_agency(code="KOTA", name="Kota", kind=AgencyKind.CITY_DEPARTMENT)
    sites = [
        registry.create_site(
            name=f"Titik {n}", latitude=-7.9 + rng.random() * 0.2, longitude=112.55 + rng.random() * 0.2
        ).id
        for n in range(200)
    ]
    registry.sync_server_cameras("srv", "kota", [f"cam{n:04d}" for n in range(1800)])
    for camera_id in list(registry.cameras):
        registry.assign_camera(camera_id, site_id=rng.choice(sites))
    for n in range(200):
        registry.add_registry_camera(
            name=f"Privat {n}",
            owner_agency_id="kota",
            purpose=CameraPurpose.PRIVATE_PREMISES,
            area_type=AreaType.PRIVATE_FACING_PUBLIC,
            latitude=-7.9 + rng.random() * 0.2,
            longitude=112.55 + rng.random() * 0.2,
        )
    assert len(registry.cameras) == 2000
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        found = cameras_near(registry, -7.8, 112.65, 1_000)
        best = min(best, (time.perf_counter() - start) * 1000)
    assert found
    assert [d for _, d in found] == sorted(d for _, d in found)
    assert all(d <= 1_000 for _, d in found)
    assert best < budget_ms(5), f"cameras_near took {best:.2f} ms"
