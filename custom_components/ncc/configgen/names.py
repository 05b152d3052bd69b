"""Names from user input made safe for Frigate and for YAML.

A mall may call its camera `Lobby "Utama": {{x}}`. Frigate needs camera names matching
`^[a-zA-Z0-9_-]+$` (config.schema.json), unique on the server and distinct from its own MQTT
topics; the display name survives as `friendly_name`, cleaned of control and invisible
characters and written as a quoted YAML scalar, so no name can add or change configuration.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
import math
import re
import unicodedata

from ..core.cameras import REGISTRY_SERVER

FRIGATE_NAME = re.compile(r"^[a-zA-Z0-9_-]+$")
MAX_NAME_LENGTH = 48
MAX_FRIENDLY_LENGTH = 100
FALLBACK_NAME = "camera"

# Frigate publishes these directly under its topic prefix (docs/mqtt.md) and restreams
# `birdseye` through go2rtc: a camera of that name would collide with them.
RESERVED_NAMES = frozenset({
    "available", "restart", "events", "tracked_object_update", "reviews", "triggers", "stats",
    "camera_activity", "notifications", "birdseye",
})

_NOT_NAME = re.compile(r"[^a-z0-9]+")
# Invisible characters that could make two names look alike or reorder text (bidi controls),
# except the joiners emoji sequences need.
_KEEP_FORMAT = frozenset({"\u200c", "\u200d"})
# YAML 1.1 reads these unquoted as booleans or null; names matching them are quoted.
_YAML_WORDS = frozenset({
    "y", "n", "yes", "no", "true", "false", "on", "off", "null",
})
_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


def clean_text(text: str, max_length: int = MAX_FRIENDLY_LENGTH) -> str:
    """Free text without control, private-use, unassigned or bidi characters, on one line."""
    normalized = unicodedata.normalize("NFC", text)
    kept = []
    for char in normalized:
        category = unicodedata.category(char)
        if category in ("Zl", "Zp") or (category.startswith("C") and char not in _KEEP_FORMAT):
            kept.append(" " if category in ("Cc", "Zl", "Zp") else "")
        else:
            kept.append(char)
    single_line = " ".join("".join(kept).split())
    return single_line[:max_length].rstrip()


def frigate_name(text: str) -> str:
    """A Frigate camera name from free text ("Simpang 4 (Utara)" -> "simpang_4_utara")."""
    letters = "".join(
        char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char)
    )
    slug = _NOT_NAME.sub("_", letters.lower()).strip("_")
    return slug[:MAX_NAME_LENGTH].rstrip("_") or FALLBACK_NAME


def is_usable_name(name: str) -> bool:
    return (
        bool(FRIGATE_NAME.match(name))
        and len(name) <= MAX_NAME_LENGTH
        and name.lower() not in RESERVED_NAMES
    )


def _free(base: str, taken: set[str]) -> str:
    """`base` or `base_2`, `base_3`... not taken (case-insensitively: recordings are folders)."""
    if base.lower() in RESERVED_NAMES:
        base = f"{base}_camera"
    candidate, number = base, 2
    while candidate.lower() in taken:
        suffix = f"_{number}"
        candidate = f"{base[: MAX_NAME_LENGTH - len(suffix)]}{suffix}"
        number += 1
    taken.add(candidate.lower())
    return candidate


def assign_camera_names(server_id: str, cameras: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Frigate names for (camera id, display name) pairs recorded on `server_id`.

    A camera already on this server keeps its name, so its registry id (`<server>/<name>`)
    stays the same; a camera moved from another server keeps its name where free; any other
    camera (a registry camera, e.g. a mall's) gets one from its display name.
    """
    pairs = sorted(cameras)
    taken: set[str] = set()
    names: dict[str, str] = {}
    for camera_id, _ in pairs:
        origin, _, current = camera_id.partition("/")
        if origin == server_id and is_usable_name(current) and current.lower() not in taken:
            names[camera_id] = current
            taken.add(current.lower())
    for camera_id, display_name in pairs:
        if camera_id in names:
            continue
        origin, _, current = camera_id.partition("/")
        moved = origin != REGISTRY_SERVER and FRIGATE_NAME.match(current)
        base = current[:MAX_NAME_LENGTH] if moved else frigate_name(display_name)
        names[camera_id] = _free(base, taken)
    return names


def env_names(names: Mapping[str, str], prefix: str) -> dict[str, str]:
    """Environment variable stems (`FRIGATE_CAM_<NAME>`) for Frigate names, unique per server."""
    taken: set[str] = set()
    stems: dict[str, str] = {}
    for key, name in sorted(names.items(), key=lambda item: item[1]):
        base = f"{prefix}{re.sub(r'[^A-Z0-9]', '_', name.upper())}"
        stem, number = base, 2
        while stem in taken:
            stem = f"{base}_{number}"
            number += 1
        taken.add(stem)
        stems[key] = stem
    return stems


def _escape(char: str) -> str:
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:  # a lone surrogate cannot be written as UTF-8
        return "\\uFFFD"
    return f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}"


_SIMPLE_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _needs_escape(char: str) -> bool:
    code = ord(char)
    return (
        code < 0x20
        or 0x7F <= code <= 0x9F
        or 0xD800 <= code <= 0xDFFF
        or code in (0x2028, 0x2029, 0xFEFF, 0xFFFE, 0xFFFF)
    )


def yaml_quote(text: str) -> str:
    """`text` as a double-quoted YAML scalar on one line, whatever it contains."""
    out = []
    for char in text:
        if char in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[char])
        elif _needs_escape(char):
            out.append(_escape(char))
        else:
            out.append(char)
    return f'"{"".join(out)}"'


def yaml_scalar(value: object) -> str:
    """One value as YAML on one line: plain when unambiguous, otherwise quoted.

    Lists and mappings become flow collections, so a value can never add lines or keys.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("only finite numbers can be written")
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        if _PLAIN.match(value) and value.lower() not in _YAML_WORDS:
            return value
        return yaml_quote(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(yaml_scalar(item) for item in value) + "]"
    if isinstance(value, Mapping):
        pairs = (f"{yaml_scalar(str(key))}: {yaml_scalar(item)}" for key, item in value.items())
        return "{" + ", ".join(pairs) + "}"
    raise TypeError(f"cannot write a {type(value).__name__} into the configuration")
