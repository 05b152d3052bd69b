"""Incidents: what the command center does about a routed alert, from new to closed.

A review item that routing sends to at least one agency opens an incident; later messages
about the same Frigate review update that incident, never a second one. Life cycle:
open (new, then updated) -> acknowledged -> closed with a note. An open incident that nobody
acknowledges escalates every `escalate_after` to the next agency of its queue (the rules'
`escalate_to`, then the city's own agency). A camera+rule pair that opened an incident stays
quiet for the rule's cooldown: review items in that time join the last incident instead.

`IncidentBook` is a pure state machine: every method takes the time explicitly and returns
the changes it made, for the caller to announce, audit and save.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import islice
from typing import Any, Final

from .errors import ConflictError, NotFoundError, check_optional_text, check_text
from .permissions import Action, Actor, AgencyTarget, CameraTarget, authorize
from .registry import Registry
from .routing import ReviewObservation, RuleMatch, Severity

STORAGE_VERSION: Final = 1
MAX_NOTE_LENGTH: Final = 2000


class IncidentStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    CLOSED = "closed"


class ChangeType(StrEnum):
    """What happened to an incident (the `type` of the `ncc_incident` event)."""

    NEW = "new"
    UPDATED = "updated"
    ACKNOWLEDGED = "acknowledged"
    ESCALATED = "escalated"
    CLOSED = "closed"


class IncidentErrorKey(StrEnum):
    """Translation keys of incident errors (messages in the alerts fragment)."""

    NOT_FOUND = "incident_not_found"
    ALREADY_ACKNOWLEDGED = "incident_already_acknowledged"
    CLOSED = "incident_closed"


def _union(first: Iterable[str], second: Iterable[str]) -> tuple[str, ...]:
    result = list(first)
    result += [item for item in second if item not in result]
    return tuple(result)


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _parse_time(value: object) -> datetime | None:
    return None if value is None else datetime.fromisoformat(str(value))


@dataclass(frozen=True, slots=True)
class Incident:
    """One routed alert and what the agencies did about it."""

    id: str
    server_id: str
    camera_id: str
    site_id: str | None
    owner_agency_id: str
    review_id: str
    severity: Severity
    labels: tuple[str, ...]
    sub_labels: tuple[str, ...]
    zones: tuple[str, ...]
    detections: tuple[str, ...]
    rule_ids: tuple[str, ...]
    agency_ids: tuple[str, ...]
    started_at: datetime
    ended_at: datetime | None
    created_at: datetime
    updated_at: datetime
    status: IncidentStatus = IncidentStatus.OPEN
    merged_review_ids: tuple[str, ...] = ()
    escalate_after: timedelta | None = None
    escalation_queue: tuple[str, ...] = ()
    escalation_level: int = 0
    next_escalation_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    acknowledge_note: str = ""
    closed_at: datetime | None = None
    closed_by: str | None = None
    close_note: str = ""

    @property
    def label(self) -> str:
        """The first thing Frigate saw (what a notification names)."""
        return self.labels[0] if self.labels else ""

    @property
    def is_closed(self) -> bool:
        return self.status is IncidentStatus.CLOSED

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "id": self.id,
            "server_id": self.server_id,
            "camera_id": self.camera_id,
            "site_id": self.site_id,
            "owner_agency_id": self.owner_agency_id,
            "review_id": self.review_id,
            "severity": self.severity.value,
            "label": self.label,
            "labels": list(self.labels),
            "sub_labels": list(self.sub_labels),
            "zones": list(self.zones),
            "detections": list(self.detections),
            "rule_ids": list(self.rule_ids),
            "agency_ids": list(self.agency_ids),
            "started_at": self.started_at.isoformat(),
            "ended_at": _time(self.ended_at),
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "status": self.status.value,
            "merged_review_ids": list(self.merged_review_ids),
            "escalate_after_s": (
                None if self.escalate_after is None else int(self.escalate_after.total_seconds())
            ),
            "escalation_queue": list(self.escalation_queue),
            "escalation_level": self.escalation_level,
            "next_escalation_at": _time(self.next_escalation_at),
            "acknowledged_at": _time(self.acknowledged_at),
            "acknowledged_by": self.acknowledged_by,
            "acknowledge_note": self.acknowledge_note,
            "closed_at": _time(self.closed_at),
            "closed_by": self.closed_by,
            "close_note": self.close_note,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Incident:
        """Inverse of `to_dict`."""
        escalate_after = data.get("escalate_after_s")
        site_id = data.get("site_id")
        return cls(
            id=str(data["id"]),
            server_id=str(data["server_id"]),
            camera_id=str(data["camera_id"]),
            site_id=None if site_id is None else str(site_id),
            owner_agency_id=str(data["owner_agency_id"]),
            review_id=str(data["review_id"]),
            severity=Severity(data["severity"]),
            labels=tuple(data["labels"]),
            sub_labels=tuple(data.get("sub_labels", ())),
            zones=tuple(data.get("zones", ())),
            detections=tuple(data.get("detections", ())),
            rule_ids=tuple(data["rule_ids"]),
            agency_ids=tuple(data["agency_ids"]),
            started_at=datetime.fromisoformat(data["started_at"]),
            ended_at=_parse_time(data.get("ended_at")),
            created_at=datetime.fromisoformat(data["created_at"]),
            updated_at=datetime.fromisoformat(data["updated_at"]),
            status=IncidentStatus(data["status"]),
            merged_review_ids=tuple(data.get("merged_review_ids", ())),
            escalate_after=None if escalate_after is None else timedelta(seconds=int(escalate_after)),
            escalation_queue=tuple(data.get("escalation_queue", ())),
            escalation_level=int(data.get("escalation_level", 0)),
            next_escalation_at=_parse_time(data.get("next_escalation_at")),
            acknowledged_at=_parse_time(data.get("acknowledged_at")),
            acknowledged_by=data.get("acknowledged_by"),
            acknowledge_note=str(data.get("acknowledge_note", "")),
            closed_at=_parse_time(data.get("closed_at")),
            closed_by=data.get("closed_by"),
            close_note=str(data.get("close_note", "")),
        )


@dataclass(frozen=True, slots=True)
class IncidentChange:
    """One change to announce: the incident after it, and the agencies it newly concerns."""

    type: ChangeType
    incident: Incident
    added_agency_ids: tuple[str, ...] = ()


def may_see(registry: Registry, actor: Actor, incident: Incident, now: datetime) -> bool:
    """Whether `actor` may see `incident`: they receive the camera's alerts, or it was routed to
    an agency they may view."""
    if authorize(registry, actor, Action.RECEIVE_ALERTS, CameraTarget(incident.camera_id), now):
        return True
    return any(
        authorize(registry, actor, Action.VIEW_AGENCY, AgencyTarget(agency_id), now)
        for agency_id in incident.agency_ids
    )


class IncidentBook:
    """Every incident the city keeps, indexed by Frigate review and by camera+rule."""

    def __init__(self, incidents: Iterable[Incident] = (), next_number: int = 1) -> None:
        self._incidents: dict[str, Incident] = {}
        self._by_review: dict[tuple[str, str], str] = {}
        self._latest: dict[tuple[str, str], str] = {}
        self._open_by_agency: Counter[str] = Counter()
        self._not_closed = 0
        self._next_number = next_number
        for incident in sorted(incidents, key=lambda item: item.created_at):
            self._put(incident)

    # ----------------------------------------------------------------------------------- reads

    @property
    def incidents(self) -> Mapping[str, Incident]:
        return self._incidents

    def get(self, incident_id: str) -> Incident:
        try:
            return self._incidents[incident_id]
        except KeyError:
            raise NotFoundError(IncidentErrorKey.NOT_FOUND, incident=incident_id) from None

    def find_by_review(self, server_id: str, review_id: str) -> Incident | None:
        incident_id = self._by_review.get((server_id, review_id))
        return None if incident_id is None else self._incidents[incident_id]

    def open_count_for_agency(self, agency_id: str) -> int:
        """Incidents not closed yet that concern `agency_id`."""
        return self._open_by_agency[agency_id]

    def open_count_for_camera(self, camera_id: str) -> int:
        return sum(1 for i in self._incidents.values() if i.camera_id == camera_id and not i.is_closed)

    def next_escalation_at(self) -> datetime | None:
        deadlines = [i.next_escalation_at for i in self._incidents.values() if i.next_escalation_at]
        return min(deadlines) if deadlines else None

    # ------------------------------------------------------------------------------ life cycle

    def observe(
        self,
        observation: ReviewObservation,
        matches: Iterable[RuleMatch],
        *,
        now: datetime,
        city_agency_id: str | None,
        site_id: str | None = None,
        owner_agency_id: str = "",
    ) -> IncidentChange | None:
        """Open, update or extend an incident for a review item and the rules it matched.

        `site_id` and `owner_agency_id` describe the camera now; a new incident keeps them.

        Returns None when nothing changed: no rule matched a new review item, a repeated
        message, a message about a closed incident, or a cooled-down rule's closed incident.
        """
        found = tuple(matches)
        existing = self.find_by_review(observation.server_id, observation.review_id)
        if existing is not None:
            if existing.is_closed or existing.review_id != observation.review_id:
                # merged review items only join; their own updates change nothing
                return None
            return self._update(existing, observation, found, now)
        if not found:
            return None
        active = [m for m in found if not self._cooling(observation.camera_id, m, now)]
        if not active:
            return self._merge(observation, found, now)
        return self._open(observation, active, now, city_agency_id, (site_id, owner_agency_id))

    def _cooling(self, camera_id: str, match: RuleMatch, now: datetime) -> bool:
        last_id = self._latest.get((camera_id, match.rule_id))
        if last_id is None or last_id not in self._incidents:
            return False
        return now - self._incidents[last_id].created_at < match.cooldown

    def _open(self, observation: ReviewObservation, active: list[RuleMatch], now: datetime,
              city_agency_id: str | None, place: tuple[str | None, str]) -> IncidentChange:
        agencies: tuple[str, ...] = ()
        for match in active:
            agencies = _union(agencies, match.agency_ids)
        delays = [m.escalate_after for m in active if m.escalate_after is not None]
        escalate_after = min(delays) if delays else None
        queue: tuple[str, ...] = ()
        if escalate_after is not None:
            for match in active:
                queue = _union(queue, match.escalate_to)
            if city_agency_id is not None:
                queue = _union(queue, (city_agency_id,))
            queue = tuple(a for a in queue if a not in agencies)
        incident = Incident(
            id=f"INC-{self._next_number:06d}",
            server_id=observation.server_id,
            camera_id=observation.camera_id,
            site_id=place[0],
            owner_agency_id=place[1],
            review_id=observation.review_id,
            severity=observation.severity,
            labels=observation.labels,
            sub_labels=observation.sub_labels,
            zones=observation.zones,
            detections=observation.detections,
            rule_ids=tuple(m.rule_id for m in active),
            agency_ids=agencies,
            started_at=observation.started_at,
            ended_at=observation.ended_at,
            created_at=now,
            updated_at=now,
            escalate_after=escalate_after,
            escalation_queue=queue,
            next_escalation_at=now + escalate_after if escalate_after is not None and queue else None,
        )
        self._next_number += 1
        self._put(incident)
        return IncidentChange(ChangeType.NEW, incident, agencies)

    def _merge(self, observation: ReviewObservation, found: tuple[RuleMatch, ...],
               now: datetime) -> IncidentChange | None:
        last_id = self._latest[(observation.camera_id, found[0].rule_id)]
        last = self._incidents[last_id]
        if last.is_closed:
            return None
        incident = replace(
            last,
            merged_review_ids=(*last.merged_review_ids, observation.review_id),
            labels=_union(last.labels, observation.labels),
            sub_labels=_union(last.sub_labels, observation.sub_labels),
            zones=_union(last.zones, observation.zones),
            updated_at=now,
        )
        self._put(incident)
        self._by_review[(observation.server_id, observation.review_id)] = incident.id
        return IncidentChange(ChangeType.UPDATED, incident)

    def _update(self, current: Incident, observation: ReviewObservation,
                found: tuple[RuleMatch, ...], now: datetime) -> IncidentChange | None:
        agencies = current.agency_ids
        rule_ids = current.rule_ids
        for match in found:
            agencies = _union(agencies, match.agency_ids)
            if match.rule_id not in rule_ids:
                rule_ids = (*rule_ids, match.rule_id)
        added = tuple(a for a in agencies if a not in current.agency_ids)
        candidate = replace(
            current,
            severity=observation.severity,
            labels=_union(current.labels, observation.labels),
            sub_labels=_union(current.sub_labels, observation.sub_labels),
            zones=_union(current.zones, observation.zones),
            detections=_union(current.detections, observation.detections),
            ended_at=observation.ended_at or current.ended_at,
            rule_ids=rule_ids,
            agency_ids=agencies,
            escalation_queue=tuple(a for a in current.escalation_queue if a not in agencies),
        )
        if candidate == current:
            return None
        incident = replace(candidate, updated_at=now)
        if not incident.escalation_queue:
            incident = replace(incident, next_escalation_at=None)
        self._put(incident)
        return IncidentChange(ChangeType.UPDATED, incident, added)

    def acknowledge(self, incident_id: str, *, user_id: str, now: datetime, note: str = "") -> IncidentChange:
        """An operator of a target agency takes the incident on; escalation stops."""
        current = self.get(incident_id)
        if current.is_closed:
            raise ConflictError(IncidentErrorKey.CLOSED, incident=incident_id)
        if current.status is IncidentStatus.ACKNOWLEDGED:
            raise ConflictError(IncidentErrorKey.ALREADY_ACKNOWLEDGED, incident=incident_id)
        incident = replace(
            current,
            status=IncidentStatus.ACKNOWLEDGED,
            acknowledged_at=now,
            acknowledged_by=user_id,
            acknowledge_note=check_optional_text(note, "note", max_length=MAX_NOTE_LENGTH),
            next_escalation_at=None,
            updated_at=now,
        )
        self._put(incident)
        return IncidentChange(ChangeType.ACKNOWLEDGED, incident)

    def close(self, incident_id: str, *, user_id: str, note: str, now: datetime) -> IncidentChange:
        """Close an open or acknowledged incident; the note says what was done."""
        text = check_text(note, "note", max_length=MAX_NOTE_LENGTH)
        current = self.get(incident_id)
        if current.is_closed:
            raise ConflictError(IncidentErrorKey.CLOSED, incident=incident_id)
        incident = replace(
            current,
            status=IncidentStatus.CLOSED,
            closed_at=now,
            closed_by=user_id,
            close_note=text,
            next_escalation_at=None,
            updated_at=now,
        )
        self._put(incident)
        return IncidentChange(ChangeType.CLOSED, incident)

    def escalate_due(self, now: datetime) -> list[IncidentChange]:
        """Escalate every open incident whose deadline has come, one step each."""
        changes: list[IncidentChange] = []
        due = [
            i for i in self._incidents.values()
            if i.status is IncidentStatus.OPEN and i.next_escalation_at is not None
            and i.next_escalation_at <= now
        ]
        for current in due:
            target, *rest = current.escalation_queue
            incident = replace(
                current,
                agency_ids=_union(current.agency_ids, (target,)),
                escalation_queue=tuple(rest),
                escalation_level=current.escalation_level + 1,
                next_escalation_at=(
                    now + current.escalate_after if rest and current.escalate_after else None
                ),
                updated_at=now,
            )
            self._put(incident)
            changes.append(IncidentChange(ChangeType.ESCALATED, incident, (target,)))
        return changes

    def close_overflow(self, *, limit: int, user_id: str, note: str, now: datetime) -> list[IncidentChange]:
        """Close the oldest unacknowledged incidents beyond `limit` incidents not closed."""
        excess = self._not_closed - limit
        if excess <= 0:
            return []
        # incidents are kept in the order they opened
        open_ones = (i for i in self._incidents.values() if i.status is IncidentStatus.OPEN)
        oldest = list(islice(open_ones, excess))
        return [self.close(i.id, user_id=user_id, note=note, now=now) for i in oldest]

    def prune(self, *, now: datetime, keep_closed_for: timedelta, max_closed: int) -> list[str]:
        """Forget closed incidents older than `keep_closed_for`, and the oldest beyond
        `max_closed`; returns the ids forgotten."""
        closed = sorted(
            (i for i in self._incidents.values() if i.closed_at is not None),
            key=lambda i: i.closed_at or now,
        )
        excess = max(0, len(closed) - max_closed)
        forgotten = [
            incident.id
            for index, incident in enumerate(closed)
            if index < excess or now - (incident.closed_at or now) > keep_closed_for
        ]
        for incident_id in forgotten:
            self._drop(incident_id)
        return forgotten

    # ----------------------------------------------------------------------------- bookkeeping

    def _put(self, incident: Incident) -> None:
        previous = self._incidents.get(incident.id)
        if previous is not None and not previous.is_closed:
            self._open_by_agency.subtract(previous.agency_ids)
            self._not_closed -= 1
        if not incident.is_closed:
            self._open_by_agency.update(incident.agency_ids)
            self._not_closed += 1
        self._incidents[incident.id] = incident
        self._by_review[(incident.server_id, incident.review_id)] = incident.id
        for review_id in incident.merged_review_ids:
            self._by_review[(incident.server_id, review_id)] = incident.id
        for rule_id in incident.rule_ids:
            key = (incident.camera_id, rule_id)
            latest = self._incidents.get(self._latest.get(key, ""))
            if latest is None or latest.created_at <= incident.created_at:
                self._latest[key] = incident.id

    def _drop(self, incident_id: str) -> None:
        """Forget a closed incident (it no longer counts as open anywhere)."""
        incident = self._incidents.pop(incident_id)
        for review_id in (incident.review_id, *incident.merged_review_ids):
            self._by_review.pop((incident.server_id, review_id), None)
        for rule_id in incident.rule_ids:
            if self._latest.get((incident.camera_id, rule_id)) == incident_id:
                del self._latest[(incident.camera_id, rule_id)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "next_number": self._next_number,
            "incidents": [incident.to_dict() for incident in self._incidents.values()],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IncidentBook:
        return cls(
            (Incident.from_dict(item) for item in data.get("incidents", ())),
            next_number=int(data.get("next_number", 1)),
        )
