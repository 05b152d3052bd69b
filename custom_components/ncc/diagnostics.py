"""Diagnostics for the city and for each Frigate server, with every secret redacted."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from .city import CityConfigEntry
from .const import (
    CONF_AUDIT_DB_URL,
    CONF_ENTRY_TYPE,
    CONF_PASSWORD,
    CONF_STREAM_TEMPLATE,
    CONF_USERNAME,
    ENTRY_TYPE_CITY,
)
from .server import ServerConfigEntry

TO_REDACT = {CONF_PASSWORD, CONF_USERNAME, CONF_AUDIT_DB_URL}


def _redacted_entry_data(entry: ConfigEntry) -> dict[str, Any]:
    data: dict[str, Any] = async_redact_data(dict(entry.data), TO_REDACT)
    # a stream template may carry RTSP credentials (rtsp://user:pass@host/...)
    if "@" in str(data.get(CONF_STREAM_TEMPLATE, "")):
        data[CONF_STREAM_TEMPLATE] = "**REDACTED**"
    return data


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: ConfigEntry
) -> dict[str, Any]:
    if entry.data.get(CONF_ENTRY_TYPE) == ENTRY_TYPE_CITY:
        city_entry: CityConfigEntry = entry
        return {
            "entry": _redacted_entry_data(entry),
            "city": await city_entry.runtime_data.async_diagnostics(),
        }
    server_entry: ServerConfigEntry = entry
    coordinator = server_entry.runtime_data
    snapshot = coordinator.data
    server: dict[str, Any] = {
        "last_update_success": coordinator.last_update_success,
        "last_exception": repr(coordinator.last_exception) if coordinator.last_exception else None,
    }
    if snapshot is not None:
        server.update(
            {
                "version": snapshot.version.raw,
                "fetched_at": snapshot.fetched_at.isoformat(),
                "cameras_total": snapshot.cameras_total,
                "cameras_online": snapshot.cameras_online,
                "retention_days": snapshot.retention_days,
                "storage_used_percent": snapshot.storage_used_percent,
                "uptime_s": snapshot.stats.uptime_s,
                "cameras": {
                    name: {
                        "enabled": cam.enabled,
                        "online": snapshot.camera_online(name),
                        "record_enabled": cam.record_enabled,
                        "continuous_days": cam.retention.continuous_days,
                    }
                    for name, cam in snapshot.config.cameras.items()
                },
            }
        )
    return {"entry": _redacted_entry_data(entry), "server": server}
