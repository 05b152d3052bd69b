"""Request parameter parsing with FastAPI/pydantic's 422 error shape."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
import json
import math
import re

_INTEGER = re.compile(r"^\s*[+-]?\d+\s*$")


class ValidationFailed(Exception):
    """422 Unprocessable Entity with FastAPI's `{"detail": [...]}` body."""

    def __init__(self, detail: list[dict[str, object]]) -> None:
        super().__init__(f"{len(detail)} invalid parameter(s)")
        self.detail = detail


def _alternatives(options: Sequence[str]) -> str:
    quoted = [f"'{o}'" for o in options]
    if len(quoted) == 1:
        return quoted[0]
    return f"{', '.join(quoted[:-1])} or {quoted[-1]}"


class ParamReader:
    """Reads typed values from a query (or path) mapping, collecting every error as FastAPI
    does, then `check()` raises them all at once."""

    def __init__(self, values: Mapping[str, str], location: str = "query") -> None:
        self._values = values
        self._location = location
        self.errors: list[dict[str, object]] = []

    def _error(self, kind: str, name: str, message: str, raw: object, **extra: object) -> None:
        self.errors.append(
            {"type": kind, "loc": [self._location, name], "msg": message, "input": raw, **extra}
        )

    def text(self, name: str, default: str) -> str:
        return self._values.get(name, default)

    def optional_text(self, name: str) -> str | None:
        return self._values.get(name)

    def integer(self, name: str, default: int | None = None) -> int | None:
        raw = self._values.get(name)
        if raw is None:
            return default
        if not _INTEGER.match(raw):
            self._error(
                "int_parsing",
                name,
                "Input should be a valid integer, unable to parse string as an integer",
                raw,
            )
            return default
        return int(raw)

    def number(self, name: str, default: float | None = None) -> float | None:
        raw = self._values.get(name)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if math.isnan(value):
            self._error(
                "float_parsing",
                name,
                "Input should be a valid number, unable to parse string as a number",
                raw,
            )
            return default
        return value

    def choice(self, name: str, options: Sequence[str]) -> str | None:
        raw = self._values.get(name)
        if raw is None:
            return None
        if raw not in options:
            expected = _alternatives(options)
            self._error("enum", name, f"Input should be {expected}", raw, ctx={"expected": expected})
            return None
        return raw

    def check(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)


def parse_json_object(
    raw: bytes, *, required: Sequence[str] = (), body_required: bool = True
) -> dict[str, object]:
    """A JSON request body; 422 like FastAPI for a missing body, bad JSON or missing fields."""
    if not raw.strip():
        if body_required:
            raise ValidationFailed(
                [{"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}]
            )
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as err:
        position = err.pos if isinstance(err, json.JSONDecodeError) else 0
        message = err.msg if isinstance(err, json.JSONDecodeError) else "invalid encoding"
        raise ValidationFailed(
            [
                {
                    "type": "json_invalid",
                    "loc": ["body", position],
                    "msg": "JSON decode error",
                    "input": {},
                    "ctx": {"error": message},
                }
            ]
        ) from err
    if not isinstance(body, dict):
        raise ValidationFailed(
            [
                {
                    "type": "model_attributes_type",
                    "loc": ["body"],
                    "msg": "Input should be a valid dictionary or object to extract fields from",
                    "input": body,
                }
            ]
        )
    missing: list[dict[str, object]] = [
        {"type": "missing", "loc": ["body", field], "msg": "Field required", "input": body}
        for field in required
        if field not in body
    ]
    if missing:
        raise ValidationFailed(missing)
    return body


def csv_filter(value: str | None) -> frozenset[str] | None:
    """Frigate's comma lists where "all" (or nothing) means no filter."""
    if value is None or value == "all":
        return None
    return frozenset(part for part in value.split(",") if part)
