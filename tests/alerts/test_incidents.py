"""The incident life cycle: de-duplication, cooldown, escalation, acknowledgement, closing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, timedelta

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.ncc.core.errors import ConflictError, ErrorKey, NotFoundError, ValidationError
from custom_components.ncc.core.grants import GrantScope, Privilege
from custom_components.ncc.core.incidents import (
    ChangeType,
    Incident,
    IncidentBook,
    IncidentErrorKey,
    IncidentStatus,
    may_see,
)
from custom_components.ncc.core.operators import Role
from custom_components.ncc.core.permissions import actor_for
from custom_components.ncc.core.routing import ReviewObservation, RuleMatch, Severity
from tests.core.factories import T0, assert_error, small_city

CITY = "diskominfo"


def review(review_id: str = "r1", **overrides: object) -> ReviewObservation:
    base = ReviewObservation(
        server_id="srv1", camera_id="srv1/gate", review_id=review_id, severity=Severity.DETECTION,
        labels=("person",), started_at=T0,
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def match(rule_id: str = "default", agencies: tuple[str, ...] = ("dishub",), *,
          cooldown: float = 300, escalate_after: float | None = 600,
          escalate_to: tuple[str, ...] = ()) -> RuleMatch:
    return RuleMatch(
        rule_id=rule_id, agency_ids=agencies, cooldown=timedelta(seconds=cooldown),
        escalate_after=None if escalate_after is None else timedelta(seconds=escalate_after),
        escalate_to=escalate_to,
    )


def test_same_review_updates_the_same_incident() -> None:
    book = IncidentBook()
    new = book.observe(review(), [match()], now=T0, city_agency_id=CITY, site_id="alun-alun",
                       owner_agency_id="dishub")
    assert new is not None
    assert new.type is ChangeType.NEW
    assert new.incident.id == "INC-000001"
    assert new.incident.site_id == "alun-alun"
    assert new.added_agency_ids == ("dishub",)
    assert book.observe(review(), [match()], now=T0, city_agency_id=CITY) is None  # a repeat
    later = T0 + timedelta(seconds=5)
    grown = review(severity=Severity.ALERT, labels=("person", "car"), zones=("gerbang",),
                   detections=("e1",), ended_at=later)
    updated = book.observe(grown, [match(), match("night", ("polres",))], now=later, city_agency_id=CITY)
    assert updated is not None
    assert updated.type is ChangeType.UPDATED
    incident = updated.incident
    assert incident.id == new.incident.id
    assert incident.severity is Severity.ALERT
    assert (incident.labels, incident.zones) == (("person", "car"), ("gerbang",))
    assert incident.agency_ids == ("dishub", "polres")
    assert incident.rule_ids == ("default", "night")
    assert updated.added_agency_ids == ("polres",)
    assert incident.ended_at == later
    assert incident.updated_at == later
    assert len(book.incidents) == 1
    assert book.find_by_review("srv1", "r1") == incident
    # a review nobody is routed to opens nothing
    assert book.observe(review("r9"), [], now=later, city_agency_id=CITY) is None


def test_cooldown_per_camera_and_rule_joins_reviews_to_the_last_incident() -> None:
    book = IncidentBook()
    first = book.observe(review("r1"), [match()], now=T0, city_agency_id=CITY)
    assert first is not None
    soon = T0 + timedelta(seconds=60)
    joined = book.observe(review("r2", labels=("car",)), [match()], now=soon, city_agency_id=CITY)
    assert joined is not None
    assert joined.type is ChangeType.UPDATED
    assert joined.incident.id == first.incident.id
    assert joined.incident.merged_review_ids == ("r2",)
    assert joined.incident.labels == ("person", "car")
    # an update of a joined review changes nothing; nor does a second camera's cooldown matter
    assert book.observe(review("r2", ended_at=soon), [match()], now=soon, city_agency_id=CITY) is None
    other = book.observe(review("r3", camera_id="srv1/road"), [match()], now=soon, city_agency_id=CITY)
    assert other is not None
    assert other.type is ChangeType.NEW
    # another rule on the same camera is not cooling down: a new incident for its agencies
    fresh = book.observe(review("r4"), [match(), match("fire", ("damkar",))], now=soon, city_agency_id=CITY)
    assert fresh is not None
    assert fresh.type is ChangeType.NEW
    assert fresh.incident.agency_ids == ("damkar",)
    # after the cooldown the same rule opens a new incident again
    later = T0 + timedelta(seconds=301)
    again = book.observe(review("r5"), [match()], now=later, city_agency_id=None)
    assert again is not None
    assert again.type is ChangeType.NEW
    assert again.incident.escalation_queue == ()  # no city agency to escalate to
    # the older incident still takes its own review's updates; the cooldown follows the newer one
    old = book.observe(review("r1", ended_at=later), [match()], now=later, city_agency_id=CITY)
    assert old is not None
    assert old.incident.id == first.incident.id
    # a closed incident absorbs nothing within the cooldown
    book.close(again.incident.id, user_id="u", note="handled", now=later)
    assert book.observe(review("r6"), [match()], now=later, city_agency_id=CITY) is None
    assert book.find_by_review("srv1", "r6") is None
    assert book.observe(review("r5", ended_at=later), [match()], now=later, city_agency_id=CITY) is None


def test_escalation_walks_the_queue_then_the_city_and_stops_when_acknowledged() -> None:
    book = IncidentBook()
    change = book.observe(review(), [match(escalate_to=("polres", "dishub"))], now=T0, city_agency_id=CITY)
    assert change is not None
    incident = change.incident
    assert incident.escalation_queue == ("polres", CITY)  # dishub is a target already
    assert book.next_escalation_at() == T0 + timedelta(minutes=10)
    assert book.escalate_due(T0 + timedelta(minutes=9)) == []
    [first] = book.escalate_due(T0 + timedelta(minutes=10))
    assert first.type is ChangeType.ESCALATED
    assert first.added_agency_ids == ("polres",)
    assert first.incident.agency_ids == ("dishub", "polres")
    assert first.incident.escalation_level == 1
    assert book.open_count_for_agency("polres") == 1
    [second] = book.escalate_due(T0 + timedelta(minutes=20))
    assert second.added_agency_ids == (CITY,)
    assert second.incident.next_escalation_at is None  # the city was the last step
    assert book.escalate_due(T0 + timedelta(hours=5)) == []

    other = book.observe(review("r2", camera_id="srv1/road"), [match()], now=T0, city_agency_id=CITY)
    assert other is not None
    book.acknowledge(other.incident.id, user_id="op", now=T0 + timedelta(minutes=1), note="on my way")
    assert book.escalate_due(T0 + timedelta(hours=1)) == []
    assert book.next_escalation_at() is None


def test_no_escalation_without_a_delay_or_anyone_left() -> None:
    book = IncidentBook()
    quiet = book.observe(review(), [match(escalate_after=None)], now=T0, city_agency_id=CITY)
    assert quiet is not None
    assert quiet.incident.escalation_queue == ()
    assert quiet.incident.next_escalation_at is None
    own = book.observe(review("r2", camera_id="srv1/road"), [match(agencies=(CITY,))], now=T0,
                       city_agency_id=CITY)
    assert own is not None
    assert own.incident.next_escalation_at is None
    # the next agency joined through an update: nobody is left to escalate to
    queued = book.observe(review("r3", camera_id="srv1/x"), [match()], now=T0, city_agency_id=CITY)
    assert queued is not None
    assert queued.incident.escalation_queue == (CITY,)
    joined = book.observe(review("r3", camera_id="srv1/x"), [match(), match("city", (CITY,))], now=T0,
                          city_agency_id=CITY)
    assert joined is not None
    assert joined.incident.escalation_queue == ()
    assert joined.incident.next_escalation_at is None


def test_acknowledge_and_close_rules() -> None:
    book = IncidentBook()
    change = book.observe(review(), [match()], now=T0, city_agency_id=CITY)
    assert change is not None
    incident_id = change.incident.id
    with pytest.raises(ValidationError) as err:
        book.close(incident_id, user_id="op", note="  ", now=T0)
    assert_error(err.value, ErrorKey.FIELD_REQUIRED)
    acknowledged = book.acknowledge(incident_id, user_id="op", now=T0, note="checking")
    assert acknowledged.type is ChangeType.ACKNOWLEDGED
    assert acknowledged.incident.status is IncidentStatus.ACKNOWLEDGED
    assert acknowledged.incident.acknowledge_note == "checking"
    with pytest.raises(ConflictError) as twice:
        book.acknowledge(incident_id, user_id="op", now=T0)
    assert_error(twice.value, IncidentErrorKey.ALREADY_ACKNOWLEDGED)  # type: ignore[arg-type]
    # an update still reaches an acknowledged incident
    assert book.observe(review(ended_at=T0), [match()], now=T0, city_agency_id=CITY) is not None
    closed = book.close(incident_id, user_id="op", note="false alarm", now=T0)
    assert closed.incident.status is IncidentStatus.CLOSED
    assert closed.incident.close_note == "false alarm"
    assert book.open_count_for_agency("dishub") == 0
    for action in (
        lambda: book.acknowledge(incident_id, user_id="op", now=T0),
        lambda: book.close(incident_id, user_id="op", note="again", now=T0),
    ):
        with pytest.raises(ConflictError) as closed_err:
            action()
        assert_error(closed_err.value, IncidentErrorKey.CLOSED)  # type: ignore[arg-type]
    with pytest.raises(NotFoundError) as missing:
        book.get("INC-999999")
    assert_error(missing.value, IncidentErrorKey.NOT_FOUND)  # type: ignore[arg-type]
    # messages about a closed incident's review change nothing
    assert book.observe(review(labels=("car",)), [match()], now=T0, city_agency_id=CITY) is None


def test_overflow_closes_the_oldest_unacknowledged_and_prune_forgets_old_closed() -> None:
    book = IncidentBook()
    ids = []
    for number in range(5):
        change = book.observe(review(f"r{number}", camera_id=f"srv1/c{number}"), [match()],
                              now=T0 + timedelta(seconds=number), city_agency_id=CITY)
        assert change is not None
        ids.append(change.incident.id)
    book.acknowledge(ids[0], user_id="op", now=T0)
    closed = book.close_overflow(limit=3, user_id="system", note="too many", now=T0)
    assert [c.incident.id for c in closed] == ids[1:3]
    assert book.close_overflow(limit=3, user_id="system", note="too many", now=T0) == []
    assert book.open_count_for_agency("dishub") == 3
    assert book.open_count_for_camera("srv1/c0") == 1
    assert book.open_count_for_camera("srv1/c1") == 0
    book.close(ids[3], user_id="op", note="done", now=T0 + timedelta(days=1))
    forgotten = book.prune(now=T0 + timedelta(days=31), keep_closed_for=timedelta(days=30), max_closed=10)
    assert forgotten == ids[1:3]
    forgotten = book.prune(now=T0 + timedelta(days=2), keep_closed_for=timedelta(days=30), max_closed=0)
    assert forgotten == [ids[3]]
    assert set(book.incidents) == {ids[0], ids[4]}
    assert book.find_by_review("srv1", "r1") is None
    # a forgotten incident no longer holds its camera's cooldown
    again = book.observe(review("r9", camera_id="srv1/c3"), [match()], now=T0 + timedelta(days=2),
                         city_agency_id=CITY)
    assert again is not None
    assert again.type is ChangeType.NEW


def test_book_survives_a_round_trip() -> None:
    book = IncidentBook()
    first = book.observe(review(), [match(escalate_to=("polres",))], now=T0, city_agency_id=CITY)
    assert first is not None
    book.observe(review("r2", labels=("car",)), [match()], now=T0 + timedelta(seconds=1), city_agency_id=CITY)
    book.acknowledge(first.incident.id, user_id="op", now=T0, note="x")
    second = book.observe(review("r3", camera_id="srv1/road"), [match()], now=T0, city_agency_id=CITY)
    assert second is not None
    book.close(second.incident.id, user_id="op", note="done", now=T0)
    restored = IncidentBook.from_dict(book.to_dict())
    assert restored.incidents == book.incidents
    assert restored.find_by_review("srv1", "r2") == book.incidents[first.incident.id]
    assert restored.open_count_for_agency("dishub") == 1
    assert Incident.from_dict(first.incident.to_dict()) == first.incident
    nxt = restored.observe(review("r4", camera_id="srv1/x"), [match()], now=T0, city_agency_id=CITY)
    assert nxt is not None
    assert nxt.incident.id == "INC-000003"
    # the cooldown is rebuilt from the incidents themselves
    joined = restored.observe(review("r5"), [match()], now=T0 + timedelta(seconds=2), city_agency_id=CITY)
    assert joined is not None
    assert joined.incident.id == first.incident.id


def test_who_may_see_an_incident() -> None:
    registry = small_city()
    book = IncidentBook()
    change = book.observe(review(), [match(agencies=("dishub",))], now=T0, city_agency_id=CITY)
    assert change is not None
    incident = change.incident
    registry.set_operator("dishub-op", agency_id="dishub", role=Role.VIEWER)
    registry.set_operator("polres-op", agency_id="polres", role=Role.OPERATOR)
    registry.set_operator("mall-op", agency_id="mall", role=Role.AGENCY_ADMIN)
    dishub = actor_for(registry, "dishub-op", False)
    polres = actor_for(registry, "polres-op", False)
    mall = actor_for(registry, "mall-op", False)
    admin = actor_for(registry, "admin", True)
    stranger = actor_for(registry, "nobody", False)
    assert may_see(registry, dishub, incident, T0)
    assert may_see(registry, admin, incident, T0)
    assert not may_see(registry, polres, incident, T0)
    assert not may_see(registry, stranger, incident, T0)
    # Polres sees it once routed to it, or once it receives the camera's alerts
    routed = replace(incident, agency_ids=("dishub", "polres"))
    assert may_see(registry, polres, routed, T0)
    registry.create_grant(owner_agency_id="dishub", grantee_agency_id="polres",
                          privileges=[Privilege.RECEIVE_ALERTS], scope=GrantScope.ALL, created_by="u")
    assert may_see(registry, polres, incident, T0)
    assert not may_see(registry, mall, incident, T0)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["observe", "ack", "close", "escalate"]),
                          st.integers(0, 5), st.integers(0, 4)), max_size=40))
def test_open_counts_always_match_a_recount(steps: list[tuple[str, int, int]]) -> None:
    book = IncidentBook()
    now = T0
    agencies = ("dishub", "polres", "mall")
    for operation, number, minutes in steps:
        now += timedelta(minutes=minutes)
        ids = sorted(book.incidents)
        try:
            if operation == "observe":
                book.observe(review(f"r{number}", camera_id=f"srv1/c{number % 3}"),
                             [match(agencies=agencies[: 1 + number % 3], escalate_to=("polres",))],
                             now=now, city_agency_id=CITY)
            elif operation == "escalate":
                book.escalate_due(now)
            elif ids and operation == "ack":
                book.acknowledge(ids[number % len(ids)], user_id="op", now=now)
            elif ids:
                book.close(ids[number % len(ids)], user_id="op", note="done", now=now)
        except ConflictError:
            pass
        for agency in (*agencies, CITY):
            expected = sum(1 for i in book.incidents.values() if not i.is_closed and agency in i.agency_ids)
            assert book.open_count_for_agency(agency) == expected
        assert all(i.created_at.tzinfo is UTC for i in book.incidents.values())
