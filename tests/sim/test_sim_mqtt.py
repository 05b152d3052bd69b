"""MQTT publishing against a real mosquitto: availability, stats, events, reviews, camera
status, faults, broker restarts, unique prefixes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
import json
import re
import threading
import time
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
import pytest
import pytest_asyncio

from frigate_sim import SimCamera, SimCity, SimServer
from frigate_sim.testing import Broker, CityFactory

from .shapes import MQTT_DOCS, sample, shape_diff

pytestmark = pytest.mark.mqtt


@dataclass(frozen=True)
class Message:
    topic: str
    payload: bytes
    retain: bool

    def json(self) -> Any:
        return json.loads(self.payload)


class Listener:
    """A paho subscriber collecting every message (paho runs its own thread)."""

    def __init__(self, broker: Broker, topic: str = "#") -> None:
        self._lock = threading.Lock()
        self._messages: list[Message] = []
        self._subscribed = threading.Event()
        self.client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"listener-{id(self)}")
        self.client.on_connect = lambda c, u, f, r, p: c.subscribe(topic)
        self.client.on_subscribe = lambda c, u, m, r, p: self._subscribed.set()
        self.client.on_message = self._on_message
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()

    def _on_message(self, client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        with self._lock:
            self._messages.append(Message(message.topic, message.payload, bool(message.retain)))

    async def ready(self) -> None:
        for _ in range(200):
            if self._subscribed.is_set():
                return
            await asyncio.sleep(0.01)
        raise AssertionError("listener never subscribed")

    def messages(self, topic: str | None = None) -> list[Message]:
        with self._lock:
            return [m for m in self._messages if topic is None or m.topic == topic]

    async def wait(
        self, topic: str, check: Callable[[Message], bool] = lambda m: True, timeout: float = 5.0
    ) -> Message:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.messages(topic):
                if check(message):
                    return message
            await asyncio.sleep(0.01)
        raise AssertionError(f"no matching message on {topic}: {self.messages(topic)[-3:]}")

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest_asyncio.fixture
async def listener(mosquitto: Broker) -> AsyncIterator[Listener]:
    subscriber = Listener(mosquitto)
    await subscriber.ready()
    try:
        yield subscriber
    finally:
        await asyncio.to_thread(subscriber.close)


def _docs_example(topic: str) -> dict[str, Any]:
    """The JSON example under `### \\`frigate/<topic>\\`` in docs/mqtt.md, comments removed."""
    text = MQTT_DOCS.read_text(encoding="utf-8")
    section = text.split(f"### `frigate/{topic}`", 1)[1]
    block = section.split("```json", 1)[1].split("```", 1)[0]
    without_comments = re.sub(r"\s//[^\n]*", "", block)
    return json.loads(without_comments)  # type: ignore[no-any-return]


def _of_type(kind: str) -> Callable[[Message], bool]:
    return lambda message: bool(message.json()["type"] == kind)


async def _city(sim_city: CityFactory, mosquitto: Broker, **options: Any) -> SimCity:
    cameras = [SimCamera("gate", zones=["road"]), SimCamera("lobby")]
    server = SimServer("srv1", cameras, mqtt=mosquitto.address, **options)
    return await sim_city(SimCity([server]))


async def test_availability_is_retained_and_follows_faults_and_stop(
    sim_city: CityFactory, mosquitto: Broker, listener: Listener
) -> None:
    city = await _city(sim_city, mosquitto)
    srv = city.servers[0]
    assert srv.topic_prefix == "frigate"
    await listener.wait("frigate/available", lambda m: m.payload == b"online")
    late = Listener(mosquitto, "frigate/available")
    try:
        retained = await late.wait("frigate/available")
        assert retained.retain
        assert retained.payload == b"online"
    finally:
        await asyncio.to_thread(late.close)
    srv.faults.down = True
    await listener.wait("frigate/available", lambda m: m.payload == b"offline")
    srv.faults.down = False
    await _wait_last(listener, "frigate/available", b"online")
    await srv.stop()
    await _wait_last(listener, "frigate/available", b"offline")


async def _wait_last(listener: Listener, topic: str, payload: bytes) -> None:
    """Until the newest message on `topic` is `payload`."""
    await listener.wait(topic, lambda m: listener.messages(topic)[-1].payload == payload)


async def test_stats_are_published_every_interval(
    sim_city: CityFactory, mosquitto: Broker, listener: Listener
) -> None:
    await _city(sim_city, mosquitto, stats_interval_s=0.1)
    first = await listener.wait("frigate/stats")
    await listener.wait("frigate/stats", lambda m: m is not first)
    stats = first.json()
    assert set(stats["cameras"]) == {"gate", "lobby"}
    assert shape_diff(stats, sample("stats.json"), maps=("$.cameras", "$.detectors")) == []


async def test_review_lifecycle_messages(
    sim_city: CityFactory, mosquitto: Broker, listener: Listener
) -> None:
    city = await _city(sim_city, mosquitto)
    srv = city.servers[0]
    await listener.wait("frigate/available")
    review_id = await srv.emit_review(
        "gate", label="person", zones=["road"], sub_label="Budi", duration_s=0.2
    )
    event_id = srv.catalog.reviews[review_id].detections[0]
    kinds = ("new", "update", "end")
    for kind in kinds:
        for topic in ("frigate/events", "frigate/reviews"):
            await listener.wait(topic, _of_type(kind))
    events = [m.json() for m in listener.messages("frigate/events")]
    reviews = [m.json() for m in listener.messages("frigate/reviews")]
    assert [e["type"] for e in events] == list(kinds)
    assert [r["type"] for r in reviews] == list(kinds)
    assert all(e["after"]["id"] == event_id for e in events)
    assert all(r["after"]["id"] == review_id for r in reviews)
    assert events[0]["after"]["end_time"] is None
    assert events[-1]["after"]["end_time"] is not None
    assert events[-1]["after"]["active"] is False
    assert reviews[-1]["after"]["end_time"] is not None
    assert reviews[0]["after"]["data"]["detections"] == [event_id]
    assert events[0]["after"]["sub_label"] == ["Budi", 0.87]  # an array over MQTT
    assert events[0]["after"]["entered_zones"] == ["road"]
    event_doc, review_doc = _docs_example("events"), _docs_example("reviews")
    attributes = ("$.before.attributes", "$.after.attributes")  # {attribute: score}
    for message in events:
        assert set(message) == {"type", "before", "after"}
        assert shape_diff(message, event_doc, maps=attributes) == []
    for message in reviews:
        assert shape_diff(message, review_doc) == []
    statuses = [m.payload for m in listener.messages("frigate/gate/review_status")]
    assert statuses == [b"ALERT", b"NONE"]


async def test_camera_status_follows_outages(
    sim_city: CityFactory, mosquitto: Broker, listener: Listener
) -> None:
    city = await _city(sim_city, mosquitto)
    srv = city.servers[0]
    await listener.wait("frigate/gate/status/detect", lambda m: m.payload == b"online")
    srv.set_camera_online("gate", False)
    for role in ("detect", "record"):
        message = await listener.wait(f"frigate/gate/status/{role}", lambda m: m.payload == b"offline")
        assert not message.retain
    srv.set_camera_online("gate", True)
    await _wait_last(listener, "frigate/gate/status/detect", b"online")
    lobby = [m.payload for m in listener.messages() if m.topic.startswith("frigate/lobby/status/")]
    assert set(lobby) == {b"online"}


async def test_the_broker_coming_back_is_rejoined(
    sim_city: CityFactory, mosquitto: Broker, listener: Listener
) -> None:
    city = await _city(sim_city, mosquitto)
    srv = city.servers[0]
    await listener.wait("frigate/available", lambda m: m.payload == b"online")
    await asyncio.to_thread(listener.close)
    await mosquitto.restart()
    fresh = Listener(mosquitto, "frigate/available")
    try:
        await fresh.wait("frigate/available", lambda m: m.payload == b"online", timeout=8)
    finally:
        await asyncio.to_thread(fresh.close)
    assert srv.mqtt is not None
    assert srv.mqtt.connected
    late = Listener(mosquitto, "frigate/available")
    try:
        retained = await late.wait("frigate/available")
        assert retained.retain
        assert retained.payload == b"online"
    finally:
        await asyncio.to_thread(late.close)


async def test_servers_of_a_city_get_unique_prefixes_and_client_ids(
    sim_city: CityFactory, mosquitto: Broker, listener: Listener
) -> None:
    city = await sim_city(servers=3, cameras=1, mqtt=mosquitto.address)
    prefixes = [s.topic_prefix for s in city.servers]
    assert prefixes == ["frigate_srv1", "frigate_srv2", "frigate_srv3"]
    assert len({s.client_id for s in city.servers}) == 3
    for prefix in prefixes:
        await listener.wait(f"{prefix}/available", lambda m: m.payload == b"online")
    await city.servers[1].emit_review("kayutangan_01")
    await listener.wait("frigate_srv2/reviews")
    assert not listener.messages("frigate_srv1/reviews")
