"""Alerts against a real broker inside a test's Home Assistant: connecting HA's MQTT integration,
and `measure_review_throughput`, the in-process twin of `scripts/bench_alerts.py`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
import time
from typing import Any
from unittest.mock import patch

from homeassistant.core import Event, HomeAssistant, callback
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ncc.const import DOMAIN, EVENT_INCIDENT
from custom_components.ncc.data import async_get_city
from scripts.bench_alerts import BenchResult, ReviewPublisher, bench_messages, summarize


async def setup_mqtt(hass: HomeAssistant, host: str, port: int) -> MockConfigEntry:
    """HA's own MQTT integration, connected to the broker at host:port (discovery off)."""
    entry = MockConfigEntry(domain="mqtt", data={"broker": host, "port": port, "discovery": False})
    entry.add_to_hass(hass)
    # the test harness has no configuration.yaml for MQTT to read
    with patch("homeassistant.config.async_hass_config_yaml", return_value={}):
        assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def wait_for(predicate: Callable[[], bool], timeout: float = 10.0, step: float = 0.02) -> None:
    """Let the loop run until `predicate()` holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(step)


async def measure_review_throughput(
    hass: HomeAssistant,
    broker: tuple[str, int],
    prefix: str,
    cameras: list[str],
    *,
    count: int = 500,
    interval_s: float = 0.0,
    timeout_s: float = 60.0,
) -> BenchResult:
    """Publish `count` alert review messages on `<prefix>/reviews`, spread over `cameras`, and
    measure how many `ncc_incident` events of type `new` follow, how fast, and how late.

    `interval_s` = 0 publishes as fast as the broker takes them (throughput); a positive interval
    paces them (latency without a backlog). The default routing rule's cooldown is 0 for the run,
    so every review item opens its own incident.
    """
    city = async_get_city(hass)
    assert city is not None
    previous_cooldown = int(city.alerts.router.rules["default"].cooldown.total_seconds())
    await hass.services.async_call(DOMAIN, "set_routing_rule",
                                   {"rule_id": "default", "cooldown_seconds": 0}, blocking=True)
    run, messages = bench_messages(cameras, count)
    sent: dict[str, float] = {}
    received: dict[str, float] = {}
    done = asyncio.Event()

    @callback
    def on_incident(event: Event[dict[str, Any]]) -> None:
        if event.data["type"] == "new" and event.data["review_id"].startswith(run):
            received[event.data["review_id"]] = time.perf_counter()
            if len(received) == count:
                done.set()

    unsubscribe = hass.bus.async_listen(EVENT_INCIDENT, on_incident)
    publisher = await hass.async_add_executor_job(ReviewPublisher, *broker)
    # the test harness runs asyncio in debug mode: every task would record its creation stack
    debug = hass.loop.get_debug()
    hass.loop.set_debug(False)
    try:
        await hass.async_add_executor_job(
            publisher.publish_all, f"{prefix}/reviews", messages, sent, interval_s
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), timeout_s)
    finally:
        hass.loop.set_debug(debug)
        unsubscribe()
        await hass.async_add_executor_job(publisher.close)
        await hass.services.async_call(DOMAIN, "set_routing_rule",
                                       {"rule_id": "default", "cooldown_seconds": previous_cooldown},
                                       blocking=True)
    return summarize(count, sent, received)
