"""The NCC scale benchmark: a 2,000-camera city on one small box.

Run through `scripts/bench`. It starts a real mosquitto, the Frigate simulator (a subprocess,
25 servers x 80 cameras by default) and a real Home Assistant from `.venv-ha` (as the demo
does: `--skip-pip`, an explicit integration list), measures HA without NCC, configures NCC
through HA's HTTP API (config flows and actions, as an administrator would) and times the
set-up, restarts HA and measures polling, memory, the websocket camera list, alerts through the
broker and footage intake, then measures camera suggestion, Frigate configuration generation and
the audit log in-process. Progress goes to stdout; the last line is one JSON object.
`docs/benchmark.md` explains how each figure is obtained.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable, Iterable
import contextlib
import csv
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import io
import json
import math
import os
from pathlib import Path
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts import realha

ROOT = realha.ROOT
STATE = ROOT / ".bench"
RUN = STATE / "run"
HA_VENV = ROOT / ".venv-ha"
VENV_BUILD_ENV = "NCC_BENCH_VENV_BUILD_S"
STATS_INTERVAL_S = 10.0  # custom_components/ncc/const.py STATS_INTERVAL
ALERT_TARGET_RATE = 500  # review messages per second; the paced run sends one every 1/500 s
FOOTAGE_REQUESTS = 5
CITY_NAME = "Kota Malang"
CENTER = (-7.9797, 112.6304)  # Malang's town square
SPREAD_DEG = 0.07  # cameras within about 8 km of it
# agency code, name, kind; servers are spread over them in turn
AGENCIES = (
    ("DISKOMINFO", "Dinas Komunikasi dan Informatika", "city_department"),
    ("DISHUB", "Dinas Perhubungan", "city_department"),
    ("SATPOLPP", "Satuan Polisi Pamong Praja", "city_department"),
    ("DAMKAR", "Dinas Pemadam Kebakaran", "city_department"),
    ("POLRESTA", "Polresta Malang Kota", "vertical_agency"),
)
OPERATOR_AGENCY = "DISHUB"
SHARING_AGENCY = "SATPOLPP"  # shares all its cameras with the operator's agency
TARGETS: dict[str, tuple[str, float]] = {
    "setup_s": ("<=", 10),
    "entities_per_camera": ("<=", 2),
    "ha_rss_mb_delta": ("<=", 150),
    "poll_cycle_cpu_ms": ("<=", 200),
    "reviews_per_s": (">=", 500),
    "alert_latency_ms_p99": ("<=", 100),
    "audit_append_per_s": (">=", 5000),
    "audit_query_ms": ("<=", 50),
    "camera_suggest_ms": ("<=", 10),
    "ws_camera_list_ms": ("<=", 100),
}


def log(message: str) -> None:
    realha.log(message)


# ----------------------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def machine() -> dict[str, Any]:
    model = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor() or "unknown",
    )
    memory_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    load = os.getloadavg()
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "home_assistant": realha.HA_VERSION,
        "load_average_at_start": [round(value, 2) for value in load],
    }


@dataclass
class Children:
    """Processes this run started; stopped in reverse order, whatever happens."""

    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def add(self, process: subprocess.Popen[bytes]) -> subprocess.Popen[bytes]:
        self.processes.append(process)
        return process

    def stop_all(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()


def start_mosquitto(children: Children, port: int) -> None:
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    conf = RUN / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    children.add(subprocess.Popen(
        [binary, "-c", str(conf)], stdout=subprocess.DEVNULL,
        stderr=(RUN / "mosquitto.log").open("ab"), start_new_session=True,
    ))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("mosquitto did not start")


@dataclass(frozen=True)
class SimServerInfo:
    name: str
    url: str
    cameras: int
    topic_prefix: str


def start_simulator(
    children: Children, python: Path, servers: int, cameras_per_server: int, mqtt_port: int
) -> list[SimServerInfo]:
    process = children.add(subprocess.Popen(
        [
            str(python), "-m", "frigate_sim", "--servers", str(servers),
            "--cameras", str(cameras_per_server), "--base-port", "0", "--seed", "7",
            "--mqtt-host", "127.0.0.1", "--mqtt-port", str(mqtt_port),
            "--state-dir", str(RUN / "frigate"),
        ],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=(RUN / "frigate_sim.log").open("ab"),
        start_new_session=True,
    ))
    announced = realha.simulator_servers(process)
    if announced is not None:
        return [SimServerInfo(s["name"], s["url"], int(s["cameras"]), s["topic_prefix"]) for s in announced]
    raise RuntimeError(f"the simulator exited before it was ready; see {RUN / 'frigate_sim.log'}")


# ------------------------------------------------------------------------------ HA client


class HaSocket:
    """A minimal client of HA's websocket API: one connection, commands answered by id."""

    def __init__(self, session: Any, url: str, token: str) -> None:
        self._session = session
        self._url = url.replace("http://", "ws://") + "/api/websocket"
        self._token = token
        self._ws: Any = None
        self._next_id = 1
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._reader: asyncio.Task[None] | None = None

    async def __aenter__(self) -> HaSocket:
        self._ws = await self._session.ws_connect(self._url, max_msg_size=0)
        await self._ws.receive_json()  # auth_required
        await self._ws.send_json({"type": "auth", "access_token": self._token})
        reply = await self._ws.receive_json()
        if reply.get("type") != "auth_ok":
            raise RuntimeError(f"websocket authentication failed: {reply}")
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._reader:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        await self._ws.close()

    async def _read(self) -> None:
        async for message in self._ws:
            payload = json.loads(message.data)
            for item in payload if isinstance(payload, list) else [payload]:
                if (future := self._pending.pop(item["id"], None)) and not future.done():
                    future.set_result(item)

    async def call(self, command: str, **data: Any) -> Any:
        message_id = self._next_id
        self._next_id += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[message_id] = future
        await self._ws.send_json({"id": message_id, "type": command, **data})
        reply = await asyncio.wait_for(future, 300)
        if not reply.get("success"):
            raise RuntimeError(f"{command} failed: {reply.get('error')}")
        return reply.get("result")


