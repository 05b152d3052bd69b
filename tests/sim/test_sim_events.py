"""Events and review items: consistency between them, filters, per-user reviewed state."""

from __future__ import annotations

import time
from typing import Any

import aiohttp

from frigate_sim import SimCity
from frigate_sim.testing import CityFactory


async def _get(http: aiohttp.ClientSession, url: str) -> Any:
    async with http.get(url) as response:
        assert response.status == 200, await response.text()
        return await response.json()


def test_history_is_deterministic_and_consistent() -> None:
    first = SimCity.synthetic(servers=1, cameras=3, seed=8).servers[0]
    again = SimCity.synthetic(servers=1, cameras=3, seed=8).servers[0]
    other = SimCity.synthetic(servers=1, cameras=3, seed=9).servers[0]
    labels = [(e.camera, e.label, e.zones) for e in first.catalog.events.values()]
    assert labels == [(e.camera, e.label, e.zones) for e in again.catalog.events.values()]
    assert labels != [(e.camera, e.label, e.zones) for e in other.catalog.events.values()]
    events = first.catalog.events
    for review in first.catalog.reviews.values():
        assert review.detections
        for event_id in review.detections:
            event = events[event_id]
            assert event.camera == review.camera
            assert event.max_severity == review.severity
            assert event.label in review.objects
            assert review.start_time <= event.start_time
            assert event.end_time is not None
            assert review.end_time is not None
            assert event.end_time <= review.end_time
    for camera in first.cameras.values():
        for gap in camera.gaps or []:
            assert not any(
                gap.start <= e.start_time <= gap.end for e in events.values() if e.camera == camera.name
            )


async def test_event_filters(sim_city: CityFactory, http: aiohttp.ClientSession) -> None:
    city = await sim_city(servers=1, cameras=3, seed=4)
    srv = city.servers[0]
    url = f"{srv.url}/api/events"
    everything = await _get(http, f"{url}?limit=10000")
    assert len(everything) == len(srv.catalog.events)
    assert len(await _get(http, url)) == min(100, len(everything))  # default limit
    starts = [e["start_time"] for e in everything]
    assert starts == sorted(starts, reverse=True)
    ascending = await _get(http, f"{url}?limit=5&sort=date_asc")
    assert [e["start_time"] for e in ascending] == sorted(starts)[:5]
    for query, check in (
        ("cameras=ijen_01", lambda e: e["camera"] == "ijen_01"),
        ("camera=kayutangan_01", lambda e: e["camera"] == "kayutangan_01"),  # legacy singular
        ("labels=car,person", lambda e: e["label"] in ("car", "person")),
        ("zones=road", lambda e: "road" in e["zones"]),
        ("has_clip=1", lambda e: e["has_clip"]),
        ("min_score=0.8", lambda e: e["data"]["score"] >= 0.8),
    ):
        rows = await _get(http, f"{url}?limit=10000&{query}")
        assert rows, query
        assert all(check(e) for e in rows), query
        assert len(rows) == sum(1 for e in everything if check(e)), query
    middle = starts[len(starts) // 2]
    newer = await _get(http, f"{url}?limit=10000&after={middle}")
    assert {e["start_time"] for e in newer} == {t for t in starts if t > middle}
    older = await _get(http, f"{url}?limit=10000&before={middle}")
    assert {e["start_time"] for e in older} == {t for t in starts if t < middle}
    assert await _get(http, f"{url}?in_progress=1") == []
    ongoing = await srv.emit_review("ijen_01", duration_s=60)
    live = await _get(http, f"{url}?in_progress=1")
    assert [e["id"] for e in live] == srv.catalog.reviews[ongoing].detections
    assert live[0]["end_time"] is None


async def test_retain_marks_favorites(sim_city: CityFactory, http: aiohttp.ClientSession) -> None:
    city = await sim_city(servers=1, cameras=1, seed=4)
    srv = city.servers[0]
    event_id = next(iter(srv.catalog.events))
    assert await _get(http, f"{srv.url}/api/events?favorites=1") == []
    async with http.post(f"{srv.url}/api/events/{event_id}/retain") as response:
        assert response.status == 200
    assert [e["id"] for e in await _get(http, f"{srv.url}/api/events?favorites=1")] == [event_id]
    async with http.post(f"{srv.url}/api/events/ghost/retain") as response:
        assert response.status == 404
        assert await response.json() == {"success": False, "message": "Event ghost not found"}


async def test_review_filters_and_window(sim_city: CityFactory, http: aiohttp.ClientSession) -> None:
    city = await sim_city(servers=1, cameras=3, seed=4)
    srv = city.servers[0]
    now = time.time()
    url = f"{srv.url}/api/review"
    day = await _get(http, url)
    assert day
    assert all(r["start_time"] > now - 86400 - 5 for r in day)
    week = await _get(http, f"{url}?after={now - 7 * 86400}")
    assert len(week) > len(day)
    assert [r["start_time"] for r in week] == sorted((r["start_time"] for r in week), reverse=True)
    assert len(await _get(http, f"{url}?after={now - 7 * 86400}&limit=3")) == 3
    for query, check in (
        ("severity=detection", lambda r: r["severity"] == "detection"),
        ("cameras=ijen_01", lambda r: r["camera"] == "ijen_01"),
        ("labels=car", lambda r: "car" in r["data"]["objects"]),
        ("zones=road", lambda r: "road" in r["data"]["zones"]),
    ):
        rows = await _get(http, f"{url}?after={now - 7 * 86400}&{query}")
        assert rows, query
        assert all(check(r) for r in rows), query
    ids = [r["id"] for r in day[:2]]
    async with http.post(f"{srv.url}/api/reviews/viewed", json={"ids": ids}) as response:
        assert response.status == 200
    unreviewed = await _get(http, f"{url}?reviewed=0")
    assert not set(ids) & {r["id"] for r in unreviewed}
    reviewed = await _get(http, f"{url}?reviewed=1")
    assert {r["id"] for r in reviewed} == set(ids)
    assert all(r["has_been_reviewed"] for r in reviewed)
    async with http.post(
        f"{srv.url}/api/reviews/viewed", json={"ids": ids[:1], "reviewed": False}
    ) as response:
        assert response.status == 200
    assert {r["id"] for r in await _get(http, f"{url}?reviewed=1")} == set(ids[1:])
    async with http.post(f"{srv.url}/api/reviews/viewed", json={"ids": []}) as response:
        assert response.status == 404
    async with http.get(f"{srv.url}/api/review/ghost") as response:
        assert response.status == 404
