"""The shape-comparison helper itself: it must catch what the conformance tests rely on."""

from __future__ import annotations

import pytest

from .shapes import MQTT_DOCS, OPENAPI_FILE, SAMPLES, SHARED, json_type, recorded_errors, shape_diff


def test_equal_shapes_with_other_values_match() -> None:
    assert shape_diff({"a": 1, "b": [{"c": "x"}]}, {"a": 2.5, "b": [{"c": "y"}, {"c": "z"}]}) == []


def test_missing_extra_and_mistyped_keys_are_reported() -> None:
    diffs = shape_diff({"a": "1", "extra": True, "n": {"x": 1}}, {"a": 1, "b": 2, "n": {"x": 1}})
    assert "$.a: string where the reference has number" in diffs
    assert "$: missing key 'b'" in diffs
    assert "$: unexpected key 'extra'" in diffs
    assert shape_diff({"n": {"x": True}}, {"n": {"x": 1}}) == ["$.n.x: bool where the reference has number"]


def test_null_matches_any_type() -> None:
    assert shape_diff({"end_time": None}, {"end_time": 1.5}) == []
    assert shape_diff({"end_time": 1.5}, {"end_time": None}) == []


def test_list_elements_match_the_closest_reference_element() -> None:
    reference = [{"a": 1}, {"a": 1, "plate": "N 1 A"}]
    assert shape_diff([{"a": 2}, {"a": 3, "plate": "S 2 B"}], reference) == []
    assert shape_diff([{"a": 2, "zzz": 1}], reference) == ["$[]: unexpected key 'zzz'"]
    assert shape_diff([{"a": "x"}], [{"a": 1}]) == ["$[].a: string where the reference has number"]
    assert shape_diff([], [{"a": 1}]) == []


def test_maps_compare_values_not_keys() -> None:
    reference = {"cameras": {"cam_a": {"fps": 5.0}}}
    actual = {"cameras": {"gate": {"fps": 1.0}, "lobby": {"fps": 0.0, "x": 1}}}
    assert shape_diff(actual, reference) != []
    assert shape_diff(actual, reference, maps=["$.cameras"]) == ["$.cameras.*: unexpected key 'x'"]


def test_json_types() -> None:
    values: tuple[object, ...] = (None, True, 1, 1.5, "s", [], {})
    assert [json_type(v) for v in values] == [
        "null",
        "bool",
        "number",
        "number",
        "string",
        "array",
        "object",
    ]


def test_recorded_errors_are_parsed() -> None:
    replies = recorded_errors()
    assert replies["GET /api/events/does-not-exist"].status == 404
    assert replies["GET /api/events/does-not-exist"].body == '"Event not found"'
    login = replies["POST /api/login with the right password (headers)"]
    assert login.headers["content-length"] == "0"
    assert len(replies) == 9


def test_reference_copies_match_the_shared_originals() -> None:
    if not SHARED.is_dir():
        pytest.skip("/work/shared/frigate is not mounted here")
    pairs = [(OPENAPI_FILE, SHARED / "openapi-generated.json"), (MQTT_DOCS, SHARED / "docs/mqtt.md")]
    pairs += [(SAMPLES / p.name, p) for p in (SHARED / "samples").iterdir() if p.suffix != ".md"]
    for copy, original in pairs:
        assert copy.read_bytes() == original.read_bytes(), copy.name
