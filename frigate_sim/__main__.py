"""Command line: `python -m frigate_sim --servers N --cameras M --base-port P ...`."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
import logging
from pathlib import Path
import signal
import sys

from .city import SimCity, synthetic_cameras
from .config_file import ConfigFileError
from .model import DEFAULT_PASSWORD, DEFAULT_USER, DEFAULT_VERSION
from .server import SimServer


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m frigate_sim", description="Simulated Frigate 0.17 servers (HTTP + MQTT)."
    )
    parser.add_argument("--servers", type=int, default=1, help="number of synthetic servers")
    parser.add_argument("--cameras", type=int, default=4, help="cameras per synthetic server")
    parser.add_argument("--base-port", type=int, default=5000, help="first port (0: ephemeral)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--auth", action="store_true", help="require a JWT (port 8971 style)")
    parser.add_argument("--tls", action="store_true", help="HTTPS with a self-signed certificate")
    parser.add_argument("--user", default=DEFAULT_USER)
    parser.add_argument("--password", default=DEFAULT_PASSWORD)
    parser.add_argument("--mqtt-host")
    parser.add_argument("--mqtt-port", type=int, default=1883)
    parser.add_argument("--stats-interval", type=float, default=60.0, help="MQTT stats period (s)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--frigate-version", default=DEFAULT_VERSION, help="version served, e.g. 0.16.2")
    parser.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="FILE",
        help="Frigate config.yml served by one server (repeat: one server each)",
    )
    parser.add_argument(
        "--name",
        action="append",
        default=[],
        dest="names",
        metavar="NAME",
        help="server names in order (repeat; default srv1.. or the config file names)",
    )
    parser.add_argument("--state-dir", type=Path, help="keep exports here across restarts")
    parser.add_argument("--demo-activity", action="store_true", help="generate live activity")
    return parser


def _server_names(paths: Sequence[Path]) -> list[str]:
    names: list[str] = []
    for path in paths:
        base = "".join(ch if ch.isalnum() or ch in "_-" else "_" for ch in path.stem) or "srv"
        name, suffix = base, 2
        while name in names:
            name, suffix = f"{base}{suffix}", suffix + 1
        names.append(name)
    return names


def _pick_names(given: Sequence[str], defaults: list[str]) -> list[str]:
    if len(given) > len(defaults):
        raise ValueError(f"{len(given)} --name given for {len(defaults)} server(s)")
    return list(given) + defaults[len(given) :]


def build_city(args: argparse.Namespace) -> SimCity:
    mqtt = None if args.mqtt_host is None else (args.mqtt_host, args.mqtt_port)
    options = {
        "auth": args.auth,
        "tls": args.tls,
        "user": args.user,
        "password": args.password,
        "seed": args.seed,
        "version": args.frigate_version,
        "stats_interval_s": args.stats_interval,
        "state_dir": args.state_dir,
        "demo_activity": args.demo_activity,
    }
    if args.config:
        paths = [Path(p) for p in args.config]
        names = _pick_names(args.names, _server_names(paths))
        servers = [
            SimServer.from_config(name, path, **options) for name, path in zip(names, paths, strict=True)
        ]
    else:
        if args.servers < 1 or args.cameras < 1:
            raise ValueError("--servers and --cameras must be >= 1")
        names = _pick_names(args.names, [f"srv{i + 1}" for i in range(args.servers)])
        servers = [
            SimServer(name, synthetic_cameras(args.cameras, i * args.cameras), **options)
            for i, name in enumerate(names)
        ]
    return SimCity(servers, mqtt=mqtt)


async def run(args: argparse.Namespace) -> None:
    city = build_city(args)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await city.start(args.host, args.base_port)
    try:
        for server in city.servers:
            print(
                f"server {server.name} {server.url} cameras={len(server.cameras)} "
                f"topic_prefix={server.topic_prefix}",
                flush=True,
            )
        print("ready", flush=True)
        await stop.wait()
    finally:
        await city.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        asyncio.run(run(args))
    except (ConfigFileError, ValueError, OSError) as err:
        print(f"frigate_sim: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
