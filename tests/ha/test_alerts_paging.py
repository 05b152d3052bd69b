"""Polled review items come in pages: a burst larger than one page is ingested whole."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
import pytest

from custom_components.ncc import alerts as alerts_module
from custom_components.ncc.const import REVIEW_POLL_INTERVAL

from .test_alerts import PolledCity, polled, tick  # noqa: F401  (the `polled` fixture)


async def test_a_burst_of_review_items_larger_than_a_page_is_ingested_whole(
    polled: PolledCity, freezer: FrozenDateTimeFactory, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    monkeypatch.setattr(alerts_module, "POLL_LIMIT", 2)
    server = polled.sim.servers[1]
    emitted = []
    for index in range(7):
        emitted.append(await server.emit_review(polled.camera(index % 3), label="person", severity="alert"))
        freezer.tick(timedelta(seconds=1))  # a frozen clock would start them all at one instant
    await tick(polled.hass, freezer, REVIEW_POLL_INTERVAL)
    # one incident per camera; the later review items of a camera join it during its cool-down
    assert len(polled.incidents("new")) == 3
    assert all(polled.desk.book.find_by_review("dishub", review_id) is not None for review_id in emitted)
