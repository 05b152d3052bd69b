"""Tracked objects (events) and review items of one server, and their JSON shapes.

Every review item lists the ids of its events in `data.detections`, and every event's
`data.max_severity` is its review item's severity, as in Frigate's database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
import random
import string

from .model import Severity, SimCamera

ALERT_LABELS = ("person", "car")
LABELS = ("person", "car", "motorcycle", "bicycle")
_LABEL_WEIGHTS = (5, 3, 4, 1)
_ID_ALPHABET = string.ascii_lowercase + string.digits
# Malang plates start with N, Mojokerto's with S.
_PLATE_PREFIXES = ("N", "S", "L", "W")
HISTORY_EVENTS_PER_DAY = (2, 5)
# History is capped so a 660-camera city starts in a second or two.
HISTORY_MAX_DAYS = 14


def random_suffix(rng: random.Random) -> str:
    return "".join(rng.choice(_ID_ALPHABET) for _ in range(6))


def severity_for(label: str) -> Severity:
    return Severity.ALERT if label in ALERT_LABELS else Severity.DETECTION


@dataclass(eq=False)
class SimEvent:
    """A tracked object."""

    id: str
    camera: str
    label: str
    start_time: float
    end_time: float | None
    zones: list[str]
    sub_label: str | None = None
    sub_label_score: float | None = None
    has_clip: bool = True
    has_snapshot: bool = True
    retain_indefinitely: bool = False
    score: float = 0.8
    top_score: float = 0.9
    box: tuple[float, float, float, float] = (0.4, 0.2, 0.12, 0.3)
    max_severity: Severity = Severity.ALERT
    plate: str | None = None

    def http_row(self, *, detail: bool = False) -> dict[str, object]:
        """A row of /api/events (detail: /api/events/{id} adds the model fields)."""
        data: dict[str, object] = {
            "box": list(self.box),
            "region": [0.0, 0.0, 0.5, 0.5],
            "score": self.score,
            "top_score": self.top_score,
            "attributes": [],
            "average_estimated_speed": 0,
            "velocity_angle": 0,
            "type": "object",
            "max_severity": str(self.max_severity),
            "path_data": [],
        }
        if self.plate is not None:
            data["recognized_license_plate"] = self.plate
            data["recognized_license_plate_score"] = 0.91
        if self.sub_label is not None and self.sub_label_score is not None:
            data["sub_label_score"] = self.sub_label_score
        row: dict[str, object] = {
            "id": self.id,
            "camera": self.camera,
            "label": self.label,
            "zones": list(self.zones),
            "start_time": self.start_time,
            "end_time": self.end_time,
            "has_clip": self.has_clip,
            "has_snapshot": self.has_snapshot,
            "plus_id": None,
            "retain_indefinitely": self.retain_indefinitely,
            "sub_label": self.sub_label,
            "top_score": None,
            "false_positive": False,
            "box": None,
            "data": data,
            "thumbnail": None,
        }
        if detail:
            row["model_hash"] = None
            row["detector_type"] = "cpu"
            row["model_type"] = "ssd"
        return row

    def mqtt_object(self, frame_time: float, width: int, height: int) -> dict[str, object]:
        """The tracked-object state of a `frigate/events` message (pixel boxes, sub_label as
        [name, score] or null)."""
        x, y, w, h = self.box
        box = [int(x * width), int(y * height), int((x + w) * width), int((y + h) * height)]
        area = (box[2] - box[0]) * (box[3] - box[1])
        region = [0, 0, width // 2, height // 2]
        ended = self.end_time is not None
        sub_label: list[object] | None = (
            [self.sub_label, self.sub_label_score or 0.8] if self.sub_label is not None else None
        )
        return {
            "id": self.id,
            "camera": self.camera,
            "frame_time": frame_time,
            "snapshot": {
                "frame_time": frame_time,
                "box": box,
                "area": area,
                "region": region,
                "score": self.top_score,
                "attributes": [],
            },
            "label": self.label,
            "sub_label": sub_label,
            "top_score": self.top_score,
            "false_positive": False,
            "start_time": self.start_time,
            "end_time": self.end_time,
            "score": self.score,
            "box": box,
            "area": area,
            "ratio": round((box[2] - box[0]) / max(box[3] - box[1], 1), 6),
            "region": region,
            "current_zones": [] if ended else list(self.zones),
            "entered_zones": list(self.zones),
            "thumbnail": None,
            "has_snapshot": self.has_snapshot,
            "has_clip": self.has_clip,
            "active": not ended,
            "stationary": False,
            "motionless_count": 0,
            "position_changes": 1,
            "attributes": {},
            "current_attributes": [],
            "current_estimated_speed": 0,
            "average_estimated_speed": 0,
            "velocity_angle": 0,
            "recognized_license_plate": self.plate,
            "recognized_license_plate_score": 0.91 if self.plate else None,
        }


@dataclass(eq=False)
class SimReview:
    """A review item (alert or detection)."""

    id: str
    camera: str
    start_time: float
    end_time: float | None
    severity: Severity
    detections: list[str]
    objects: list[str]
    zones: list[str]
    sub_labels: list[str] = field(default_factory=list)
    reviewed_by: set[str] = field(default_factory=set)

    @property
    def thumb_path(self) -> str:
        return f"/media/frigate/clips/review/thumb-{self.camera}-{self.id}.webp"

    def http_row(self, user: str) -> dict[str, object]:
        return {
            "id": self.id,
            "camera": self.camera,
            "start_time": self.start_time,
            "end_time": self.end_time,
            "severity": str(self.severity),
            "thumb_path": self.thumb_path,
            "data": {
                "detections": list(self.detections),
                "objects": list(self.objects),
                "verified_objects": [],
                "sub_labels": list(self.sub_labels),
                "zones": list(self.zones),
                "audio": [],
                "thumb_time": self.start_time + 1.5,
                "metadata": None,
            },
            "has_been_reviewed": user in self.reviewed_by,
        }

    def mqtt_row(self) -> dict[str, object]:
        return {
            "id": self.id,
            "camera": self.camera,
            "start_time": self.start_time,
            "end_time": self.end_time,
            "severity": str(self.severity),
            "thumb_path": self.thumb_path,
            "data": {
                "detections": list(self.detections),
                "objects": list(self.objects),
                "sub_labels": list(self.sub_labels),
                "zones": list(self.zones),
                "audio": [],
            },
        }


@dataclass(frozen=True, slots=True)
class EventQuery:
    """The /api/events filters the simulator honours (lists are None for "all")."""

    cameras: frozenset[str] | None = None
    labels: frozenset[str] | None = None
    sub_labels: frozenset[str] | None = None
    zones: frozenset[str] | None = None
    after: float | None = None
    before: float | None = None
    limit: int | None = 100
    sort: str | None = None
    in_progress: int | None = None
    has_clip: int | None = None
    has_snapshot: int | None = None
    favorites: int | None = None
    min_score: float | None = None
    max_score: float | None = None
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class ReviewQuery:
    cameras: frozenset[str] | None = None
    labels: frozenset[str] | None = None
    zones: frozenset[str] | None = None
    severity: Severity | None = None
    reviewed: int | None = None
    after: float = 0.0
    before: float = 0.0
    limit: int | None = None
    # Frigate 0.17 keeps items overlapping (after, before); older releases only those inside it
    overlapping: bool = True


class Catalog:
    """Events and review items of one server."""

    def __init__(self) -> None:
        self.events: dict[str, SimEvent] = {}
        self.reviews: dict[str, SimReview] = {}
        self._events_by_camera: dict[str, list[SimEvent]] = {}
        self._reviews_by_camera: dict[str, list[SimReview]] = {}

    def add(self, review: SimReview, events: Iterable[SimEvent]) -> None:
        for event in events:
            self.events[event.id] = event
            self._events_by_camera.setdefault(event.camera, []).append(event)
        self.reviews[review.id] = review
        self._reviews_by_camera.setdefault(review.camera, []).append(review)

    def create(
        self,
        rng: random.Random,
        camera: SimCamera,
        *,
        label: str,
        severity: Severity,
        start_time: float,
        end_time: float | None,
        zones: Sequence[str],
        sub_label: str | None = None,
    ) -> tuple[SimReview, SimEvent]:
        """A review item with one event, with ids in Frigate's `<start>-<6 chars>` form."""
        event_start = start_time + 0.5
        score = round(rng.uniform(0.6, 0.95), 4)
        event = SimEvent(
            id=f"{event_start:.6f}-{random_suffix(rng)}",
            camera=camera.name,
            label=label,
            start_time=event_start,
            end_time=None if end_time is None else end_time - 2.0,
            zones=list(zones),
            sub_label=sub_label,
            sub_label_score=0.87 if sub_label else None,
            has_clip=camera.record_enabled,
            score=score,
            top_score=round(min(score + rng.uniform(0.0, 0.05), 0.99), 4),
            box=(round(rng.uniform(0.05, 0.8), 4), round(rng.uniform(0.05, 0.6), 4), 0.12, 0.3),
            max_severity=severity,
            plate=_plate(rng) if label == "car" and rng.random() < 0.5 else None,
        )
        review = SimReview(
            id=f"{start_time:.6f}-{random_suffix(rng)}",
            camera=camera.name,
            start_time=start_time,
            end_time=end_time,
            severity=severity,
            detections=[event.id],
            objects=[label],
            zones=list(zones),
            sub_labels=[sub_label] if sub_label else [],
        )
        self.add(review, [event])
        return review, event

    def generate_history(
        self, rng: random.Random, camera: SimCamera, now: float, busy: Sequence[tuple[float, float]]
    ) -> None:
        """Past activity of `camera` over its retention, skipping spans in `busy` (gaps)."""
        if not camera.enabled:
            return
        days = min(camera.retention.longest_days, HISTORY_MAX_DAYS)
        count = int(days * rng.randint(*HISTORY_EVENTS_PER_DAY))
        zones = camera.zone_names
        for _ in range(count):
            start = round(now - rng.uniform(120.0, days * 86400), 6)
            duration = rng.uniform(20.0, 90.0)
            if any(s - 60 <= start <= e for s, e in busy):
                continue
            label = rng.choices(LABELS, weights=_LABEL_WEIGHTS)[0]
            picked = [z for z in zones if rng.random() < 0.4]
            self.create(
                rng,
                camera,
                label=label,
                severity=severity_for(label),
                start_time=start,
                end_time=start + duration,
                zones=picked,
            )

    def review_windows(self, camera: SimCamera, now: float) -> list[tuple[float, float]]:
        """Footage kept because of review items still inside alert/detection retention."""
        retention = camera.retention
        windows: list[tuple[float, float]] = []
        for review in self._reviews_by_camera.get(camera.name, []):
            end = now if review.end_time is None else review.end_time
            if end < now - retention.review_days(review.severity) * 86400:
                continue
            windows.append((review.start_time - retention.pre_capture_s, end + retention.post_capture_s))
        return windows

    def clip_starts(self, camera: str) -> list[float]:
        return [e.start_time for e in self._events_by_camera.get(camera, []) if e.has_clip]

    def query_events(self, query: EventQuery) -> list[SimEvent]:
        rows = [e for e in self.events.values() if _event_matches(e, query)]
        sort = query.sort or "date_desc"
        if sort.startswith("score"):
            rows.sort(key=lambda e: e.score, reverse=sort.endswith("desc"))
        else:
            rows.sort(key=lambda e: e.start_time, reverse=sort != "date_asc")
        if query.limit is not None and query.limit >= 0:
            rows = rows[: query.limit]
        return rows

    def query_reviews(self, query: ReviewQuery, user: str) -> list[SimReview]:
        rows = [r for r in self.reviews.values() if _review_matches(r, query, user)]
        rows.sort(key=lambda r: r.start_time, reverse=True)
        if query.limit is not None and query.limit >= 0:
            rows = rows[: query.limit]
        return rows


