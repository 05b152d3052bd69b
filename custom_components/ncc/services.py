"""Registers every NCC action; each feature declares its own table of them."""

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
from .entrypoints import NccService, async_register_services

# one line per feature
SERVICES: tuple[NccService, ...] = (
    *dashboard_actions.SERVICES,
    *registry_actions.SERVICES,
    *registrations_actions.SERVICES,
    *alerts_actions.SERVICES,
    *frigate_configs_actions.SERVICES,
    *footage_actions.SERVICES,
)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    async_register_services(hass, SERVICES)
