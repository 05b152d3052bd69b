"""Alerts over a real mosquitto broker: HA's MQTT integration, the simulator publishing reviews."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
import json
import logging
from pathlib import Path
import threading
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.auth.models import User
from homeassistant.components import mqtt
from homeassistant.core import Context, Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.ncc.alerts import AlertDesk, FeedMode, PayloadProblem
from custom_components.ncc.const import (
    DOMAIN,
    EVENT_CAMERA_OFFLINE,
    EVENT_CAMERA_ONLINE,
    EVENT_INCIDENT,
    EVENT_SERVER_UNAVAILABLE,
)
from custom_components.ncc.data import async_get_city, async_get_data
from frigate_sim import SimCity
from frigate_sim.testing import Broker, mosquitto_binary, start_mosquitto
from scripts.bench_alerts import review_message

from .alerts_bench import measure_review_throughput, setup_mqtt, wait_for

SetupCity = Callable[..., Awaitable[MockConfigEntry]]
AddServer = Callable[..., Awaitable[MockConfigEntry]]

pytestmark = pytest.mark.skipif(mosquitto_binary() is None, reason="mosquitto is not installed")


@pytest.fixture
async def broker(tmp_path: Path) -> AsyncIterator[Broker]:
    started = await start_mosquitto(tmp_path)
    yield started
    await started.stop()


@pytest.fixture(autouse=True)
def fast_reconnect(monkeypatch: pytest.MonkeyPatch) -> None:
    """HA's MQTT client retries every 10 s; a broker restart in a test should not wait that long."""
    monkeypatch.setattr("homeassistant.components.mqtt.client.RECONNECT_INTERVAL_SECONDS", 0.2)


@dataclass
class MqttCity:
    hass: HomeAssistant
    desk: AlertDesk
    sim: SimCity
    broker: Broker
    mqtt_entry: MockConfigEntry
    events: list[dict[str, Any]]

    def camera(self, server: int, index: int = 0) -> str:
        return list(self.sim.servers[server].cameras)[index]

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [event for event in self.events if event["type"] == kind]


async def admin_call(hass: HomeAssistant, service: str, data: dict[str, Any], user: User) -> Any:
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, context=Context(user_id=user.id), return_response=True
    )


@pytest.fixture
async def mqtt_city(
    hass: HomeAssistant, tmp_path: Path, broker: Broker, setup_city: SetupCity, add_server: AddServer,
    hass_admin_user: User,
) -> AsyncIterator[MqttCity]:
    """Balaikota (Diskominfo) and Dishub servers publishing to the broker HA's MQTT listens to;
    Polres receives Dishub's alerts by grant; Damkar exists for the fire rule."""
    hass.config.config_dir = str(tmp_path)
    mqtt_entry = await setup_mqtt(hass, broker.host, broker.port)
    await setup_city()
    for code, name, targets in (
        ("DISHUB", "Dinas Perhubungan", ["notify.dishub_piket"]),
        ("POLRES", "Polres Mojokerto Kota", ["notify.polres_jaga"]),
        ("DAMKAR", "Dinas Pemadam Kebakaran", ["notify.damkar_siaga"]),
    ):
        await admin_call(hass, "create_agency", {"code": code, "name": name, "kind": "city_department",
                                                 "notify_targets": targets}, hass_admin_user)
    sim = SimCity.synthetic(servers=2, cameras=3, seed=5, mqtt=(broker.host, broker.port))
    await sim.start(host="127.0.0.1", base_port=0)
    await add_server(sim.servers[0].url, "balaikota")
    await add_server(sim.servers[1].url, "dishub", agency_id="dishub")
    await admin_call(hass, "grant_access", {
        "owner_agency_id": "dishub", "grantee_agency_id": "polres", "privileges": ["receive_alerts"],
        "scope": "all",
    }, hass_admin_user)
    city = async_get_city(hass)
    assert city is not None
    desk = city.alerts
    # subscribed once each server's retained "online" came through the broker
    await wait_for(lambda: all(feed.available == "online" for feed in desk.feeds.values()))
    events: list[dict[str, Any]] = []

    @callback
    def record(event: Event[dict[str, Any]]) -> None:
        events.append(dict(event.data))

    unsubscribe = hass.bus.async_listen(EVENT_INCIDENT, record)
    yield MqttCity(hass, desk, sim, broker, mqtt_entry, events)
    unsubscribe()
    await sim.stop()
    await hass.config_entries.async_unload(mqtt_entry.entry_id)


