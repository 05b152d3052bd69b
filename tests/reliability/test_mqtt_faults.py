"""The MQTT path under faults: a broker restarted again and again while Frigate keeps reporting,
and generated hostile payloads on every topic NCC listens to.

A real mosquitto, HA's own MQTT integration and the simulator publishing; the default routing
rule's cooldown is 0, so every review item opens its own incident and a duplicate cannot hide
inside a merged one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
import json
import logging
from pathlib import Path
from typing import Any

from homeassistant.auth.models import User
from homeassistant.components import mqtt
from homeassistant.core import Context, Event, HomeAssistant, callback
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ncc.alerts import AlertDesk, PayloadProblem
from custom_components.ncc.const import DOMAIN, EVENT_INCIDENT
from custom_components.ncc.data import async_get_city
from frigate_sim import SimCity
from frigate_sim.testing import Broker, mosquitto_binary, start_mosquitto
from scripts.bench_alerts import review_message
from tests.ha.alerts_bench import setup_mqtt, wait_for

SetupCity = Callable[..., Awaitable[MockConfigEntry]]
AddServer = Callable[..., Awaitable[MockConfigEntry]]

pytestmark = [
    pytest.mark.reliability,
    pytest.mark.skipif(mosquitto_binary() is None, reason="mosquitto is not installed"),
]
BROKER_RESTARTS = 3


@dataclass
class Feed:
    hass: HomeAssistant
    desk: AlertDesk
    sim: SimCity
    broker: Broker
    new_reviews: list[str]  # review ids of `new` incident events, in order

    @property
    def prefix(self) -> str:
        return self.sim.servers[0].topic_prefix

    @property
    def cameras(self) -> list[str]:
        return sorted(self.sim.servers[0].cameras)

    def online(self) -> bool:
        return all(feed.available == "online" for feed in self.desk.feeds.values())


@pytest.fixture(autouse=True)
def fast_reconnect(monkeypatch: pytest.MonkeyPatch) -> None:
    """HA's MQTT client retries every 10 s; restarts in a test should not wait that long."""
    monkeypatch.setattr("homeassistant.components.mqtt.client.RECONNECT_INTERVAL_SECONDS", 0.2)


@pytest.fixture
async def feed(
    hass: HomeAssistant, tmp_path: Path, setup_city: SetupCity, add_server: AddServer,
    hass_admin_user: User,
) -> AsyncIterator[Feed]:
    hass.config.config_dir = str(tmp_path)
    broker = await start_mosquitto(tmp_path)
    mqtt_entry = await setup_mqtt(hass, broker.host, broker.port)
    await setup_city()
    sim = SimCity.synthetic(servers=1, cameras=3, seed=8, mqtt=(broker.host, broker.port))
    await sim.start(host="127.0.0.1", base_port=0)
    await add_server(sim.servers[0].url, "balaikota")
    await hass.services.async_call(DOMAIN, "set_routing_rule",
                                   {"rule_id": "default", "cooldown_seconds": 0}, blocking=True,
                                   context=Context(user_id=hass_admin_user.id))
    city = async_get_city(hass)
    assert city is not None
    new_reviews: list[str] = []

    @callback
    def record(event: Event[dict[str, Any]]) -> None:
        if event.data["type"] == "new":
            new_reviews.append(event.data["review_id"])

    unsubscribe = hass.bus.async_listen(EVENT_INCIDENT, record)
    state = Feed(hass, city.alerts, sim, broker, new_reviews)
    await wait_for(state.online)
    yield state
    unsubscribe()
    await sim.stop()
    await hass.config_entries.async_unload(mqtt_entry.entry_id)
    await broker.stop()


