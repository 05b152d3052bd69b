"""Camera frames (latest.jpg) and export videos.

Frames are drawn with Pillow when it is installed, else a committed JPEG is served.
Export MP4s are made with `ffmpeg -f lavfi testsrc` when ffmpeg is on PATH, else the committed
2-second MP4 under assets/ is copied.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from functools import lru_cache
import io
from pathlib import Path
import shutil

ASSETS = Path(__file__).parent / "assets"
FALLBACK_FRAME = ASSETS / "frame.jpg"
FALLBACK_EXPORT = ASSETS / "export.mp4"
EXPORT_SECONDS = 2
EXPORT_SIZE = "160x90"

CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
}


def _pillow_available() -> bool:
    try:
        import PIL.Image  # noqa: F401
    except ImportError:
        return False
    return True


@lru_cache(maxsize=512)
def render_frame(
    label: str, *, width: int, height: int, online: bool, fmt: str, quality: int, second: int
) -> tuple[bytes, str]:
    """(image bytes, content type) of a frame of camera `label` at epoch `second`.

    Offline cameras get a dark "No frames" placeholder, still a valid image (Frigate answers
    200 with a placeholder too).
    """
    if not _pillow_available():
        return FALLBACK_FRAME.read_bytes(), CONTENT_TYPES["jpg"]
    from PIL import Image, ImageDraw

    shade = sum(label.encode()) % 96
    background = (40 + shade, 70 + shade // 2, 90) if online else (16, 16, 16)
    image = Image.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(image)
    stamp = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    lines = [label, stamp] if online else [label, "No frames received"]
    y = 4
    for line in lines:
        draw.text((4, y), line, fill=(255, 255, 255))
        y += 12
    out = io.BytesIO()
    pil_format = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}[fmt]
    try:
        image.save(out, format=pil_format, quality=quality)
    except (OSError, KeyError):  # a Pillow built without WebP
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=quality)
        return out.getvalue(), CONTENT_TYPES["jpg"]
    return out.getvalue(), CONTENT_TYPES[fmt]


async def produce_export_video(destination: Path) -> None:
    """Write a short test-pattern MP4 to `destination` (whatever the exported window)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is not None:
        partial = destination.with_suffix(".part.mp4")
        process = await asyncio.create_subprocess_exec(
            ffmpeg,
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc=size={EXPORT_SIZE}:rate=10",
            "-t",
            str(EXPORT_SECONDS),
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-movflags",
            "+faststart",
            str(partial),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            code = await process.wait()
        except asyncio.CancelledError:
            process.kill()
            await process.wait()
            partial.unlink(missing_ok=True)
            raise
        if code == 0 and partial.exists():
            partial.replace(destination)
            return
        partial.unlink(missing_ok=True)
    shutil.copyfile(FALLBACK_EXPORT, destination)