async def test_reviews_reach_the_right_agencies_once_per_review(
    mqtt_city: MqttCity, hass_admin_user: User
) -> None:
    hass, desk = mqtt_city.hass, mqtt_city.desk
    assert {feed.mode for feed in desk.feeds.values()} == {FeedMode.MQTT}
    assert {feed.prefix for feed in desk.feeds.values()} == {"frigate_srv1", "frigate_srv2"}
    dishub_camera = mqtt_city.camera(1)
    review_id = await mqtt_city.sim.servers[1].emit_review(dishub_camera, label="person", severity="alert")
    await wait_for(lambda: len(mqtt_city.events) >= 2)  # new, then the end as an update
    new = mqtt_city.of_type("new")
    assert len(new) == 1
    event = new[0]
    assert event["review_id"] == review_id
    assert event["camera_id"] == f"dishub/{dishub_camera}"
    assert event["agency_codes"] == ["DISHUB", "POLRES"]
    assert event["notify_targets"] == ["notify.dishub_piket", "notify.polres_jaga"]
    assert event["severity"] == "alert"
    assert event["label"] == "person"
    assert "authSig=" in event["snapshot_url"]
    # the update and the end of the same review item update the same incident
    assert {e["incident_id"] for e in mqtt_city.events} == {event["incident_id"]}
    incident = desk.book.incidents[event["incident_id"]]
    assert incident.ended_at is not None

    # a second review item on that camera within the cooldown joins the incident
    second = await mqtt_city.sim.servers[1].emit_review(dishub_camera, label="car", severity="alert")
    await wait_for(lambda: second in desk.book.incidents[event["incident_id"]].merged_review_ids)
    assert len(mqtt_city.of_type("new")) == 1
    assert desk.book.incidents[event["incident_id"]].labels == ("person", "car")

    # detections go nowhere by default; fire goes to the fire service once its rule is on
    await mqtt_city.sim.servers[0].emit_review(mqtt_city.camera(0), label="bicycle", severity="detection")
    await admin_call(hass, "set_routing_rule", {"rule_id": "fire_to_damkar", "enabled": True},
                     hass_admin_user)
    fire = await mqtt_city.sim.servers[0].emit_review(mqtt_city.camera(0, 1), label="fire",
                                                      severity="detection")
    await wait_for(lambda: any(e["review_id"] == fire for e in mqtt_city.of_type("new")))
    [fire_event] = [e for e in mqtt_city.of_type("new") if e["review_id"] == fire]
    assert fire_event["agency_codes"] == ["DAMKAR", "DISKOMINFO"]
    assert fire_event["notify_targets"] == ["notify.damkar_siaga"]
    assert len(mqtt_city.of_type("new")) == 2  # the bicycle opened nothing
    # the counts follow within the sensors' one-second cooldown
    await wait_for(lambda: hass.states.get("sensor.dinas_pemadam_kebakaran_open_incidents").state == "1")
    assert hass.states.get("sensor.polres_mojokerto_kota_open_incidents").state == "1"


