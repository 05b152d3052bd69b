"""Every simulated endpoint against Frigate 0.17.2: the OpenAPI response schema (where one is
declared) and the shapes, status codes and error bodies of the real samples."""

from __future__ import annotations

from datetime import datetime
import json
import re
import time
from typing import Any

import aiohttp
import jsonschema  # type: ignore[import-untyped]
import pytest

from frigate_sim import SimServer
from frigate_sim.testing import CityFactory

from .shapes import recorded_errors, response_schema, sample, schema_errors, shape_diff

CONFIG_MAPS = (
    "$.cameras",
    "$.cameras.*.zones",
    "$.cameras.*.objects.filters",
    "$.cameras.*.live.streams",
    "$.objects.filters",
    "$.auth.roles",
    "$.detectors",
    "$.detectors.*.model.labelmap",
    "$.detectors.*.model.attributes_map",
    "$.model.labelmap",
    "$.model.attributes_map",
    "$.model.colormap",
)
STATS_MAPS = ("$.cameras", "$.detectors", "$.cpu_usages", "$.gpu_usages", "$.embeddings")


async def _server(sim_city: CityFactory, **options: Any) -> SimServer:
    city = await sim_city(servers=1, cameras=3, seed=11, **options)
    return city.servers[0]


async def _json(http: aiohttp.ClientSession, url: str, status: int = 200) -> Any:
    async with http.get(url) as response:
        assert response.status == status, await response.text()
        assert response.content_type == "application/json"
        return await response.json()


def _assert_conforms(document: object, sample_name: str, maps: tuple[str, ...] = ()) -> None:
    assert shape_diff(document, sample(sample_name), maps=maps) == []


def _assert_schema(document: object, spec_path: str, method: str = "get") -> None:
    schema = response_schema(spec_path, method)
    assert schema is not None, f"{spec_path} declares no schema"
    assert schema_errors(document, schema) == []


def test_spec_deviations_are_real() -> None:
    """The two patches applied to the spec are needed for Frigate's own answers."""
    for spec_path, sample_name in (("/review", "review.json"), ("/events", "events.json")):
        declared = response_schema(spec_path, as_served=False)
        served = response_schema(spec_path)
        assert declared is not None
        assert served is not None
        assert schema_errors(sample(sample_name), declared) != []
        assert schema_errors(sample(sample_name), served) == []


async def test_health_and_version_are_text(sim_city: CityFactory, http: aiohttp.ClientSession) -> None:
    srv = await _server(sim_city, version="0.16.3-abc")
    async with http.get(f"{srv.url}/api/") as response:
        assert response.status == 200
        assert response.content_type == "text/plain"
        assert await response.text() == "Frigate is running. Alive and healthy!"
    async with http.get(f"{srv.url}/api/version") as response:
        assert await response.text() == "0.16.3-abc"


async def test_config(sim_city: CityFactory, http: aiohttp.ClientSession) -> None:
    srv = await _server(sim_city)
    config = await _json(http, f"{srv.url}/api/config")
    _assert_conforms(config, "config.json", CONFIG_MAPS)
    assert set(config["cameras"]) == set(srv.cameras)
    camera = next(iter(srv.cameras.values()))
    served = config["cameras"][camera.name]
    assert served["record"]["continuous"]["days"] == camera.retention.continuous_days
    assert served["detect"]["fps"] == camera.detect_fps
    assert config["mqtt"]["topic_prefix"] == srv.topic_prefix


async def test_stats(sim_city: CityFactory, http: aiohttp.ClientSession) -> None:
    srv = await _server(sim_city)
    stats = await _json(http, f"{srv.url}/api/stats")
    _assert_conforms(stats, "stats.json", STATS_MAPS)
    assert set(stats["cameras"]) == set(srv.cameras)
    assert stats["service"]["version"] == srv.version


async def test_events_list_and_detail(sim_city: CityFactory, http: aiohttp.ClientSession) -> None:
    srv = await _server(sim_city)
    await srv.emit_review("ijen_01", label="car", sub_label="Budi", zones=["road"])
    events = await _json(http, f"{srv.url}/api/events?limit=20")
    assert len(events) == 20
    # API_NOTES §4: data.sub_label_score appears once a sub label is set (no sample row has one)
    named = sample("events.json")[0]
    named = {**named, "sub_label": "Budi", "data": {**named["data"], "sub_label_score": 0.9}}
    assert shape_diff(events, [*sample("events.json"), named]) == []
    assert any(e["sub_label"] == "Budi" for e in events)
    _assert_schema(events, "/events")
    detail = await _json(http, f"{srv.url}/api/events/{events[0]['id']}")
    _assert_schema(detail, "/events/{event_id}")
    assert detail["sub_label"] == "Budi"
    assert shape_diff(detail, {**named, "model_hash": "", "detector_type": "", "model_type": ""}) == []