async def test_repeated_broker_restarts_lose_and_duplicate_nothing(feed: Feed) -> None:
    server = feed.sim.servers[0]
    emitted: list[str] = []
    for restart in range(BROKER_RESTARTS):
        emitted.append(await server.emit_review(feed.cameras[restart % 3]))
        await wait_for(lambda: set(emitted) <= set(feed.new_reviews))
        await feed.broker.stop()
        await wait_for(lambda: not mqtt.is_connected(feed.hass))
        # Frigate keeps reporting while the broker is gone: lost over MQTT, fetched over HTTP
        emitted.append(await server.emit_review(feed.cameras[(restart + 1) % 3]))
        await feed.broker.restart()
        await wait_for(lambda: mqtt.is_connected(feed.hass))
        await wait_for(lambda: set(emitted) <= set(feed.new_reviews))
    # subscriptions are back: a review published now arrives over MQTT
    emitted.append(await server.emit_review(feed.cameras[0]))
    await wait_for(lambda: set(emitted) <= set(feed.new_reviews))
    await feed.hass.async_block_till_done()
    assert sorted(feed.new_reviews) == sorted(emitted)
    assert len(feed.desk.book.incidents) == len(emitted)


def _not_text(strategy: st.SearchStrategy[Any] | None = None) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), st.integers(), st.floats(), st.lists(st.integers(), max_size=2),
                     st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
                     *([] if strategy is None else [strategy]))


@st.composite
def broken_review(draw: st.DrawFn, camera: str) -> bytes:
    """A Frigate review message with one field of the wrong type, or an unknown camera."""
    message = json.loads(review_message(camera, f"hostile-{draw(st.integers(0, 10**6))}"))
    field = draw(st.sampled_from(["type", "after", "id", "camera", "start_time", "severity", "data"]))
    if field in ("type", "after"):
        message[field] = draw(_not_text())
    elif field == "camera":
        message["after"]["camera"] = draw(_not_text(st.sampled_from(["no_such_camera", "", "../x"])))
    elif field == "start_time":
        message["after"]["start_time"] = draw(st.one_of(st.text(max_size=5), st.lists(st.integers()),
                                                        st.just(None), st.just(float("inf"))))
    else:
        message["after"][field] = draw(_not_text())
    return json.dumps(message).encode()


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)


def hostile(camera: str) -> st.SearchStrategy[tuple[str, bytes]]:
    payloads = st.one_of(
        st.binary(max_size=300),
        JSON.map(lambda value: json.dumps(value).encode()),
        st.sampled_from([b"[" * 50_000 + b"]" * 50_000, b"x" * (70 * 1024), b"\xff\xfe\x00", b""]),
    )
    return st.one_of(
        st.tuples(st.sampled_from(["reviews", "events"]), payloads),
        st.tuples(st.just("reviews"), broken_review(camera)),
        st.tuples(st.just("available"), payloads.filter(lambda p: p not in (b"online", b"offline"))),
    )


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_hostile_payloads_are_ignored_with_one_line_per_kind(
    feed: Feed, caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    caplog.set_level(logging.DEBUG, logger="custom_components.ncc")
    messages = data.draw(st.lists(hostile(feed.cameras[0]), min_size=1, max_size=6))
    for topic, payload in messages:
        await mqtt.async_publish(feed.hass, f"{feed.prefix}/{topic}", payload)
    # the broker keeps one publisher's order: once this one is in, so are all before it
    sentinel = f"sentinel-{len(feed.new_reviews)}"
    await mqtt.async_publish(feed.hass, f"{feed.prefix}/reviews", review_message(feed.cameras[1], sentinel))
    await wait_for(lambda: sentinel in feed.new_reviews)

    assert all(review.startswith("sentinel-") for review in feed.new_reviews)
    assert feed.online(), "a hostile `available` message took the server offline"
    records = [record for record in caplog.records if record.name.startswith("custom_components.ncc")]
    assert not [record for record in records if record.exc_info or record.levelno >= logging.ERROR]
    warnings = [record for record in records
                if record.levelno == logging.WARNING and "Ignoring a message" in record.getMessage()]
    assert len(warnings) <= len(PayloadProblem), "more than one line per kind of problem"
    assert sum(feed.desk.problems.values()) >= len(warnings)
