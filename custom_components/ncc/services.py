"""Registers every NCC action; each feature declares its own table of them."""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback

from . import registry_actions
from .entrypoints import NccService, async_register_services

# one line per feature
SERVICES: tuple[NccService, ...] = (
    *registry_actions.SERVICES,
)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    async_register_services(hass, SERVICES)
