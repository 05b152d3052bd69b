"""Exports: rows that appear shortly after the start call, stay in progress for a while, and
end with a real MP4 under the server's state directory."""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
import json
import logging
from pathlib import Path
import random

from .catalog import random_suffix
from .media import produce_export_video

_LOGGER = logging.getLogger(__name__)
MEDIA_ROOT = "/media/frigate/"
EXPORT_DIR = MEDIA_ROOT + "exports/"
# Two ffmpeg processes at a time keep a burst of exports from starving the CI machine.
_PARALLEL_ENCODES = 2


@dataclass(eq=False)
class SimExport:
    id: str
    camera: str
    name: str
    date: int
    video_path: str
    thumb_path: str
    in_progress: bool
    visible: bool = False

    @property
    def basename(self) -> str:
        return self.video_path.rsplit("/", 1)[-1]

    def row(self) -> dict[str, object]:
        return {
            "id": self.id,
            "camera": self.camera,
            "name": self.name,
            "date": self.date,
            "video_path": self.video_path,
            "thumb_path": self.thumb_path,
            "in_progress": self.in_progress,
        }


def _stamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y%m%d_%H%M%S")


def default_export_name(camera: str, start: float) -> str:
    when = datetime.fromtimestamp(start, UTC).strftime("%Y-%m-%d %H:%M:%S")
    return f"{camera.replace('_', ' ').title()} {when}"


class ExportStore:
    """Exports of one server. With a persistent directory, finished rows survive a process
    restart (rows still in progress are dropped, as Frigate deletes failed exports)."""

    def __init__(self, directory: Path, *, persistent: bool) -> None:
        self.directory = directory
        self._index = directory / "exports.json" if persistent else None
        self._exports: dict[str, SimExport] = {}
        self._jobs: dict[str, asyncio.Task[None]] = {}
        self._encodes: asyncio.Semaphore | None = None
        self._load()

    @property
    def video_dir(self) -> Path:
        return self.directory / "exports"

    def _load(self) -> None:
        if self._index is None or not self._index.exists():
            return
        try:
            rows = json.loads(self._index.read_text(encoding="utf-8"))
            for row in rows:
                export = SimExport(**row)
                if not export.in_progress and (self.video_dir / export.basename).exists():
                    self._exports[export.id] = export
        except (OSError, ValueError, TypeError) as err:
            _LOGGER.warning("ignoring unreadable export index %s: %s", self._index, err)

    def _save(self) -> None:
        if self._index is None:
            return
        self._index.parent.mkdir(parents=True, exist_ok=True)
        rows = [asdict(e) for e in self._exports.values() if e.visible]
        self._index.write_text(json.dumps(rows, indent=1), encoding="utf-8")

    def start(
        self,
        rng: random.Random,
        camera: str,
        start: float,
        end: float,
        name: str | None,
        *,
        duration_s: float,
        row_delay_s: float,
    ) -> SimExport:
        suffix = random_suffix(rng)
        export_id = f"{camera}_{suffix}"
        basename = f"{camera}_{_stamp(start)}-{_stamp(end)}_{suffix}.mp4"
        export = SimExport(
            id=export_id,
            camera=camera,
            name=name if name else default_export_name(camera, start),
            date=int(start),
            video_path=EXPORT_DIR + basename,
            thumb_path=f"{MEDIA_ROOT}clips/export/{export_id}.webp",
            in_progress=True,
        )
        self._exports[export_id] = export
        self._jobs[export_id] = asyncio.create_task(
            self._run(export, duration_s, row_delay_s), name=f"frigate-sim export {export_id}"
        )
        return export

    async def _run(self, export: SimExport, duration_s: float, row_delay_s: float) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            await asyncio.sleep(row_delay_s)
            export.visible = True
            if self._encodes is None:
                self._encodes = asyncio.Semaphore(_PARALLEL_ENCODES)
            async with self._encodes:
                await produce_export_video(self.video_dir / export.basename)
            await asyncio.sleep(max(duration_s - (loop.time() - started), 0.0))
            export.in_progress = False
            self._save()
        finally:
            self._jobs.pop(export.id, None)

    def visible(self) -> list[SimExport]:
        rows = [e for e in self._exports.values() if e.visible]
        return sorted(rows, key=lambda e: e.date, reverse=True)

    def get(self, export_id: str) -> SimExport | None:
        export = self._exports.get(export_id)
        return export if export is not None and export.visible else None

    def rename(self, export_id: str, name: str) -> bool:
        export = self.get(export_id)
        if export is None:
            return False
        export.name = name
        self._save()
        return True

    def delete(self, export_id: str) -> bool:
        export = self.get(export_id)
        if export is None:
            return False
        job = self._jobs.get(export_id)
        if job is not None:
            job.cancel()  # the job leaves _jobs once its ffmpeg is gone; close() awaits it
        del self._exports[export_id]
        (self.video_dir / export.basename).unlink(missing_ok=True)
        self._save()
        return True

    def file_for(self, basename: str) -> Path | None:
        """The finished MP4 named `basename`, if any."""
        for export in self._exports.values():
            if export.basename == basename and not export.in_progress:
                path = self.video_dir / basename
                return path if path.exists() else None
        return None

    async def close(self) -> None:
        jobs = list(self._jobs.values())
        for job in jobs:
            job.cancel()
        await asyncio.gather(*jobs, return_exceptions=True)
        self._jobs.clear()
