"""Every client call against a local server answering with the real 0.17.2 samples."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import json
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from custom_components.ncc.frigate import (
    EventQuery,
    FrigateClient,
    FrigateNotFoundError,
    FrigateRequestError,
    FrigateUnsupportedVersionError,
    ReviewQuery,
    ReviewSeverity,
    TimeRange,
)
from custom_components.ncc.frigate.client import MAX_RECORDINGS_WINDOW_S, SEGMENT_WINDOW_S

from .conftest import EXPORT_BYTES, JPEG, FakeFrigate, sample_json

MakeFrigate = Callable[..., Awaitable[FakeFrigate]]


def client_for(fake: FakeFrigate, session: aiohttp.ClientSession, **kwargs: Any) -> FrigateClient:
    return FrigateClient(session, fake.url, **kwargs)


async def test_version_and_validate(frigate: FakeFrigate, session: aiohttp.ClientSession) -> None:
    client = client_for(frigate, session)
    before = client.version
    version = await client.async_validate()
    assert before is None
    assert (version.major, version.minor, version.patch) == (0, 17, 2)
    assert version.raw == "0.17.2-3d4dd3a"
    assert client.version == version
    assert frigate.paths() == ["/api/version"]
    assert frigate.logins == 0


async def test_config(frigate: FakeFrigate, session: aiohttp.ClientSession) -> None:
    config = await client_for(frigate, session).async_get_config()
    assert set(config.cameras) == set(sample_json("config.json")["cameras"])
    assert config.cameras["police_5th_ave"].retention.motion_days == 7.0


async def test_stats(frigate: FakeFrigate, session: aiohttp.ClientSession) -> None:
    stats = await client_for(frigate, session).async_get_stats()
    assert stats.cameras["parks_fountain"].online
    assert stats.version == "0.17.2-3d4dd3a"


async def test_events_always_send_a_limit(frigate: FakeFrigate, session: aiohttp.ClientSession) -> None:
    client = client_for(frigate, session)
    events = await client.async_get_events(EventQuery())
    assert [e.id for e in events] == [row["id"] for row in sample_json("events.json")]
    assert frigate.seen[-1].query["limit"] == "100"
    await client.async_get_events(EventQuery(cameras=("police_main_st",), limit=5, after=1.5))
    assert frigate.seen[-1].query == {"cameras": "police_main_st", "limit": "5", "after": "1.5"}


async def test_single_event(frigate: FakeFrigate, session: aiohttp.ClientSession) -> None:
    event = await client_for(frigate, session).async_get_event("1795378523.000167-ud6gka")
    assert event.recognized_license_plate == "NCC001"


async def test_ids_are_one_path_segment(frigate: FakeFrigate, session: aiohttp.ClientSession) -> None:
    client = client_for(frigate, session)
    with pytest.raises(FrigateNotFoundError):
        await client.async_get_event("../config")
    assert frigate.seen[-1].raw_path == "/api/events/..%2Fconfig"
    assert frigate.paths().count("/api/config") == 0
    for bad in ("", "   "):
        with pytest.raises(ValueError):
            await client.async_get_event(bad)


async def test_reviews_always_send_window_and_limit(
    frigate: FakeFrigate, session: aiohttp.ClientSession
) -> None:
    client = client_for(frigate, session)
    items = await client.async_get_reviews(ReviewQuery())
    assert len(items) == 5
    assert items[0].severity is ReviewSeverity.ALERT
    query = frigate.seen[-1].query
    assert query["limit"] == "100"
    assert float(query["before"]) - float(query["after"]) == pytest.approx(86400)
    review = await client.async_get_review(items[1].id)
    assert review == items[1]


async def test_recordings_summary(frigate: FakeFrigate, session: aiohttp.ClientSession) -> None:
    client = client_for(frigate, session)
    days = await client.async_get_recordings_summary("police_main_st", "Asia/Jakarta")
    assert [str(day.day) for day in days] == ["2026-11-23", "2026-11-22"]
    assert frigate.seen[-1].path == "/api/police_main_st/recordings/summary"
    assert frigate.seen[-1].query == {"timezone": "Asia/Jakarta"}
    for bad_tz in ("", "Asia/ Jakarta"):
        with pytest.raises(ValueError):
            await client.async_get_recordings_summary("police_main_st", bad_tz)
    with pytest.raises(ValueError):
        await client.async_get_recordings_summary("police main", "UTC")


async def test_recording_segments_are_asked_in_bounded_windows(
    frigate: FakeFrigate, session: aiohttp.ClientSession
) -> None:
    client = client_for(frigate, session)
    after = 1795376000.0
    before = after + 2.5 * SEGMENT_WINDOW_S
    segments = await client.async_get_recording_segments("police_main_st", after, before)
    windows = [(float(s.query["after"]), float(s.query["before"])) for s in frigate.seen]
    assert windows == [
        (after, after + SEGMENT_WINDOW_S),
        (after + SEGMENT_WINDOW_S, after + 2 * SEGMENT_WINDOW_S),
        (after + 2 * SEGMENT_WINDOW_S, before),
    ]
    # every window answered the same rows: each segment is kept once, oldest first
    assert [s.id for s in segments] == [row["id"] for row in sample_json("recordings.json")]
    too_long = (0.0, MAX_RECORDINGS_WINDOW_S + 1)
    for after_bad, before_bad in ((10.0, 10.0), (20.0, 10.0), (float("nan"), 10.0), too_long):
        with pytest.raises(ValueError):
            await client.async_get_recording_segments("police_main_st", after_bad, before_bad)
    assert len(frigate.seen) == 3


async def test_unavailable_on_0_17_uses_the_endpoint(
    frigate: FakeFrigate, session: aiohttp.ClientSession
) -> None:
    client = client_for(frigate, session)
    gaps = await client.async_get_unavailable(["police_main_st", "parks_fountain"], 100.0, 200.0)
    assert gaps == [TimeRange(1795374714, 1795375884), TimeRange(1795379514, 1795379664)]
    assert frigate.seen[-1].path == "/api/recordings/unavailable"
    assert frigate.seen[-1].query == {
        "cameras": "police_main_st,parks_fountain",
        "after": "100.0",
        "before": "200.0",
        "scale": "30",
    }


async def test_unavailable_before_0_17_is_derived_from_segments(
    make_frigate: MakeFrigate, session: aiohttp.ClientSession
) -> None:
    fake = await make_frigate(version="0.16.1-abc")
    client = client_for(fake, session)
    # the sample segments cover 1795376060..1795376110
    gaps = await client.async_get_unavailable(["police_main_st"], 1795376000.0, 1795376200.0)
    assert gaps == [TimeRange(1795376000, 1795376060), TimeRange(1795376120, 1795376200)]
    assert "/api/recordings/unavailable" not in fake.paths()
    assert fake.paths().count("/api/police_main_st/recordings") == 1


async def test_unavailable_checks_arguments(frigate: FakeFrigate, session: aiohttp.ClientSession) -> None:
    client = client_for(frigate, session)
    for cameras in ([], "police_main_st", ["a,b"]):
        with pytest.raises(ValueError):
            await client.async_get_unavailable(cameras, 1.0, 2.0)
    with pytest.raises(ValueError):
        await client.async_get_unavailable(["police_main_st"], 2.0, 1.0)
    with pytest.raises(ValueError, match="31 days"):
        await client.async_get_unavailable(["police_main_st"], 0.0, 32 * 86400.0)
    assert frigate.seen == []


async def test_recordings_storage_is_keyed_by_camera_name(
    frigate: FakeFrigate, session: aiohttp.ClientSession
) -> None:
    client = client_for(frigate, session)
    storage = await client.async_get_recordings_storage()
    assert set(storage) == {
        "police_main_st",
        "police_5th_ave",
        "transit_depot_gate",
        "parks_fountain",
    }
    assert storage["parks_fountain"].usage_mb == 0.0
    assert frigate.paths() == ["/api/recordings/storage", "/api/config"]
    # the camera list is known now: no second configuration fetch
    await client.async_get_recordings_storage()
    assert frigate.paths().count("/api/config") == 1


async def test_recordings_storage_keeps_unknown_labels(
    frigate: FakeFrigate, session: aiohttp.ClientSession
) -> None:
    async def storage(request: web.Request) -> web.Response:
        return web.json_response({"Gone Camera": {"usage": 5, "bandwidth": 1}})

    frigate.overrides[("GET", "/api/recordings/storage")] = storage
    result = await client_for(frigate, session).async_get_recordings_storage()
    assert set(result) == {"Gone Camera"}
    assert result["Gone Camera"].bandwidth_mb_per_h == 1.0


@pytest.mark.parametrize(
    ("version", "param"), [("0.14.1", "h"), ("0.15.2", "height"), ("0.17.2-3d4dd3a", "height")]
)
async def test_latest_image_height_parameter_by_version(
    make_frigate: MakeFrigate, session: aiohttp.ClientSession, version: str, param: str
) -> None:
    fake = await make_frigate(version=version)
    client = client_for(fake, session)
    assert await client.async_get_latest_image("police_main_st") == JPEG
    assert fake.seen[-1].query == {}
    assert await client.async_get_latest_image("police_main_st", height=360) == JPEG
    assert fake.seen[-1].path == "/api/police_main_st/latest.jpg"
    assert fake.seen[-1].query == {param: "360"}
    for bad in (0, -5, True):
        with pytest.raises(ValueError):
            await client.async_get_latest_image("police_main_st", height=bad)


async def test_retain_and_unretain_send_csrf_header(
    frigate: FakeFrigate, session: aiohttp.ClientSession
) -> None:
    client = client_for(frigate, session)
    await client.async_retain_event("1795378948.033276-jz7t6d")
    await client.async_unretain_event("1795378948.033276-jz7t6d")
    posted, deleted = frigate.seen[-2:]
    assert (posted.method, posted.path) == ("POST", "/api/events/1795378948.033276-jz7t6d/retain")
    assert deleted.method == "DELETE"
    assert posted.headers["X-CSRF-TOKEN"] == "1"
    assert deleted.headers["X-CSRF-TOKEN"] == "1"
    await client.async_get_stats()
    assert "X-CSRF-TOKEN" not in frigate.seen[-1].headers


async def test_csrf_check_passes_with_an_origin_header(
    frigate: FakeFrigate, session: aiohttp.ClientSession
) -> None:
    """A proxy adding Origin must not break writes: the client always sends the CSRF header."""
    proxied = aiohttp.ClientSession(headers={"Origin": "https://hass.local"})
    async with proxied:
        await FrigateClient(proxied, frigate.url).async_retain_event("x")
    assert frigate.seen[-1].headers["Origin"] == "https://hass.local"


async def test_start_export_returns_the_id(frigate: FakeFrigate, session: aiohttp.ClientSession) -> None:
    client = client_for(frigate, session)
    export_id = await client.async_start_export(
        "police_5th_ave", 1795377698.4, 1795377998.2, name="Insiden Jl. Ijen"
    )
    assert export_id == "police_5th_ave_fkcy67"
    seen = frigate.seen[-1]
    assert seen.path == "/api/export/police_5th_ave/start/1795377698/end/1795377999"
    assert json.loads(seen.body) == {
        "playback": "realtime",
        "source": "recordings",
        "name": "Insiden Jl. Ijen",
    }
    assert seen.headers["X-CSRF-TOKEN"] == "1"
    await client.async_start_export("police_5th_ave", 1.0, 2.0)
    assert "name" not in json.loads(frigate.seen[-1].body)


async def test_start_export_on_0_14_has_no_id(
    make_frigate: MakeFrigate, session: aiohttp.ClientSession
) -> None:
    fake = await make_frigate(version="0.14.1")
    assert await client_for(fake, session).async_start_export("police_5th_ave", 1.0, 2.0) is None


async def test_start_export_checks_arguments(frigate: FakeFrigate, session: aiohttp.ClientSession) -> None:
    client = client_for(frigate, session)
    with pytest.raises(ValueError):
        await client.async_start_export("police_5th_ave", 2.0, 1.0)
    for name in ("", "  ", "x" * 257):
        with pytest.raises(ValueError):
            await client.async_start_export("police_5th_ave", 1.0, 2.0, name=name)
    with pytest.raises(ValueError):
        await client.async_start_export("police/5th", 1.0, 2.0)
    assert frigate.seen == []


async def test_refused_change_raises_with_frigates_reason(
    frigate: FakeFrigate, session: aiohttp.ClientSession
) -> None:
    async def refuse(request: web.Request) -> web.Response:
        return web.json_response({"success": False, "message": "Event x is in progress"})

    frigate.overrides[("POST", "/api/events/x/retain")] = refuse
    with pytest.raises(FrigateRequestError, match="Event x is in progress"):
        await client_for(frigate, session).async_retain_event("x")


@pytest.mark.parametrize(
    ("version", "method", "path", "body"),
    [
        ("0.14.1", "PATCH", "/api/export/police_5th_ave_jm8xba/Bukti 1", b""),
        ("0.15.2", "PATCH", "/api/export/police_5th_ave_jm8xba/Bukti 1", b""),
        ("0.16.0", "PATCH", "/api/export/police_5th_ave_jm8xba/rename", b'{"name": "Bukti 1"}'),
        ("0.17.2", "PATCH", "/api/export/police_5th_ave_jm8xba/rename", b'{"name": "Bukti 1"}'),
    ],
)
async def test_rename_export_route_by_version(
    make_frigate: MakeFrigate,
    session: aiohttp.ClientSession,
    version: str,
    method: str,
    path: str,
    body: bytes,
) -> None:
    fake = await make_frigate(version=version)
    client = client_for(fake, session)
    await client.async_rename_export("police_5th_ave_jm8xba", "Bukti 1")
    seen = fake.seen[-1]
    assert (seen.method, seen.path, seen.body) == (method, path, body)
    assert seen.headers["X-CSRF-TOKEN"] == "1"
    with pytest.raises(ValueError):
        await client.async_rename_export("police_5th_ave_jm8xba", "x" * 300)


async def test_exports_list_get_delete(frigate: FakeFrigate, session: aiohttp.ClientSession) -> None:
    client = client_for(frigate, session)
    exports = await client.async_get_exports()
    assert [e.id for e in exports] == [row["id"] for row in sample_json("exports.json")]
    one = await client.async_get_export("police_main_st_n7byvf")
    assert one == exports[3]
    with pytest.raises(FrigateNotFoundError, match="Export not found"):
        await client.async_get_export("nope")
    await client.async_delete_export(one.id)
    assert (frigate.seen[-1].method, frigate.seen[-1].path) == (
        "DELETE",
        "/api/export/police_main_st_n7byvf",
    )


async def test_download_export_streams_to_a_file(
    frigate: FakeFrigate, session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    client = client_for(frigate, session)
    export = (await client.async_get_exports())[0]
    target = tmp_path / "evidence.mp4"
    written = await client.async_download_export(export, target)
    assert written == len(EXPORT_BYTES)
    assert target.read_bytes() == EXPORT_BYTES
    assert frigate.seen[-1].path == export.file_url_path
    assert list(tmp_path.iterdir()) == [target]


async def test_iter_export_yields_chunks(frigate: FakeFrigate, session: aiohttp.ClientSession) -> None:
    client = client_for(frigate, session)
    export = (await client.async_get_exports())[0]
    chunks = [chunk async for chunk in client.async_iter_export(export, chunk_size=4096)]
    assert b"".join(chunks) == EXPORT_BYTES
    assert max(len(chunk) for chunk in chunks) <= 4096
    with pytest.raises(ValueError):
        [chunk async for chunk in client.async_iter_export(export, chunk_size=0)]


async def test_export_in_progress_is_not_downloaded(
    frigate: FakeFrigate, session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    client = client_for(frigate, session)
    busy = (await client.async_get_exports())[1]
    assert busy.in_progress
    with pytest.raises(FrigateRequestError, match="still being written"):
        await client.async_download_export(busy, tmp_path / "x.mp4")
    assert list(tmp_path.iterdir()) == []


async def test_failed_download_leaves_no_file(
    frigate: FakeFrigate, session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    client = client_for(frigate, session)
    export = (await client.async_get_exports())[0]

    async def missing(request: web.Request) -> web.Response:
        return web.Response(status=404, text="<html>404 Not Found</html>", content_type="text/html")

    frigate.overrides[("GET", export.file_url_path)] = missing
    with pytest.raises(FrigateNotFoundError) as caught:
        await client.async_download_export(export, tmp_path / "x.mp4")
    assert "<html>" not in str(caught.value)
    assert list(tmp_path.iterdir()) == []


async def test_0_13_is_refused(make_frigate: MakeFrigate, session: aiohttp.ClientSession) -> None:
    fake = await make_frigate(version="0.13.2-6476f8a")
    client = client_for(fake, session)
    with pytest.raises(FrigateUnsupportedVersionError) as caught:
        await client.async_validate()
    assert caught.value.version == "0.13.2-6476f8a"
    # calls that depend on the version refuse too
    with pytest.raises(FrigateUnsupportedVersionError):
        await client.async_get_latest_image("police_main_st", height=100)


async def test_0_13_with_credentials_is_refused_for_its_version(
    make_frigate: MakeFrigate, session: aiohttp.ClientSession
) -> None:
    """0.13 has no /api/login: the version, not a login failure, is what the user must hear."""
    fake = await make_frigate(version="0.13.2-6476f8a")

    async def no_login(request: web.Request) -> web.Response:
        return web.Response(status=404, text="<!doctype html><title>404</title>")

    fake.overrides[("POST", "/api/login")] = no_login
    client = client_for(fake, session, username="admin", password="x" * 12)
    with pytest.raises(FrigateUnsupportedVersionError):
        await client.async_validate()


async def test_missing_login_on_a_new_version_stays_not_found(
    frigate: FakeFrigate, session: aiohttp.ClientSession
) -> None:
    async def no_login(request: web.Request) -> web.Response:
        return web.Response(status=405)

    frigate.overrides[("POST", "/api/login")] = no_login
    client = client_for(frigate, session, username="admin", password="x" * 12)
    with pytest.raises(FrigateNotFoundError, match="no login endpoint"):
        await client.async_validate()