async def test_hostile_payloads_are_ignored_with_one_line_each(
    mqtt_city: MqttCity, caplog: pytest.LogCaptureFixture
) -> None:
    hass, desk = mqtt_city.hass, mqtt_city.desk
    caplog.set_level(logging.DEBUG, logger="custom_components.ncc.alerts")
    camera = mqtt_city.camera(1)
    nested = b"[" * 20000 + b"]" * 20000
    hostile: list[tuple[str, bytes]] = [
        ("reviews", b"\xff\xfe not json"),
        ("reviews", nested),
        ("reviews", b"x" * (70 * 1024)),
        ("reviews", b'{"type": "new", "after": {"id": 5, "camera": []}}'),
        ("reviews", b'"just a string"'),
        ("reviews", review_message("no_such_camera", "r-unknown")),
        ("reviews", review_message(camera, "r-bogus-type", kind="bogus")),
        ("reviews", b'{"type":"new","after":{"id":"r-huge","camera":"%s","start_time":1e300,'
                    b'"end_time":null,"severity":"alert","thumb_path":"x","data":{"detections":[],'
                    b'"objects":["person"],"sub_labels":[],"zones":[]}}}' % camera.encode()),
        ("events", b"{}"),
        ("events", b'{"after": {"id": "e", "camera": "c", "label": "person", "current_zones": "road"}}'),
        ("available", b"maybe"),
    ]
    for _ in range(2):
        for topic, payload in hostile:
            await mqtt.async_publish(hass, f"frigate_srv2/{topic}", payload)
    await wait_for(lambda: sum(desk.problems.values()) >= 2 * len(hostile))
    assert desk.problems == {
        PayloadProblem.NOT_JSON: 4, PayloadProblem.TOO_LARGE: 2, PayloadProblem.WRONG_SHAPE: 14,
        PayloadProblem.UNKNOWN_CAMERA: 2,
    }
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and r.name.endswith("alerts")]
    assert len(warnings) == len(PayloadProblem)  # one line per kind, not per message
    assert mqtt_city.events == []
    assert not desk.book.incidents
    # a real review item still goes through afterwards
    review_id = await mqtt_city.sim.servers[1].emit_review(camera)
    await wait_for(lambda: any(e["review_id"] == review_id for e in mqtt_city.events))


async def test_broker_restart_resubscribes_and_catches_up_without_duplicates(mqtt_city: MqttCity) -> None:
    desk, sim = mqtt_city.desk, mqtt_city.sim
    first = await sim.servers[1].emit_review(mqtt_city.camera(1, 0))
    await wait_for(lambda: len(mqtt_city.of_type("new")) == 1)
    for feed in desk.feeds.values():
        feed.available = None
    await mqtt_city.broker.stop()
    await wait_for(lambda: not mqtt.is_connected(mqtt_city.hass))
    # published while the broker is down: lost over MQTT, fetched by HTTP once HA reconnects
    during = await sim.servers[1].emit_review(mqtt_city.camera(1, 1))
    await mqtt_city.broker.restart()
    await wait_for(lambda: all(feed.available == "online" for feed in desk.feeds.values()))
    await wait_for(lambda: any(e["review_id"] == during for e in mqtt_city.of_type("new")))
    after = await sim.servers[1].emit_review(mqtt_city.camera(1, 2))
    await wait_for(lambda: any(e["review_id"] == after for e in mqtt_city.of_type("new")))
    await mqtt_city.hass.async_block_till_done()
    reviews = [e["review_id"] for e in mqtt_city.of_type("new")]
    assert sorted(reviews) == sorted([first, during, after])
    assert len(desk.book.incidents) == 3


async def test_servers_move_to_mqtt_when_it_is_set_up_later(
    hass: HomeAssistant, tmp_path: Path, broker: Broker, setup_city: SetupCity, add_server: AddServer,
) -> None:
    hass.config.config_dir = str(tmp_path)
    await setup_city()
    sim = SimCity.synthetic(servers=1, cameras=2, seed=6, mqtt=(broker.host, broker.port))
    await sim.start(host="127.0.0.1", base_port=0)
    try:
        server_entry = await add_server(sim.servers[0].url, "balaikota")
        city = async_get_city(hass)
        assert city is not None
        assert city.alerts.feeds["balaikota"].mode is FeedMode.POLL
        mqtt_entry = await setup_mqtt(hass, broker.host, broker.port)
        await server_entry.runtime_data.async_refresh()
        await wait_for(lambda: city.alerts.feeds["balaikota"].available == "online")
        assert city.alerts.feeds["balaikota"].prefix == "frigate"
        # the server leaves: its feed and subscriptions go with it
        await hass.config_entries.async_unload(server_entry.entry_id)
        assert city.alerts.feeds == {}
        await hass.config_entries.async_unload(mqtt_entry.entry_id)
    finally:
        await sim.stop()