async def test_review_list_and_detail(sim_city: CityFactory, http: aiohttp.ClientSession) -> None:
    srv = await _server(sim_city)
    ongoing = await srv.emit_review("ijen_01", duration_s=30)
    reviews = await _json(http, f"{srv.url}/api/review")
    assert ongoing in [r["id"] for r in reviews]
    _assert_conforms(reviews, "review.json")
    _assert_schema(reviews, "/review")
    detail = await _json(http, f"{srv.url}/api/review/{ongoing}")
    assert detail["end_time"] is None
    _assert_schema(detail, "/review/{review_id}")
    assert shape_diff(detail, sample("review.json")[0]) == []


async def test_exports_and_export_start(sim_city: CityFactory, http: aiohttp.ClientSession) -> None:
    srv = await _server(sim_city)
    srv.export_duration_s = 0.1
    now = time.time()
    async with http.post(
        f"{srv.url}/api/export/ijen_01/start/{now - 600}/end/{now - 300}",
        json={"playback": "realtime", "source": "recordings", "name": "Bukti"},
        headers={"X-CSRF-TOKEN": "1"},
    ) as response:
        assert response.status == 200
        started = await response.json()
    _assert_conforms(started, "export_start.json")
    _assert_schema(started, "/export/{camera_name}/start/{start_time}/end/{end_time}", "post")
    export = await _wait_visible(http, srv, started["export_id"])
    assert shape_diff(export, sample("exports.json")[0]) == []
    _assert_schema(export, "/exports/{export_id}")
    exports = await _json(http, f"{srv.url}/api/exports")
    _assert_conforms(exports, "exports.json")
    _assert_schema(exports, "/exports")


async def _wait_visible(http: aiohttp.ClientSession, srv: SimServer, export_id: str) -> Any:
    for _ in range(100):
        async with http.get(f"{srv.url}/api/exports/{export_id}") as response:
            if response.status == 200:
                return await response.json()
        await _sleep()
    raise AssertionError("export row never appeared")


async def _sleep() -> None:
    import asyncio

    await asyncio.sleep(0.05)


async def test_profile_on_the_open_port(sim_city: CityFactory, http: aiohttp.ClientSession) -> None:
    srv = await _server(sim_city)
    profile = await _json(http, f"{srv.url}/api/profile")
    _assert_conforms(profile, "profile.json")
    assert profile["username"] == "anonymous"
    assert profile["role"] == "admin"
    assert profile["allowed_cameras"] == list(srv.cameras)


async def test_recordings_endpoints(sim_city: CityFactory, http: aiohttp.ClientSession) -> None:
    srv = await _server(sim_city)
    now = time.time()
    rows = await _json(http, f"{srv.url}/api/ijen_01/recordings?after={now - 3600}&before={now}")
    _assert_conforms(rows, "recordings.json")
    summary = await _json(http, f"{srv.url}/api/ijen_01/recordings/summary?timezone=Asia/Jakarta")
    _assert_conforms(summary, "recordings_summary.json")
    gaps = await _json(
        http,
        f"{srv.url}/api/recordings/unavailable?cameras=ijen_01&after={now - 86400}&before={now}",
    )
    assert gaps
    _assert_conforms(gaps, "recordings_unavailable.json")
    _assert_schema(gaps, "/recordings/unavailable")
    storage = await _json(http, f"{srv.url}/api/recordings/storage")
    _assert_conforms(storage, "recordings_storage.json", ("$",))
    days = await _json(http, f"{srv.url}/api/recordings/summary?timezone=Asia/Jakarta")
    assert days
    assert all(value is True for value in days.values())
    assert list(days) == sorted(days)
    for day in days:
        datetime.strptime(day, "%Y-%m-%d")


async def test_generic_responses(sim_city: CityFactory, http: aiohttp.ClientSession) -> None:
    srv = await _server(sim_city)
    event_id = next(iter(srv.catalog.events))
    async with http.post(f"{srv.url}/api/events/{event_id}/retain") as response:
        assert response.status == 200
        body = await response.json()
    assert body == {"success": True, "message": f"Event {event_id} retained"}
    _assert_schema(body, "/events/{event_id}/retain", "post")
    async with http.delete(f"{srv.url}/api/events/{event_id}/retain") as response:
        body = await response.json()
    assert body == {"success": True, "message": f"Event {event_id} un-retained"}
    _assert_schema(body, "/events/{event_id}/retain", "delete")


