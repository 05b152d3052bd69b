"""Registers every NCC websocket command; each feature declares its own table of them."""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback

from . import (
    alerts_actions,
    dashboard_actions,
    footage_actions,
    frigate_configs_actions,
    registrations_actions,
    registry_actions,
)
from .entrypoints import NccCommand, async_register_commands

# one line per feature
COMMANDS: tuple[NccCommand, ...] = (
    *dashboard_actions.COMMANDS,
    *registry_actions.COMMANDS,
    *registrations_actions.COMMANDS,
    *alerts_actions.COMMANDS,
    *frigate_configs_actions.COMMANDS,
    *footage_actions.COMMANDS,
)


@callback
def async_setup_websocket(hass: HomeAssistant) -> None:
    async_register_commands(hass, COMMANDS)
