"""Footage consistency: gaps, segments, hourly summaries, unavailable spans, retention, storage,
and the export refusal for windows without footage."""

from __future__ import annotations

from datetime import UTC, datetime
import math
import time
from typing import Any

import aiohttp

from frigate_sim import RetainPolicy, Retention, SimCamera, SimCity, SimServer, TimeRange
from frigate_sim.footage import MAX_SEGMENT_ROWS, unavailable
from frigate_sim.testing import CityFactory

CSRF = {"X-CSRF-TOKEN": "1"}


async def _get(http: aiohttp.ClientSession, url: str) -> Any:
    async with http.get(url) as response:
        assert response.status == 200, await response.text()
        return await response.json()


def test_gaps_come_from_the_seed() -> None:
    def gaps(seed: int) -> list[TimeRange]:
        city = SimCity.synthetic(servers=1, cameras=1, seed=seed)
        return city.servers[0].cameras["ijen_01"].gaps or []

    first, again, other = gaps(3), gaps(3), gaps(4)
    anchor = time.time()
    relative = [(round(anchor - g.start, -1), round(g.duration)) for g in first]
    assert relative == [(round(anchor - g.start, -1), round(g.duration)) for g in again]
    assert relative != [(round(anchor - g.start, -1), round(g.duration)) for g in other]
    assert len(first) == 3
    recent = [g for g in first if anchor - 20.5 * 3600 <= g.start <= anchor - 2 * 3600]
    assert recent
    assert 600 <= recent[0].duration <= 2400
    assert all(anchor - g.start < 10 * 86400 for g in first)


async def test_segments_skip_gaps_and_stay_bounded(
    sim_city: CityFactory, http: aiohttp.ClientSession
) -> None:
    city = await sim_city(servers=1, cameras=1, seed=3)
    srv = city.servers[0]
    gap = (srv.cameras["ijen_01"].gaps or [])[-1]
    base = f"{srv.url}/api/ijen_01/recordings"
    rows = await _get(http, f"{base}?after={gap.start - 600}&before={gap.end + 600}")
    assert rows == sorted(rows, key=lambda r: r["start_time"])
    assert all(not (r["start_time"] < gap.end and r["end_time"] > gap.start) for r in rows)
    assert all(0 < r["duration"] <= 10 for r in rows)
    assert all(r["end_time"] - r["start_time"] == r["duration"] for r in rows)
    covered = sum(r["duration"] for r in rows)
    assert 1200 <= covered <= 1220  # edge segments may stick out of the window
    assert rows[0]["id"].startswith(f"{float(rows[0]['start_time'])}-")
    now = time.time()
    many = await _get(http, f"{base}?after={now - 3 * 86400}&before={now}")
    assert len(many) == MAX_SEGMENT_ROWS


async def test_hourly_summary_matches_segments_and_shows_gap_hours(
    sim_city: CityFactory, http: aiohttp.ClientSession
) -> None:
    anchor_hour = math.floor(time.time() / 3600) * 3600
    gap = TimeRange(anchor_hour - 5 * 3600 + 600, anchor_hour - 5 * 3600 + 1500)
    camera = SimCamera("gate", gaps=[gap], retention=Retention(continuous_days=2))
    city = await sim_city(SimCity([SimServer("s", [camera], seed=1)]))
    srv = city.servers[0]
    summary = await _get(http, f"{srv.url}/api/gate/recordings/summary")
    hours = {f"{day['day']} {hour['hour']}": hour for day in summary for hour in day["hours"]}
    gap_hour = datetime.fromtimestamp(gap.start, UTC).strftime("%Y-%m-%d %H")
    assert hours[gap_hour]["duration"] == 3600 - 900
    full_hour = datetime.fromtimestamp(gap.start - 3600, UTC).strftime("%Y-%m-%d %H")
    assert hours[full_hour]["duration"] == 3600
    hour_start = anchor_hour - 5 * 3600
    rows = await _get(http, f"{srv.url}/api/gate/recordings?after={hour_start}&before={hour_start + 3599.9}")
    in_hour = [r for r in rows if hour_start <= r["start_time"] < hour_start + 3600]
    assert sum(r["duration"] for r in in_hour) == hours[gap_hour]["duration"]
    assert sum(r["motion"] for r in in_hour) == hours[gap_hour]["motion"]
    assert sum(r["objects"] for r in in_hour) == hours[gap_hour]["objects"]
    # days and hours newest first, day totals add up
    assert [d["day"] for d in summary] == sorted((d["day"] for d in summary), reverse=True)
    for day in summary:
        assert day["events"] == sum(h["events"] for h in day["hours"])
    # every event with a clip keeps footage around it, so every one is counted in some hour
    clip_events = [e for e in srv.catalog.events.values() if e.has_clip]
    assert clip_events
    assert sum(d["events"] for d in summary) == len(clip_events)