async def test_recorded_errors_and_auth_replies(sim_city: CityFactory, http: aiohttp.ClientSession) -> None:
    recorded = recorded_errors()
    srv = await _server(sim_city, auth=True, password="sim-password-1234")
    srv.export_duration_s = 5.0
    url = srv.url

    async def check(title: str, response: aiohttp.ClientResponse) -> None:
        reply = recorded[title]
        assert response.status == reply.status, title
        text = await response.text()
        if reply.body:
            assert json.loads(text) == json.loads(reply.body), title
        else:
            assert text == "", title

    async with http.get(f"{url}/api/config") as response:
        await check("GET /api/config on the authenticated port without a token", response)
    async with http.post(f"{url}/api/login", json={"user": "admin", "password": "nope"}) as response:
        await check("POST /api/login with a wrong password", response)
    async with http.post(
        f"{url}/api/login", json={"user": "admin", "password": "sim-password-1234"}
    ) as response:
        await check("POST /api/login with the right password (headers)", response)
        cookie = response.headers["Set-Cookie"]
    recorded_cookie = recorded["POST /api/login with the right password (headers)"].headers
    assert recorded_cookie["set-cookie"].startswith("frigate_token=")
    for attribute in ("HttpOnly", "Path=/", "SameSite=lax"):
        assert attribute in recorded_cookie["set-cookie"]
        assert attribute in cookie
    expires = re.search(r"expires=([^;]+)", cookie, re.IGNORECASE)
    assert expires is not None
    assert int(expires.group(1).split()[3]) > datetime.now().year + 30  # Frigate's bogus date

    async with http.get(f"{url}/api/events/does-not-exist") as response:
        await check("GET /api/events/does-not-exist", response)
    headers = {"X-CSRF-TOKEN": "1"}
    async with http.post(
        f"{url}/api/export/ijen_01/start/1000000/end/1000060", json={}, headers=headers
    ) as response:
        await check("POST /api/export for a window with no recordings", response)
    async with http.post(
        f"{url}/api/export/nope/start/1000000/end/1000060", json={}, headers=headers
    ) as response:
        await check("POST /api/export for an unknown camera", response)
    async with http.get(f"{url}/api/events?limit=abc") as response:
        await check("GET /api/events?limit=abc (validation error)", response)
    async with http.post(
        f"{url}/api/export/ijen_01/start/1/end/2", json={}, headers={"Origin": url}
    ) as response:
        await check("POST with an Origin header but no X-CSRF-TOKEN", response)
    now = time.time()
    async with http.post(
        f"{url}/api/export/ijen_01/start/{now - 300}/end/{now - 200}", json={}, headers=headers
    ) as response:
        export_id = (await response.json())["export_id"]
    export = await _wait_visible(http, srv, export_id)
    assert export["in_progress"] is True
    async with http.delete(f"{url}/api/export/{export_id}", headers=headers) as response:
        await check("DELETE an in-progress export", response)


async def test_validation_errors_follow_fastapi(sim_city: CityFactory, http: aiohttp.ClientSession) -> None:
    srv = await _server(sim_city)
    error_schema = {
        "$ref": "#/components/schemas/HTTPValidationError",
        "components": (response_schema("/events") or {})["components"],
    }
    cases = {
        "/api/review?severity=loud": ("enum", ["query", "severity"]),
        "/api/events?after=yesterday": ("float_parsing", ["query", "after"]),
        "/api/ijen_01/latest.gif": ("enum", ["path", "ext"]),
        "/api/recordings/unavailable?after=1&before=2&scale=x": ("int_parsing", ["query", "scale"]),
    }
    for path, (kind, location) in cases.items():
        body = await _json(http, srv.url + path, 422)
        jsonschema.validate(body, error_schema)
        assert body["detail"][0]["type"] == kind
        assert body["detail"][0]["loc"] == location
    async with http.post(f"{srv.url}/api/login", data=b"{not json") as response:
        assert response.status == 422
        assert (await response.json())["detail"][0]["type"] == "json_invalid"
    async with http.post(f"{srv.url}/api/login", json={"user": "admin"}) as response:
        detail = (await response.json())["detail"]
    assert detail == [
        {"type": "missing", "loc": ["body", "password"], "msg": "Field required", "input": {"user": "admin"}}
    ]


@pytest.mark.parametrize(
    ("method", "path", "status", "body"),
    [
        ("GET", "/api/no/such/route", 404, {"detail": "Not Found"}),
        ("GET", "/nothing", 404, {"detail": "Not Found"}),
        ("PUT", "/api/config", 405, {"detail": "Method Not Allowed"}),
    ],
)
async def test_unknown_routes_answer_like_fastapi(
    sim_city: CityFactory, http: aiohttp.ClientSession, method: str, path: str, status: int, body: object
) -> None:
    srv = await _server(sim_city)
    async with http.request(method, srv.url + path) as response:
        assert response.status == status
        assert await response.json() == body


async def test_recordings_unavailable_without_a_window_fails_like_0_17_2(
    sim_city: CityFactory, http: aiohttp.ClientSession
) -> None:
    srv = await _server(sim_city)
    for query in ("", "?after=1", "?before=2"):
        async with http.get(f"{srv.url}/api/recordings/unavailable{query}") as response:
            assert response.status == 500
