"""One simulated Frigate server: state, HTTP listener, MQTT publisher, faults."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterable
from pathlib import Path
import random
import re
import shutil
import socket
import ssl
import tempfile
import time
from typing import Any

from aiohttp import web

from .activity import run_demo_activity
from .auth import ROLE_ADMIN, ROLE_VIEWER, Account, Authenticator
from .catalog import Catalog, SimEvent, SimReview
from .config_file import load_frigate_config
from .exports import ExportStore, SimExport
from .footage import CameraFootage, Span, offline_since, seeded_gaps
from .http_api import FrigateHttpApi
from .model import (
    DEFAULT_PASSWORD,
    DEFAULT_USER,
    DEFAULT_VERSION,
    VIEWER_USER,
    Faults,
    Outage,
    Severity,
    SimCamera,
)
from .mqtt import MqttPublisher
from .payloads import ConfigFacts, DiskUse, MqttSettings, frigate_config, stats
from .tls import self_signed_context

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_VERSION = re.compile(r"^(\d+)\.(\d+)")
# Storage answers are recomputed at most this often (a 660-camera server asks a lot).
_STORAGE_CACHE_S = 5.0


def parse_version(version: str) -> tuple[int, int]:
    match = _VERSION.match(version)
    if match is None:
        raise ValueError(f"version must start with MAJOR.MINOR, got {version!r}")
    return int(match.group(1)), int(match.group(2))


class SimServer:
    """A Frigate server with `cameras`, listening once `start()` is awaited."""

    def __init__(
        self,
        name: str,
        cameras: Iterable[SimCamera],
        *,
        auth: bool = False,
        tls: bool = False,
        user: str = DEFAULT_USER,
        password: str = DEFAULT_PASSWORD,
        viewer_password: str | None = None,
        seed: int = 0,
        version: str = DEFAULT_VERSION,
        mqtt: tuple[str, int] | None = None,
        topic_prefix: str | None = None,
        client_id: str | None = None,
        stats_interval_s: float = 60.0,
        session_length_s: int = 86400,
        refresh_time_s: int = 1800,
        state_dir: str | Path | None = None,
        export_duration_s: float = 1.0,
        export_row_delay_s: float = 0.2,
        demo_activity: bool = False,
    ) -> None:
        if not _NAME.match(name):
            raise ValueError(f"server name must be letters, digits, '_' or '-': {name!r}")
        camera_list = list(cameras)
        if not camera_list:
            raise ValueError(f"server {name} needs at least one camera")
        names = [c.name for c in camera_list]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"server {name}: duplicate camera names {duplicates}")
        if stats_interval_s <= 0 or session_length_s <= 0 or refresh_time_s < 0:
            raise ValueError("stats_interval_s and session_length_s must be > 0, refresh_time_s >= 0")
        self.version_tuple = parse_version(version)
        if auth and self.version_tuple < (0, 14):
            raise ValueError("Frigate before 0.14 has no authentication")
        self.name = name
        self.version = version
        self.seed = seed
        self.auth_enabled = auth
        self.tls = tls
        self.mqtt_address = None if mqtt is None else (str(mqtt[0]), int(mqtt[1]))
        self._topic_prefix = topic_prefix
        self._client_id = client_id
        self.stats_interval_s = stats_interval_s
        self.export_duration_s = export_duration_s
        self.export_row_delay_s = export_row_delay_s
        self.demo_activity = demo_activity
        self.authenticator = Authenticator(
            [
                Account(user, password, ROLE_ADMIN),
                Account(VIEWER_USER, viewer_password or password, ROLE_VIEWER),
            ],
            session_length_s,
            refresh_time_s,
        )
        self.faults = Faults(self._on_down_change)
        self.anchor = time.time()
        self.started_at = self.anchor
        self._pid_base = 100
        self.cameras: dict[str, SimCamera] = {c.name: c for c in camera_list}
        for camera in camera_list:
            if camera.gaps is None:
                camera.gaps = seeded_gaps(camera, seed, name, self.anchor)
            if not camera.online and not any(o.end is None for o in camera.outages):
                camera.outages.append(Outage(offline_since(camera, seed, name, self.anchor)))
        self.footage = {c.name: CameraFootage(c, seed, name) for c in camera_list}
        self.catalog = Catalog()
        history_rng = random.Random(f"{seed}:{name}:history")
        for camera in camera_list:
            busy = [(h.start, h.end) for h in camera.holes(self.anchor)]
            self.catalog.generate_history(history_rng, camera, self.anchor, busy)
        self.rng = random.Random(f"{seed}:{name}:runtime")
        self._state_root = None if state_dir is None else Path(state_dir) / name
        self._temp_root: Path | None = None
        self._exports: ExportStore | None = None
        self.host = "127.0.0.1"
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._ssl: ssl.SSLContext | None = None
        self._listener: asyncio.Server | None = None
        self._serving: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.mqtt: MqttPublisher | None = None
        self._storage_cache: tuple[float, dict[str, float], DiskUse] | None = None

    @classmethod
    def from_config(cls, name: str, path: str | Path, **kwargs: Any) -> SimServer:
        """A server with exactly the cameras of Frigate config file `path`."""
        parsed = load_frigate_config(path)
        kwargs.setdefault("topic_prefix", parsed.topic_prefix)
        kwargs.setdefault("client_id", parsed.client_id)
        if parsed.stats_interval_s is not None:
            kwargs.setdefault("stats_interval_s", parsed.stats_interval_s)
        return cls(name, parsed.cameras, **kwargs)

    # -- identity ----------------------------------------------------------------------------

    @property
    def topic_prefix(self) -> str:
        return self._topic_prefix or "frigate"

    @property
    def has_explicit_topic_prefix(self) -> bool:
        return self._topic_prefix is not None

    def assign_topic_prefix(self, prefix: str) -> None:
        """Used by SimCity to keep prefixes unique; an explicit prefix is never replaced."""
        if self._topic_prefix is None:
            self._topic_prefix = prefix

    @property
    def client_id(self) -> str:
        return self._client_id or self.topic_prefix

    @property
    def url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{self.host}:{self.port}"

    @property
    def export_store(self) -> ExportStore:
        if self._exports is None:
            raise RuntimeError(f"server {self.name} not started")
        return self._exports

    @property
    def state_dir(self) -> Path:
        root = self._state_root or self._temp_root
        if root is None:
            raise RuntimeError("server not started")
        return root

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        if self._runner is not None:
            raise RuntimeError(f"server {self.name} already started")
        self.host = host
        if self._state_root is None:
            self._temp_root = Path(tempfile.mkdtemp(prefix=f"frigate-sim-{self.name}-"))
        self.state_dir.mkdir(parents=True, exist_ok=True)
        if self._exports is None:
            self._exports = ExportStore(self.state_dir, persistent=self._state_root is not None)
        if self.tls:
            self._ssl = self_signed_context(self.state_dir / "tls", host)
        app = FrigateHttpApi(self).build_app()
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        sock = self._bind(port)
        self.port = sock.getsockname()[1]
        await self._serve(sock)
        if self.mqtt_address is not None:
            self.mqtt = MqttPublisher(
                self.mqtt_address[0],
                self.mqtt_address[1],
                client_id=self.client_id,
                topic_prefix=self.topic_prefix,
                on_connected=self._publish_camera_statuses,
            )
            await self.mqtt.start()
            self._spawn(self._publish_stats_forever())
        if self.demo_activity:
            self._spawn(run_demo_activity(self))

    def _bind(self, port: int) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, port))
            sock.listen(128)
        except OSError:
            sock.close()
            raise
        sock.setblocking(False)
        return sock

    async def _serve(self, sock: socket.socket) -> None:
        assert self._runner is not None
        assert self._runner.server is not None
        loop = asyncio.get_running_loop()
        listener = await loop.create_server(self._runner.server, sock=sock, ssl=self._ssl)
        if self.faults.down:
            # Went down again while this listener was being created: it must not serve.
            listener.close()
            return
        self._listener = listener

    async def stop(self) -> None:
        """Cancel background work, publish MQTT `offline`, stop listening, drop temp files."""
        try:
            tasks = list(self._tasks)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._tasks.clear()
            if self._serving is not None:
                self._serving.cancel()
                await asyncio.gather(self._serving, return_exceptions=True)
                self._serving = None
            if self._exports is not None:
                exports, self._exports = self._exports, None
                await exports.close()
            if self.mqtt is not None:
                mqtt, self.mqtt = self.mqtt, None
                await mqtt.stop()
        finally:
            await self._stop_listening()

    async def _stop_listening(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if listener is not None:
            await listener.wait_closed()
        if self._temp_root is not None:
            shutil.rmtree(self._temp_root, ignore_errors=True)
            self._temp_root = None

    def _spawn(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.create_task(work, name=f"frigate-sim {self.name}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # -- faults ------------------------------------------------------------------------------

    def _on_down_change(self, down: bool) -> None:
        if self._runner is None:
            return
        if down:
            # A pending _serve is left to finish: cancelling it mid-create_server could leave its
            # socket bound and the port taken; it closes its listener itself when down.
            if self._listener is not None:
                self._listener.close()
                self._listener = None
            server = self._runner.server
            if server is not None:
                for connection in server.connections:
                    connection.force_close()
        else:
            # Bind now, so connections queue in the backlog before the loop starts serving.
            sock = self._bind(self.port)
            self._serving = asyncio.get_running_loop().create_task(self._serve(sock))
        if self.mqtt is not None:
            self.mqtt.set_available(not down)

    def schedule_outage(self, down_for_s: float) -> None:
        """Go down shortly (after the current response is sent) and come back by itself."""

        async def outage() -> None:
            await asyncio.sleep(0.05)
            self.faults.down = True
            try:
                await asyncio.sleep(down_for_s)
            finally:
                self.faults.down = False

        self._spawn(outage())

    def expire_tokens(self) -> None:
        """Every JWT issued so far is refused from now on (401)."""
        self.authenticator.expire_all()

    def restart(self) -> None:
        """Like a container restart: uptime and process ids change, state is kept."""
        self.started_at = time.time()
        self._pid_base += 100
        if self.mqtt is not None and not self.faults.down:
            self.mqtt.set_available(False)
            self.mqtt.set_available(True)

    # -- cameras -----------------------------------------------------------------------------

    def add_camera(self, camera: SimCamera) -> None:
        """A camera added to Frigate's configuration (seen after the next config read)."""
        if camera.name in self.cameras:
            raise ValueError(f"server {self.name} already has a camera {camera.name!r}")
        if camera.gaps is None:
            camera.gaps = seeded_gaps(camera, self.seed, self.name, self.anchor)
        self.cameras[camera.name] = camera
        self.footage[camera.name] = CameraFootage(camera, self.seed, self.name)
        self._storage_cache = None

    def remove_camera(self, name: str) -> None:
        """A camera taken out of Frigate's configuration."""
        self.camera(name)
        if len(self.cameras) == 1:
            raise ValueError(f"server {self.name} needs at least one camera")
        del self.cameras[name]
        del self.footage[name]
        self._storage_cache = None

    def camera(self, name: str) -> SimCamera:
        camera = self.cameras.get(name)
        if camera is None:
            raise ValueError(f"server {self.name} has no camera {name!r}")
        return camera

    def set_camera_online(self, name: str, online: bool) -> None:
        """An outage starts (or ends): no frames, camera_fps 0, a recording gap."""
        camera = self.camera(name)
        if camera.online == online:
            return
        now = time.time()
        if online:
            for outage in camera.outages:
                if outage.end is None:
                    outage.end = now
        else:
            camera.outages.append(Outage(now))
        camera.online = online
        self._storage_cache = None
        if self.mqtt is not None:
            self._publish_camera_status(camera)

    def _publish_camera_status(self, camera: SimCamera) -> None:
        assert self.mqtt is not None
        status = "disabled" if not camera.enabled else ("online" if camera.online else "offline")
        for role in ("detect", "record"):
            self.mqtt.publish(f"{camera.name}/status/{role}", status)

    def _publish_camera_statuses(self) -> None:
        if self.mqtt is None:  # a connection made while the server was stopping
            return
        for camera in self.cameras.values():
            self._publish_camera_status(camera)

    # -- activity ----------------------------------------------------------------------------

    async def emit_review(
        self,
        camera: str,
        *,
        label: str = "person",
        severity: str = "alert",
        zones: list[str] | None = None,
        sub_label: str | None = None,
        duration_s: float = 0.0,
    ) -> str:
        """A new review item with one event, published over MQTT (new, update, then end now
        or after `duration_s`). Returns the review id."""
        sim_camera = self.camera(camera)
        level = Severity(severity)
        now = time.time()
        review, event = self.catalog.create(
            self.rng,
            sim_camera,
            label=label,
            severity=level,
            start_time=now - 2.0,
            end_time=None,
            zones=zones or [],
            sub_label=sub_label,
        )
        self._storage_cache = None
        self._publish_event("new", event, event)
        self._publish_review("new", review, review)
        if self.mqtt is not None:
            self.mqtt.publish(f"{camera}/review_status", level.name)
        self._publish_event("update", event, event)
        self._publish_review("update", review, review)
        if duration_s <= 0:
            self._finish(review, event)
        else:

            async def finish_later() -> None:
                await asyncio.sleep(duration_s)
                self._finish(review, event)

            self._spawn(finish_later())
        return review.id

    def _finish(self, review: SimReview, event: SimEvent) -> None:
        now = time.time()
        before_event = event.mqtt_object(now, *self._frame_size(event.camera))
        before_review = review.mqtt_row()
        event.end_time = max(now - 0.5, event.start_time)
        review.end_time = now
        if self.mqtt is None or self.faults.down:
            return
        after_event = event.mqtt_object(now, *self._frame_size(event.camera))
        self.mqtt.publish_json("events", {"type": "end", "before": before_event, "after": after_event})
        self.mqtt.publish_json(
            "reviews", {"type": "end", "before": before_review, "after": review.mqtt_row()}
        )
        self.mqtt.publish(f"{review.camera}/review_status", "NONE")

    def _frame_size(self, camera: str) -> tuple[int, int]:
        sim_camera = self.cameras[camera]
        return sim_camera.detect_width, sim_camera.detect_height

    def _publish_event(self, kind: str, before: SimEvent, after: SimEvent) -> None:
        if self.mqtt is None or self.faults.down:
            return
        now = time.time()
        size = self._frame_size(after.camera)
        document = {
            "type": kind,
            "before": before.mqtt_object(now, *size),
            "after": after.mqtt_object(now, *size),
        }
        self.mqtt.publish_json("events", document)

    def _publish_review(self, kind: str, before: SimReview, after: SimReview) -> None:
        if self.mqtt is None or self.faults.down:
            return
        document = {"type": kind, "before": before.mqtt_row(), "after": after.mqtt_row()}
        self.mqtt.publish_json("reviews", document)

    async def _publish_stats_forever(self) -> None:
        while True:
            await asyncio.sleep(self.stats_interval_s)
            if self.mqtt is not None and self.mqtt.connected and not self.faults.down:
                self.mqtt.publish_json("stats", self.stats_document())

    # -- footage, storage, exports -----------------------------------------------------------

    def footage_spans(self, camera: str, lo: float, hi: float, now: float) -> list[Span]:
        sim_camera = self.cameras[camera]
        windows = self.catalog.review_windows(sim_camera, now)
        return self.footage[camera].available(lo, hi, now, windows)

    def has_footage(self, camera: str, start: float, end: float) -> bool:
        """Frigate's export check: any recording segment touching [start, end]."""
        if end < start:
            return False
        spans = self.footage_spans(camera, start - 10, end + 10, time.time())
        return any(s <= end and e >= start for s, e in spans)

    def start_export(self, camera: str, start: float, end: float, name: str | None) -> SimExport:
        return self.export_store.start(
            self.rng,
            camera,
            start,
            end,
            name,
            duration_s=self.export_duration_s,
            row_delay_s=self.export_row_delay_s,
        )

    def _storage(self) -> tuple[dict[str, float], DiskUse]:
        now = time.time()
        cached = self._storage_cache
        if cached is not None and now - cached[0] < _STORAGE_CACHE_S:
            return cached[1], cached[2]
        usage: dict[str, float] = {}
        capacity = 0.0
        for name, camera in self.cameras.items():
            footage = self.footage[name]
            days = camera.retention.longest_days
            usage[name] = footage.usage_mb(self.footage_spans(name, now - days * 86400, now, now))
            capacity += footage.bandwidth_mb_h * 24 * camera.retention.footage_days
        used = sum(usage.values())
        # The disk is sized for the footage window plus 30 % headroom, as an installer would.
        disk = DiskUse(total_mb=max(capacity * 1.3, used * 1.1, 50_000.0), used_mb=used)
        self._storage_cache = (now, usage, disk)
        return usage, disk

    def storage_document(self) -> dict[str, object]:
        usage, disk = self._storage()
        document: dict[str, object] = {}
        for name, camera in self.cameras.items():
            used = round(usage[name], 3)
            recording = camera.streaming and camera.record_enabled
            bandwidth = self.footage[name].bandwidth_mb_h if recording else 0
            if used:
                document[camera.display_name] = {
                    "usage": used,
                    "bandwidth": bandwidth,
                    "usage_percent": used / disk.total_mb * 100,
                }
            else:
                document[camera.display_name] = {"usage": None, "bandwidth": bandwidth}
        return document

    # -- documents ---------------------------------------------------------------------------

    def config_document(self) -> dict[str, object]:
        mqtt_host, mqtt_port = self.mqtt_address or ("", 1883)
        facts = ConfigFacts(
            version=self.version,
            auth_enabled=self.auth_enabled,
            tls_enabled=self.tls,
            session_length_s=self.authenticator.session_length_s,
            refresh_time_s=self.authenticator.refresh_time_s,
            mqtt=MqttSettings(
                enabled=self.mqtt_address is not None,
                host=mqtt_host,
                port=mqtt_port,
                topic_prefix=self.topic_prefix,
                client_id=self.client_id,
                stats_interval_s=self.stats_interval_s,
            ),
        )
        return frigate_config(facts, list(self.cameras.values()))

    def stats_document(self) -> dict[str, object]:
        now = time.time()
        _, disk = self._storage()
        return stats(
            cameras=list(self.cameras.values()),
            pid_base=self._pid_base,
            version=self.version,
            uptime_s=int(now - self.started_at),
            now=now,
            disk=disk,
        )

    def describe(self) -> dict[str, object]:
        """Simulator state for other processes (GET /_sim/state)."""
        now = time.time()
        return {
            "name": self.name,
            "url": self.url,
            "version": self.version,
            "auth": self.auth_enabled,
            "topic_prefix": self.topic_prefix,
            "faults": self.faults.as_dict(),
            "cameras": {
                name: {
                    "online": camera.online,
                    "enabled": camera.enabled,
                    "gaps": [[g.start, g.end] for g in camera.gaps or []],
                    "outages": [[o.start, o.end] for o in camera.outages],
                    "footage_days": camera.retention.footage_days,
                    "footage": [list(span) for span in self.footage_spans(name, 0.0, now, now)[:50]],
                }
                for name, camera in self.cameras.items()
            },
        }