async def test_throughput_and_latency_through_the_broker(mqtt_city: MqttCity) -> None:
    server = mqtt_city.sim.servers[1]
    result = await measure_review_throughput(
        mqtt_city.hass, mqtt_city.broker.address, server.topic_prefix, list(server.cameras), count=200,
    )
    assert result.handled == result.published == 200
    assert result.per_second > 50
    assert result.p99_ms < 2000
    assert mqtt_city.desk.router.rules["default"].cooldown.total_seconds() == 300


def event_message(camera: str, event_id: str, label: str, zones: list[str], kind: str = "new") -> bytes:
    """A `<prefix>/events` message in Frigate 0.17's shape (only what counting reads matters)."""
    obj = {"id": event_id, "camera": camera, "label": label, "current_zones": zones,
           "entered_zones": zones, "false_positive": False, "end_time": None, "sub_label": None}
    return json.dumps({"type": kind, "before": obj, "after": obj}).encode()


async def test_object_counts_come_from_the_events_topic(
    mqtt_city: MqttCity, hass_admin_user: User, monkeypatch: pytest.MonkeyPatch,
) -> None:
    hass, desk = mqtt_city.hass, mqtt_city.desk
    camera = mqtt_city.camera(1)

    async def publish(topic: str, payload: bytes) -> None:
        await mqtt.async_publish(hass, f"frigate_srv2/{topic}", payload)

    await admin_call(hass, "set_routing_rule", {"rule_id": "congestion_to_dishub", "enabled": True,
                                                "min_objects": 3, "zones": ["jalan"]}, hass_admin_user)
    for number in range(3):
        await publish("events", event_message(camera, f"car{number}", "car", ["jalan"]))
    await publish("events", event_message(camera, "car2", "car", ["jalan"], "end"))
    await publish("events", event_message(camera, "p1", "person", ["jalan"]))
    await publish("events", b"not json")
    await publish("events", b'{"after": {"id": 1, "camera": "x", "label": "car"}}')
    await publish("events", b'{"type": "new", "after": {"id": 1, "camera": "x", "label": "car"}}')
    await publish("events", b'{"type": "new", "after": {"id": "e", "camera": "x", "label": "car", '
                            b'"current_zones": [1]}}')
    await wait_for(lambda: desk.problems[PayloadProblem.WRONG_SHAPE] == 3)
    feed = desk.feeds["dishub"]
    assert sorted(feed.tracked) == ["car0", "car1", "p1"]
    await publish("reviews", review_message(camera, "jam-1", label="car", severity="detection",
                                            zones=("jalan",)))
    await publish("events", event_message(camera, "car3", "car", ["jalan"]))
    await wait_for(lambda: "car3" in feed.tracked)
    assert desk.book.find_by_review("dishub", "jam-1") is None  # two cars were not enough
    await publish("reviews", review_message(camera, "jam-1", label="car", severity="detection",
                                            zones=("jalan",), kind="update"))
    await wait_for(lambda: desk.book.find_by_review("dishub", "jam-1") is not None)
    incident = desk.book.find_by_review("dishub", "jam-1")
    assert incident is not None
    assert incident.rule_ids == ("congestion_to_dishub",)
    assert incident.agency_ids == ("dishub",)
    # objects whose end never came are forgotten, oldest first
    monkeypatch.setattr("custom_components.ncc.alerts.MAX_TRACKED_OBJECTS", 2)
    await publish("events", event_message(camera, "car4", "car", ["jalan"]))
    await wait_for(lambda: "car4" in feed.tracked)
    assert list(feed.tracked) == ["car3", "car4"]
    assert desk.problems[PayloadProblem.NOT_JSON] == 1


