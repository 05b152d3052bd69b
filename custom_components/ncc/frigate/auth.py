"""Login and JWT lifetime for Frigate's authenticated port (8971 style).

`POST /api/login {"user", "password"}` answers with a `frigate_token` cookie holding an HS256
JWT. The client sends it as `Authorization: Bearer`, which Frigate never refreshes, so the
token is renewed ahead of its `exp` claim (read from the payload; the signature is the
server's business and the cookie's `expires` attribute is bogus) and once after a 401.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
import json
import time
from typing import Final

from .errors import FrigateAuthError, FrigateNotFoundError, FrigateResponseError

DEFAULT_COOKIE_NAME: Final = "frigate_token"
# renew this long before `exp` at most; short sessions renew at a tenth of their length
_RENEW_AHEAD_MAX_S: Final = 300.0
_RENEW_AHEAD_SHARE: Final = 0.1
_RENEW_AHEAD_UNKNOWN_LIFETIME_S: Final = 60.0


def now() -> float:
    """Wall clock, as the JWT `exp` claim counts it (a seam for tests)."""
    return time.time()


@dataclass(frozen=True, slots=True)
class Credentials:
    username: str
    password: str = field(repr=False)

    def login_body(self) -> dict[str, str]:
        return {"user": self.username, "password": self.password}


@dataclass(frozen=True, slots=True)
class LoginAnswer:
    """What the login request produced: HTTP status and the cookies it set (name → value)."""

    status: int
    cookies: Mapping[str, str]


type LoginCall = Callable[[Credentials], Awaitable[LoginAnswer]]


@dataclass(frozen=True, slots=True)
class Token:
    value: str = field(repr=False)
    renew_at: float | None  # None: lifetime unknown, used until the server refuses it

    @classmethod
    def from_jwt(cls, value: str) -> Token:
        claims = jwt_claims(value)
        expires = _number(claims.get("exp"))
        if expires is None:
            return cls(value, None)
        issued = _number(claims.get("iat"))
        if issued is not None and expires > issued:
            ahead = min(_RENEW_AHEAD_MAX_S, (expires - issued) * _RENEW_AHEAD_SHARE)
        else:
            ahead = _RENEW_AHEAD_UNKNOWN_LIFETIME_S
        return cls(value, expires - ahead)

    def is_fresh(self, at: float) -> bool:
        return self.renew_at is None or at < self.renew_at


def _number(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def jwt_claims(token: str) -> dict[str, object]:
    """The payload of a JWT, decoded without checking the signature; {} if unreadable."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


def _looks_like_jwt(value: str) -> bool:
    return value.count(".") == 2 and value.startswith("eyJ")


def token_from_cookies(cookies: Mapping[str, str]) -> str | None:
    """Frigate's token cookie; its name is configurable (`auth.cookie_name`), so any JWT will do."""
    if cookies.get(DEFAULT_COOKIE_NAME):
        return cookies[DEFAULT_COOKIE_NAME]
    return next((value for value in cookies.values() if _looks_like_jwt(value)), None)


class Authenticator:
    """Keeps one valid token for a client; logins are serialized so a burst logs in once."""

    def __init__(self, credentials: Credentials, login: LoginCall) -> None:
        self._credentials = credentials
        self._login = login
        self._token: Token | None = None
        self._lock = asyncio.Lock()

    @property
    def password(self) -> str:
        return self._credentials.password

    @property
    def token(self) -> str | None:
        return self._token.value if self._token else None

    async def async_token(self) -> str:
        """A token that is not about to expire, logging in when needed."""
        token = self._token
        if token is not None and token.is_fresh(now()):
            return token.value
        async with self._lock:
            token = self._token
            if token is not None and token.is_fresh(now()):
                return token.value
            return await self._async_login()

    async def async_renew(self, refused: str) -> str:
        """A fresh token after the server refused `refused` (unless another call renewed it)."""
        async with self._lock:
            if self._token is not None and self._token.value != refused:
                return self._token.value
            return await self._async_login()

    async def async_login(self) -> str:
        """Log in now, whatever the current token (used to check credentials)."""
        async with self._lock:
            return await self._async_login()

    async def _async_login(self) -> str:
        self._token = None
        answer = await self._login(self._credentials)
        if answer.status in (400, 401, 403):
            # 0.14 answers a bad password with 400, later versions with 401
            raise FrigateAuthError("Frigate refused the username or password", status=answer.status)
        if answer.status == 429:
            raise FrigateAuthError(
                "Frigate is rate limiting logins after failed attempts; try again later",
                status=429,
            )
        if answer.status in (404, 405):
            raise FrigateNotFoundError(
                "Frigate has no login endpoint (versions before 0.14 have no login)",
                status=answer.status,
            )
        if answer.status != 200:
            raise FrigateResponseError(
                f"Frigate's login failed with HTTP {answer.status}", status=answer.status
            )
        value = token_from_cookies(answer.cookies)
        if value is None:
            raise FrigateResponseError("Frigate accepted the login but sent no token")
        self._token = Token.from_jwt(value)
        return value