async def test_summary_in_a_local_timezone(sim_city: CityFactory, http: aiohttp.ClientSession) -> None:
    city = await sim_city(servers=1, cameras=1, seed=2)
    srv = city.servers[0]
    utc = await _get(http, f"{srv.url}/api/ijen_01/recordings/summary?timezone=utc")
    jakarta = await _get(http, f"{srv.url}/api/ijen_01/recordings/summary?timezone=Asia/Jakarta")
    assert utc[0]["hours"][0]["hour"] != jakarta[0]["hours"][0]["hour"]
    total = sum(h["duration"] for d in utc for h in d["hours"])
    # per-hour rounding, and footage grows by a segment between the two calls
    assert abs(total - sum(h["duration"] for d in jakarta for h in d["hours"])) <= 20
    async with http.get(f"{srv.url}/api/ijen_01/recordings/summary?timezone=Mars/Base") as r:
        assert r.status == 500


async def test_unavailable_reports_gaps_and_outages(
    sim_city: CityFactory, http: aiohttp.ClientSession
) -> None:
    base = math.floor(time.time() / 600) * 600
    camera = SimCamera("gate", gaps=[TimeRange(base - 1800, base - 1500)])
    city = await sim_city(SimCity([SimServer("s", [camera, SimCamera("lobby", gaps=[])])]))
    srv = city.servers[0]
    url = f"{srv.url}/api/recordings/unavailable?after={base - 3600}&before={base - 600}"
    assert await _get(http, url + "&cameras=gate") == [{"start_time": base - 1800, "end_time": base - 1500}]
    assert await _get(http, url + "&cameras=gate,lobby") == []  # lobby recorded meanwhile
    assert await _get(http, url + "&cameras=gate&scale=600") == []  # no whole bucket empty
    srv.set_camera_online("lobby", False)
    now = time.time()
    gaps = await _get(
        http, f"{srv.url}/api/recordings/unavailable?cameras=lobby&after={now - 600}&before={now + 60}"
    )
    assert gaps[-1]["end_time"] == int(now + 60)


def test_unavailable_buckets_count_from_after() -> None:
    spans = [(0.0, 100.0), (175.0, 300.0)]
    assert unavailable(spans, 0, 300, 30) == [{"start_time": 120, "end_time": 150}]
    assert unavailable(spans, 0, 400, 30) == [
        {"start_time": 120, "end_time": 150},
        {"start_time": 300, "end_time": 400},
    ]
    assert unavailable([], 5, 65, 30) == [{"start_time": 5, "end_time": 65}]
    assert unavailable(spans, 10, 10, 30) == []


