"""Login, JWT renewal and the authenticated port (8971 style)."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable
import json
import time

import aiohttp
from aiohttp import web
import pytest

from custom_components.ncc.frigate import (
    FrigateAuthError,
    FrigateClient,
    FrigateResponseError,
    auth,
)
from custom_components.ncc.frigate.auth import Credentials, Token, jwt_claims, token_from_cookies

from .conftest import PASSWORD, FakeFrigate, make_jwt

MakeFrigate = Callable[..., Awaitable[FakeFrigate]]


async def secured(make_frigate: MakeFrigate, **kwargs: object) -> FakeFrigate:
    return await make_frigate(password=PASSWORD, **kwargs)


def login_client(
    fake: FakeFrigate, session: aiohttp.ClientSession, password: str = PASSWORD
) -> FrigateClient:
    return FrigateClient(session, fake.url, username="admin", password=password)


async def test_login_then_bearer_on_every_request(
    make_frigate: MakeFrigate, session: aiohttp.ClientSession
) -> None:
    fake = await secured(make_frigate)
    client = login_client(fake, session)
    await client.async_validate()
    await client.async_get_stats()
    await client.async_retain_event("e1")
    login, *calls = fake.seen
    assert (login.method, login.path) == ("POST", "/api/login")
    assert json.loads(login.body) == {"user": "admin", "password": PASSWORD}
    assert login.headers["X-CSRF-TOKEN"] == "1"
    assert "Authorization" not in login.headers
    assert [c.path for c in calls] == ["/api/version", "/api/stats", "/api/events/e1/retain"]
    bearer = {c.headers["Authorization"] for c in calls}
    assert len(bearer) == 1
    assert bearer.pop().removeprefix("Bearer ") in fake.valid_tokens
    assert fake.logins == 1


async def test_without_credentials_the_secured_port_refuses(
    make_frigate: MakeFrigate, session: aiohttp.ClientSession
) -> None:
    fake = await secured(make_frigate)
    with pytest.raises(FrigateAuthError, match="requires a login") as caught:
        await FrigateClient(session, fake.url).async_validate()
    assert caught.value.status == 401


async def test_token_is_renewed_before_it_expires(
    make_frigate: MakeFrigate, session: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cookie says 2083; the JWT says 100 s. The client believes the JWT."""
    fake = await secured(make_frigate, first_token_lifetime=100.0)
    client = login_client(fake, session)
    await client.async_get_stats()
    started = time.time()
    monkeypatch.setattr(auth, "now", lambda: started + 50)
    await client.async_get_stats()
    assert fake.logins == 1
    # within the last tenth of its life the token is replaced before anything is refused
    monkeypatch.setattr(auth, "now", lambda: started + 95)
    await client.async_get_stats()
    assert [(s.method, s.path) for s in fake.seen] == [
        ("POST", "/api/login"),
        ("GET", "/api/stats"),
        ("GET", "/api/stats"),
        ("POST", "/api/login"),
        ("GET", "/api/stats"),
    ]
    # the second token lives a day
    monkeypatch.setattr(auth, "now", lambda: started + 3600)
    await client.async_get_stats()
    assert fake.logins == 2


async def test_refused_token_triggers_one_fresh_login(
    make_frigate: MakeFrigate, session: aiohttp.ClientSession
) -> None:
    fake = await secured(make_frigate)
    client = login_client(fake, session)
    await client.async_get_stats()
    fake.revoke_tokens()  # e.g. Frigate restarted with a new JWT secret
    stats = await client.async_get_stats()
    assert stats.version == "0.17.2-3d4dd3a"
    assert fake.logins == 2
    assert fake.paths() == ["/api/login", "/api/stats", "/api/stats", "/api/login", "/api/stats"]


async def test_password_changed_meanwhile_gives_auth_error(
    make_frigate: MakeFrigate, session: aiohttp.ClientSession
) -> None:
    fake = await secured(make_frigate)
    client = login_client(fake, session)
    await client.async_get_stats()
    fake.revoke_tokens()
    fake.password = "a new password"
    with pytest.raises(FrigateAuthError, match="username or password") as caught:
        await client.async_get_stats()
    assert caught.value.status == 401
    assert PASSWORD not in str(caught.value)
    assert "a new password" not in str(caught.value)


@pytest.mark.parametrize(("version", "status"), [("0.14.1", 400), ("0.15.2", 401), ("0.17.2", 401)])
async def test_wrong_password_by_version(
    make_frigate: MakeFrigate, session: aiohttp.ClientSession, version: str, status: int
) -> None:
    fake = await secured(make_frigate, version=version)
    client = login_client(fake, session, password="wrong password")
    with pytest.raises(FrigateAuthError) as caught:
        await client.async_validate()
    assert caught.value.status == status
    assert "wrong password" not in str(caught.value)


async def test_login_rate_limit(make_frigate: MakeFrigate, session: aiohttp.ClientSession) -> None:
    fake = await secured(make_frigate)

    async def limited(request: web.Request) -> web.Response:
        return web.Response(status=429, text="Rate limit exceeded: 5 per 1 minute")

    fake.overrides[("POST", "/api/login")] = limited
    with pytest.raises(FrigateAuthError, match="rate limiting logins"):
        await login_client(fake, session).async_validate()


