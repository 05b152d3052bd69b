"""Hypothesis strategies read off voluptuous schemas: calls an action may get, good and bad.

`calls(schema)` builds inputs the schema mostly accepts (every required key, some optional
ones, values of the validator's kind); `hostile_calls` breaks them (a key missing, an unknown
key, a value of the wrong type or absurd size). Unknown validators get arbitrary JSON values, so
a new feature's schema is covered from day one.

Keys that name records (`*_id`) often get an `IdRef` instead of text: `resolve` turns it into an
id that exists when the call is made. The strategies themselves never look at the running city
(Hypothesis replays draws and needs them to depend on the schema alone).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from homeassistant.helpers import config_validation as cv
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy
import voluptuous as vol

JSON_LEAVES: SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
)
JUNK: SearchStrategy[Any] = st.recursive(
    JSON_LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=8,
)
HOSTILE_TEXT: SearchStrategy[str] = st.one_of(
    st.just(""),
    st.just(" " * 3),
    st.just("../../etc/passwd"),
    st.just("x" * 300),
    st.just("{camera}{0}%s\x00"),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=60),
)
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class IdRef:
    """The n-th existing id fitting `key`, chosen when the call is made."""

    key: str
    index: int


class IdPool:
    """Ids that exist in the running city, by the key that holds them in stored records."""

    def __init__(self, ids: Mapping[str, Sequence[str]]) -> None:
        # key name (e.g. "camera_id") -> existing values; "" holds every id of any kind
        self._ids = {key: sorted(set(values)) for key, values in ids.items() if values}

    def for_key(self, key: str) -> list[str]:
        key = key.removesuffix("s") if key.endswith("_ids") else key
        if key in self._ids:
            return self._ids[key]
        # the longest known key the name ends with: "grantee_agency_id" takes "agency_id"
        for suffix in sorted(self._ids, key=len, reverse=True):
            if suffix and suffix != "id" and key.endswith(suffix):
                return self._ids[suffix]
        return self._ids.get("", [])

    def pick(self, ref: IdRef) -> str:
        candidates = self.for_key(ref.key)
        return candidates[ref.index % len(candidates)] if candidates else f"unknown-{ref.index}"


def resolve(value: Any, ids: IdPool) -> Any:
    """`value` with every IdRef replaced by an existing id."""
    if isinstance(value, IdRef):
        return ids.pick(value)
    if isinstance(value, dict):
        return {key: resolve(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item, ids) for item in value]
    return value


def names_record(key: str) -> bool:
    return key == "id" or key.endswith(("_id", "_ids"))


def _key(marker: object) -> str:
    return str(marker.schema) if isinstance(marker, vol.Marker) else str(marker)


def _literal(marker: object) -> bool:
    return isinstance(marker.schema if isinstance(marker, vol.Marker) else marker, str)


def schema_fields(schema: object) -> list[tuple[str, bool, Any]]:
    """(key, required, validator) for each named field of a dict schema."""
    inner = schema.schema if isinstance(schema, vol.Schema) else schema
    if not isinstance(inner, dict):
        return []
    return [(_key(marker), isinstance(marker, vol.Required), validator)
            for marker, validator in inner.items() if _literal(marker)]


def _open_fields(schema: object) -> list[tuple[Any, Any]]:
    """(key validator, value validator) of a dict schema's fields named by a validator."""
    inner = schema.schema if isinstance(schema, vol.Schema) else schema
    if not isinstance(inner, dict):
        return []
    return [(marker.schema if isinstance(marker, vol.Marker) else marker, validator)
            for marker, validator in inner.items() if not _literal(marker)]


def values(validator: Any, key: str) -> SearchStrategy[Any]:
    """Values of the kind `validator` accepts; mostly existing ids where the key names a record."""
    natural = _natural(validator, key)
    if names_record(key) and _is_text(validator):
        reference = st.builds(IdRef, st.just(key), st.integers(0, 1000))
        return st.one_of(reference, reference, natural)
    return natural


def _is_text(validator: Any) -> bool:
    if validator is cv.string or validator is str:
        return True
    if isinstance(validator, vol.Any | vol.All):
        return any(_is_text(inner) for inner in validator.validators)
    return False