async def in_thread[T](function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    return await asyncio.to_thread(function, *args, **kwargs)


def service(url: str, token: str, name: str, data: dict[str, Any]) -> Any:
    reply = realha.http_json(
        "POST", f"{url}/api/services/ncc/{name}?return_response", data, token=token, timeout=300
    )
    return reply["service_response"]


def service_no_response(url: str, token: str, name: str, data: dict[str, Any]) -> None:
    realha.http_json("POST", f"{url}/api/services/ncc/{name}", data, token=token, timeout=300)


# -------------------------------------------------------------------------------- phases


@dataclass
class Bench:
    """Shared state of one run and the figures collected so far."""

    args: argparse.Namespace
    python: Path
    children: Children = field(default_factory=Children)
    results: dict[str, Any] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    servers: list[SimServerInfo] = field(default_factory=list)
    hass: realha.RunningHA | None = None
    url: str = ""
    token: str = ""
    admin: dict[str, str] = field(default_factory=dict)
    operator: dict[str, str] = field(default_factory=dict)
    agency_ids: dict[str, str] = field(default_factory=dict)
    camera_locations: dict[str, tuple[float, float]] = field(default_factory=dict)
    mqtt_port: int = 0

    @property
    def pid(self) -> int:
        assert self.hass is not None
        return self.hass.process.pid

    @property
    def config_dir(self) -> Path:
        return RUN / "config"

    def start_hass(self) -> None:
        self.hass = realha.start_hass(self.python, self.config_dir, port=self.args.port, timeout=300)
        self.url = self.hass.url

    def stop_hass(self) -> None:
        if self.hass is not None:
            self.hass.stop(60)
            self.hass = None


async def measure_idle(bench: Bench) -> tuple[float, float]:
    """HA without NCC: CPU seconds per second when idle, and RSS (MB)."""
    await asyncio.sleep(bench.args.settle)
    cpu0, wall0 = cpu_seconds(bench.pid), time.monotonic()
    await asyncio.sleep(bench.args.idle_window)
    rate = (cpu_seconds(bench.pid) - cpu0) / (time.monotonic() - wall0)
    return rate, rss_mb(bench.pid)


def configure_mqtt(url: str, token: str, port: int) -> None:
    flow = realha.http_json("POST", f"{url}/api/config/config_entries/flow", {"handler": "mqtt"},
                            token=token)
    realha.http_json("POST", f"{url}/api/config/config_entries/flow/{flow['flow_id']}",
                     {"broker": "127.0.0.1", "port": port}, token=token)


def commission(bench: Bench) -> None:
    """The city, its agencies and one server entry per simulated Frigate, through HA's API."""
    url, token = bench.url, bench.token
    code, name, _ = AGENCIES[0]
    realha.run_config_flow(url, token, [{
        "city_name": CITY_NAME, "retention_policy_days": 10, "agency_name": name, "agency_code": code,
    }])
    for code, name, kind in AGENCIES[1:]:
        service(url, token, "create_agency", {"code": code, "name": name, "kind": kind})
    listed = service(url, token, "list_agencies", {})["agencies"]
    bench.agency_ids = {agency["code"]: agency["id"] for agency in listed}
    for index, server in enumerate(bench.servers):
        owner = AGENCIES[index % len(AGENCIES)][0]
        realha.run_config_flow(url, token, [{
            "name": server.name, "url": server.url, "verify_ssl": False,
            "agency_id": bench.agency_ids[owner], "stream_url_template": "rtsp://{host}:8554/{camera}",
            "camera_entities": True,  # the entity budget is measured at its largest
        }])


async def ncc_entities(ws: HaSocket) -> tuple[set[str], int, int]:
    """Enabled NCC entity ids, how many belong to camera devices, and the camera devices."""
    entities = await ws.call("config/entity_registry/list")
    devices = await ws.call("config/device_registry/list")
    camera_devices = {
        device["id"] for device in devices
        if any(domain == "ncc" and "/" in ident for domain, ident in device["identifiers"])
    }
    ncc = [entity for entity in entities if entity["platform"] == "ncc"]
    enabled = {entity["entity_id"] for entity in ncc if entity["disabled_by"] is None}
    per_camera = sum(1 for entity in ncc if entity["device_id"] in camera_devices)
    return enabled, per_camera, len(camera_devices)


async def wait_ready(ws: HaSocket, expected: set[str], within_s: float) -> float:
    """The wall-clock time at which every expected entity had an available state.

    Polls `get_states` (HA serves it from cached JSON, so polling costs HA little; an event
    subscription would be flooded by thousands of state_changed events and cut off). The moment
    is the newest `last_changed` among those states: when each entity appeared, not when the
    poll noticed.
    """
    deadline = time.monotonic() + within_s
    while True:
        states = {state["entity_id"]: state for state in await ws.call("get_states")}
        missing = {
            entity_id for entity_id in expected
            if entity_id not in states or states[entity_id]["state"] == "unavailable"
        }
        if not missing:
            newest = max(
                datetime.fromisoformat(states[entity_id]["last_changed"]).timestamp()
                for entity_id in expected
            )
            return min(newest, time.time())
        if time.monotonic() > deadline:
            raise RuntimeError(f"{len(missing)} NCC entities never became available, "
                               f"e.g. {sorted(missing)[:5]}")
        await asyncio.sleep(0.2)


async def measure_setup(bench: Bench, ws: HaSocket, expected: set[str]) -> float:
    """Unload every NCC entry, then set them all up at once; seconds until all entities exist."""
    entries = await in_thread(realha.config_entries, bench.url, bench.token)
    city = next(entry for entry in entries if entry["title"] == CITY_NAME)
    servers = [entry for entry in entries if entry is not city]
    await asyncio.gather(*(
        ws.call("config_entries/disable", entry_id=entry["entry_id"], disabled_by="user")
        for entry in servers
    ))
    await ws.call("config_entries/disable", entry_id=city["entry_id"], disabled_by="user")
    began = time.time()
    await ws.call("config_entries/disable", entry_id=city["entry_id"], disabled_by=None)
    await asyncio.gather(*(
        ws.call("config_entries/disable", entry_id=entry["entry_id"], disabled_by=None)
        for entry in servers
    ))
    elapsed = await wait_ready(ws, expected, 300) - began
    entries = await in_thread(realha.config_entries, bench.url, bench.token)
    not_loaded = [entry["title"] for entry in entries if entry["state"] != "loaded"]
    if not_loaded:
        raise RuntimeError(f"entries not loaded after set-up: {not_loaded}")
    return elapsed


def camera_coordinates(camera_ids: Iterable[str]) -> dict[str, tuple[float, float]]:
    rng = random.Random(2025)
    return {
        camera_id: (
            round(CENTER[0] + rng.uniform(-SPREAD_DEG, SPREAD_DEG), 6),
            round(CENTER[1] + rng.uniform(-SPREAD_DEG, SPREAD_DEG), 6),
        )
        for camera_id in sorted(camera_ids)
    }


def inventory_csv(cameras: list[dict[str, Any]], locations: dict[str, tuple[float, float]],
                  agencies: dict[str, tuple[str, str, str]]) -> str:
    """Every camera's owner, purpose and coordinates, as a city would hand them over."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["agency_code", "agency_name", "agency_kind", "camera_id", "camera_name",
                     "purpose", "area_type", "camera_latitude", "camera_longitude"])
    for camera in cameras:
        code, name, kind = agencies[camera["owner_agency_id"]]
        latitude, longitude = locations[camera["id"]]
        purpose, area = (("traffic", "public_road") if code == "DISHUB"
                         else ("public_space", "public_space"))
        writer.writerow([code, name, kind, camera["id"], camera["name"], purpose, area,
                         latitude, longitude])
    return out.getvalue()


async def import_inventory(bench: Bench, ws: HaSocket) -> float:
    cameras = (await ws.call("ncc/cameras"))["cameras"]
    bench.camera_locations = camera_coordinates(camera["id"] for camera in cameras)
    by_id = {bench.agency_ids[code]: (code, name, kind) for code, name, kind in AGENCIES}
    (bench.config_dir / "inventory.csv").write_text(
        inventory_csv(cameras, bench.camera_locations, by_id), encoding="utf-8"
    )
    began = time.monotonic()
    result = await in_thread(service, bench.url, bench.token, "import_inventory",
                             {"path": "inventory.csv"})
    elapsed = time.monotonic() - began
    if not result["valid"]:
        raise RuntimeError(f"inventory refused: {result}")
    return elapsed


async def create_operator(bench: Bench, ws: HaSocket) -> None:
    """An operator of the operator agency, which another agency shares all its cameras with."""
    user = (await ws.call("config/auth/create", name="Operator Dishub",
                          group_ids=["system-users"], local_only=False))["user"]
    password = f"bench-{random.SystemRandom().randrange(10**9)}"
    await ws.call("config/auth_provider/homeassistant/create", user_id=user["id"],
                  username="operator", password=password)
    await in_thread(service_no_response, bench.url, bench.token, "set_operator", {
        "user_id": user["id"], "agency_id": bench.agency_ids[OPERATOR_AGENCY], "role": "operator",
    })
    await in_thread(service_no_response, bench.url, bench.token, "grant_access", {
        "owner_agency_id": bench.agency_ids[SHARING_AGENCY],
        "grantee_agency_id": bench.agency_ids[OPERATOR_AGENCY],
        "privileges": ["view_live"], "scope": "all", "reason": "benchmark",
    })
    bench.operator = {"user_id": user["id"], "username": "operator", "password": password}


async def time_command(ws: HaSocket, command: str, rounds: int) -> tuple[float, float, int]:
    """Median and worst round trip (ms) of a websocket command, and the size of its answer."""
    first = await ws.call(command)
    samples = []
    for _ in range(rounds):
        began = time.perf_counter()
        await ws.call(command)
        samples.append((time.perf_counter() - began) * 1000)
    size = len(first.get("cameras", [])) if isinstance(first, dict) else 0
    return statistics.median(samples), max(samples), size


async def measure_poll_cpu(bench: Bench, idle_rate: float) -> dict[str, float]:
    """HA's CPU time over whole poll intervals, less the idle rate of HA without NCC."""
    intervals = bench.args.poll_intervals
    profiler = start_profiler(bench, "poll", intervals * STATS_INTERVAL_S)
    cpu0, wall0 = cpu_seconds(bench.pid), time.monotonic()
    samples = []
    previous = cpu0
    for _ in range(intervals):
        await asyncio.sleep(STATS_INTERVAL_S)
        now = cpu_seconds(bench.pid)
        samples.append((now - previous - idle_rate * STATS_INTERVAL_S) * 1000)
        previous = now
    spent = cpu_seconds(bench.pid) - cpu0
    wall = time.monotonic() - wall0
    if profiler is not None:
        await in_thread(profiler.wait)
    return {
        "poll_cycle_cpu_ms": (spent - idle_rate * wall) / intervals * 1000,
        "poll_cycle_cpu_ms_worst_interval": max(samples),
        "ha_cpu_percent_with_ncc": spent / wall * 100,
    }


def start_profiler(bench: Bench, name: str, seconds: float) -> subprocess.Popen[bytes] | None:
    """`--profile`: py-spy samples HA (without pausing it) into .bench/<name>-profile.txt."""
    if not bench.args.profile:
        return None
    py_spy = shutil.which("py-spy") or os.environ.get("NCC_PY_SPY")
    if py_spy is None:
        bench.notes["profile"] = "py-spy not found (PATH or NCC_PY_SPY)"
        return None
    output = STATE / f"{name}-profile.txt"
    bench.notes[f"profile_{name}"] = f"py-spy samples (collapsed stacks): {output}"
    return bench.children.add(subprocess.Popen(
        [py_spy, "record", "--nonblocking", "--format", "raw", "--rate", "200",
         "--duration", str(round(seconds)), "--pid", str(bench.pid), "--output", str(output)],
        stdout=subprocess.DEVNULL, stderr=(RUN / "py-spy.log").open("ab"),
    ))


async def run_ha_phases(bench: Bench) -> None:
    """HA without NCC, commissioning and set-up, then HA restarted with NCC (see the docs)."""
    import aiohttp

    args = bench.args
    results = bench.results
    mqtt_port = bench.mqtt_port = free_port()
    start_mosquitto(bench.children, mqtt_port)
    per_server = math.ceil(args.cameras / args.servers)
    bench.servers = await in_thread(start_simulator, bench.children, bench.python, args.servers,
                                    per_server, mqtt_port)
    results["cameras"] = sum(server.cameras for server in bench.servers)
    results["servers"] = len(bench.servers)
    log(f"simulator: {results['servers']} Frigate servers, {results['cameras']} cameras")

    realha.write_config(bench.config_dir, port=args.port)
    bench.start_hass()
    credentials = await in_thread(realha.onboard, bench.url)
    bench.token = credentials.access_token
    bench.admin = {"username": credentials.username, "password": credentials.password}
    await in_thread(configure_mqtt, bench.url, bench.token, mqtt_port)
    log(f"HA without NCC: settling {args.settle:.0f} s, then {args.idle_window:.0f} s idle")
    idle_rate, rss_before = await measure_idle(bench)
    results["ha_rss_mb_without_ncc"] = round(rss_before, 1)
    results["ha_idle_cpu_percent_without_ncc"] = round(idle_rate * 100, 2)

    async with aiohttp.ClientSession() as session:
        async with HaSocket(session, bench.url, bench.token) as ws:
            expected = await commission_and_set_up(bench, ws)
        log("restarting HA with NCC configured")
        bench.stop_hass()
        began = time.time()
        bench.start_hass()
        bench.token = await in_thread(realha.login, bench.url, bench.admin["username"],
                                      bench.admin["password"])
        async with HaSocket(session, bench.url, bench.token) as ws:
            results["ha_start_ready_s"] = round(await wait_ready(ws, expected, 300) - began, 2)
            log(f"HA with NCC ready {results['ha_start_ready_s']} s after start; settling "
                f"{args.settle:.0f} s, then {args.poll_intervals} poll intervals")
            await asyncio.sleep(args.settle)
            polled = await measure_poll_cpu(bench, idle_rate)
            results.update({key: round(value, 1) for key, value in polled.items()})
            results["ha_rss_mb_with_ncc"] = round(rss_mb(bench.pid), 1)
            results["ha_rss_mb_delta"] = round(results["ha_rss_mb_with_ncc"] - rss_before, 1)
            median, _, size = await time_command(ws, "ncc/cameras", args.rounds)
            results["ws_camera_list_admin_ms"] = round(median, 2)
            results["ws_camera_list_admin_cameras"] = size
        operator_token = await in_thread(realha.login, bench.url, bench.operator["username"],
                                         bench.operator["password"])
        async with HaSocket(session, bench.url, operator_token) as ws:
            median, worst, size = await time_command(ws, "ncc/cameras", args.rounds)
            results["ws_camera_list_ms"] = round(median, 2)
            results["ws_camera_list_ms_worst"] = round(worst, 2)
            results["ws_camera_list_cameras"] = size
        await measure_alerts(bench)
        async with HaSocket(session, bench.url, operator_token) as ws:
            await measure_footage(bench, ws)


async def commission_and_set_up(bench: Bench, ws: HaSocket) -> set[str]:
    """Configure NCC as an administrator would, then time a set-up of every entry at once.

    Returns the NCC entities expected to be available whenever NCC is ready.
    """
    results = bench.results
    log("commissioning NCC: city, agencies, one config flow per server")
    began = time.time()
    await in_thread(commission, bench)
    expected, per_camera, camera_devices = await ncc_entities(ws)
    results["commission_s"] = round(await wait_ready(ws, expected, 300) - began, 2)
    results["entities_per_camera"] = round(per_camera / max(1, camera_devices), 2)
    results["entities_total"] = len(expected)
    log(f"commissioned in {results['commission_s']} s: {len(expected)} enabled entities, "
        f"{camera_devices} camera devices")
    results["inventory_import_s"] = round(await import_inventory(bench, ws), 2)
    await create_operator(bench, ws)
    log("set-up: unloading every NCC entry, then setting all up at once")
    results["setup_s"] = round(await measure_setup(bench, ws, expected), 2)
    log(f"set-up took {results['setup_s']} s")
    return expected


async def measure_alerts(bench: Bench) -> None:
    """Review messages through the broker to `ncc_incident` events (scripts/bench_alerts.py).

    First a run paced at the target rate (one message every 2 ms, kept to that schedule) gives
    the latency at 500 per second; then a burst (as fast as the broker takes them) gives the
    throughput. The paced run goes first so it does not inherit the burst's backlog.
    """
    from scripts.bench_alerts import bench_running_ha

    server = bench.servers[1 % len(bench.servers)]
    broker = ("127.0.0.1", bench.mqtt_port)
    common = {"prefix": server.topic_prefix, "server_id": server.name, "timeout_s": 120.0}
    profiler = start_profiler(bench, "alerts", 6)
    paced = await bench_running_ha(bench.url, bench.token, broker, count=bench.args.reviews,
                                   interval_s=1 / ALERT_TARGET_RATE, **common)
    burst = await bench_running_ha(bench.url, bench.token, broker, count=bench.args.reviews,
                                   interval_s=0.0, **common)
    if profiler is not None:
        await in_thread(profiler.wait)
    results = bench.results
    results["reviews_per_s"] = round(burst.per_second, 1)
    results["reviews_handled"] = f"{burst.handled}/{burst.published}"
    results["alert_latency_ms_p50"] = round(paced.median_ms, 1)
    results["alert_latency_ms_p99"] = round(paced.p99_ms, 1)
    results["alert_latency_paced_per_s"] = round(paced.per_second, 1)
    results["alert_latency_burst_ms_p50"] = round(burst.median_ms, 1)
    results["alert_latency_burst_ms_p99"] = round(burst.p99_ms, 1)
    log(f"alerts: burst {burst}; paced (one per {1000 / ALERT_TARGET_RATE:g} ms): {paced}")


async def measure_footage(bench: Bench, operator_ws: HaSocket) -> None:
    """Footage intake by place (the action, as an administrator) and camera suggestions for an
    operator (the websocket command), around random points of the city."""
    rng = random.Random(3)
    # beside a camera, so every request finds at least one
    points = [
        (latitude + rng.uniform(-0.001, 0.001), longitude + rng.uniform(-0.001, 0.001))
        for latitude, longitude in rng.sample(sorted(bench.camera_locations.values()), 40)
    ]
    suggest = []
    for latitude, longitude in points[:bench.args.rounds]:
        began = time.perf_counter()
        await operator_ws.call("ncc/footage/suggest_cameras", latitude=latitude, longitude=longitude,
                               radius_m=500)
        suggest.append((time.perf_counter() - began) * 1000)
    end = datetime.now(UTC) - timedelta(minutes=15)
    intake, cameras = [], []
    for latitude, longitude in points[-FOOTAGE_REQUESTS:]:
        began = time.perf_counter()
        answer = await in_thread(service, bench.url, bench.token, "request_footage", {
            "requester_name": "Bripka Santoso", "requester_identity_number": "3573012345670001",
            "requester_kind": "police", "requester_phone": "+62 341 123456",
            "purpose": "Kecelakaan lalu lintas", "incident_type": "traffic_accident",
            "legal_basis": "law_enforcement", "reference": "LP/77/XI/2026",
            "start": (end - timedelta(minutes=10)).isoformat(), "end": end.isoformat(),
            "latitude": latitude, "longitude": longitude, "radius_m": 500,
        })
        intake.append((time.perf_counter() - began) * 1000)
        cameras.append(len(answer["parts"]))
    bench.results["ws_footage_suggest_ms"] = round(statistics.median(suggest), 2)
    bench.results["footage_intake_ms"] = round(statistics.median(intake), 1)
    bench.results["footage_intake_ms_worst"] = round(max(intake), 1)
    bench.results["footage_intake_cameras_median"] = statistics.median(cameras)


# ---------------------------------------------------------------------- in-process figures


def measure_camera_suggest(locations: dict[str, tuple[float, float]], cameras: int) -> dict[str, float]:
    """`cameras_near` among the city's cameras: a 500 m radius around random points."""
    from custom_components.ncc.core.agencies import AgencyKind
    from custom_components.ncc.core.geo import cameras_near
    from custom_components.ncc.core.operators import Role
    from custom_components.ncc.core.permissions import actor_for, visible_cameras
    from custom_components.ncc.core.registry import Registry

    registry = Registry()
    for code, name, _kind in AGENCIES:
        registry.create_agency(code=code, name=name, kind=AgencyKind.CITY_DEPARTMENT)
    ids = [agency.id for agency in registry.agencies.values()]
    if len(locations) < cameras:  # the HA phase was skipped: place synthetic cameras
        locations = camera_coordinates(f"srv{n // 80 + 1}/cam_{n:04d}" for n in range(cameras))
    by_server: dict[str, list[str]] = {}
    for camera_id in locations:
        server, _, name = camera_id.partition("/")
        by_server.setdefault(server, []).append(name)
    for number, (server, names) in enumerate(sorted(by_server.items())):
        registry.sync_server_cameras(server, ids[number % len(ids)], names)
    for camera_id, (latitude, longitude) in locations.items():
        registry.assign_camera(camera_id, latitude=latitude, longitude=longitude)
    registry.set_operator("operator", agency_id=ids[1], role=Role.OPERATOR)
    actor = actor_for(registry, "operator", False)
    rng = random.Random(7)
    points = [
        (CENTER[0] + rng.uniform(-SPREAD_DEG, SPREAD_DEG), CENTER[1] + rng.uniform(-SPREAD_DEG, SPREAD_DEG))
        for _ in range(200)
    ]

    began = time.perf_counter()
    cameras_near(registry, *points[0], 500)
    cold = (time.perf_counter() - began) * 1000
    samples, found = [], []
    for latitude, longitude in points:
        began = time.perf_counter()
        nearby = cameras_near(registry, latitude, longitude, 500)
        samples.append((time.perf_counter() - began) * 1000)
        found.append(len(nearby))
    operator_samples = []
    for latitude, longitude in points[:50]:
        began = time.perf_counter()
        cameras_near(registry, latitude, longitude, 500,
                     among=visible_cameras(registry, actor, registry.now()))
        operator_samples.append((time.perf_counter() - began) * 1000)
    return {
        "camera_suggest_ms": statistics.median(samples),
        "camera_suggest_ms_worst": max(samples),
        "camera_suggest_cold_ms": cold,
        "camera_suggest_operator_ms": statistics.median(operator_samples),
        "camera_suggest_found_median": statistics.median(found),
        "camera_suggest_among": len(registry.cameras),
    }


def measure_configgen() -> dict[str, float]:
    """Frigate configurations for 2,000 cameras on 25 servers (scripts/bench_configgen.py's city):
    render, check and write them, and plan the storage with a rebalancing proposal."""
    from custom_components.ncc.configgen import (
        capacity_for,
        generate_configs,
        plan_city,
        write_generation,
    )
    from custom_components.ncc.configgen.planner import planned_cameras
    from scripts.bench_configgen import synthetic_city

    city = synthetic_city(2000, 25)
    began = time.perf_counter()
    generation = generate_configs(city)
    with tempfile.TemporaryDirectory() as out:
        write_generation(generation, Path(out))
    generated = time.perf_counter() - began
    began = time.perf_counter()
    plan_city([capacity_for(policy) for policy in city.servers], planned_cameras(city),
              target_days=30, rebalance=True)
    return {"configgen_2000_s": generated, "configgen_plan_2000_s": time.perf_counter() - began}


def measure_audit(entries: int) -> dict[str, float]:
    from scripts.bench_audit import run_audit_benchmark

    directory = STATE / "audit"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    try:
        return run_audit_benchmark(directory / "ncc_audit_bench.db", entries)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


# ---------------------------------------------------------------------------------- main


def phase(bench: Bench, name: str, run: Callable[[], object]) -> None:
    """Run one phase; a failure is reported in `notes` and the other phases still run."""
    try:
        run()
    except Exception as err:  # the figures of the other phases still count
        log(f"phase {name} failed: {err!r}")
        bench.notes[name] = f"failed: {err!r}"


def targets_met(results: dict[str, Any]) -> dict[str, bool | None]:
    met: dict[str, bool | None] = {}
    for key, (operator, limit) in TARGETS.items():
        value = results.get(key)
        met[key] = None if value is None else (value <= limit if operator == "<=" else value >= limit)
    return met


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cameras", type=int, default=2000)
    parser.add_argument("--servers", type=int, default=25)
    parser.add_argument("--port", type=int, default=0, help="HA's port (default: a free one)")
    parser.add_argument("--audit-entries", type=int, default=1_000_000)
    parser.add_argument("--settle", type=float, default=20.0, help="seconds to let HA settle")
    parser.add_argument("--idle-window", type=float, default=30.0, help="seconds of idle baseline")
    parser.add_argument("--poll-intervals", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=20, help="timed websocket calls")
    parser.add_argument("--reviews", type=int, default=1000, help="review messages in the burst")
    parser.add_argument("--skip-ha", action="store_true", help="in-process figures only")
    parser.add_argument("--profile", action="store_true",
                        help="py-spy HA during the poll window and the alert runs, into .bench/")
    args = parser.parse_args(argv)
    if args.cameras < 1 or args.servers < 1:
        parser.error("--cameras and --servers must be >= 1")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    if os.environ.get(VENV_BUILD_ENV) is None:
        # first the virtualenv (not part of the 10-minute budget), then run inside it
        python = realha.ensure_ha_venv(HA_VENV)
        built = time.monotonic() - started
        env = {**os.environ, VENV_BUILD_ENV: f"{built:.1f}"}
        script = str(Path(__file__).resolve())
        os.execve(str(python), [str(python), script, *argv], env)  # noqa: S606 - our own venv
    args.port = args.port or free_port()
    venv_s = float(os.environ[VENV_BUILD_ENV])
    bench = Bench(args, HA_VENV / "bin" / "python")
    shutil.rmtree(RUN, ignore_errors=True)
    RUN.mkdir(parents=True)
    results = bench.results
    results.update({"cameras": args.cameras, "servers": args.servers})
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        if args.skip_ha:
            bench.notes["ha"] = "skipped (--skip-ha)"
        else:
            phase(bench, "ha", lambda: asyncio.run(run_ha_phases(bench)))
    finally:
        bench.stop_hass()
        bench.children.stop_all()
    log("camera suggestion (core.geo.cameras_near) in-process")
    phase(bench, "camera_suggest", lambda: results.update({
        key: round(value, 3)
        for key, value in measure_camera_suggest(bench.camera_locations, results["cameras"]).items()
    }))
    log("Frigate configurations for 2,000 cameras (scripts/bench_configgen.py's city) in-process")
    phase(bench, "configgen", lambda: results.update({
        key: round(value, 3) for key, value in measure_configgen().items()
    }))
    log(f"audit log: {args.audit_entries:,} entries (scripts/bench_audit.py)")
    phase(bench, "audit", lambda: results.update({
        key: round(value, 3) for key, value in measure_audit(args.audit_entries).items()
    }))
    results["targets_met"] = targets_met(results)
    results["bench_s"] = round(time.monotonic() - started, 1)
    results["ha_venv_prepare_s"] = venv_s
    results["notes"] = bench.notes
    results["machine"] = machine()
    ordered = {key: results.get(key) for key in (
        "cameras", "servers", "setup_s", "entities_per_camera", "ha_rss_mb_delta",
        "poll_cycle_cpu_ms", "reviews_per_s", "alert_latency_ms_p50", "alert_latency_ms_p99",
        "audit_append_per_s", "audit_query_ms", "camera_suggest_ms", "ws_camera_list_ms",
    )} | results
    STATE.mkdir(exist_ok=True)
    (STATE / "latest.json").write_text(json.dumps(ordered, indent=2) + "\n")
    print(json.dumps(ordered), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
