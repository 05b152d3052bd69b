"""Shape comparison of JSON documents and OpenAPI response validation for the simulator tests."""

from __future__ import annotations

from collections.abc import Iterable
import copy
from dataclasses import dataclass
import json
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]

# Copies of /work/shared/frigate (see tests/fixtures/frigate/README.md).
REFERENCE = Path(__file__).resolve().parent.parent / "fixtures" / "frigate"
SAMPLES = REFERENCE / "samples"
OPENAPI_FILE = REFERENCE / "openapi-generated.json"
MQTT_DOCS = REFERENCE / "mqtt.md"
# the workplace keeps the originals next to the repository
SHARED = Path(__file__).resolve().parents[3] / "shared" / "frigate"


def json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    raise TypeError(f"not a JSON value: {value!r}")


def shape_diff(actual: object, expected: object, *, maps: Iterable[str] = (), path: str = "$") -> list[str]:
    """Differences in shape between two JSON documents.

    Compared: the JSON type of every value (null matches anything: the field is nullable), the
    keys of every object, and every list element against the closest element of the expected
    list. Objects whose path is in `maps` have data-dependent keys (camera names, zones): each
    of their values is compared with the closest expected value instead. Inside a map a key
    reads `*`, inside a list `[]`, e.g. `$.cameras.*.zones`.
    """
    return _diff(actual, expected, frozenset(maps), path)


def _closest(actual: object, candidates: list[Any], maps: frozenset[str], path: str) -> list[str]:
    best: list[str] | None = None
    for candidate in candidates:
        diffs = _diff(actual, candidate, maps, path)
        if best is None or len(diffs) < len(best):
            best = diffs
        if not best:
            break
    return best or []


def _diff(actual: object, expected: object, maps: frozenset[str], path: str) -> list[str]:
    if actual is None or expected is None:
        return []
    actual_type, expected_type = json_type(actual), json_type(expected)
    if actual_type != expected_type:
        return [f"{path}: {actual_type} where the reference has {expected_type}"]
    if isinstance(actual, list):
        assert isinstance(expected, list)
        if not actual or not expected:
            return []
        diffs: list[str] = []
        for item in actual:
            diffs.extend(_closest(item, expected, maps, f"{path}[]"))
        return sorted(set(diffs))
    if isinstance(actual, dict):
        assert isinstance(expected, dict)
        if path in maps:
            if not expected:
                return []
            candidates = list(expected.values())
            out: list[str] = []
            for value in actual.values():
                out.extend(_closest(value, candidates, maps, f"{path}.*"))
            return sorted(set(out))
        out = [f"{path}: missing key {key!r}" for key in expected if key not in actual]
        out += [f"{path}: unexpected key {key!r}" for key in actual if key not in expected]
        for key in actual.keys() & expected.keys():
            out.extend(_diff(actual[key], expected[key], maps, f"{path}.{key}"))
        return out
    return []


def sample(name: str) -> Any:
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class RecordedReply:
    title: str
    status: int
    headers: dict[str, str]
    body: str


def recorded_errors() -> dict[str, RecordedReply]:
    """samples/errors_and_auth.txt as {section title: reply}."""
    replies: dict[str, RecordedReply] = {}
    text = (SAMPLES / "errors_and_auth.txt").read_text(encoding="utf-8")
    for block in text.split("## ")[1:]:
        title, _, rest = block.partition("\n")
        head, _, body = rest.partition("\n\n")
        lines = head.strip().splitlines()
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        replies[title.strip()] = RecordedReply(title.strip(), status, headers, body.strip())
    return replies


def openapi() -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))
    return spec


# Where Frigate 0.17.2's declared schema and what it serves disagree (the samples are what it
# serves). Each patch is proven necessary by test_spec_deviations_are_real.
SPEC_DEVIATIONS = {
    "ReviewSegmentResponse": "start_time/end_time are epoch numbers (end_time null while "
    "ongoing), not date-time strings",
    "EventResponse (list)": "GET /events rows omit model_hash, detector_type and model_type",
}


def response_schema(spec_path: str, method: str = "get", *, as_served: bool = True) -> dict[str, Any] | None:
    """The 200 JSON schema the spec declares for an operation (None when it declares none),
    resolvable on its own; `as_served` applies SPEC_DEVIATIONS."""
    spec = openapi()
    operation = spec["paths"][spec_path][method]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    if not schema:
        return None
    components = copy.deepcopy(spec["components"])
    if as_served:
        review = components["schemas"]["ReviewSegmentResponse"]["properties"]
        for key in ("start_time", "end_time"):
            review[key] = {"type": ["number", "null"]}
        if spec_path == "/events":
            event = components["schemas"]["EventResponse"]
            event["required"] = [
                k for k in event["required"] if k not in ("model_hash", "detector_type", "model_type")
            ]
    return {**schema, "components": components}


def schema_errors(instance: object, schema: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft202012Validator(schema)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]
