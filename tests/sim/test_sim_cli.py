"""`python -m frigate_sim` as a process: the ready protocol, signals, configs, LWT."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
import os
from pathlib import Path
import signal
import sys

import aiohttp
import pytest

from frigate_sim.testing import Broker

from .test_sim_config_file import CONFIG
from .test_sim_mqtt import Listener

ROOT = Path(__file__).resolve().parents[2]


@asynccontextmanager
async def simulator(*args: str) -> AsyncIterator[tuple[asyncio.subprocess.Process, list[str]]]:
    """Run the CLI until it prints `ready`; yields the process and its `server` lines."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "frigate_sim",
        *args,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    lines: list[str] = []
    try:
        async with asyncio.timeout(20):
            while (line := (await process.stdout.readline()).decode().strip()) != "ready":
                assert line, "the simulator exited before it was ready"
                lines.append(line)
        yield process, lines
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()


def _fields(line: str) -> dict[str, str]:
    _, name, url, *rest = line.split()
    return {"name": name, "url": url, **dict(item.split("=", 1) for item in rest)}


async def test_cli_starts_servers_and_stops_on_sigterm(http: aiohttp.ClientSession) -> None:
    async with simulator("--servers", "2", "--cameras", "3", "--base-port", "0", "--seed", "3") as (
        process,
        lines,
    ):
        servers = [_fields(line) for line in lines]
        assert [s["name"] for s in servers] == ["srv1", "srv2"]
        assert [s["topic_prefix"] for s in servers] == ["frigate_srv1", "frigate_srv2"]
        assert all(s["cameras"] == "3" for s in servers)
        for server in servers:
            async with http.get(f"{server['url']}/api/config") as response:
                assert len((await response.json())["cameras"]) == 3
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 10) == 0


async def test_cli_serves_config_files_under_given_names(http: aiohttp.ClientSession, tmp_path: Path) -> None:
    first = tmp_path / "dishub.yml"
    first.write_text(CONFIG, encoding="utf-8")
    second = tmp_path / "mall.yml"
    second.write_text("cameras:\n  lobby: {}\n  parking: {}\n", encoding="utf-8")
    async with simulator(
        "--config",
        str(first),
        "--config",
        str(second),
        "--name",
        "dishub_kota",
        "--base-port",
        "0",
        "--auth",
    ) as (process, lines):
        servers = [_fields(line) for line in lines]
        assert [(s["name"], s["cameras"]) for s in servers] == [("dishub_kota", "3"), ("mall", "2")]
        assert servers[0]["topic_prefix"] == "frigate_dishub"
        assert servers[1]["topic_prefix"] == "frigate_mall"
        async with http.get(f"{servers[1]['url']}/api/config") as response:
            assert response.status == 401  # --auth
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), 10) == 0


async def test_cli_refuses_bad_arguments() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "frigate_sim",
        "--config",
        "/nonexistent.yml",
        "--base-port",
        "0",
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode == 2
    assert b"ready" not in out
    assert b"cannot read /nonexistent.yml" in err


@pytest.mark.mqtt
async def test_killed_simulator_leaves_its_last_will(mosquitto: Broker) -> None:
    listener = Listener(mosquitto, "frigate/available")
    await listener.ready()
    try:
        async with simulator(
            "--cameras",
            "1",
            "--base-port",
            "0",
            "--mqtt-host",
            mosquitto.host,
            "--mqtt-port",
            str(mosquitto.port),
        ) as (process, _):
            await listener.wait("frigate/available", lambda m: m.payload == b"online")
            process.kill()  # no chance to publish "offline" itself
            await process.wait()
            await listener.wait("frigate/available", lambda m: m.payload == b"offline")
    finally:
        await asyncio.to_thread(listener.close)
