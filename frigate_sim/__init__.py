"""Frigate 0.17 simulator for NCC's demo and tests (HTTP + MQTT, synthetic data).

A test and demo tool, not part of the Home Assistant integration. See README.md.
"""

from __future__ import annotations

from .city import SimCity
from .config_file import ConfigFileError, load_frigate_config
from .model import (
    DEFAULT_PASSWORD,
    DEFAULT_VERSION,
    Faults,
    RetainPolicy,
    Retention,
    Severity,
    SimCamera,
    TimeRange,
)
from .server import SimServer

__all__ = [
    "DEFAULT_PASSWORD",
    "DEFAULT_VERSION",
    "ConfigFileError",
    "Faults",
    "RetainPolicy",
    "Retention",
    "Severity",
    "SimCamera",
    "SimCity",
    "SimServer",
    "TimeRange",
    "load_frigate_config",
]
