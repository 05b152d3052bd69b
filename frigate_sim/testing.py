"""Test helpers shared by every test directory: a real mosquitto broker and a city factory.

Reuse from any conftest.py:

    from frigate_sim.testing import mosquitto, sim_city  # noqa: F401  (pytest fixtures)

or call `start_mosquitto(tmp_path)` / `CityFactory()` directly.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
import contextlib
from dataclasses import dataclass, field
from pathlib import Path
import shutil
import socket
from typing import IO, Any

import pytest
import pytest_asyncio

from .city import SimCity

MOSQUITTO = Path("/usr/sbin/mosquitto")
_START_TIMEOUT_S = 5.0


def mosquitto_binary() -> Path | None:
    if MOSQUITTO.exists():
        return MOSQUITTO
    found = shutil.which("mosquitto")
    return None if found is None else Path(found)


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@dataclass(eq=False)
class Broker:
    """A private mosquitto on 127.0.0.1; unpacks as `(host, port)`."""

    host: str
    port: int
    directory: Path
    _process: asyncio.subprocess.Process | None = field(default=None, repr=False)
    _log: IO[bytes] | None = field(default=None, repr=False)

    def __iter__(self) -> Iterator[Any]:
        return iter((self.host, self.port))

    @property
    def address(self) -> tuple[str, int]:
        return self.host, self.port

    @property
    def log_text(self) -> str:
        path = self.directory / "mosquitto.log"
        return path.read_text(errors="replace") if path.exists() else ""

    async def _launch(self) -> None:
        binary = mosquitto_binary()
        if binary is None:
            raise RuntimeError("mosquitto is not installed")
        config = self.directory / "mosquitto.conf"
        config.write_text(
            f"listener {self.port} {self.host}\n"
            "allow_anonymous true\n"
            "persistence false\n"
            "log_dest stderr\n"
            "log_type error\n"
            "log_type warning\n",
            encoding="utf-8",
        )
        self._log = (self.directory / "mosquitto.log").open("ab")
        self._process = await asyncio.create_subprocess_exec(
            str(binary),
            "-c",
            str(config),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=self._log,
            stderr=self._log,
        )
        deadline = asyncio.get_running_loop().time() + _START_TIMEOUT_S
        while True:
            if self._process.returncode is not None:
                raise RuntimeError(f"mosquitto exited at start: {self.log_text}")
            try:
                _, writer = await asyncio.open_connection(self.host, self.port)
            except OSError:
                if asyncio.get_running_loop().time() > deadline:
                    raise RuntimeError("mosquitto did not start listening") from None
                await asyncio.sleep(0.02)
                continue
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            return

    async def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 5.0)
            except TimeoutError:
                process.kill()
                await process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    async def restart(self, down_s: float = 0.0) -> None:
        """Stop the broker (clients see the connection drop) and start it on the same port."""
        await self.stop()
        if down_s:
            await asyncio.sleep(down_s)
        await self._launch()


async def start_mosquitto(tmp_path: Path, host: str = "127.0.0.1") -> Broker:
    directory = tmp_path / "mosquitto"
    directory.mkdir(parents=True, exist_ok=True)
    broker = Broker(host=host, port=_free_port(host), directory=directory)
    await broker._launch()
    return broker


class CityFactory:
    """Builds started SimCity objects (ephemeral ports on 127.0.0.1) and stops them all."""

    def __init__(self) -> None:
        self._cities: list[SimCity] = []

    async def __call__(self, city: SimCity | None = None, **synthetic: Any) -> SimCity:
        built = city if city is not None else SimCity.synthetic(**synthetic)
        self._cities.append(built)
        await built.start("127.0.0.1", 0)
        return built

    async def close(self) -> None:
        cities, self._cities = self._cities, []
        for city in cities:
            await city.stop()


@pytest_asyncio.fixture
async def mosquitto(tmp_path: Path, socket_enabled: None) -> AsyncIterator[Broker]:
    """A private mosquitto broker; `host, port = mosquitto`, `await mosquitto.restart()`."""
    if mosquitto_binary() is None:
        pytest.skip("mosquitto is not installed")
    broker = await start_mosquitto(tmp_path)
    try:
        yield broker
    finally:
        await broker.stop()


@pytest_asyncio.fixture
async def sim_city(socket_enabled: None) -> AsyncIterator[CityFactory]:
    """`city = await sim_city(servers=2, cameras=3)`, or `await sim_city(SimCity(...))`."""
    factory = CityFactory()
    try:
        yield factory
    finally:
        await factory.close()
