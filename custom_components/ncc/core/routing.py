"""Who must act on what Frigate saw: routing rules and which of them a review item matches.

Frigate decides *what* it saw (a review item: labels, severity, zones); a routing rule decides
*who* must act: the agencies it targets, how long the same camera stays quiet for the same rule
(cooldown), and whom an unacknowledged incident escalates to. The camera's owner and the
agencies with an applying `receive_alerts` grant are "the camera's agencies"; who they are is
decided by `permissions.authorize`, nothing here.

Everything is pure: the caller passes the registry, the time and the city's time zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Any, Final

from .errors import (
    ConflictError,
    NotFoundError,
    ValidationError,
    check_slug,
    check_text,
    slugify,
    unique_id,
)
from .operators import Role
from .permissions import Action, Actor, CameraTarget, authorize
from .registry import Registry

DEFAULT_RULE_ID: Final = "default"
MAX_RULES: Final = 200
MAX_LIST_ITEMS: Final = 50
MAX_TERM_LENGTH: Final = 64
MAX_COOLDOWN: Final = timedelta(days=1)
MAX_ESCALATE_AFTER: Final = timedelta(days=1)
MAX_MIN_OBJECTS: Final = 1000
DEFAULT_COOLDOWN: Final = timedelta(minutes=5)


class Severity(StrEnum):
    """Frigate's two kinds of review item."""

    ALERT = "alert"
    DETECTION = "detection"


