"""Errors raised by the Frigate client.

Every failure the client can meet surfaces as one of these; a message says what happened in
words a person can act on and never carries a password, a token or camera credentials.
"""

from __future__ import annotations

import re

# `scheme://user:password@host` as found in camera input paths and URLs
_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^\s/@]+@")
# a JWT: three base64url parts separated by dots, the first one starting like `{"` encoded
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
# `Bearer <anything>` in echoed headers
_BEARER = re.compile(r"(?i)(bearer\s+)\S+")

_MAX_ECHO = 200


def redact(text: str, *secrets: str | None) -> str:
    """Remove credentials from text that may be shown to a person or logged.

    `secrets` are known values (a password, a token) to blank out wherever they appear.
    """
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    text = _URL_CREDENTIALS.sub(r"\g<scheme>*:*@", text)
    text = _JWT.sub("***", text)
    return _BEARER.sub(r"\g<1>***", text)


def server_message(text: str, *secrets: str | None) -> str:
    """A short, redacted excerpt of what the server said, fit for an error message."""
    cleaned = redact(" ".join(text.split()), *secrets)
    if len(cleaned) > _MAX_ECHO:
        return cleaned[: _MAX_ECHO - 1] + "…"
    return cleaned


class FrigateError(Exception):
    """Base of every error raised by the Frigate client.

    `status` is the HTTP status of the answer that caused it, when there was one.
    """

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class FrigateConnectionError(FrigateError):
    """The server could not be reached: refused, unreachable, timed out or TLS failure."""


class FrigateAuthError(FrigateError):
    """Login was refused, rate limited, or the server still refuses after a fresh login."""


class FrigateNotFoundError(FrigateError):
    """The camera, event, review item or export does not exist (HTTP 404)."""


class FrigateUnsupportedVersionError(FrigateError):
    """The server runs a Frigate version this client does not support (older than 0.14)."""

    def __init__(self, version: str) -> None:
        super().__init__(f"Frigate {version} is not supported; version 0.14 or newer is required")
        self.version = version


class FrigateResponseError(FrigateError):
    """The server failed (HTTP 5xx) or answered with a body this client cannot understand."""


class FrigateRequestError(FrigateError):
    """The server refused the request as invalid (HTTP 400/422), with Frigate's reason."""
