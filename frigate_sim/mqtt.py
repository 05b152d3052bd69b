"""MQTT publishing of one server through paho-mqtt.

paho's network loop runs in a thread of ours (not loop_start, whose reconnect back-off sleeps
up to a second before it notices a stop), so publishing never blocks the asyncio loop and
stopping is prompt; paho callbacks hop back onto the loop with call_soon_threadsafe.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import json
import logging
import threading
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

_LOGGER = logging.getLogger(__name__)
AVAILABLE = "available"
_LOOP_TIMEOUT_S = 0.1
_RETRY_S = 0.5


class MqttPublisher:
    """Connects to the broker, keeps `<prefix>/available` right, publishes on request."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        client_id: str,
        topic_prefix: str,
        on_connected: Callable[[], None],
    ) -> None:
        self.host = host
        self.port = port
        self.topic_prefix = topic_prefix
        self._on_connected = on_connected
        self._loop: asyncio.AbstractEventLoop | None = None
        self._connected = asyncio.Event()
        self.available = True
        self._client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
        self._client.will_set(self.topic(AVAILABLE), "offline", qos=1, retain=True)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._client.on_connect = self._handle_connect
        self._client.on_disconnect = self._handle_disconnect

    def topic(self, subtopic: str) -> str:
        return f"{self.topic_prefix}/{subtopic}"

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    async def start(self, timeout_s: float = 5.0) -> None:
        """Connect (the network thread keeps retrying if the broker is not there yet)."""
        self._loop = asyncio.get_running_loop()
        self._client.connect_async(self.host, self.port, keepalive=30)
        self._thread = threading.Thread(
            target=self._network, name=f"frigate-sim mqtt {self.topic_prefix}", daemon=True
        )
        self._thread.start()
        try:
            await asyncio.wait_for(self._connected.wait(), timeout_s)
        except TimeoutError:
            _LOGGER.warning("MQTT broker %s:%s not reachable yet; retrying", self.host, self.port)

    def _network(self) -> None:
        client = self._client
        while not self._stopping.is_set():
            if client.socket() is None:
                try:
                    client.reconnect()
                except OSError:
                    self._stopping.wait(_RETRY_S)
                    continue
            if client.loop(timeout=_LOOP_TIMEOUT_S) != paho.MQTT_ERR_SUCCESS:
                self._stopping.wait(_RETRY_S)

    def _handle_connect(
        self, client: paho.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        if getattr(reason, "is_failure", False):
            return
        client.publish(self.topic(AVAILABLE), "online" if self.available else "offline", qos=1, retain=True)
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._mark_connected)

    def _mark_connected(self) -> None:
        self._connected.set()
        self._on_connected()

    def _handle_disconnect(
        self, client: paho.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._connected.clear)

    def publish(self, subtopic: str, payload: str | bytes, *, retain: bool = False) -> None:
        self._client.publish(self.topic(subtopic), payload, qos=0, retain=retain)

    def publish_json(self, subtopic: str, document: object) -> None:
        self.publish(subtopic, json.dumps(document, separators=(",", ":")))

    def set_available(self, available: bool) -> None:
        self.available = available
        self._client.publish(self.topic(AVAILABLE), "online" if available else "offline", qos=1, retain=True)

    async def stop(self) -> None:
        """Publish `offline` (retained), disconnect and join the network thread."""
        if self._thread is None:
            return
        self.available = False
        try:
            await self._say_goodbye()
        finally:
            self._stopping.set()
            await asyncio.to_thread(self._thread.join)
            self._client.disconnect()
            self._thread = None
            self._loop = None

    async def _say_goodbye(self) -> None:
        client = self._client
        if client.is_connected():
            info = client.publish(self.topic(AVAILABLE), "offline", qos=1, retain=True)
            for _ in range(100):  # a broker that went away first is noticed within ~0.1 s
                try:
                    if info.is_published() or not client.is_connected():
                        break
                except (RuntimeError, ValueError):  # the publish itself failed: no connection
                    break
                await asyncio.sleep(0.01)
            client.disconnect()
            for _ in range(20):  # the network thread sends DISCONNECT, then drops the socket
                if client.socket() is None:
                    break
                await asyncio.sleep(0.01)
