"""A real `hass` process for the tests that kill it (scripts/realha.py does the starting).

It is the Home Assistant of the Python running the tests (each leg of scripts/test brings its
own), with a minimal integration list. The simulator usually runs in the test's own event
loop, so every call here is asynchronous: a blocking call would starve the simulator.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
import importlib.util
import json
from pathlib import Path
import socket
import sys
from typing import Any

import aiohttp

from scripts import realha

INTEGRATIONS = ("config", "onboarding")


def hass_python() -> Path | None:
    """This interpreter, when it can run a whole HA: a `hass` script next to it and the frontend
    (HA starts in recovery mode without it; the test plugin alone does not install it)."""
    python = Path(sys.executable)
    if not (python.parent / "hass").exists() or importlib.util.find_spec("hass_frontend") is None:
        return None
    return python


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RealHass:
    """One configuration folder, started, killed and restarted as often as a test likes."""

    config_dir: Path
    port: int = field(default_factory=free_port)
    running: realha.RunningHA | None = None
    token: str = ""
    credentials: realha.Credentials | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        python = hass_python()
        assert python is not None
        if not (self.config_dir / "configuration.yaml").exists():
            realha.write_config(self.config_dir, port=self.port, integrations=INTEGRATIONS)
        self.running = await asyncio.to_thread(
            realha.start_hass, python, self.config_dir, port=self.port, timeout=120
        )
        if self.credentials is None:
            self.credentials = await asyncio.to_thread(realha.onboard, self.url)
            self.token = self.credentials.access_token
        else:
            self.token = await asyncio.to_thread(
                realha.login, self.url, self.credentials.username, self.credentials.password
            )

    async def wait_loaded(self, within_s: float = 60.0) -> None:
        """Until every NCC entry is set up (HA answers HTTP before its integrations are)."""
        deadline = asyncio.get_running_loop().time() + within_s
        while True:
            entries = await asyncio.to_thread(realha.config_entries, self.url, self.token)
            if entries and all(entry["state"] == "loaded" for entry in entries):
                return
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"NCC entries not loaded: {entries}")
            await asyncio.sleep(0.2)

    async def wait_entries_saved(self, count: int, within_s: float = 10.0) -> None:
        """Until HA has written `count` NCC entries to disk (it saves them a second late)."""
        path = self.config_dir / ".storage" / "core.config_entries"
        deadline = asyncio.get_running_loop().time() + within_s
        while True:
            if path.exists():
                entries = json.loads(path.read_text())["data"]["entries"]
                if sum(entry["domain"] == "ncc" for entry in entries) >= count:
                    return
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"HA did not save {count} NCC entries")
            await asyncio.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no final write (a no-op once killed)."""
        if self.running is not None:
            self.running.process.kill()
            self.running.process.wait()
            self.running = None

    async def stop(self) -> None:
        if self.running is not None:
            await asyncio.to_thread(self.running.stop)
            self.running = None

    async def flow(self, steps: list[dict[str, Any]]) -> dict[str, Any]:
        return await asyncio.to_thread(realha.run_config_flow, self.url, self.token, steps)

    async def action(self, name: str, data: dict[str, Any], *, response: bool = True) -> Any:
        """An NCC action over the REST API; its response, or raises on a refusal."""
        suffix = "?return_response" if response else ""
        async with aiohttp.ClientSession() as session, session.post(
            f"{self.url}/api/services/ncc/{name}{suffix}", json=data,
            headers={"Authorization": f"Bearer {self.token}"}, timeout=aiohttp.ClientTimeout(60),
        ) as reply:
            body = await reply.json(content_type=None)
            if reply.status != 200:
                raise RuntimeError(f"{name} answered {reply.status}: {body}")
            return body["service_response"] if response else body

    async def command(self, command: str, **data: Any) -> Any:
        """One websocket command; its result, or raises on an error."""
        async with aiohttp.ClientSession() as session, session.ws_connect(
            f"{self.url}/api/websocket"
        ) as ws:
            await ws.receive_json()
            await ws.send_json({"type": "auth", "access_token": self.token})
            await ws.receive_json()
            await ws.send_json({"id": 1, "type": command, **data})
            reply = await ws.receive_json()
        if not reply["success"]:
            raise RuntimeError(f"{command} failed: {reply['error']}")
        return reply["result"]

    def log_text(self) -> str:
        path = self.config_dir / "home-assistant.log"
        return path.read_text(errors="replace") if path.exists() else ""
