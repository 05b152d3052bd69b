"""The storage planner against figures computed by hand (the arithmetic is in each test).

Units: MB = 2**20 bytes (Frigate's), GB = 10**9 bytes (disks). Usable disk =
disk x 10**9 / 2**20 x 0.95 - 1 hour of bandwidth.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from custom_components.ncc.configgen import (
    BandwidthSource,
    PlannedCamera,
    RecordMode,
    Retention,
    ServerCapacity,
    apply_record_modes,
    bandwidth_for,
    capacity_for,
    compare_plans,
    plan_city,
    plan_server,
)
from custom_components.ncc.configgen.planner import (
    ActivityShares,
    disk_gb_for,
    estimate_bandwidth,
    planned_cameras,
    propose_placement,
    usable_mb,
)
from custom_components.ncc.core.cameras import CameraPurpose

from .conftest import city, server, stream

MB = 2**20
GB = 10**9
POLICY = Retention(continuous_days=10, motion_days=0, alerts_days=30, detections_days=10)


def camera(camera_id: str = "s/a", bandwidth: float = 100.0, **changes: object) -> PlannedCamera:
    base = PlannedCamera(
        camera_id=camera_id, purpose=CameraPurpose.TRAFFIC, bandwidth_mb_per_h=bandwidth,
        bandwidth_source=BandwidthSource.ESTIMATED, server_id="s",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def usable(disk_gb: float, bandwidth: float) -> float:
    return disk_gb * GB / MB * 0.95 - bandwidth


def test_bandwidth_estimate_from_resolution_fps_and_codec() -> None:
    # 1920 x 1080 x 15 fps = 31,104,000 px/s; x 0.07 bit = 2,177,280 bit/s;
    # x 3600 / 8 = 979,776,000 bytes/h = 934.4 MB/h
    mb, source = estimate_bandwidth(1920, 1080, 15, "h264")
    assert mb == pytest.approx(979_776_000 / MB)
    assert source is BandwidthSource.ESTIMATED
    # H.265 needs half the bits per pixel
    assert estimate_bandwidth(1920, 1080, 15, "h265")[0] == pytest.approx(mb / 2)
    # nothing known: the same 1080p15 H.264 stream, flagged as assumed
    assert estimate_bandwidth(None, None, None, None) == (pytest.approx(mb), BandwidthSource.ASSUMED)
    # Frigate's measured figure wins when it has one
    assert bandwidth_for(321.0, 1920, 1080, 15, "h264") == (321.0, BandwidthSource.MEASURED)
    assert bandwidth_for(0.0, 1920, 1080, 15, "h264")[1] is BandwidthSource.ESTIMATED


def test_one_camera_whose_policy_fits() -> None:
    # B = 100 MB/h -> 2400 MB/day. Traffic: alerts 0.45, detections 0.15.
    # days 0-10: everything (share 1) = 24,000 MB; days 10-30: alerts only 0.45 x 2400 x 20
    # = 21,600 MB; need 45,600 MB; disk for it = (45,600 + 100) x 2**20 / 10**9 / 0.95 GB.
    plan = plan_server(ServerCapacity("s", disk_gb=100, retention=POLICY), [camera()])
    assert plan.need_gb == pytest.approx(45_700 * MB / GB / 0.95)
    assert plan.fits is True
    assert plan.horizon_days is None
    assert plan.days_kept == 10  # the footage policy: continuous for 10 days
    # detection: 5 fps x motion share 0.7
    assert plan.detection_load == pytest.approx(3.5)
    assert plan.detection_utilisation == pytest.approx(3.5 / 10)  # CPU: 10 inferences/s


def test_a_small_disk_cuts_every_tier_at_its_horizon() -> None:
    # 20 GB: usable = 20e9 / 2**20 x 0.95 - 100 = 18,019.8 MB; the first 10 days need 24,000,
    # so the horizon is 18,019.8 / 2400 = 7.51 days.
    plan = plan_server(ServerCapacity("s", disk_gb=20, retention=POLICY), [camera()])
    assert plan.horizon_days == pytest.approx(usable(20, 100) / 2400)
    assert plan.days_kept == pytest.approx(usable(20, 100) / 2400)
    assert plan.fits is False
    # 40 GB: usable 36,139.6; 24,000 in the first 10 days, the rest at 0.45 x 2400 = 1080/day
    plan = plan_server(ServerCapacity("s", disk_gb=40, retention=POLICY), [camera()])
    assert plan.horizon_days == pytest.approx(10 + (usable(40, 100) - 24_000) / 1080)
    assert plan.days_kept == 10  # all of the footage tier survives; only old alerts go


def test_disk_needed_for_a_target() -> None:
    # 30 days of everything: 2400 x 30 = 72,000 MB (alerts end at 30 too);
    # disk = (72,000 + 100) x 2**20 / 10**9 / 0.95
    plan = plan_server(ServerCapacity("s", disk_gb=20, retention=POLICY), [camera()], target_days=30)
    assert plan.disk_for_target_gb == pytest.approx(72_100 * MB / GB / 0.95)
    # the inverse of the usable-disk rule
    assert usable_mb(disk_gb_for(5000, 100), 100) == pytest.approx(5000)


def test_recording_only_motion_or_only_alerts() -> None:
    motion = camera(record_mode=RecordMode.MOTION)
    # motion: days 0-10 motion share 0.7 (above alerts + detections 0.6) = 2400 x 0.7 x 10
    # = 16,800; days 10-30 alerts 0.45 = 21,600; total 38,400 MB
    plan = plan_server(ServerCapacity("s", disk_gb=None, retention=POLICY), [motion])
    assert plan.need_gb == pytest.approx(38_500 * MB / GB / 0.95)
    assert plan.days_kept is None  # no disk known, no days
    alerts = camera(record_mode=RecordMode.ALERTS)
    # alerts only: 30 days x 0.45 x 2400 = 32,400 MB; its footage reaches back 30 days
    plan = plan_server(ServerCapacity("s", disk_gb=100, retention=POLICY), [alerts])
    assert plan.need_gb == pytest.approx(32_500 * MB / GB / 0.95)
    assert plan.days_kept == 30


def test_a_server_keeps_as_long_as_its_least_kept_camera() -> None:
    # "other" cameras (alerts 0.1, detections 0.05) with their own running retention, no events:
    # a: 100 MB/h for 10 days, b: 50 MB/h for 2 days. Rates: days 0-2 = 2400 + 1200 = 3600/day,
    # days 2-10 = 2400/day. Usable U = 12,000 -> 7,200 by day 2, then 4,800 / 2400 = 2 more days.
    running = {"purpose": CameraPurpose.OTHER}
    a = camera("s/a", 100, retention=Retention(10, 0, 0, 0), **running)
    b = camera("s/b", 50, retention=Retention(2, 0, 0, 0), **running)
    disk = (12_000 + 150) * MB / GB / 0.95  # usable exactly 12,000 MB
    plan = plan_server(ServerCapacity("s", disk_gb=disk), [a, b], target_days=20)
    assert plan.horizon_days == pytest.approx(4)
    assert plan.camera_days == {"s/a": pytest.approx(4), "s/b": pytest.approx(2)}
    assert plan.days_kept == pytest.approx(2)
    # 20 days of both: 20 x (2400 + 1200) = 72,000 MB
    assert plan.disk_for_target_gb == pytest.approx((72_000 + 150) * MB / GB / 0.95)
    assert plan.to_dict()["bandwidth_sources"] == {"measured": 0, "estimated": 2, "assumed": 0}


def test_proposal_spreads_by_load_and_keeps_pinned_cameras() -> None:
    # detectors with room to spare: the disk is the busier resource
    servers = [ServerCapacity("a", disk_gb=1000, retention=POLICY, detection_capacity=1000),
               ServerCapacity("b", disk_gb=1000, retention=POLICY, detection_capacity=1000)]
    free = [camera(f"x/{mb}", mb, server_id=None, pinned=False) for mb in (400, 300, 200, 100)]
    # heaviest first: 400 -> a (tie, fewer cameras, then id); 300 -> b; 200 -> b (300 < 400);
    # 100 -> a (500 vs 600): both servers end with 500 MB/h
    placement = propose_placement(servers, free)
    assert placement == {"x/400": "a", "x/100": "a", "x/300": "b", "x/200": "b"}
    pinned = camera("a/big", 5000, server_id="a")
    placement = propose_placement(servers, [pinned, *free])
    assert placement["a/big"] == "a"
    assert {camera_id for camera_id, server_id in placement.items() if server_id == "b"} == {
        "x/400", "x/300", "x/200", "x/100"}


def test_proposal_follows_detection_capacity_when_disks_are_unknown() -> None:
    servers = [ServerCapacity("cpu", disk_gb=None, detection_capacity=10),
               ServerCapacity("gpu", disk_gb=None, detection_capacity=60)]
    cameras = [camera(f"x/{i}", server_id=None, pinned=False) for i in range(7)]
    placement = propose_placement(servers, cameras)
    # 3.5 inferences/s each: the GPU server takes cameras until its share passes the CPU's
    on_cpu = sum(1 for server_id in placement.values() if server_id == "cpu")
    assert on_cpu == 1  # 3.5/10 = 0.35 vs 6 x 3.5/60 = 0.35: one camera on the CPU balances


def test_city_plan_rebalance_and_what_if() -> None:
    servers = [ServerCapacity("a", disk_gb=50, retention=POLICY),
               ServerCapacity("b", disk_gb=50, retention=POLICY)]
    cameras = [camera(f"a/{i}", 100, server_id="a") for i in range(4)]
    plan = plan_city(servers, cameras)
    assert plan.server("a").cameras == tuple(f"a/{i}" for i in range(4))
    assert not plan.moved
    rebalanced = plan_city(servers, cameras, rebalance=True)
    assert len(rebalanced.server("b").cameras) == 2
    assert len(rebalanced.moved) == 2
    switched = apply_record_modes(cameras, {"a/*": RecordMode.MOTION, "a/3": RecordMode.ALERTS})
    assert [c.record_mode for c in switched] == [RecordMode.MOTION] * 3 + [RecordMode.ALERTS]
    after = plan_city(servers, switched)
    rows = compare_plans(plan, after)
    # per camera: continuous 45,600 MB; motion 38,400; alerts 32,400 (hand-computed above)
    saved_mb = 3 * (45_600 - 38_400) + (45_600 - 32_400)
    assert rows[0]["server_id"] == "a"
    assert rows[0]["saved_gb"] == pytest.approx(saved_mb * MB / GB / 0.95, abs=0.1)
    running = [camera("a/r", retention=POLICY)]
    assert apply_record_modes(running, {"a/r": RecordMode.MOTION})[0].retention == POLICY.for_mode(
        RecordMode.MOTION)
    assert plan.to_dict()["placement"]["a/0"] == "a"


def test_planned_cameras_pin_streams_to_their_servers() -> None:
    one, two = server("one", detect_fps=3), server("two")
    streams = (
        stream("one/a", width=1280, height=720, fps=10, codec="h264"),
        stream("registry/mall", server_id="two"),
        stream("registry/shop"),
        stream("elsewhere/cam"),
    )
    planned = {c.camera_id: c for c in planned_cameras(city((one, two), streams), {"one/a": 42.0})}
    assert (planned["one/a"].server_id, planned["one/a"].pinned) == ("one", True)
    assert planned["one/a"].bandwidth_source is BandwidthSource.MEASURED
    assert planned["one/a"].detect_fps == 3
    assert planned["registry/mall"].server_id == "two"
    assert planned["registry/shop"].pinned is False
    assert planned["registry/shop"].server_id is None
    assert planned["elsewhere/cam"].pinned is False
    capacity = capacity_for(one, disk_gb=123.0, measured_capacity=77.0)
    assert (capacity.disk_gb, capacity.detection_capacity) == (123.0, 77.0)
    configured = capacity_for(replace(one, detection_capacity=5.0), measured_capacity=77.0)
    assert configured.detection_capacity == 5.0
    unknown_detector = server("t", detector=replace(one.detector, type="hailo8l"))
    assert capacity_for(unknown_detector).detection_capacity == 30.0


def test_activity_shares_must_nest() -> None:
    with pytest.raises(ValueError, match="activity"):
        ActivityShares(motion=0.2, alerts=0.3, detections=0.0)
