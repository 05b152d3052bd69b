"""Recording footage: which seconds exist, as ~10 s segments, summaries and gaps.

Footage is never stored. For a camera and a window, `available()` works out the spans with
recordings (retention window and review windows, minus gaps and outages); every other answer
(segment rows, hourly summary, unavailable spans, storage use) is derived from those spans, so
they agree with each other by construction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from functools import lru_cache
import hashlib
import math
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .model import SimCamera, TimeRange

SEGMENT_S = 10
# A bounded answer for /api/{cam}/recordings: one day of 10 s segments.
MAX_SEGMENT_ROWS = 8640
_MASK64 = (1 << 64) - 1

Span = tuple[float, float]


def merge(spans: Iterable[Span]) -> list[Span]:
    """Sorted union of spans; empty spans are dropped."""
    out: list[Span] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def subtract(spans: Sequence[Span], holes: Iterable[Span]) -> list[Span]:
    """`spans` (sorted, disjoint) minus `holes`."""
    result = list(spans)
    for hole_start, hole_end in merge(holes):
        next_result: list[Span] = []
        for start, end in result:
            if hole_end <= start or hole_start >= end:
                next_result.append((start, end))
                continue
            if start < hole_start:
                next_result.append((start, hole_start))
            if hole_end < end:
                next_result.append((hole_end, end))
        result = next_result
    return result


def clip(spans: Sequence[Span], lo: float, hi: float) -> list[Span]:
    return [(max(s, lo), min(e, hi)) for s, e in spans if e > lo and s < hi]


def total(spans: Iterable[Span]) -> float:
    return sum(e - s for s, e in spans)


def parse_timezone(name: str) -> tzinfo:
    """Frigate's `timezone` query value (default "utc"); ValueError when unknown."""
    if name.lower() == "utc":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ValueError(f"unknown timezone {name!r}") from err


def _mix64(value: int) -> int:
    """SplitMix64 finaliser: a cheap, well-spread hash of an integer."""
    value = (value + 0x9E3779B97F4A7C15) & _MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


def stable_key(*parts: object) -> int:
    """A 64-bit key that is the same in every run (unlike hash())."""
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


@dataclass(frozen=True, slots=True)
class SegmentFacts:
    size_mb: float
    motion: int
    objects: int


def segment_facts(camera_key: int, slot: int, bandwidth_mb_h: float, duration: float) -> SegmentFacts:
    """Deterministic size / motion / object count of the segment in 10 s slot `slot`."""
    h = _mix64(camera_key ^ (slot * 0xD6E8FEB86659FD93 & _MASK64))
    jitter = 0.8 + (h & 0xFFFF) / 0xFFFF * 0.4
    size = bandwidth_mb_h / 360.0 * jitter * duration / SEGMENT_S
    motion_pick = (h >> 16) & 0xFF
    motion = 0 if motion_pick < 64 else (120 if motion_pick < 160 else 800)
    objects = ((h >> 24) & 0x3) if motion else 0
    return SegmentFacts(round(size, 3), motion, objects)


