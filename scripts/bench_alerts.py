"""Measure NCC's alert pipeline: Frigate review messages through a real MQTT broker into
`ncc_incident` events. Reports messages handled per second and publish-to-event latency.

Against a running Home Assistant (the demo: `scripts/demo`, then in another shell)::

    .venv/bin/python scripts/bench_alerts.py --count 1000            # as fast as the broker takes them
    .venv/bin/python scripts/bench_alerts.py --count 300 --interval 0.02   # paced: latency without backlog

It logs in with the demo's admin (`.demo/credentials.json`), sets the default routing rule's
cooldown to 0 for the run (every review item then opens its own incident) and restores it.
`tests/ha/alerts_bench.py` runs the same measurement inside a test's Home Assistant.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
import json
from pathlib import Path
import statistics
import sys
import time
from typing import Any
import uuid

import aiohttp
import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts import realha


def review_message(camera: str, review_id: str, *, label: str = "person", severity: str = "alert",
                   zones: tuple[str, ...] = (), kind: str = "new", ended: bool = False) -> bytes:
    """A `<prefix>/reviews` message in Frigate 0.17's shape (docs/mqtt.md)."""
    now = time.time()
    row = {
        "id": review_id,
        "camera": camera,
        "start_time": now - 1.0,
        "end_time": now if ended else None,
        "severity": severity,
        "thumb_path": f"/media/frigate/clips/review/thumb-{camera}-{review_id}.webp",
        "data": {
            "detections": [f"{review_id}-e1"],
            "objects": [label],
            "sub_labels": [],
            "zones": list(zones),
            "audio": [],
        },
    }
    return json.dumps({"type": kind, "before": row, "after": row}).encode()


def bench_messages(cameras: list[str], count: int) -> tuple[str, list[tuple[str, bytes]]]:
    """A run id and `count` alert review messages (review ids starting with it) over `cameras`."""
    run = uuid.uuid4().hex[:6]
    ids = [f"{run}-{n}" for n in range(count)]
    return run, [(rid, review_message(cameras[n % len(cameras)], rid)) for n, rid in enumerate(ids)]


class ReviewPublisher:
    """A paho client on its own thread, as a Frigate server publishes."""

    def __init__(self, host: str, port: int) -> None:
        self._client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"ncc-bench-{uuid.uuid4().hex[:8]}")
        self._client.connect(host, port)
        self._client.loop_start()

    def publish_all(self, topic: str, messages: list[tuple[str, bytes]], sent: dict[str, float],
                    interval_s: float) -> None:
        """Publish in order, noting each message's send time (time.perf_counter) by review id."""
        # Paced to a schedule, not by sleeping after each send: sleep overshoot would otherwise
        # lower the offered rate below what was asked for.
        next_at = time.perf_counter()
        for review_id, payload in messages:
            sent[review_id] = time.perf_counter()
            self._client.publish(topic, payload, qos=0)
            if interval_s:
                next_at += interval_s
                time.sleep(max(0.0, next_at - time.perf_counter()))

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()


@dataclass(frozen=True, slots=True)
class BenchResult:
    """Review messages published, incidents announced, and publish-to-event latency."""

    published: int
    handled: int
    seconds: float
    median_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        return self.handled / self.seconds if self.seconds else 0.0

    def __str__(self) -> str:
        return (f"{self.handled}/{self.published} review messages became incidents: "
                f"{self.per_second:.0f}/s, latency median {self.median_ms:.1f} ms, p99 {self.p99_ms:.1f} ms")


def summarize(published: int, sent: Mapping[str, float], received: Mapping[str, float]) -> BenchResult:
    latencies = sorted((received[key] - sent[key]) * 1000 for key in received)
    first = min(sent.values())
    last = max(received.values(), default=first)
    return BenchResult(
        published=published,
        handled=len(received),
        seconds=last - first,
        median_ms=statistics.median(latencies) if latencies else float("nan"),
        p99_ms=latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else float("nan"),
    )


