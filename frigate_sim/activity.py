"""Live demo activity (`--demo-activity`): new review items every few seconds on random
cameras, and now and then a camera outage of about a minute."""

from __future__ import annotations

import asyncio
import random
from typing import TYPE_CHECKING

from .catalog import LABELS, severity_for

if TYPE_CHECKING:
    from .server import SimServer

REVIEW_EVERY_S = (2.0, 6.0)
OUTAGE_CHANCE = 0.05  # per review tick
OUTAGE_S = (45.0, 75.0)


async def run_demo_activity(server: SimServer) -> None:
    rng = random.Random(f"{server.seed}:{server.name}:demo")
    outages: set[asyncio.Task[None]] = set()

    async def outage(camera: str) -> None:
        server.set_camera_online(camera, False)
        try:
            await asyncio.sleep(rng.uniform(*OUTAGE_S))
        finally:
            server.set_camera_online(camera, True)

    try:
        while True:
            await asyncio.sleep(rng.uniform(*REVIEW_EVERY_S))
            streaming = [c for c in server.cameras.values() if c.streaming]
            if not streaming:
                continue
            camera = rng.choice(streaming)
            label = rng.choice(LABELS)
            zones = [z for z in camera.zone_names if rng.random() < 0.5]
            await server.emit_review(
                camera.name,
                label=label,
                severity=severity_for(label).value,
                zones=zones,
                duration_s=rng.uniform(5.0, 20.0),
            )
            if rng.random() < OUTAGE_CHANCE and len(streaming) > 1 and not outages:
                victim = rng.choice([c for c in streaming if c is not camera])
                task = asyncio.create_task(outage(victim.name))
                outages.add(task)
                task.add_done_callback(outages.discard)
    finally:
        for task in list(outages):
            task.cancel()
        await asyncio.gather(*outages, return_exceptions=True)
