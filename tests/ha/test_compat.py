"""The compatibility shim gives each supported HA the fields it understands."""

from __future__ import annotations

import pytest

from custom_components.ncc import compat


@pytest.mark.parametrize(("new_api", "key"), [(True, "via_device_id"), (False, "via_device")])
def test_via_device_uses_the_field_of_the_running_ha(
    monkeypatch: pytest.MonkeyPatch, new_api: bool, key: str
) -> None:
    monkeypatch.setattr(compat, "_VIA_DEVICE_ID", new_api)
    info = compat.via_device("abc123", ("ncc", "balaikota"))
    assert list(info) == [key]


def test_the_running_ha_is_detected() -> None:
    from homeassistant.const import MAJOR_VERSION, MINOR_VERSION

    assert compat._VIA_DEVICE_ID is ((MAJOR_VERSION, MINOR_VERSION) >= (2026, 8))