class _HaSocket:
    """The few websocket commands the benchmark needs."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self._next_id = 1

    async def command(self, message: dict[str, Any]) -> int:
        message_id = self._next_id
        self._next_id += 1
        await self.ws.send_json({"id": message_id, **message})
        return message_id

    async def result(self, message: dict[str, Any]) -> Any:
        message_id = await self.command(message)
        while True:
            answer = await self.ws.receive_json()
            if answer.get("id") == message_id and answer["type"] == "result":
                if not answer["success"]:
                    raise RuntimeError(answer["error"])
                return answer["result"]


async def bench_running_ha(url: str, token: str, broker: tuple[str, int], *, prefix: str, server_id: str,
                           count: int, interval_s: float, timeout_s: float) -> BenchResult:
    async with aiohttp.ClientSession() as session, session.ws_connect(f"{url}/api/websocket") as ws:
        await ws.receive_json()
        await ws.send_json({"type": "auth", "access_token": token})
        if (await ws.receive_json())["type"] != "auth_ok":
            raise SystemExit("Home Assistant refused the token")
        ha = _HaSocket(ws)
        cameras = [
            camera["id"].partition("/")[2]
            for camera in (await ha.result({"type": "ncc/cameras"}))["cameras"]
            if camera["id"].startswith(f"{server_id}/")
        ]
        rules = await ha.result({"type": "ncc/routing/list"})
        cooldown = next(rule["cooldown_seconds"] for rule in rules["rules"] if rule["id"] == "default")

        async def set_cooldown(seconds: int) -> None:
            await ha.result({"type": "call_service", "domain": "ncc", "service": "set_routing_rule",
                             "service_data": {"rule_id": "default", "cooldown_seconds": seconds}})

        await set_cooldown(0)
        subscription = await ha.command({"type": "subscribe_events", "event_type": "ncc_incident"})
        run, messages = bench_messages(cameras, count)
        sent: dict[str, float] = {}
        received: dict[str, float] = {}
        publisher = ReviewPublisher(*broker)
        try:
            publishing = asyncio.create_task(asyncio.to_thread(
                publisher.publish_all, f"{prefix}/reviews", messages, sent, interval_s))
            deadline = time.monotonic() + timeout_s
            while len(received) < count and time.monotonic() < deadline:
                try:
                    message = await asyncio.wait_for(ws.receive_json(), max(0.1, deadline - time.monotonic()))
                except TimeoutError:
                    break
                if message.get("id") == subscription and message["type"] == "event":
                    data = message["event"]["data"]
                    if data["type"] == "new" and data["review_id"].startswith(run):
                        received[data["review_id"]] = time.perf_counter()
            await publishing
        finally:
            publisher.close()
            await set_cooldown(cooldown)
        return summarize(count, sent, received)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default="http://127.0.0.1:8123")
    parser.add_argument("--broker", default="127.0.0.1:18830")
    parser.add_argument("--server", default="dishub", help="NCC server id whose cameras are used")
    parser.add_argument("--prefix", default=None, help="its MQTT topic prefix (default frigate_<server>)")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--interval", type=float, default=0.0, help="seconds between messages (0: burst)")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--credentials", default=str(realha.ROOT / ".demo" / "credentials.json"))
    args = parser.parse_args()
    creds = json.loads(Path(args.credentials).read_text())
    token = realha.login(args.url, creds["username"], creds["password"])
    host, _, port = args.broker.partition(":")
    result = asyncio.run(bench_running_ha(
        args.url, token, (host, int(port)), prefix=args.prefix or f"frigate_{args.server}",
        server_id=args.server, count=args.count, interval_s=args.interval, timeout_s=args.timeout,
    ))
    print(result)
    return 0 if result.handled == result.published else 1


if __name__ == "__main__":
    sys.exit(main())
