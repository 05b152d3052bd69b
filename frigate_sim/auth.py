"""Frigate-style login: HS256 JWTs with sub/role/exp/iat, users with roles."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
import hashlib
import hmac
import json
import secrets
import time

COOKIE_NAME = "frigate_token"
ROLE_ADMIN = "admin"
ROLE_VIEWER = "viewer"


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a request runs as (Frigate's remote-user / remote-role)."""

    user: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == ROLE_ADMIN


ANONYMOUS = Identity("anonymous", ROLE_ADMIN)


@dataclass(frozen=True, slots=True)
class Account:
    name: str
    password: str
    role: str

    def __repr__(self) -> str:  # keep the password out of logs and reprs
        return f"Account(name={self.name!r}, role={self.role!r})"


@dataclass(frozen=True, slots=True)
class VerifiedToken:
    identity: Identity
    expires_at: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_jwt(claims: dict[str, object], secret: bytes) -> str:
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}".encode("ascii")
    signature = hmac.new(secret, signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def decode_jwt(token: str, secret: bytes) -> dict[str, object] | None:
    """The claims of a correctly signed HS256 token, else None."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    header_b64, payload_b64, signature_b64 = parts
    try:
        header = json.loads(_unb64(header_b64))
        signature = _unb64(signature_b64)
        claims = json.loads(_unb64(payload_b64))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(header, dict) or header.get("alg") != "HS256":
        return None
    expected = hmac.new(secret, f"{header_b64}.{payload_b64}".encode("ascii"), hashlib.sha256)
    if not hmac.compare_digest(expected.digest(), signature) or not isinstance(claims, dict):
        return None
    return claims


class Authenticator:
    """Users and tokens of one server. Rotating the secret (`expire_all`) invalidates every
    token issued so far, as a server-side expiry would."""

    def __init__(self, accounts: list[Account], session_length_s: int, refresh_time_s: int) -> None:
        self._accounts = {a.name: a for a in accounts}
        self._secret = secrets.token_bytes(32)
        self.session_length_s = session_length_s
        self.refresh_time_s = refresh_time_s
        # Replaceable so tests can move past an expiry without sleeping.
        self.clock: Callable[[], float] = time.time

    def set_password(self, user: str, password: str) -> None:
        """Change a user's password, as an administrator would in Frigate's UI."""
        account = self._accounts[user]
        self._accounts[user] = Account(account.name, password, account.role)

    def login(self, user: str, password: str) -> tuple[str, int] | None:
        """(token, exp) for good credentials, else None."""
        account = self._accounts.get(user)
        if account is None or not hmac.compare_digest(account.password.encode(), password.encode()):
            return None
        return self.issue(Identity(account.name, account.role))

    def issue(self, identity: Identity) -> tuple[str, int]:
        now = int(self.clock())
        expires_at = now + self.session_length_s
        claims: dict[str, object] = {
            "sub": identity.user,
            "role": identity.role,
            "exp": expires_at,
            "iat": now,
        }
        return encode_jwt(claims, self._secret), expires_at

    def verify(self, token: str) -> VerifiedToken | None:
        claims = decode_jwt(token, self._secret)
        if claims is None:
            return None
        user, role, exp = claims.get("sub"), claims.get("role"), claims.get("exp")
        if not isinstance(user, str) or not isinstance(role, str) or not isinstance(exp, int):
            return None
        if exp <= int(self.clock()):
            return None
        return VerifiedToken(Identity(user, role), exp)

    def needs_refresh(self, token: VerifiedToken) -> bool:
        return token.expires_at - self.refresh_time_s <= int(self.clock())

    def expire_all(self) -> None:
        self._secret = secrets.token_bytes(32)


def cookie_expires(expires_at: int) -> str:
    """The cookie `expires` attribute Frigate sends: it hands Starlette an absolute epoch
    where a relative age is expected, so the date lands decades ahead (API_NOTES quirk)."""
    moment = datetime.fromtimestamp(min(time.time() + expires_at, 253402300799), UTC)
    return format_datetime(moment, usegmt=True)