async def test_export_needs_footage_in_the_window(sim_city: CityFactory, http: aiohttp.ClientSession) -> None:
    now = time.time()
    gap = TimeRange(now - 7200, now - 3600)
    one_day = RetainPolicy(days=1)
    retention = Retention(continuous_days=1, alerts=one_day, detections=one_day)
    camera = SimCamera("gate", gaps=[gap], retention=retention)
    city = await sim_city(SimCity([SimServer("s", [camera], export_duration_s=5)]))
    srv = city.servers[0]

    async def start(begin: float, end: float) -> int:
        url = f"{srv.url}/api/export/gate/start/{begin}/end/{end}"
        async with http.post(url, json={}, headers=CSRF) as response:
            return response.status

    assert await start(gap.start + 60, gap.end - 60) == 400  # inside a gap
    assert await start(now - 3 * 86400, now - 2 * 86400) == 400  # older than retention
    assert await start(now + 600, now + 900) == 400  # the future
    assert await start(now - 120, now - 180) == 400  # reversed window
    assert await start(gap.start - 30, gap.start + 60) == 200  # touches footage
    assert await start(now - 86400 + 600, now - 86400 + 700) == 200


async def test_alert_retention_keeps_footage_beyond_continuous(
    sim_city: CityFactory, http: aiohttp.ClientSession
) -> None:
    retention = Retention(continuous_days=0, alerts=RetainPolicy(days=30))
    camera = SimCamera("gate", gaps=[], retention=retention)
    city = await sim_city(SimCity([SimServer("s", [camera], seed=9)]))
    srv = city.servers[0]
    windows = srv.catalog.review_windows(camera, time.time())
    alerts = [r for r in srv.catalog.reviews.values() if r.severity == "alert"]
    review = min(alerts, key=lambda r: r.start_time)  # the oldest: beyond 10 days
    assert review.end_time is not None
    assert review.start_time < time.time() - 10 * 86400
    base = f"{srv.url}/api/gate/recordings"
    rows = await _get(http, f"{base}?after={review.start_time - 60}&before={review.end_time + 60}")
    assert rows
    assert min(r["start_time"] for r in rows) >= min(s for s, e in windows if e > review.start_time)
    quiet = review.end_time + 600
    while any(s < quiet + 180 and e > quiet - 120 for s, e in windows):
        quiet += 600
    gaps = await _get(
        http,
        f"{srv.url}/api/recordings/unavailable?cameras=gate&after={quiet}&before={quiet + 60}",
    )
    assert gaps == [{"start_time": int(quiet), "end_time": int(quiet + 60)}]


async def test_storage_is_consistent_with_cameras_and_retention(
    sim_city: CityFactory, http: aiohttp.ClientSession
) -> None:
    ten, two = RetainPolicy(days=10), RetainPolicy(days=2)
    cameras = [
        SimCamera("gate", retention=Retention(continuous_days=10, alerts=ten, detections=ten)),
        SimCamera("lobby", retention=Retention(continuous_days=2, alerts=two, detections=two)),
        SimCamera("dark", record_enabled=False),
    ]
    city = await sim_city(SimCity([SimServer("s", cameras, seed=2)]))
    srv = city.servers[0]
    storage = await _get(http, f"{srv.url}/api/recordings/storage")
    assert storage["dark"] == {"usage": None, "bandwidth": 0}
    ratio = storage["gate"]["usage"] / storage["lobby"]["usage"]
    assert 3.5 < ratio < 7.0  # ~5x the footage, bandwidths within 0.7x-1.4x
    stats = await _get(http, f"{srv.url}/api/stats")
    disk = stats["service"]["storage"]["/media/frigate/recordings"]
    used = storage["gate"]["usage"] + storage["lobby"]["usage"]
    assert math.isclose(disk["used"], used, rel_tol=0.001)
    assert math.isclose(disk["free"], disk["total"] - disk["used"], abs_tol=0.2)
    percent = storage["gate"]["usage"] / disk["total"] * 100
    assert math.isclose(storage["gate"]["usage_percent"], percent, rel_tol=1e-4)
    days = await _get(http, f"{srv.url}/api/recordings/summary?cameras=gate")
    assert len(days) in (10, 11)
    assert len(await _get(http, f"{srv.url}/api/recordings/summary?cameras=lobby")) in (2, 3)
    assert await _get(http, f"{srv.url}/api/recordings/summary?cameras=dark") == {}
    assert await _get(http, f"{srv.url}/api/dark/recordings/summary") == []
    assert await _get(http, f"{srv.url}/api/nope/recordings") == []