def _natural(validator: Any, key: str) -> SearchStrategy[Any]:
    if validator is cv.string or validator is str:
        return st.text(max_size=30) | st.integers(-5, 5).map(str)
    if validator is cv.boolean or validator is bool:
        return st.booleans() | st.sampled_from(["on", "off", "true", "no"])
    if validator is cv.datetime:
        return _datetimes()
    if validator in (cv.positive_int, cv.positive_float):
        return st.integers(0, 10_000)
    if validator is int:
        return st.integers(-10, 10_000)
    if validator is float:
        return st.floats(-1e6, 1e6, allow_nan=False)
    if validator is None:
        return st.none()
    if isinstance(validator, str | int | float | bool):
        return st.just(validator)
    if isinstance(validator, vol.In):
        container = list(validator.container)
        return st.sampled_from(container) if container else JUNK
    if isinstance(validator, vol.Coerce):
        return _coerced(validator.type)
    if isinstance(validator, vol.Range):
        low = validator.min if validator.min is not None else -1000
        high = validator.max if validator.max is not None else low + 10_000
        return st.integers(int(low), int(high)) if isinstance(low, int) else st.floats(low, high)
    if isinstance(validator, vol.Any):
        return st.one_of(*(_natural(inner, key) for inner in validator.validators))
    if isinstance(validator, vol.All):
        return _all(validator.validators, key)
    if isinstance(validator, list):
        items = st.one_of(*(values(inner, key) for inner in validator)) if validator else JUNK
        return st.lists(items, max_size=4)
    if isinstance(validator, vol.Schema | dict):
        return calls(validator)
    return JUNK


def _all(validators: Sequence[Any], key: str) -> SearchStrategy[Any]:
    rest = list(validators)
    as_list = False
    while rest and rest[0] is cv.ensure_list:
        rest.pop(0)
        as_list = True
    recognised = [validator for validator in rest if _natural(validator, key) is not JUNK]
    inner = values(recognised[0], key) if recognised else JUNK
    if as_list and not (recognised and isinstance(recognised[0], list)):
        return st.lists(inner, min_size=1, max_size=4) | inner
    return inner


def _coerced(kind: Callable[..., Any]) -> SearchStrategy[Any]:
    if kind is int:
        return st.integers(-10, 10_000) | st.integers(0, 400).map(str)
    if kind is float:
        return st.floats(-200, 200, allow_nan=False) | st.integers(-180, 180)
    return JUNK


def _datetimes() -> SearchStrategy[str]:
    aware = st.integers(-30 * 24, 30 * 24).map(lambda hours: (NOW + timedelta(hours=hours)).isoformat())
    naive = st.integers(-30 * 24, 30 * 24).map(
        lambda hours: (NOW + timedelta(hours=hours)).replace(tzinfo=None).isoformat()
    )
    return aware | naive | st.just("yesterday")


def calls(schema: Any) -> SearchStrategy[dict[str, Any]]:
    """Inputs of the schema's shape: all required keys, any optional ones."""
    fields = schema_fields(schema)
    required = {key: values(validator, key) for key, needed, validator in fields if needed}
    optional = {key: values(validator, key) for key, needed, validator in fields if not needed}
    named = st.fixed_dictionaries(required, optional=optional)
    open_fields = _open_fields(schema)
    if not open_fields:
        return named
    extra = st.one_of(*(
        st.dictionaries(_natural(key, "").filter(lambda key: isinstance(key, str)),
                        values(validator, ""), max_size=3)
        for key, validator in open_fields
    ))
    return st.builds(lambda given, more: {**more, **given}, named, extra)


def hostile_calls(schema: Any) -> SearchStrategy[dict[str, Any]]:
    """Inputs broken in one of the ways callers break them."""
    fields = schema_fields(schema)
    keys = [key for key, _, _ in fields]
    required = [key for key, needed, _ in fields if needed]

    @st.composite
    def broken(draw: st.DrawFn) -> dict[str, Any]:
        data = dict(draw(calls(schema)))
        how = draw(st.sampled_from(["wrong_value", "unknown_key", "missing_key", "hostile_text"]))
        if how == "missing_key" and required:
            data.pop(draw(st.sampled_from(required)))
        elif how == "unknown_key":
            data[draw(st.text(min_size=1, max_size=12).filter(lambda key: key not in keys))] = draw(JUNK)
        elif how == "hostile_text" and keys:
            data[draw(st.sampled_from(keys))] = draw(HOSTILE_TEXT)
        elif keys:
            data[draw(st.sampled_from(keys))] = draw(JUNK)
        else:
            data[draw(st.text(min_size=1, max_size=12))] = draw(JUNK)
        return data

    return broken()


def collect_ids(documents: Iterable[Any]) -> dict[str, list[str]]:
    """Every string under an `id` or `*_id` key in JSON documents, by key (and all under "")."""
    found: dict[str, list[str]] = {"": []}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, str) and value and (key == "id" or key.endswith("_id")):
                    found.setdefault(key, []).append(value)
                    found[""].append(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for document in documents:
        walk(document)
    return found