def _slots(start: float, end: float) -> Iterator[tuple[int, float, float]]:
    """(slot, segment start, segment end) for the 10 s slots covering [start, end)."""
    slot = int(start // SEGMENT_S)
    while slot * SEGMENT_S < end:
        seg_start = max(float(slot * SEGMENT_S), start)
        seg_end = min(float((slot + 1) * SEGMENT_S), end)
        if seg_end > seg_start:
            yield slot, seg_start, seg_end
        slot += 1


@lru_cache(maxsize=65536)
def _hour_totals(camera_key: int, parts: tuple[Span, ...], bandwidth_mb_h: float) -> tuple[float, int, int]:
    duration = 0.0
    motion = 0
    objects = 0
    for start, end in parts:
        for slot, seg_start, seg_end in _slots(start, end):
            facts = segment_facts(camera_key, slot, bandwidth_mb_h, seg_end - seg_start)
            duration += seg_end - seg_start
            motion += facts.motion
            objects += facts.objects
    return duration, motion, objects


def _number(value: float) -> int | float:
    """Whole seconds as JSON integers, as Frigate's rows show them."""
    return int(value) if float(value).is_integer() else value


class CameraFootage:
    """Footage facts of one camera of one server."""

    def __init__(self, camera: SimCamera, seed: int, server_name: str) -> None:
        self.camera = camera
        self.key = stable_key(seed, server_name, camera.name)
        pixels = camera.detect_width * camera.detect_height / (1280 * 720)
        base = 300.0 + (self.key % 1200) / 10.0
        self.bandwidth_mb_h = round(base * min(max(pixels, 0.25), 4.0), 1)

    def available(self, lo: float, hi: float, now: float, review_windows: Iterable[Span]) -> list[Span]:
        """Spans with recordings inside [lo, hi)."""
        camera = self.camera
        if not camera.record_enabled or not camera.enabled:
            return []
        # Segments reach the database once complete: footage ends at the last 10 s boundary.
        hi = min(hi, math.floor(now / SEGMENT_S) * SEGMENT_S)
        if hi <= lo:
            return []
        spans: list[Span] = list(review_windows)
        footage_days = camera.retention.footage_days
        if footage_days > 0:
            spans.append((now - footage_days * 86400, hi))
        kept = clip(merge(spans), lo, hi)
        holes = [(h.start, h.end) for h in camera.holes(now)]
        return subtract(kept, holes)

    def segments(self, spans: Sequence[Span], after: float, before: float) -> list[dict[str, object]]:
        """Rows of /api/{cam}/recordings: end_time >= after and start_time <= before."""
        rows: list[dict[str, object]] = []
        for start, end in clip(spans, after - SEGMENT_S, before + SEGMENT_S):
            for slot, seg_start, seg_end in _slots(start, end):
                if seg_end < after or seg_start > before:
                    continue
                duration = seg_end - seg_start
                facts = segment_facts(self.key, slot, self.bandwidth_mb_h, duration)
                rows.append(
                    {
                        "id": f"{float(seg_start)}-{_suffix(self.key, slot)}",
                        "start_time": _number(seg_start),
                        "end_time": _number(seg_end),
                        "segment_size": facts.size_mb,
                        "motion": facts.motion,
                        "objects": facts.objects,
                        "duration": float(duration),
                    }
                )
                if len(rows) >= MAX_SEGMENT_ROWS:
                    return rows
        return rows

    def hourly_summary(
        self, spans: Sequence[Span], zone: tzinfo, event_starts: Sequence[float]
    ) -> list[dict[str, object]]:
        """/api/{cam}/recordings/summary: days and hours newest first."""
        day_events: dict[str, int] = {}
        day_hours: dict[str, list[dict[str, object]]] = {}
        if not spans:
            return []
        for hour_start, hour_end in _local_hours_desc(spans[0][0], spans[-1][1], zone):
            parts = tuple(clip(spans, hour_start, hour_end))
            if not parts:
                continue
            duration, motion, objects = _hour_totals(self.key, parts, self.bandwidth_mb_h)
            events = sum(1 for t in event_starts if hour_start <= t < hour_end)
            local = datetime.fromtimestamp(hour_start, zone)
            day = local.strftime("%Y-%m-%d")
            day_events[day] = day_events.get(day, 0) + events
            day_hours.setdefault(day, []).append(
                {
                    "hour": local.strftime("%H"),
                    "events": events,
                    "motion": motion,
                    "objects": objects,
                    "duration": round(duration),
                }
            )
        return [{"events": day_events[day], "hours": hours, "day": day} for day, hours in day_hours.items()]

    def usage_mb(self, spans: Sequence[Span]) -> float:
        return self.bandwidth_mb_h * total(spans) / 3600.0


def _suffix(key: int, slot: int) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    h = _mix64(key ^ slot ^ 0x5DEECE66D)
    chars = []
    for _ in range(6):
        chars.append(alphabet[h % 36])
        h //= 36
    return "".join(chars)


def _local_hours_desc(lo: float, hi: float, zone: tzinfo) -> Iterator[tuple[float, float]]:
    """Local clock hours covering [lo, hi), newest first, as epoch spans."""
    offset = datetime.fromtimestamp(hi, zone).utcoffset()
    shift = int(offset.total_seconds()) if offset else 0
    start = math.floor((hi - 1e-9 + shift) / 3600) * 3600 - shift
    while start + 3600 > lo:
        yield float(start), float(start + 3600)
        start -= 3600


def days_with_footage(spans: Sequence[Span], zone: tzinfo) -> set[str]:
    days: set[str] = set()
    for start, end in spans:
        cursor = start
        while cursor < end:
            local = datetime.fromtimestamp(cursor, zone)
            days.add(local.strftime("%Y-%m-%d"))
            next_midnight = local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
            cursor = max(next_midnight + 86400, cursor + 1)
    return days


def unavailable(spans: Sequence[Span], after: float, before: float, scale: int) -> list[dict[str, int]]:
    """Frigate's /recordings/unavailable: runs of `scale`-second buckets (counted from `after`)
    that no recording overlaps, as integer epoch spans."""
    if before <= after:
        return []
    scale = max(int(scale), 1)
    covered = merge(clip(spans, after, before))
    holes: list[Span] = []
    cursor = after
    for start, end in covered:
        if start > cursor:
            holes.append((cursor, start))
        cursor = max(cursor, end)
    if cursor < before:
        holes.append((cursor, before))
    result: list[dict[str, int]] = []
    for hole_start, hole_end in holes:
        first = math.ceil((hole_start - after) / scale)
        bucket_start = after + first * scale
        if hole_end >= before:
            run_end = before
        else:
            last_bucket_end = after + math.floor((hole_end - after) / scale) * scale
            run_end = last_bucket_end
        if run_end > bucket_start:
            result.append({"start_time": int(bucket_start), "end_time": int(run_end)})
    return result


def seeded_gaps(camera: SimCamera, seed: int, server_name: str, anchor: float) -> list[TimeRange]:
    """Three recording gaps per camera, fixed by the seed (README "Recording gaps"):
    one of 10-40 min starting 2-20 h before `anchor`, two of 5-60 min further back inside the
    footage window."""
    key = stable_key(seed, server_name, camera.name, "gaps")
    window_s = max(camera.retention.footage_days, 1.0) * 86400

    def pick(salt: int, low: float, high: float) -> float:
        return low + (_mix64(key ^ salt) % 10_000) / 10_000 * (high - low)

    gaps: list[TimeRange] = []
    recent_start = anchor - pick(1, 2 * 3600, 20 * 3600)
    gaps.append(TimeRange(round(recent_start), round(recent_start + pick(2, 600, 2400))))
    older_low = 26 * 3600
    older_high = max(window_s - 3 * 3600, older_low + 3600)
    for salt in (3, 5):
        start = anchor - pick(salt, older_low, older_high)
        gaps.append(TimeRange(round(start), round(start + pick(salt + 1, 300, 3600))))
    return sorted(gaps, key=lambda g: g.start)


def offline_since(camera: SimCamera, seed: int, server_name: str, anchor: float) -> float:
    """When a camera that is offline at start went dark: 10-60 min before `anchor`."""
    key = stable_key(seed, server_name, camera.name, "offline")
    return float(round(anchor - 600 - (_mix64(key) % 3001)))
