"""The few Home Assistant APIs that moved between 2025.4 and 2026.10, behind one name each."""

from __future__ import annotations

from homeassistant.helpers.device_registry import DeviceInfo

# HA 2026.8 links a child device to its parent by registry id; before, by identifier.
_VIA_DEVICE_ID = "via_device_id" in DeviceInfo.__annotations__


def via_device(parent_device_id: str, parent_identifier: tuple[str, str]) -> DeviceInfo:
    """The DeviceInfo fields that place a device under its parent."""
    if _VIA_DEVICE_ID:
        return DeviceInfo(via_device_id=parent_device_id)  # type: ignore[typeddict-unknown-key,unused-ignore]
    return DeviceInfo(via_device=parent_identifier)
