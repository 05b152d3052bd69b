"""Frigate configuration for a city's own recording servers, and the storage planner.

Home Assistant-free: the `ncc.generate_frigate_config` action, the `python -m frigate_config`
command line and the demo all call `generate_configs`; the planner answers how many days each
server keeps and what keeping more would take. See docs/frigate_config.md.
"""

from __future__ import annotations

from .model import (
    AgencyLabel,
    CityInput,
    ConfigGenKey,
    DetectorPolicy,
    MqttPolicy,
    RecordMode,
    RetainMode,
    Retention,
    ServerPolicy,
    check_stream,
)
from .planner import (
    BandwidthSource,
    CityPlan,
    PlannedCamera,
    ServerCapacity,
    ServerPlan,
    apply_record_modes,
    bandwidth_for,
    capacity_for,
    compare_plans,
    plan_city,
    plan_server,
)
from .render import GeneratedServer, Generation, generate_configs, write_generation
from .validate import ConfigCheck, Problem, validate_city, validate_config

__all__ = [
    "AgencyLabel",
    "BandwidthSource",
    "CityInput",
    "CityPlan",
    "ConfigCheck",
    "ConfigGenKey",
    "DetectorPolicy",
    "GeneratedServer",
    "Generation",
    "MqttPolicy",
    "PlannedCamera",
    "Problem",
    "RecordMode",
    "RetainMode",
    "Retention",
    "ServerCapacity",
    "ServerPlan",
    "ServerPolicy",
    "apply_record_modes",
    "bandwidth_for",
    "capacity_for",
    "check_stream",
    "compare_plans",
    "generate_configs",
    "plan_city",
    "plan_server",
    "validate_city",
    "validate_config",
    "write_generation",
]