def _plate(rng: random.Random) -> str:
    letters = "".join(rng.choice(string.ascii_uppercase) for _ in range(2))
    return f"{rng.choice(_PLATE_PREFIXES)} {rng.randint(1000, 9999)} {letters}"


def _event_matches(event: SimEvent, q: EventQuery) -> bool:
    checks = (
        q.cameras is None or event.camera in q.cameras,
        q.labels is None or event.label in q.labels,
        q.sub_labels is None or (event.sub_label or "None") in q.sub_labels,
        q.zones is None or bool(q.zones.intersection(event.zones)),
        q.after is None or event.start_time > q.after,
        q.before is None or event.start_time < q.before,
        q.in_progress is None or (event.end_time is None) == bool(q.in_progress),
        q.has_clip is None or event.has_clip == bool(q.has_clip),
        q.has_snapshot is None or event.has_snapshot == bool(q.has_snapshot),
        q.favorites is None or not q.favorites or event.retain_indefinitely,
        q.min_score is None or event.score >= q.min_score,
        q.max_score is None or event.score <= q.max_score,
        q.event_id is None or event.id == q.event_id,
    )
    return all(checks)


def _review_matches(review: SimReview, q: ReviewQuery, user: str) -> bool:
    if q.overlapping:
        in_window = review.start_time < q.before and (review.end_time is None or review.end_time > q.after)
    else:
        in_window = review.start_time > q.after and (review.end_time is None or review.end_time < q.before)
    checks = (
        in_window,
        q.cameras is None or review.camera in q.cameras,
        q.labels is None or bool(q.labels.intersection(review.objects)),
        q.zones is None or bool(q.zones.intersection(review.zones)),
        q.severity is None or review.severity is q.severity,
        q.reviewed is None or (user in review.reviewed_by) == bool(q.reviewed),
    )
    return all(checks)