@pytest.mark.parametrize(
    ("status", "cookie", "error", "fragment"),
    [
        (200, None, FrigateResponseError, "sent no token"),
        (200, "session=abc", FrigateResponseError, "sent no token"),
        (500, None, FrigateResponseError, "HTTP 500"),
        (403, None, FrigateAuthError, "username or password"),
    ],
)
async def test_odd_login_answers(
    make_frigate: MakeFrigate,
    session: aiohttp.ClientSession,
    status: int,
    cookie: str | None,
    error: type[Exception],
    fragment: str,
) -> None:
    fake = await secured(make_frigate)

    async def odd(request: web.Request) -> web.Response:
        response = web.Response(status=status)
        if cookie:
            response.headers["Set-Cookie"] = cookie
        return response

    fake.overrides[("POST", "/api/login")] = odd
    with pytest.raises(error, match=fragment):
        await login_client(fake, session).async_validate()


async def test_custom_cookie_name_is_found(make_frigate: MakeFrigate, session: aiohttp.ClientSession) -> None:
    """`auth.cookie_name` may rename the cookie; the JWT inside is what counts."""
    fake = await secured(make_frigate)
    token = make_jwt({"sub": "admin", "exp": 4_000_000_000, "iat": 1})
    fake.valid_tokens.add(token)

    async def renamed(request: web.Request) -> web.Response:
        response = web.Response(status=200)
        response.set_cookie("other", "plain")
        response.set_cookie("ncc_token", token)
        return response

    fake.overrides[("POST", "/api/login")] = renamed
    client = login_client(fake, session)
    await client.async_get_stats()
    assert fake.seen[-1].headers["Authorization"] == f"Bearer {token}"


async def test_token_without_expiry_is_used_until_refused(
    make_frigate: MakeFrigate, session: aiohttp.ClientSession
) -> None:
    fake = await secured(make_frigate)
    opaque = make_jwt({"sub": "admin"})
    fake.valid_tokens.add(opaque)
    logins = 0

    async def no_exp(request: web.Request) -> web.Response:
        nonlocal logins
        logins += 1
        response = web.Response(status=200)
        response.set_cookie("frigate_token", opaque)
        return response

    fake.overrides[("POST", "/api/login")] = no_exp
    client = login_client(fake, session)
    for _ in range(3):
        await client.async_get_stats()
    assert logins == 1
    fake.revoke_tokens()
    with pytest.raises(FrigateAuthError):
        await client.async_get_stats()
    assert logins == 2


async def test_a_burst_of_calls_logs_in_once(
    make_frigate: MakeFrigate, session: aiohttp.ClientSession
) -> None:
    fake = await secured(make_frigate, delay_s=0.01)
    client = login_client(fake, session)
    await asyncio.gather(*(client.async_get_stats() for _ in range(8)))
    assert fake.logins == 1
    fake.revoke_tokens()
    await asyncio.gather(*(client.async_get_stats() for _ in range(8)))
    assert fake.logins == 2


async def test_credentials_come_in_pairs(session: aiohttp.ClientSession) -> None:
    with pytest.raises(ValueError):
        FrigateClient(session, "http://127.0.0.1:5000", username="admin")
    with pytest.raises(ValueError):
        FrigateClient(session, "http://127.0.0.1:5000", password="pw")


def test_password_not_in_repr() -> None:
    assert PASSWORD not in repr(Credentials("admin", PASSWORD))
    token = make_jwt({"exp": 10})
    assert token not in repr(Token.from_jwt(token))


def _raw_jwt(payload: bytes) -> str:
    return "eyJhbGciOiJIUzI1NiJ9." + base64.urlsafe_b64encode(payload).decode().rstrip("=") + ".sig"


@pytest.mark.parametrize(
    "token",
    ["", "a.b", "a.b.c.d", "eyJ.!!!.x", _raw_jwt(b"[1, 2]"), _raw_jwt(b"\xff\xfe"), _raw_jwt(b"{")],
)
def test_unreadable_jwt_payloads_give_no_claims(token: str) -> None:
    assert jwt_claims(token) == {}
    assert Token.from_jwt(token).renew_at is None


def test_renewal_margin() -> None:
    day = Token.from_jwt(make_jwt({"iat": 0, "exp": 86400}))
    assert day.renew_at == 86400 - 300
    short = Token.from_jwt(make_jwt({"iat": 0, "exp": 100}))
    assert short.renew_at == pytest.approx(90)
    unknown_start = Token.from_jwt(make_jwt({"exp": 1000, "iat": "soon"}))
    assert unknown_start.renew_at == 940
    assert unknown_start.is_fresh(939.0)
    assert not unknown_start.is_fresh(940.0)
    boolean_exp = Token.from_jwt(make_jwt({"exp": True}))
    assert boolean_exp.renew_at is None


def test_token_cookie_choice() -> None:
    jwt = make_jwt({"exp": 1})
    assert token_from_cookies({"frigate_token": "x", "other": jwt}) == "x"
    assert token_from_cookies({"a": "b", "custom": jwt}) == jwt
    assert token_from_cookies({"a": "b"}) is None
    assert token_from_cookies({"frigate_token": ""}) is None