async def test_prefix_clashes_and_subscription_failures_fall_back_to_polling(
    hass: HomeAssistant, tmp_path: Path, broker: Broker, setup_city: SetupCity, add_server: AddServer,
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    hass.config.config_dir = str(tmp_path)
    mqtt_entry = await setup_mqtt(hass, broker.host, broker.port)
    await setup_city()
    sim = SimCity.synthetic(servers=3, cameras=1, seed=7, mqtt=(broker.host, broker.port))
    await sim.start(host="127.0.0.1", base_port=0)
    try:
        await add_server(sim.servers[0].url, "alpha")
        await add_server(sim.servers[1].url, "beta", mqtt_topic_prefix="frigate_srv1")
        await add_server(sim.servers[2].url, "gamma", mqtt_topic_prefix="frigate/#")
        city = async_get_city(hass)
        assert city is not None
        feeds = city.alerts.feeds
        assert (feeds["alpha"].mode, feeds["beta"].mode, feeds["gamma"].mode) == (
            FeedMode.MQTT, FeedMode.POLL, FeedMode.POLL)
        assert "publish under the same MQTT prefix frigate_srv1" in caplog.text
        await async_get_data(hass).servers["beta"].async_refresh()
        clashes = [r.levelno for r in caplog.records if "same MQTT prefix" in r.getMessage()]
        assert clashes[0] == logging.WARNING
        assert set(clashes[1:]) == {logging.DEBUG}  # said once, then quietly at every poll

        async def refuse(*_: Any, **__: Any) -> Any:
            raise HomeAssistantError("MQTT is not enabled")

        monkeypatch.setattr("custom_components.ncc.alerts.mqtt.async_subscribe", refuse)
        # alpha leaves: beta may now use the prefix, but subscribing fails, so beta keeps polling
        await hass.config_entries.async_unload(async_get_data(hass).servers["alpha"].config_entry.entry_id)
        await hass.async_block_till_done()
        assert feeds["beta"].mode is FeedMode.POLL
        await async_get_data(hass).servers["beta"].async_refresh()
        await hass.async_block_till_done()
        refusals = [r.levelno for r in caplog.records if "Cannot subscribe to frigate_srv1" in r.getMessage()]
        assert refusals[0] == logging.WARNING
        assert set(refusals[1:]) == {logging.DEBUG}
        assert feeds["gamma"].mode is FeedMode.POLL
        assert "frigate/#" not in caplog.text  # a wildcard prefix is never subscribed
    finally:
        await sim.stop()
        await hass.config_entries.async_unload(mqtt_entry.entry_id)


def recorder(hass: HomeAssistant, event_type: str) -> list[dict[str, Any]]:
    """Every `event_type` event fired from now on (for the rest of the test)."""
    seen: list[dict[str, Any]] = []

    @callback
    def record(event: Event[dict[str, Any]]) -> None:
        seen.append(dict(event.data))

    hass.bus.async_listen(event_type, record)
    return seen


async def wait_frozen(hass: HomeAssistant, predicate: Callable[[], bool], timeout_s: float = 10.0) -> None:
    """`wait_for` under a frozen clock: the loop's timers stand still, so real time passes in a
    worker thread while the broker's messages come in through the loop's socket readers."""
    for _ in range(int(timeout_s / 0.02)):
        if predicate():
            return
        await hass.async_add_executor_job(threading.Event().wait, 0.02)
    raise AssertionError("condition not reached in time")


async def test_acknowledgement_over_the_broker_stops_escalation(
    mqtt_city: MqttCity, hass_admin_user: User, freezer: FrozenDateTimeFactory,
) -> None:
    # (the clock is frozen after the fixture connected everything: requested last)
    hass, desk, server = mqtt_city.hass, mqtt_city.desk, mqtt_city.sim.servers[1]
    first = await server.emit_review(mqtt_city.camera(1, 0), label="person", severity="alert")
    second = await server.emit_review(mqtt_city.camera(1, 1), label="person", severity="alert")
    # each review item: new, then its update and end as updates of the same incident
    await wait_frozen(hass, lambda: len(mqtt_city.of_type("new")) == 2
                      and all(i.ended_at is not None for i in desk.book.incidents.values()))
    by_review = {e["review_id"]: e["incident_id"] for e in mqtt_city.of_type("new")}
    assert set(by_review) == {first, second}
    await admin_call(hass, "acknowledge_incident", {"incident_id": by_review[first], "note": "meluncur"},
                     hass_admin_user)

    async def tick(delta: timedelta) -> None:
        await hass.async_block_till_done()
        freezer.tick(delta)
        async_fire_time_changed(hass)
        await hass.async_block_till_done()

    # the default rule escalates after 15 minutes; one second short of that, nothing happens
    await tick(timedelta(minutes=15) - timedelta(seconds=1))
    assert mqtt_city.of_type("escalated") == []
    await tick(timedelta(seconds=2))
    [escalated] = mqtt_city.of_type("escalated")
    assert escalated["incident_id"] == by_review[second]
    assert escalated["new_agency_codes"] == ["DISKOMINFO"]
    assert escalated["agency_codes"] == ["DISHUB", "POLRES", "DISKOMINFO"]
    assert desk.book.incidents[by_review[first]].escalation_level == 0
    # messages still flow under the frozen clock: a later update of the acknowledged review item
    # keeps it acknowledged and escalates nothing more
    await mqtt.async_publish(hass, "frigate_srv2/reviews", review_message(
        mqtt_city.camera(1, 0), first, label="car", kind="update"))
    await wait_frozen(hass, lambda: "car" in desk.book.incidents[by_review[first]].labels)
    assert desk.book.incidents[by_review[first]].status.value == "acknowledged"
    assert len(mqtt_city.of_type("escalated")) == 1


async def test_camera_outage_and_server_offline_message_raise_health_events(mqtt_city: MqttCity) -> None:
    hass, desk, server = mqtt_city.hass, mqtt_city.desk, mqtt_city.sim.servers[1]
    offline, online = recorder(hass, EVENT_CAMERA_OFFLINE), recorder(hass, EVENT_CAMERA_ONLINE)
    unavailable = recorder(hass, EVENT_SERVER_UNAVAILABLE)
    coordinator = async_get_data(hass).servers["dishub"]
    camera = mqtt_city.camera(1, 2)
    publisher = server.mqtt
    assert publisher is not None

    server.set_camera_online(camera, False)
    await coordinator.async_refresh()
    assert [(e["camera_id"], e["agency_code"], e["notify_targets"]) for e in offline] == [
        (f"dishub/{camera}", "DISHUB", ["notify.dishub_piket"])]
    await coordinator.async_refresh()
    assert len(offline) == 1  # still dark: said once
    server.set_camera_online(camera, True)
    await coordinator.async_refresh()
    assert [e["camera_id"] for e in online] == [f"dishub/{camera}"]

    # Frigate says `offline` on its availability topic (its HTTP API still answers)
    publisher.set_available(False)
    await wait_for(lambda: desk.feeds["dishub"].available == "offline")
    assert unavailable == [
        {"server_id": "dishub", "agency_code": "DISHUB", "notify_targets": ["notify.dishub_piket"]}]
    # `offline` again is the same outage (a marker after it shows it was handled)
    await mqtt.async_publish(hass, "frigate_srv2/available", "offline")
    await mqtt.async_publish(hass, "frigate_srv2/available", "unsure")
    await wait_for(lambda: desk.problems[PayloadProblem.WRONG_SHAPE] == 1)
    assert len(unavailable) == 1
    # back, confirmed by a successful poll; the next `offline` is a new outage
    publisher.set_available(True)
    await wait_for(lambda: desk.feeds["dishub"].available == "online")
    await coordinator.async_refresh()
    publisher.set_available(False)
    await wait_for(lambda: len(unavailable) == 2)
    assert [e["server_id"] for e in unavailable] == ["dishub", "dishub"]
    assert len(offline) == 1  # a server going away is not a camera outage
    assert mqtt_city.events == []
