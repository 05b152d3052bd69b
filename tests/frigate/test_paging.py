"""Walking events and review items past one page: against the simulator, ties on a page's
edge, and servers that would keep a naive walk going forever."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
import itertools
import json
import logging
import time
from types import SimpleNamespace
from typing import Any

import aiohttp
from aiohttp import web
import pytest
from yarl import URL

from custom_components.ncc.frigate import EventQuery, FrigateClient, FrigateResponseError, ReviewQuery
from frigate_sim import Severity, SimCity, SimServer

from .conftest import FakeFrigate, answer, sample_json

MakeFrigate = Callable[..., Awaitable[FakeFrigate]]
# the items made here start in the future, where the simulator's history never reaches
AHEAD_S = 10_000.0


@pytest.fixture
async def sim() -> AsyncIterator[SimServer]:
    city = SimCity.synthetic(servers=1, cameras=3, seed=7)
    await city.start(host="127.0.0.1", base_port=0)
    try:
        yield city.servers[0]
    finally:
        await city.stop()


@pytest.fixture
async def traced() -> AsyncIterator[tuple[aiohttp.ClientSession, list[URL]]]:
    """A session that notes every URL it asks for."""
    asked: list[URL] = []

    async def on_start(_: aiohttp.ClientSession, __: SimpleNamespace, params: Any) -> None:
        asked.append(params.url)

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_start)
    async with aiohttp.ClientSession(trace_configs=[trace]) as session:
        yield session, asked


def make_items(server: SimServer, starts: list[float]) -> list[str]:
    """One review item with one event per start, spread over the cameras, 30 s long each;
    returns the review ids."""
    cameras = itertools.cycle(server.cameras.values())
    ids = []
    for start in starts:
        review, _ = server.catalog.create(
            server.rng, next(cameras), label="person", severity=Severity.ALERT,
            start_time=start, end_time=start + 30.0, zones=[],
        )
        ids.append(review.id)
    return ids


async def test_every_event_is_walked_newest_first(
    sim: SimServer, traced: tuple[aiohttp.ClientSession, list[URL]]
) -> None:
    session, asked = traced
    client = FrigateClient(session, sim.url)
    everything = await client.async_get_events(EventQuery(limit=1000))
    assert 30 < len(everything) < 1000
    asked.clear()

    walked = [event async for event in client.async_iter_events(EventQuery(), page_size=7)]

    assert [event.id for event in walked] == [event.id for event in everything]
    pages = [url for url in asked if url.path == "/api/events"]
    assert len(pages) > len(everything) // 7
    assert "before" not in pages[0].query
    befores = [float(url.query["before"]) for url in pages[1:]]
    assert befores == sorted(set(befores), reverse=True)
    assert all(url.query["limit"] == "7" for url in pages)


async def test_a_window_of_one_camera_is_walked_whole(sim: SimServer, session: aiohttp.ClientSession) -> None:
    client = FrigateClient(session, sim.url)
    camera = next(iter(sim.cameras))
    now = time.time()
    window = EventQuery(cameras=(camera,), after=now - 10 * 86400, before=now - 86400, limit=1000)
    everything = await client.async_get_events(window)
    assert len(everything) > 6

    walked = [event async for event in client.async_iter_events(window, page_size=3)]

    assert [event.id for event in walked] == [event.id for event in everything]
    assert {event.camera for event in walked} == {camera}
    assert all(now - 10 * 86400 < event.start_time < now - 86400 for event in walked)


async def test_events_sharing_a_start_on_a_page_edge_all_come(
    sim: SimServer, session: aiohttp.ClientSession
) -> None:
    base = time.time() + AHEAD_S
    # newest first: three singles, then four events starting at the same instant
    make_items(sim, [base + 300, base + 200, base + 100] + [base] * 4 + [base - 100, base - 200])
    client = FrigateClient(session, sim.url)
    window = EventQuery(after=base - 1000, before=base + 1000)

    walked = [event async for event in client.async_iter_events(window, page_size=4)]

    starts = [event.start_time for event in walked]
    assert len({event.id for event in walked}) == len(walked) == 9
    assert starts == sorted(starts, reverse=True)
    assert starts.count(base + 0.5) == 4  # an event starts half a second into its review item


async def test_every_review_item_of_a_window_is_walked(
    sim: SimServer, session: aiohttp.ClientSession
) -> None:
    base = time.time() + AHEAD_S
    made = make_items(sim, [base + 100.0 * n for n in range(25)])
    client = FrigateClient(session, sim.url)
    window = ReviewQuery(after=base - 1, before=base + 3000)
    assert len(await client.async_get_reviews(ReviewQuery(after=base - 1, before=base + 3000, limit=4))) == 4

    walked = [item async for item in client.async_iter_reviews(window, page_size=4)]

    assert [item.id for item in walked] == list(reversed(made))


async def test_a_walk_stops_at_its_cap(
    sim: SimServer, session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    client = FrigateClient(session, sim.url)
    with caplog.at_level(logging.WARNING):
        walked = [event async for event in client.async_iter_events(EventQuery(), page_size=5, max_items=12)]
    assert len(walked) == 12
    assert "stopped after 12" in caplog.text
    caplog.clear()
    everything = await client.async_get_events(EventQuery(limit=1000))
    walked = [event async for event in client.async_iter_events(EventQuery(), max_items=len(everything))]
    assert len(walked) == len(everything)
    assert "stopped" not in caplog.text


@pytest.mark.parametrize(
    ("page_size", "max_items"), [(0, 10), (1001, 10), (True, 10), (10, 0), (10, 2.5)]
)
async def test_bad_paging_is_refused_before_asking(
    frigate: FakeFrigate, session: aiohttp.ClientSession, page_size: Any, max_items: Any
) -> None:
    client = FrigateClient(session, frigate.url)
    with pytest.raises(ValueError, match=r"page_size|max_items"):
        client.async_iter_events(EventQuery(), page_size=page_size, max_items=max_items)
    with pytest.raises(ValueError, match=r"page_size|max_items"):
        client.async_iter_reviews(ReviewQuery(), page_size=page_size, max_items=max_items)
    assert frigate.seen == []


def event_rows(ids_and_starts: list[tuple[str, float]]) -> list[dict[str, Any]]:
    template = sample_json("events.json")[0]
    return [template | {"id": item_id, "start_time": start} for item_id, start in ids_and_starts]


async def test_a_server_ignoring_before_is_left_after_three_pages(
    make_frigate: MakeFrigate, session: aiohttp.ClientSession
) -> None:
    rows = event_rows([(f"1700000{n:03d}.0-same{n:02d}", 1_700_000_000.0 - n) for n in range(5)])
    frigate = await make_frigate(overrides={("GET", "/api/events"): answer(body=json.dumps(rows))})
    client = FrigateClient(session, frigate.url)

    walked = [event async for event in client.async_iter_events(EventQuery(), page_size=5)]

    assert [event.id for event in walked] == [row["id"] for row in rows]
    assert len(frigate.paths("GET")) == 3


async def test_a_server_inventing_items_is_left_at_the_cap_or_when_time_stands_still(
    make_frigate: MakeFrigate, session: aiohttp.ClientSession
) -> None:
    counter = itertools.count()

    async def endless(request: web.Request) -> web.Response:
        # always a full page of new ids, each page a little older: only the cap ends it
        page = next(counter)
        limit = int(request.query["limit"])
        rows = event_rows([(f"e{page}-{n}", 1_700_000_000.0 - page * limit - n) for n in range(limit)])
        return web.json_response(rows)

    frigate = await make_frigate(overrides={("GET", "/api/events"): endless})
    client = FrigateClient(session, frigate.url)
    walked = [event async for event in client.async_iter_events(EventQuery(), page_size=10, max_items=55)]
    assert len(walked) == 55
    assert len(frigate.paths("GET")) == 6

    async def frozen(request: web.Request) -> web.Response:
        # new ids, but never older than `before`
        page = next(counter)
        return web.json_response(event_rows([(f"f{page}-{n}", 1_700_000_000.0) for n in range(3)]))

    frigate = await make_frigate(overrides={("GET", "/api/events"): frozen})
    client = FrigateClient(session, frigate.url)
    walked = [event async for event in client.async_iter_events(EventQuery(), page_size=3)]
    assert len(walked) == 9
    assert len(frigate.paths("GET")) == 3


async def test_review_pages_keep_the_window_start_and_move_its_end(
    make_frigate: MakeFrigate, session: aiohttp.ClientSession
) -> None:
    template = sample_json("review.json")[0]
    newest = 1_700_000_000.0

    async def pages(request: web.Request) -> web.Response:
        before = float(request.query["before"])
        rows = [
            template | {"id": f"r{n}", "start_time": newest - 10 * n, "end_time": newest - 10 * n + 5}
            for n in range(10) if newest - 10 * n < before
        ]
        return web.json_response(rows[: int(request.query["limit"])])

    frigate = await make_frigate(overrides={("GET", "/api/review"): pages})
    client = FrigateClient(session, frigate.url)
    query = ReviewQuery(after=newest - 500, before=newest + 1)

    walked = [item async for item in client.async_iter_reviews(query, page_size=4)]

    assert [item.id for item in walked] == [f"r{n}" for n in range(10)]
    asked = [seen.query for seen in frigate.seen]
    assert {query["after"] for query in asked} == {repr(newest - 500)}
    assert float(asked[0]["before"]) == newest + 1
    assert len(asked) == 4  # a page repeats the oldest item of the one before


async def test_a_malformed_page_raises(make_frigate: MakeFrigate, session: aiohttp.ClientSession) -> None:
    frigate = await make_frigate(overrides={("GET", "/api/events"): answer(body='{"not": "a list"}')})
    client = FrigateClient(session, frigate.url)
    with pytest.raises(FrigateResponseError):
        [event async for event in client.async_iter_events(EventQuery())]
