"""Typed reading of Frigate's JSON bodies.

Frigate's answers are plain JSON; a field of the wrong type or a missing key must become a
`FrigateResponseError` naming the field, never a `KeyError` or `TypeError` deep in a caller.
Values are never echoed into messages: a body may hold things that are not ours to show.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Final, TypeIs

from .errors import FrigateResponseError

_MISSING: Final = object()


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "list"
    return "object"


def _is_number(value: object) -> TypeIs[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def object_list(data: object, what: str) -> list[Fields]:
    """A JSON list of objects, each wrapped for typed reading."""
    if not isinstance(data, list):
        raise FrigateResponseError(f"Frigate sent {_kind(data)} where a list of {what} belongs")
    return [Fields(item, f"{what}[{index}]") for index, item in enumerate(data)]


class Fields:
    """One JSON object from a Frigate answer, read field by field with type checks."""

    __slots__ = ("_data", "_where")

    def __init__(self, data: object, where: str) -> None:
        if not isinstance(data, Mapping):
            raise FrigateResponseError(f"Frigate sent {_kind(data)} where {where} belongs")
        self._data: Mapping[str, object] = data
        self._where = where

    def _wrong(self, key: str, expected: str, value: object) -> FrigateResponseError:
        return FrigateResponseError(
            f"Frigate sent {_kind(value)} for {self._where}.{key}, expected {expected}"
        )

    def _get(self, key: str) -> object:
        value = self._data.get(key, _MISSING)
        if value is _MISSING:
            raise FrigateResponseError(f"Frigate's answer lacks {self._where}.{key}")
        return value

    def has(self, key: str) -> bool:
        """Whether the key is present and not null."""
        return self._data.get(key) is not None

    def keys(self) -> Iterator[str]:
        return iter(self._data)

    def text(self, key: str) -> str:
        value = self._get(key)
        if not isinstance(value, str):
            raise self._wrong(key, "text", value)
        return value

    def optional_text(self, key: str) -> str | None:
        value = self._data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self._wrong(key, "text", value)
        return value

    def number(self, key: str) -> float:
        value = self._get(key)
        if not _is_number(value):
            raise self._wrong(key, "a number", value)
        return float(value)

    def optional_number(self, key: str) -> float | None:
        value = self._data.get(key)
        if value is None:
            return None
        if not _is_number(value):
            raise self._wrong(key, "a number", value)
        return float(value)

    def integer(self, key: str) -> int:
        value = self._get(key)
        return self._as_integer(key, value)

    def optional_integer(self, key: str) -> int | None:
        value = self._data.get(key)
        if value is None:
            return None
        return self._as_integer(key, value)

    def _as_integer(self, key: str, value: object) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise self._wrong(key, "a whole number", value)

    def flag(self, key: str) -> bool:
        """A boolean; older Frigate versions report some switches as 0/1."""
        value = self._get(key)
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        raise self._wrong(key, "true or false", value)

    def optional_flag(self, key: str) -> bool | None:
        if self._data.get(key) is None:
            return None
        return self.flag(key)

    def texts(self, key: str) -> tuple[str, ...]:
        """A list of text; null counts as empty."""
        value = self._get(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self._wrong(key, "a list of text", value)
        return tuple(value)

    def numbers(self, key: str) -> tuple[float, ...] | None:
        """A list of numbers, or None when absent or null."""
        value = self._data.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(_is_number(item) for item in value):
            raise self._wrong(key, "a list of numbers", value)
        return tuple(float(item) for item in value)

    def objects(self, key: str) -> list[Fields]:
        """A list of objects, each wrapped."""
        return object_list(self._get(key), f"{self._where}.{key}")

    def child(self, key: str) -> Fields:
        return Fields(self._get(key), f"{self._where}.{key}")

    def optional_child(self, key: str) -> Fields | None:
        value = self._data.get(key)
        if value is None:
            return None
        return Fields(value, f"{self._where}.{key}")

    def children(self, key: str) -> dict[str, Fields]:
        """An object whose values are objects (cameras, detectors, storage mounts...)."""
        return self.child(key).as_children()

    def as_children(self) -> dict[str, Fields]:
        """This object's values, each wrapped, by key."""
        return {name: Fields(value, f"{self._where}.{name}") for name, value in self._data.items()}
