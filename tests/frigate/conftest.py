"""A local HTTP server answering like Frigate with the real 0.17.2 samples, for client tests."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
import hashlib
import hmac
import json
from pathlib import Path
import secrets
import ssl
import time
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
import pytest

# verbatim copies of /work/shared/frigate/samples (Frigate 0.17.2 answers), kept in the repository
# so the suite also runs where the shared folder is not mounted
SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "frigate" / "samples"
SHARED_SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "frigate" / "samples"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 60 + b"\xff\xd9"
EXPORT_BYTES = bytes(range(256)) * 1024  # 256 KiB, several chunks
PASSWORD = "correct horse battery staple"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@pytest.fixture(autouse=True)
def _allow_local_sockets(socket_enabled: None) -> None:
    """Every test here talks to a server on 127.0.0.1."""


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def sample_json(name: str) -> Any:
    return json.loads(sample(name))


def make_jwt(claims: dict[str, Any], key: bytes = b"test-secret") -> str:
    def encode(part: bytes) -> str:
        return base64.urlsafe_b64encode(part).rstrip(b"=").decode()

    header = encode(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = encode(json.dumps(claims).encode())
    signature = hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{encode(signature)}"


@dataclass
class Seen:
    method: str
    path: str
    raw_path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class FakeFrigate:
    """Frigate's HTTP surface as far as the client uses it, answering with the samples.

    `version` selects the behaviour that differs between releases; `password` turns on
    8971-style auth (user `admin`); `overrides[(method, path)]` replaces one route.
    """

    version: str = "0.17.2-3d4dd3a"
    password: str | None = None
    token_lifetime: float = 86400.0
    first_token_lifetime: float | None = None
    overrides: dict[tuple[str, str], Handler] = field(default_factory=dict)
    delay_s: float = 0.0
    seen: list[Seen] = field(default_factory=list)
    logins: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    valid_tokens: set[str] = field(default_factory=set)
    server: TestServer | None = None

    @property
    def minor(self) -> int:
        return int(self.version.split(".")[1])

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("")).rstrip("/")

    def paths(self, method: str | None = None) -> list[str]:
        return [s.path for s in self.seen if method is None or s.method == method]

    def revoke_tokens(self) -> None:
        self.valid_tokens.clear()

    async def start(self, ssl_context: ssl.SSLContext | None = None) -> FakeFrigate:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server(ssl=ssl_context)
        return self

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.close()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.seen.append(
            Seen(
                request.method,
                request.path,
                request.raw_path,
                dict(request.query),
                dict(request.headers),
                body,
            )
        )
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay_s:
                await asyncio.sleep(self.delay_s)
            return await self._answer(request, body)
        finally:
            self.in_flight -= 1

    async def _answer(self, request: web.Request, body: bytes) -> web.StreamResponse:
        key = (request.method, request.path)
        if key == ("POST", "/api/login") and key not in self.overrides:
            return self._login(body)
        if self.password is not None and request.path != "/api/login":
            auth = request.headers.get("Authorization", "")
            if auth.removeprefix("Bearer ") not in self.valid_tokens:
                return web.Response(status=401)
        if request.method != "GET" and "Origin" in request.headers and "X-CSRF-TOKEN" not in request.headers:
            refusal = {"success": False, "message": "Missing CSRF header"}
            return web.json_response(refusal, status=401)
        if key in self.overrides:
            return await self.overrides[key](request)
        return self._route(request)

    def _login(self, body: bytes) -> web.Response:
        creds = json.loads(body)
        if creds != {"user": "admin", "password": self.password}:
            status = 400 if self.minor == 14 else 401
            return web.json_response({"message": "Login failed"}, status=status)
        self.logins += 1
        lifetime = self.token_lifetime
        if self.logins == 1 and self.first_token_lifetime is not None:
            lifetime = self.first_token_lifetime
        now = time.time()
        token = make_jwt(
            {
                "sub": "admin",
                "role": "admin",
                "iat": int(now),
                "exp": now + lifetime,
                "n": secrets.token_hex(4),
            }
        )
        self.valid_tokens.add(token)
        response = web.Response(status=200)
        # the real cookie carries a bogus far-future `expires`; the client must not trust it
        response.headers["Set-Cookie"] = (
            f"frigate_token={token}; expires=Fri, 15 Oct 2083 17:09:00 GMT; HttpOnly; Path=/; SameSite=lax"
        )
        return response

    def _route(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        parts = path.strip("/").split("/")
        method = request.method
        if method == "GET":
            fixed = {
                "/api/version": (self.version.encode(), "text/plain"),
                "/api/config": (sample("config.json"), "application/json"),
                "/api/stats": (sample("stats.json"), "application/json"),
                "/api/events": (sample("events.json"), "application/json"),
                "/api/review": (sample("review.json"), "application/json"),
                "/api/exports": (sample("exports.json"), "application/json"),
                "/api/recordings/storage": (sample("recordings_storage.json"), "application/json"),
            }
            if self.minor >= 17:
                fixed["/api/recordings/unavailable"] = (
                    sample("recordings_unavailable.json"),
                    "application/json",
                )
            if path in fixed:
                content, kind = fixed[path]
                return web.Response(body=content, content_type=kind)
            if parts[:2] == ["api", "events"] and len(parts) == 3:
                return _find(sample_json("events.json"), parts[2], '"Event not found"')
            if parts[:2] == ["api", "review"] and len(parts) == 3:
                return _find(
                    sample_json("review.json"),
                    parts[2],
                    '{"success":false,"message":"Review item not found"}',
                )
            if parts[:2] == ["api", "exports"] and len(parts) == 3:
                return _find(
                    sample_json("exports.json"),
                    parts[2],
                    '{"success":false,"message":"Export not found"}',
                )
            if len(parts) == 4 and parts[2:] == ["recordings", "summary"]:
                return web.Response(body=sample("recordings_summary.json"), content_type="application/json")
            if len(parts) == 3 and parts[2] == "recordings":
                return web.Response(body=sample("recordings.json"), content_type="application/json")
            if len(parts) == 3 and parts[2] == "latest.jpg":
                return web.Response(body=JPEG, content_type="image/jpeg")
            if parts[0] == "exports" and len(parts) == 2:
                return web.Response(body=EXPORT_BYTES, content_type="video/mp4")
        if method in ("POST", "DELETE") and parts[:2] == ["api", "events"] and parts[3:] == ["retain"]:
            done = "retained" if method == "POST" else "un-retained"
            return web.json_response({"success": True, "message": f"Event {parts[2]} {done}"})
        if method == "POST" and parts[:2] == ["api", "export"]:
            answer = sample_json("export_start.json")
            if self.minor < 15:
                del answer["export_id"]
            return web.json_response(answer)
        if method == "DELETE" and parts[:2] == ["api", "export"] and len(parts) == 3:
            return web.json_response({"success": True, "message": "Successfully deleted export."})
        if method == "PATCH" and parts[:2] == ["api", "export"] and len(parts) == 4:
            return web.json_response({"success": True, "message": "Successfully renamed export."})
        return web.json_response({"detail": "Not Found"}, status=404)


def _find(rows: list[dict[str, Any]], item_id: str, missing: str) -> web.Response:
    for row in rows:
        if row["id"] == item_id:
            return web.json_response(row)
    return web.Response(status=404, body=missing.encode(), content_type="application/json")


def answer(status: int = 200, body: bytes | str = b"", content_type: str = "application/json") -> Handler:
    """An override that always answers the same."""
    payload = body.encode() if isinstance(body, str) else body

    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=status, body=payload, content_type=content_type)

    return handler


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as client_session:
        yield client_session


@pytest.fixture
async def make_frigate() -> AsyncIterator[Callable[..., Awaitable[FakeFrigate]]]:
    started: list[FakeFrigate] = []

    async def make(*, ssl_context: ssl.SSLContext | None = None, **kwargs: Any) -> FakeFrigate:
        fake = await FakeFrigate(**kwargs).start(ssl_context)
        started.append(fake)
        return fake

    yield make
    for fake in started:
        await fake.stop()


@pytest.fixture
async def frigate(make_frigate: Callable[..., Awaitable[FakeFrigate]]) -> FakeFrigate:
    """An open (port 5000 style) Frigate 0.17.2."""
    return await make_frigate()
