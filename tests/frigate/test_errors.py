"""Frigate's real error answers, and broken ones, become typed errors and nothing else."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
import re
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from custom_components.ncc.frigate import (
    EventQuery,
    FrigateAuthError,
    FrigateClient,
    FrigateError,
    FrigateNotFoundError,
    FrigateRequestError,
    FrigateResponseError,
    ReviewQuery,
)

from .conftest import PASSWORD, FakeFrigate, answer, make_jwt, sample

MakeFrigate = Callable[..., Awaitable[FakeFrigate]]
Call = Callable[[FrigateClient], Awaitable[Any]]


@dataclass
class Recorded:
    status: int
    headers: dict[str, str]
    body: bytes


def recorded_answers() -> dict[str, Recorded]:
    """The sections of samples/errors_and_auth.txt: title → status, headers, body."""
    text = sample("errors_and_auth.txt").decode().replace("\r\n", "\n")
    answers: dict[str, Recorded] = {}
    for section in text.split("## ")[1:]:
        title, _, rest = section.partition("\n")
        head, _, body = rest.partition("\n\n")
        status_line, *header_lines = head.strip().splitlines()
        status = int(status_line.split()[1])
        headers = dict(line.split(": ", 1) for line in header_lines)
        answers[title.strip()] = Recorded(status, headers, body.strip().encode())
    return answers


RECORDED = recorded_answers()


def replay(title: str) -> Callable[[web.Request], Awaitable[web.Response]]:
    recorded = RECORDED[title]

    async def handler(request: web.Request) -> web.Response:
        headers = {k: v for k, v in recorded.headers.items() if k.lower() != "content-length"}
        if "set-cookie" in headers:
            token = make_jwt({"sub": "admin", "exp": 4_000_000_000, "iat": 1})
            headers["set-cookie"] = headers["set-cookie"].replace("<JWT>", token)
        return web.Response(status=recorded.status, body=recorded.body, headers=headers)

    return handler


def test_every_recorded_section_is_covered() -> None:
    assert set(RECORDED) == set(CASES) | {
        "POST /api/login with a wrong password",
        "POST /api/login with the right password (headers)",
        "GET /api/config on the authenticated port without a token",
    }


CASES: dict[str, tuple[str, str, Call, type[FrigateError] | None, str]] = {
    "GET /api/events/does-not-exist": (
        "GET",
        "/api/events/does-not-exist",
        lambda c: c.async_get_event("does-not-exist"),
        FrigateNotFoundError,
        "Event not found",
    ),
    "POST /api/export for a window with no recordings": (
        "POST",
        "/api/export/police_5th_ave/start/100/end/200",
        lambda c: c.async_start_export("police_5th_ave", 100, 200),
        FrigateRequestError,
        "No recordings found for time range",
    ),
    "POST /api/export for an unknown camera": (
        "POST",
        "/api/export/nope/start/100/end/200",
        lambda c: c.async_start_export("nope", 100, 200),
        FrigateNotFoundError,
        "nope is not a valid camera.",
    ),
    "GET /api/events?limit=abc (validation error)": (
        "GET",
        "/api/events",
        lambda c: c.async_get_events(EventQuery()),
        FrigateRequestError,
        "limit: Input should be a valid integer",
    ),
    "POST with an Origin header but no X-CSRF-TOKEN": (
        "POST",
        "/api/events/x/retain",
        lambda c: c.async_retain_event("x"),
        FrigateAuthError,
        "Missing CSRF header",
    ),
    "DELETE an in-progress export": (
        "DELETE",
        "/api/export/police_main_st_0akk14",
        lambda c: c.async_delete_export("police_main_st_0akk14"),
        None,
        "",
    ),
}


@pytest.mark.parametrize("title", sorted(CASES))
async def test_recorded_answers_map_to_typed_errors(
    frigate: FakeFrigate, session: aiohttp.ClientSession, title: str
) -> None:
    method, path, call, expected, fragment = CASES[title]
    frigate.overrides[(method, path)] = replay(title)
    client = FrigateClient(session, frigate.url)
    if expected is None:
        await call(client)
        return
    with pytest.raises(expected) as caught:
        await call(client)
    assert fragment in str(caught.value)
    assert caught.value.status == RECORDED[title].status


async def test_recorded_401_without_credentials_asks_for_a_login(
    frigate: FakeFrigate, session: aiohttp.ClientSession
) -> None:
    frigate.overrides[("GET", "/api/config")] = replay(
        "GET /api/config on the authenticated port without a token"
    )
    with pytest.raises(FrigateAuthError, match="requires a login"):
        await FrigateClient(session, frigate.url).async_get_config()


async def test_recorded_401_with_credentials_logs_in_once_more_then_fails(
    frigate: FakeFrigate, session: aiohttp.ClientSession
) -> None:
    frigate.password = PASSWORD
    frigate.overrides[("GET", "/api/config")] = replay(
        "GET /api/config on the authenticated port without a token"
    )
    client = FrigateClient(session, frigate.url, username="admin", password=PASSWORD)
    with pytest.raises(FrigateAuthError, match="even after a fresh login"):
        await client.async_get_config()
    assert frigate.logins == 2
    assert frigate.paths("GET") == ["/api/config", "/api/config"]


async def test_recorded_login_answers(frigate: FakeFrigate, session: aiohttp.ClientSession) -> None:
    frigate.password = PASSWORD
    frigate.overrides[("POST", "/api/login")] = replay("POST /api/login with a wrong password")
    client = FrigateClient(session, frigate.url, username="admin", password=PASSWORD)
    with pytest.raises(FrigateAuthError) as caught:
        await client.async_validate()
    assert caught.value.status == 401
    assert PASSWORD not in str(caught.value)

    frigate.overrides[("POST", "/api/login")] = replay("POST /api/login with the right password (headers)")
    token = make_jwt({"sub": "admin", "exp": 4_000_000_000, "iat": 1})
    frigate.valid_tokens.add(token)
    version = await client.async_validate()
    assert version.minor == 17
    assert frigate.seen[-1].headers["Authorization"] == f"Bearer {token}"


# --- broken bodies on every JSON call --------------------------------------------------------

JSON_CALLS: dict[str, tuple[str, str, Call]] = {
    "config": ("GET", "/api/config", lambda c: c.async_get_config()),
    "stats": ("GET", "/api/stats", lambda c: c.async_get_stats()),
    "events": ("GET", "/api/events", lambda c: c.async_get_events(EventQuery())),
    "event": ("GET", "/api/events/e1", lambda c: c.async_get_event("e1")),
    "reviews": ("GET", "/api/review", lambda c: c.async_get_reviews(ReviewQuery())),
    "review": ("GET", "/api/review/r1", lambda c: c.async_get_review("r1")),
    "summary": (
        "GET",
        "/api/cam/recordings/summary",
        lambda c: c.async_get_recordings_summary("cam", "UTC"),
    ),
    "segments": (
        "GET",
        "/api/cam/recordings",
        lambda c: c.async_get_recording_segments("cam", 1.0, 2.0),
    ),
    "unavailable": (
        "GET",
        "/api/recordings/unavailable",
        lambda c: c.async_get_unavailable(["cam"], 1.0, 2.0),
    ),
    "storage": ("GET", "/api/recordings/storage", lambda c: c.async_get_recordings_storage()),
    "exports": ("GET", "/api/exports", lambda c: c.async_get_exports()),
    "export": ("GET", "/api/exports/x1", lambda c: c.async_get_export("x1")),
    "start_export": (
        "POST",
        "/api/export/cam/start/1/end/2",
        lambda c: c.async_start_export("cam", 1, 2),
    ),
    "retain": ("POST", "/api/events/e1/retain", lambda c: c.async_retain_event("e1")),
    "unretain": ("DELETE", "/api/events/e1/retain", lambda c: c.async_unretain_event("e1")),
    "delete_export": ("DELETE", "/api/export/x1", lambda c: c.async_delete_export("x1")),
}

HTML_PAGE = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head></html>"

BROKEN_BODIES: dict[str, tuple[int, str, str]] = {
    "truncated": (200, sample("events.json")[:300].decode(), "application/json"),
    "html_200": (200, HTML_PAGE, "text/html"),
    "html_502": (502, HTML_PAGE, "text/html"),
    "empty": (200, "", "application/json"),
    "number": (200, "42", "application/json"),
    "wrong_list": (200, '[1, "two", null]', "application/json"),
    "wrong_object": (200, '{"cameras": [1], "id": 5, "success": "yes"}', "application/json"),
    "not_utf8": (200, "\udcff", "application/json"),
    "status_500": (500, '{"detail": "Internal Server Error"}', "application/json"),
}


@pytest.mark.parametrize("call_name", sorted(JSON_CALLS))
@pytest.mark.parametrize("broken", sorted(BROKEN_BODIES))
async def test_broken_bodies_raise_response_errors(
    frigate: FakeFrigate, session: aiohttp.ClientSession, call_name: str, broken: str
) -> None:
    method, path, call = JSON_CALLS[call_name]
    status, body, content_type = BROKEN_BODIES[broken]
    payload = body.encode(errors="surrogateescape")
    frigate.overrides[(method, path)] = answer(status, payload, content_type)
    client = FrigateClient(session, frigate.url)
    with pytest.raises(FrigateResponseError) as caught:
        await call(client)
    assert "<html" not in str(caught.value).lower()
    if status >= 500:
        assert caught.value.status == status


@pytest.mark.parametrize(
    ("body", "content_type"),
    [(HTML_PAGE, "text/html"), ("", "text/plain"), ("Frigate is running", "text/plain")],
)
async def test_version_answer_that_is_not_a_version(
    frigate: FakeFrigate, session: aiohttp.ClientSession, body: str, content_type: str
) -> None:
    frigate.overrides[("GET", "/api/version")] = answer(200, body, content_type)
    with pytest.raises(FrigateResponseError):
        await FrigateClient(session, frigate.url).async_validate()
    frigate.overrides[("GET", "/api/version")] = answer(200, b"\xff\xfe", "text/plain")
    with pytest.raises(FrigateResponseError, match="not UTF-8"):
        await FrigateClient(session, frigate.url).async_get_version()


async def test_latest_image_that_is_not_an_image(
    frigate: FakeFrigate, session: aiohttp.ClientSession
) -> None:
    frigate.overrides[("GET", "/api/cam/latest.jpg")] = answer(200, HTML_PAGE, "text/html")
    with pytest.raises(FrigateResponseError, match="other than an image"):
        await FrigateClient(session, frigate.url).async_get_latest_image("cam")


@pytest.mark.parametrize(
    ("status", "body", "error", "fragment"),
    [
        (403, '{"message": "Access denied to camera \'cam\'"}', FrigateAuthError, "camera 'cam'"),
        (404, '{"detail": "Not Found"}', FrigateNotFoundError, "Not Found"),
        (
            422,
            '{"detail": [{"msg": "bad"}, "odd", {"loc": [], "msg": 3}]}',
            FrigateRequestError,
            "bad; invalid request; invalid",
        ),
        (429, "Too Many Requests", FrigateRequestError, "rate limiting"),
        (302, "", FrigateResponseError, "redirect"),
        (503, "upstream busy", FrigateResponseError, "HTTP 503: upstream busy"),
        (418, '{"other": 1}', FrigateResponseError, "HTTP 418"),
        (500, '["a list"]', FrigateResponseError, "HTTP 500"),
    ],
)
async def test_status_mapping(
    frigate: FakeFrigate,
    session: aiohttp.ClientSession,
    status: int,
    body: str,
    error: type[FrigateError],
    fragment: str,
) -> None:
    frigate.overrides[("GET", "/api/stats")] = answer(status, body)
    with pytest.raises(error) as caught:
        await FrigateClient(session, frigate.url).async_get_stats()
    assert fragment in str(caught.value)
    assert caught.value.status == status


async def test_error_messages_never_echo_secrets(
    frigate: FakeFrigate, session: aiohttp.ClientSession
) -> None:
    frigate.password = PASSWORD
    leaky = (
        f'{{"message": "ffmpeg failed for rtsp://cam:hunter2@10.1.1.1/s, user admin password {PASSWORD}"}}'
    )
    frigate.overrides[("GET", "/api/stats")] = answer(500, leaky)
    client = FrigateClient(session, frigate.url, username="admin", password=PASSWORD)
    with pytest.raises(FrigateResponseError) as caught:
        await client.async_get_stats()
    message = str(caught.value)
    assert "hunter2" not in message
    assert PASSWORD not in message
    assert "rtsp://*:*@10.1.1.1" in message
    token = frigate.seen[-1].headers["Authorization"].removeprefix("Bearer ")

    async def echo_token(request: web.Request) -> web.Response:
        return web.json_response({"message": f"bad token {token}"}, status=400)

    frigate.overrides[("GET", "/api/stats")] = echo_token
    with pytest.raises(FrigateRequestError) as caught_token:
        await client.async_get_stats()
    assert token not in str(caught_token.value)
    assert not re.search(r"eyJ[\w-]+\.", str(caught_token.value))
    assert PASSWORD not in repr(client.__dict__)
