"""Registers every NCC websocket command; each feature declares its own table of them."""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback

from . import registry_actions
from .entrypoints import NccCommand, async_register_commands

# one line per feature
COMMANDS: tuple[NccCommand, ...] = (
    *registry_actions.COMMANDS,
)


@callback
def async_setup_websocket(hass: HomeAssistant) -> None:
    async_register_commands(hass, COMMANDS)
