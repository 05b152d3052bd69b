"""A set of simulated Frigate servers started and stopped together."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Any

from .model import DEFAULT_PASSWORD, DEFAULT_USER, SimCamera
from .server import SimServer

STREETS = (
    "ijen",
    "kayutangan",
    "alun_alun",
    "suhat",
    "dinoyo",
    "blimbing",
    "arjosari",
    "gadang",
    "sawojajar",
    "tlogomas",
    "celaket",
    "rampal",
    "merdeka",
    "veteran",
    "bareng",
    "kawi",
    "semeru",
    "basuki_rahmat",
    "sukarno_hatta",
    "majapahit",
)
ZONES = ("road", "sidewalk", "crossing", "parking")


def synthetic_cameras(count: int, first_index: int) -> list[SimCamera]:
    """`count` cameras with city-unique names such as `ijen_01`."""
    cameras = []
    for offset in range(count):
        index = first_index + offset
        street = STREETS[index % len(STREETS)]
        number = index // len(STREETS) + 1
        zones = [ZONES[index % len(ZONES)]]
        if index % 3:
            zones.append(ZONES[(index + 1) % len(ZONES)])
        cameras.append(
            SimCamera(
                name=f"{street}_{number:02d}",
                friendly_name=f"{street.replace('_', ' ').title()} {number:02d}",
                zones=zones,
            )
        )
    return cameras


async def _stop(server: SimServer) -> Exception | None:
    try:
        await server.stop()
    except Exception as err:  # reported once the other servers have stopped too
        return err
    return None


class SimCity:
    """Servers with unique MQTT topic prefixes (`frigate_<name>` unless a server has its own;
    a lone server keeps `frigate`)."""

    def __init__(self, servers: Sequence[SimServer], *, mqtt: tuple[str, int] | None = None) -> None:
        if not servers:
            raise ValueError("a city needs at least one server")
        names = [s.name for s in servers]
        if len(set(names)) != len(names):
            raise ValueError(f"server names must be unique: {names}")
        self.servers = list(servers)
        for server in self.servers:
            if mqtt is not None and server.mqtt_address is None:
                server.mqtt_address = (str(mqtt[0]), int(mqtt[1]))
            if len(self.servers) > 1:
                server.assign_topic_prefix(f"frigate_{server.name}")
        prefixes = [s.topic_prefix for s in self.servers]
        clashing = sorted({p for p in prefixes if prefixes.count(p) > 1})
        if clashing:
            raise ValueError(f"MQTT topic prefixes must be unique per server: {clashing}")

    @classmethod
    def synthetic(
        cls,
        *,
        servers: int = 1,
        cameras: int = 4,
        seed: int = 0,
        auth: bool = False,
        tls: bool = False,
        user: str = DEFAULT_USER,
        password: str = DEFAULT_PASSWORD,
        mqtt: tuple[str, int] | None = None,
        **server_options: Any,
    ) -> SimCity:
        """`servers` servers named srv1..srvN with `cameras` cameras each."""
        if servers < 1 or cameras < 1:
            raise ValueError("servers and cameras must be >= 1")
        built = [
            SimServer(
                f"srv{i + 1}",
                synthetic_cameras(cameras, i * cameras),
                auth=auth,
                tls=tls,
                user=user,
                password=password,
                seed=seed,
                **server_options,
            )
            for i in range(servers)
        ]
        return cls(built, mqtt=mqtt)

    def server(self, name: str) -> SimServer:
        for server in self.servers:
            if server.name == name:
                return server
        raise KeyError(name)

    async def start(self, host: str = "127.0.0.1", base_port: int = 0) -> None:
        """Listen on base_port, base_port+1, ... (0: an ephemeral port each)."""
        try:
            for index, server in enumerate(self.servers):
                await server.start(host, base_port + index if base_port else 0)
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Stop every server, even when one of them fails to stop cleanly."""
        results = [await _stop(server) for server in self.servers]
        errors = [r for r in results if r is not None]
        if errors:
            raise errors[0]

    async def __aenter__(self) -> SimCity:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()