class RoutingErrorKey(StrEnum):
    """Translation keys of routing errors (messages in the alerts fragment)."""

    RULE_NOT_FOUND = "routing_rule_not_found"
    RULE_HAS_NO_TARGET = "routing_rule_has_no_target"
    TIME_WINDOW_EMPTY = "routing_time_window_empty"
    TIME_WINDOW_INCOMPLETE = "routing_time_window_incomplete"
    INVALID_DURATION = "routing_invalid_duration"
    INVALID_MIN_OBJECTS = "routing_invalid_min_objects"
    TOO_MANY_ITEMS = "routing_too_many_items"
    TOO_MANY_RULES = "routing_too_many_rules"
    DEFAULT_RULE_PROTECTED = "routing_default_rule_protected"


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A daily period in the city's local time; `start` after `end` wraps midnight."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start == self.end:
            raise ValidationError(RoutingErrorKey.TIME_WINDOW_EMPTY, field="time_after")

    def contains(self, moment: time) -> bool:
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    def to_dict(self) -> dict[str, str]:
        return {"after": self.start.isoformat(), "before": self.end.isoformat()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TimeWindow:
        return cls(time.fromisoformat(str(data["after"])), time.fromisoformat(str(data["before"])))


@dataclass(frozen=True, slots=True)
class TrackedObject:
    """An object Frigate is tracking on a camera now (from its events)."""

    label: str
    zones: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ReviewObservation:
    """One Frigate review item as NCC received it (over MQTT or by polling).

    `tracked` are the objects Frigate tracks on the camera at that moment; routing counts them
    for rules with an object threshold.
    """

    server_id: str
    camera_id: str
    review_id: str
    severity: Severity
    labels: tuple[str, ...]
    started_at: datetime
    sub_labels: tuple[str, ...] = ()
    zones: tuple[str, ...] = ()
    detections: tuple[str, ...] = ()
    ended_at: datetime | None = None
    tracked: tuple[TrackedObject, ...] = ()


def _terms(values: Iterable[str], field_name: str) -> frozenset[str]:
    items = [check_text(str(value), field_name, max_length=MAX_TERM_LENGTH) for value in values]
    if len(items) > MAX_LIST_ITEMS:
        raise ValidationError(RoutingErrorKey.TOO_MANY_ITEMS, field=field_name, max_items=MAX_LIST_ITEMS)
    return frozenset(items)


def _ids(values: Iterable[str], field_name: str) -> tuple[str, ...]:
    result: list[str] = []
    for value in values:
        if value not in result:
            result.append(value)
    if len(result) > MAX_LIST_ITEMS:
        raise ValidationError(RoutingErrorKey.TOO_MANY_ITEMS, field=field_name, max_items=MAX_LIST_ITEMS)
    return tuple(result)


def _duration(value: timedelta, field_name: str, longest: timedelta) -> timedelta:
    if not timedelta(0) <= value <= longest:
        raise ValidationError(
            RoutingErrorKey.INVALID_DURATION,
            field=field_name,
            value=int(value.total_seconds()),
            max_seconds=int(longest.total_seconds()),
        )
    return value


@dataclass(frozen=True, slots=True)
class RoutingRule:
    """When a review item concerns which agencies.

    Empty criteria match anything. `min_objects` counts tracked objects with one of `labels`
    (any label when empty) inside one of `zones` (any zone when empty; no zone needed unless
    `require_zone`). `notify_camera_agencies` adds the camera's owner and the agencies with an
    applying `receive_alerts` grant to `target_agency_ids`. Unacknowledged incidents escalate
    every `escalate_after` to the next agency of `escalate_to`, then to the city's own agency.
    """

    id: str
    name: str
    enabled: bool = True
    labels: frozenset[str] = frozenset()
    sub_labels: frozenset[str] = frozenset()
    severities: frozenset[Severity] = frozenset()
    zones: frozenset[str] = frozenset()
    require_zone: bool = False
    camera_ids: frozenset[str] = frozenset()
    site_ids: frozenset[str] = frozenset()
    owner_agency_ids: frozenset[str] = frozenset()
    time_window: TimeWindow | None = None
    min_objects: int | None = None
    target_agency_ids: tuple[str, ...] = ()
    notify_camera_agencies: bool = False
    cooldown: timedelta = DEFAULT_COOLDOWN
    escalate_after: timedelta | None = None
    escalate_to: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_slug(self.id, "rule_id")
        object.__setattr__(self, "name", check_text(self.name, "name"))
        object.__setattr__(self, "labels", _terms(self.labels, "labels"))
        object.__setattr__(self, "sub_labels", _terms(self.sub_labels, "sub_labels"))
        object.__setattr__(self, "zones", _terms(self.zones, "zones"))
        object.__setattr__(self, "severities", frozenset(Severity(s) for s in self.severities))
        object.__setattr__(self, "camera_ids", frozenset(_ids(self.camera_ids, "camera_ids")))
        object.__setattr__(self, "site_ids", frozenset(_ids(self.site_ids, "site_ids")))
        owners = frozenset(_ids(self.owner_agency_ids, "owner_agency_ids"))
        object.__setattr__(self, "owner_agency_ids", owners)
        object.__setattr__(self, "target_agency_ids", _ids(self.target_agency_ids, "target_agency_ids"))
        object.__setattr__(self, "escalate_to", _ids(self.escalate_to, "escalate_to"))
        if self.min_objects is not None and (
            isinstance(self.min_objects, bool)
            or not isinstance(self.min_objects, int)
            or not 1 <= self.min_objects <= MAX_MIN_OBJECTS
        ):
            raise ValidationError(
                RoutingErrorKey.INVALID_MIN_OBJECTS, field="min_objects", value=self.min_objects,
                max_objects=MAX_MIN_OBJECTS,
            )
        _duration(self.cooldown, "cooldown_seconds", MAX_COOLDOWN)
        if self.escalate_after is not None:
            _duration(self.escalate_after, "escalate_after_minutes", MAX_ESCALATE_AFTER)
        if not self.target_agency_ids and not self.notify_camera_agencies:
            raise ValidationError(RoutingErrorKey.RULE_HAS_NO_TARGET, field="target_agency_ids")

    @property
    def referenced_agency_ids(self) -> frozenset[str]:
        return frozenset(self.target_agency_ids) | frozenset(self.escalate_to) | self.owner_agency_ids

    def matches(self, observation: ReviewObservation, site_id: str | None, owner_agency_id: str,
                local_time: time) -> bool:
        """Whether a review item on a camera at `site_id` owned by `owner_agency_id` matches."""
        checks = (
            self.enabled,
            not self.severities or observation.severity in self.severities,
            not self.labels or not self.labels.isdisjoint(observation.labels),
            not self.sub_labels or not self.sub_labels.isdisjoint(observation.sub_labels),
            not self.zones or not self.zones.isdisjoint(observation.zones),
            not self.require_zone or bool(observation.zones),
            not self.camera_ids or observation.camera_id in self.camera_ids,
            not self.site_ids or site_id in self.site_ids,
            not self.owner_agency_ids or owner_agency_id in self.owner_agency_ids,
            self.time_window is None or self.time_window.contains(local_time),
        )
        return all(checks) and self._enough_objects(observation.tracked)

    def _enough_objects(self, tracked: Iterable[TrackedObject]) -> bool:
        if self.min_objects is None:
            return True
        count = sum(
            1
            for item in tracked
            if (not self.labels or item.label in self.labels)
            and (not self.zones or not self.zones.isdisjoint(item.zones))
            and (not self.require_zone or bool(item.zones))
        )
        return count >= self.min_objects

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (also what actions and the dashboard show)."""
        return {
            "id": self.id,
            "name": self.name,
            "enabled": self.enabled,
            "labels": sorted(self.labels),
            "sub_labels": sorted(self.sub_labels),
            "severities": sorted(s.value for s in self.severities),
            "zones": sorted(self.zones),
            "require_zone": self.require_zone,
            "camera_ids": sorted(self.camera_ids),
            "site_ids": sorted(self.site_ids),
            "owner_agency_ids": sorted(self.owner_agency_ids),
            "time_window": None if self.time_window is None else self.time_window.to_dict(),
            "min_objects": self.min_objects,
            "target_agency_ids": list(self.target_agency_ids),
            "notify_camera_agencies": self.notify_camera_agencies,
            "cooldown_seconds": int(self.cooldown.total_seconds()),
            "escalate_after_minutes": (
                None if self.escalate_after is None else int(self.escalate_after.total_seconds() // 60)
            ),
            "escalate_to": list(self.escalate_to),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RoutingRule:
        window = data.get("time_window")
        minutes = data.get("escalate_after_minutes")
        return cls(
            id=str(data["id"]),
            name=str(data["name"]),
            enabled=bool(data.get("enabled", True)),
            labels=frozenset(data.get("labels", ())),
            sub_labels=frozenset(data.get("sub_labels", ())),
            severities=frozenset(Severity(s) for s in data.get("severities", ())),
            zones=frozenset(data.get("zones", ())),
            require_zone=bool(data.get("require_zone", False)),
            camera_ids=frozenset(data.get("camera_ids", ())),
            site_ids=frozenset(data.get("site_ids", ())),
            owner_agency_ids=frozenset(data.get("owner_agency_ids", ())),
            time_window=None if window is None else TimeWindow.from_dict(window),
            min_objects=data.get("min_objects"),
            target_agency_ids=tuple(data.get("target_agency_ids", ())),
            notify_camera_agencies=bool(data.get("notify_camera_agencies", False)),
            cooldown=timedelta(seconds=int(data.get("cooldown_seconds", DEFAULT_COOLDOWN.total_seconds()))),
            escalate_after=None if minutes is None else timedelta(minutes=int(minutes)),
            escalate_to=tuple(data.get("escalate_to", ())),
        )


def default_rules() -> tuple[RoutingRule, ...]:
    """What a new city starts with: alerts to the camera's agencies, and three examples (off).

    The examples name agencies by their default ids (the code in lower case); enabling one
    checks that the agency exists.
    """
    return (
        RoutingRule(
            id=DEFAULT_RULE_ID,
            name="Alerts to the camera's owner and shared agencies",
            severities=frozenset({Severity.ALERT}),
            notify_camera_agencies=True,
            escalate_after=timedelta(minutes=15),
        ),
        RoutingRule(
            id="fire_to_damkar",
            name="Fire or smoke to the fire service",
            enabled=False,
            labels=frozenset({"fire", "smoke"}),
            target_agency_ids=("damkar",),
            notify_camera_agencies=True,
            cooldown=timedelta(minutes=2),
            escalate_after=timedelta(minutes=5),
        ),
        RoutingRule(
            id="night_person_to_satpolpp",
            name="Person in a zone at night to Satpol PP",
            enabled=False,
            labels=frozenset({"person"}),
            require_zone=True,
            time_window=TimeWindow(time(22, 0), time(5, 0)),
            target_agency_ids=("satpolpp",),
            cooldown=timedelta(minutes=10),
            escalate_after=timedelta(minutes=15),
        ),
        RoutingRule(
            id="congestion_to_dishub",
            name="Many cars in a zone to the transport office",
            enabled=False,
            labels=frozenset({"car"}),
            require_zone=True,
            min_objects=10,
            target_agency_ids=("dishub",),
            cooldown=timedelta(minutes=15),
        ),
    )


def alert_receivers(registry: Registry, camera_id: str, now: datetime) -> tuple[str, ...]:
    """The camera's agencies: its owner, then every agency whose members may receive its alerts.

    An agency's viewers hold the least rights that can receive alerts, so asking for them asks
    whether the agency has an applying `receive_alerts` grant on the camera.
    """
    camera = registry.cameras.get(camera_id)
    if camera is None:
        return ()
    receivers = [camera.owner_agency_id]
    target = CameraTarget(camera_id)
    for agency_id in sorted(registry.agencies):
        if agency_id == camera.owner_agency_id:
            continue
        member = Actor(user_id=f"agency:{agency_id}", role=Role.VIEWER, agency_id=agency_id)
        if authorize(registry, member, Action.RECEIVE_ALERTS, target, now).allowed:
            receivers.append(agency_id)
    return tuple(receivers)


@dataclass(frozen=True, slots=True)
class RuleMatch:
    """A rule a review item matched, with the agencies it resolved to."""

    rule_id: str
    agency_ids: tuple[str, ...]
    cooldown: timedelta
    escalate_after: timedelta | None
    escalate_to: tuple[str, ...]


@dataclass(slots=True)
class Router:
    """The city's routing rules, by id, in the order they were created."""

    rules: dict[str, RoutingRule] = field(default_factory=dict)

    @classmethod
    def with_defaults(cls) -> Router:
        return cls({rule.id: rule for rule in default_rules()})

    def get(self, rule_id: str) -> RoutingRule:
        try:
            return self.rules[rule_id]
        except KeyError:
            raise NotFoundError(RoutingErrorKey.RULE_NOT_FOUND, rule=rule_id) from None

    def set_rule(self, registry: Registry, rule_id: str | None, changes: Mapping[str, Any]) -> RoutingRule:
        """Create a rule, or change the given fields of an existing one; returns the result.

        `changes` holds `RoutingRule` fields. Agencies, cameras and sites it names must exist.
        Nothing changes on error.
        """
        current = self.rules.get(rule_id) if rule_id is not None else None
        if current is None:
            if len(self.rules) >= MAX_RULES:
                raise ConflictError(RoutingErrorKey.TOO_MANY_RULES, max_rules=MAX_RULES)
            name = check_text(str(changes.get("name", "")), "name")
            new_id = rule_id or unique_id(slugify(name).replace("-", "_") or "rule", self.rules, "_")
            rule = RoutingRule(**{"id": new_id, **changes, "name": name})
        else:
            rule = replace(current, **changes)
        _check_references(registry, rule)
        self.rules[rule.id] = rule
        return rule

    def delete_rule(self, rule_id: str) -> RoutingRule:
        rule = self.get(rule_id)
        if rule_id == DEFAULT_RULE_ID:
            raise ConflictError(RoutingErrorKey.DEFAULT_RULE_PROTECTED, rule=rule.name)
        del self.rules[rule_id]
        return rule

    def matches(
        self, registry: Registry, observation: ReviewObservation, *, now: datetime, tz: tzinfo
    ) -> tuple[RuleMatch, ...]:
        """The enabled rules `observation` matches, each with the agencies it goes to.

        A rule whose agencies no longer exist resolves to nobody and is left out.
        """
        camera = registry.cameras.get(observation.camera_id)
        if camera is None:
            return ()
        local_time = observation.started_at.astimezone(tz).time()
        receivers: tuple[str, ...] | None = None
        found: list[RuleMatch] = []
        for rule in self.rules.values():
            if not rule.matches(observation, camera.site_id, camera.owner_agency_id, local_time):
                continue
            agencies = [a for a in rule.target_agency_ids if a in registry.agencies]
            if rule.notify_camera_agencies:
                if receivers is None:
                    receivers = alert_receivers(registry, camera.id, now)
                agencies += [a for a in receivers if a not in agencies]
            if agencies:
                found.append(RuleMatch(
                    rule_id=rule.id,
                    agency_ids=tuple(agencies),
                    cooldown=rule.cooldown,
                    escalate_after=rule.escalate_after,
                    escalate_to=tuple(a for a in rule.escalate_to if a in registry.agencies),
                ))
        return tuple(found)

    def needs_tracked_objects(self) -> bool:
        """Whether any enabled rule counts objects (the caller then supplies them)."""
        return any(rule.enabled and rule.min_objects is not None for rule in self.rules.values())

    def rules_involving(self, agency_id: str) -> list[RoutingRule]:
        return [rule for rule in self.rules.values() if agency_id in rule.referenced_agency_ids]

    def to_dict(self) -> dict[str, Any]:
        return {"rules": [rule.to_dict() for rule in self.rules.values()]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Router:
        rules = [RoutingRule.from_dict(item) for item in data.get("rules", ())]
        return cls({rule.id: rule for rule in rules})


def _check_references(registry: Registry, rule: RoutingRule) -> None:
    for agency_id in sorted(rule.referenced_agency_ids):
        registry.get_agency(agency_id)
    for camera_id in sorted(rule.camera_ids):
        registry.get_camera(camera_id)
    for site_id in sorted(rule.site_ids):
        registry.get_site(site_id)
