"""Routing rules: what they match, who they reach, how they are edited."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, strategies as st
import pytest

from custom_components.ncc.core.agencies import AgencyKind
from custom_components.ncc.core.errors import ConflictError, ErrorKey, NotFoundError, ValidationError
from custom_components.ncc.core.grants import GrantScope, Privilege
from custom_components.ncc.core.registry import Registry
from custom_components.ncc.core.routing import (
    DEFAULT_RULE_ID,
    MAX_RULES,
    ReviewObservation,
    Router,
    RoutingErrorKey,
    RoutingRule,
    Severity,
    TimeWindow,
    TrackedObject,
    alert_receivers,
    default_rules,
)
from tests.core.factories import T0, Clock, assert_error, small_city

WIB = ZoneInfo("Asia/Jakarta")  # UTC+7: 15:00 UTC is 22:00 in Mojokerto


def review(**overrides: object) -> ReviewObservation:
    base = ReviewObservation(
        server_id="srv1", camera_id="srv1/gate", review_id="r1", severity=Severity.ALERT,
        labels=("person",), started_at=T0,
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def with_damkar_and_satpol(clock: Clock | None = None) -> Registry:
    registry = small_city(clock)
    registry.create_agency(code="DAMKAR", name="Pemadam Kebakaran", kind=AgencyKind.CITY_DEPARTMENT)
    registry.create_agency(code="SATPOLPP", name="Satpol PP", kind=AgencyKind.CITY_DEPARTMENT)
    return registry


def test_default_rule_sends_alerts_to_the_owner_and_agencies_granted_receive_alerts() -> None:
    clock = Clock()
    registry = small_city(clock)
    router = Router.with_defaults()
    matches = router.matches(registry, review(), now=clock.now, tz=UTC)
    assert [(m.rule_id, m.agency_ids) for m in matches] == [(DEFAULT_RULE_ID, ("dishub",))]
    # a view-only grant does not make Polres a receiver; a receive_alerts grant does
    registry.create_grant(owner_agency_id="dishub", grantee_agency_id="polres",
                          privileges=[Privilege.VIEW_LIVE], scope=GrantScope.ALL, created_by="u")
    assert alert_receivers(registry, "srv1/gate", clock.now) == ("dishub",)
    grant = registry.create_grant(owner_agency_id="dishub", grantee_agency_id="polres",
                                  privileges=[Privilege.RECEIVE_ALERTS], scope=GrantScope.CAMERA,
                                  scope_id="srv1/gate", created_by="u",
                                  until=clock.now + timedelta(hours=1))
    assert alert_receivers(registry, "srv1/gate", clock.now) == ("dishub", "polres")
    assert alert_receivers(registry, "srv1/road", clock.now) == ("dishub",)
    # an expired or revoked grant no longer counts
    assert alert_receivers(registry, "srv1/gate", clock.now + timedelta(hours=2)) == ("dishub",)
    registry.revoke_grant(grant.id, revoked_by="u")
    assert alert_receivers(registry, "srv1/gate", clock.now) == ("dishub",)
    assert alert_receivers(registry, "srv1/missing", clock.now) == ()
    # detections are not alerts: the default rule ignores them
    assert router.matches(registry, review(severity=Severity.DETECTION), now=clock.now, tz=UTC) == ()


def test_unknown_camera_matches_nothing() -> None:
    registry = small_city()
    assert Router.with_defaults().matches(registry, review(camera_id="srv9/x"), now=T0, tz=UTC) == ()


def test_examples_ship_disabled_and_match_once_enabled() -> None:
    registry = with_damkar_and_satpol()
    router = Router.with_defaults()
    assert [r.id for r in default_rules() if r.enabled] == [DEFAULT_RULE_ID]
    fire = review(labels=("smoke",), severity=Severity.DETECTION)
    assert router.matches(registry, fire, now=T0, tz=WIB) == ()
    router.set_rule(registry, "fire_to_damkar", {"enabled": True})
    [match] = router.matches(registry, fire, now=T0, tz=WIB)
    assert match.rule_id == "fire_to_damkar"
    assert match.agency_ids == ("damkar", "dishub")  # the fire service first, then the owner

    router.set_rule(registry, "night_person_to_satpolpp", {"enabled": True})
    night = T0.replace(hour=15)  # 22:00 WIB
    day = T0.replace(hour=5)  # 12:00 WIB
    in_zone = review(zones=("taman",), started_at=night)
    ids = [m.rule_id for m in router.matches(registry, in_zone, now=night, tz=WIB)]
    assert ids == [DEFAULT_RULE_ID, "night_person_to_satpolpp"]
    ids = [m.rule_id for m in router.matches(registry, replace(in_zone, started_at=day), now=day, tz=WIB)]
    assert ids == [DEFAULT_RULE_ID]
    ids = [m.rule_id for m in router.matches(registry, replace(in_zone, zones=()), now=night, tz=WIB)]
    assert ids == [DEFAULT_RULE_ID]

    router.set_rule(registry, "congestion_to_dishub", {"enabled": True, "min_objects": 3,
                                                         "zones": ["jalan"]})
    assert router.needs_tracked_objects()
    cars = review(labels=("car",), zones=("jalan",), severity=Severity.DETECTION)
    two = (TrackedObject("car", frozenset({"jalan"})),) * 2
    assert router.matches(registry, replace(cars, tracked=two), now=T0, tz=WIB) == ()
    three = (*two, TrackedObject("car", frozenset({"jalan"})))
    elsewhere = (*two, TrackedObject("car", frozenset({"parkir"})),
                 TrackedObject("person", frozenset({"jalan"})))
    assert [m.rule_id for m in router.matches(registry, replace(cars, tracked=three), now=T0, tz=WIB)] == [
        "congestion_to_dishub"
    ]
    assert router.matches(registry, replace(cars, tracked=elsewhere), now=T0, tz=WIB) == ()


def test_every_criterion_narrows_the_match() -> None:
    registry = small_city()
    router = Router()
    base = {"name": "All", "target_agency_ids": ["polres"]}
    rule = router.set_rule(registry, None, base)
    assert rule.id == "all"
    obs = review(sub_labels=("N 1234 AB",), zones=("gerbang",))
    assert len(router.matches(registry, obs, now=T0, tz=UTC)) == 1
    narrowing = {
        "labels": ["car"], "sub_labels": ["Bob"], "severities": ["detection"], "zones": ["lain"],
        "camera_ids": ["srv1/road"], "site_ids": ["simpang-empat"], "owner_agency_ids": ["mall"],
        "time_window": TimeWindow(time(9), time(10)), "min_objects": 1,
    }
    for field_name, value in narrowing.items():
        router.set_rule(registry, "all", {field_name: value})
        assert router.matches(registry, obs, now=T0, tz=UTC) == (), field_name
        router.rules["all"] = rule
    widening = {
        "labels": ["person", "car"], "sub_labels": ["N 1234 AB"], "severities": ["alert"],
        "zones": ["gerbang"], "camera_ids": ["srv1/gate"], "site_ids": ["alun-alun"],
        "owner_agency_ids": ["dishub"], "time_window": TimeWindow(time(7), time(9)),
        "require_zone": True,
    }
    for field_name, value in widening.items():
        router.set_rule(registry, "all", {field_name: value})
        assert len(router.matches(registry, obs, now=T0, tz=UTC)) == 1, field_name
    assert router.rules_involving("polres") == [router.rules["all"]]
    assert router.rules_involving("mall") == []


def test_rule_whose_agencies_are_gone_reaches_nobody() -> None:
    registry = small_city()
    router = Router()
    router.set_rule(registry, None, {"name": "To the mall", "target_agency_ids": ["mall"]})
    registry.delete_agency("mall")
    assert router.matches(registry, review(), now=T0, tz=UTC) == ()


def test_set_rule_validates_and_changes_nothing_on_error() -> None:
    registry = small_city()
    router = Router.with_defaults()
    before = router.to_dict()
    cases: list[tuple[str | None, dict[str, object], object]] = [
        (None, {"name": "x", "target_agency_ids": ["nowhere"]}, ErrorKey.AGENCY_NOT_FOUND),
        (None, {"name": "x", "target_agency_ids": ["dishub"], "camera_ids": ["srv1/x"]},
         ErrorKey.CAMERA_NOT_FOUND),
        (None, {"name": "x", "target_agency_ids": ["dishub"], "site_ids": ["x"]}, ErrorKey.SITE_NOT_FOUND),
        (None, {"name": "x"}, RoutingErrorKey.RULE_HAS_NO_TARGET),
        (None, {"name": " ", "target_agency_ids": ["dishub"]}, ErrorKey.FIELD_REQUIRED),
        (None, {"name": "x", "notify_camera_agencies": True, "min_objects": 0},
         RoutingErrorKey.INVALID_MIN_OBJECTS),
        (None, {"name": "x", "notify_camera_agencies": True, "cooldown": timedelta(days=2)},
         RoutingErrorKey.INVALID_DURATION),
        (None, {"name": "x", "notify_camera_agencies": True, "escalate_after": timedelta(-1)},
         RoutingErrorKey.INVALID_DURATION),
        (None, {"name": "x", "notify_camera_agencies": True, "labels": [str(i) for i in range(51)]},
         RoutingErrorKey.TOO_MANY_ITEMS),
        (None, {"name": "x", "notify_camera_agencies": True, "escalate_to": [f"a{i}" for i in range(51)]},
         RoutingErrorKey.TOO_MANY_ITEMS),
        (None, {"name": "x", "notify_camera_agencies": True, "labels": ["x" * 65]}, ErrorKey.TEXT_TOO_LONG),
        ("Bad Id", {"name": "x", "notify_camera_agencies": True}, ErrorKey.INVALID_ID),
        ("fire_to_damkar", {"enabled": True}, ErrorKey.AGENCY_NOT_FOUND),  # no DAMKAR in this city
        (DEFAULT_RULE_ID, {"notify_camera_agencies": False}, RoutingErrorKey.RULE_HAS_NO_TARGET),
    ]
    for rule_id, changes, key in cases:
        with pytest.raises((ValidationError, NotFoundError)) as err:
            router.set_rule(registry, rule_id, changes)
        assert_error(err.value, key)  # type: ignore[arg-type]
        assert router.to_dict() == before
    with pytest.raises(ValidationError) as err:
        TimeWindow(time(5), time(5))
    assert_error(err.value, RoutingErrorKey.TIME_WINDOW_EMPTY)  # type: ignore[arg-type]


def test_rules_are_created_updated_deleted_and_round_trip() -> None:
    registry = small_city()
    router = Router.with_defaults()
    created = router.set_rule(registry, None, {
        "name": "Polres di malam hari", "target_agency_ids": ["polres", "polres"],
        "time_window": TimeWindow(time(22), time(5)), "escalate_after": timedelta(minutes=10),
        "escalate_to": ["diskominfo"], "severities": ["alert"],
    })
    assert created.id == "polres_di_malam_hari"
    assert created.target_agency_ids == ("polres",)
    again = router.set_rule(registry, None, {"name": "Polres di malam hari", "target_agency_ids": ["polres"]})
    assert again.id == "polres_di_malam_hari_2"
    updated = router.set_rule(registry, created.id, {"enabled": False})
    assert updated.enabled is False
    assert updated.target_agency_ids == ("polres",)
    named = router.set_rule(registry, "chosen_id", {"name": "Chosen", "notify_camera_agencies": True})
    assert named.id == "chosen_id"
    assert Router.from_dict(router.to_dict()) == router
    assert RoutingRule.from_dict(created.to_dict()) == created
    assert created.to_dict()["escalate_after_minutes"] == 10
    assert created.to_dict()["time_window"] == {"after": "22:00:00", "before": "05:00:00"}

    assert router.delete_rule("chosen_id") == named
    with pytest.raises(NotFoundError) as missing:
        router.delete_rule("chosen_id")
    assert_error(missing.value, RoutingErrorKey.RULE_NOT_FOUND)  # type: ignore[arg-type]
    with pytest.raises(ConflictError) as protected:
        router.delete_rule(DEFAULT_RULE_ID)
    assert_error(protected.value, RoutingErrorKey.DEFAULT_RULE_PROTECTED)  # type: ignore[arg-type]


def test_rule_count_is_bounded() -> None:
    registry = small_city()
    router = Router()
    for number in range(MAX_RULES):
        router.rules[f"r{number}"] = RoutingRule(id=f"r{number}", name="r", notify_camera_agencies=True)
    with pytest.raises(ConflictError) as err:
        router.set_rule(registry, None, {"name": "one too many", "notify_camera_agencies": True})
    assert_error(err.value, RoutingErrorKey.TOO_MANY_RULES)  # type: ignore[arg-type]


@given(
    start=st.times(), end=st.times(), moment=st.times(),
)
def test_time_window_contains_exactly_the_times_between_start_and_end(
    start: time, end: time, moment: time
) -> None:
    if start == end:
        return
    window = TimeWindow(start, end)
    inside = start <= moment < end if start < end else not end <= moment < start
    assert window.contains(moment) is inside
    assert TimeWindow.from_dict(window.to_dict()) == window


def test_local_time_is_the_citys() -> None:
    registry = small_city()
    router = Router()
    router.set_rule(registry, None, {
        "name": "Night", "target_agency_ids": ["polres"], "time_window": TimeWindow(time(22), time(5)),
    })
    evening_utc = datetime(2025, 8, 17, 15, 30, tzinfo=UTC)  # 22:30 in Jakarta, 15:30 in UTC
    assert router.matches(registry, review(started_at=evening_utc), now=T0, tz=WIB)
    assert not router.matches(registry, review(started_at=evening_utc), now=T0, tz=UTC)
