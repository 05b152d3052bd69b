"""Shared inputs of the generator and planner tests: the demo city and small hand-made cities."""

from __future__ import annotations

from pathlib import Path

import pytest

from custom_components.ncc.configgen import (
    AgencyLabel,
    CityInput,
    Generation,
    MqttPolicy,
    ServerPolicy,
    generate_configs,
)
from custom_components.ncc.core.cameras import CameraPurpose
from custom_components.ncc.core.streams import CameraStream
from frigate_config.demo import DEMO_INVENTORY
from frigate_config.registry_file import RegistryFile, load_registry

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def demo_registry() -> RegistryFile:
    return load_registry(DEMO_INVENTORY.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def demo_generation(demo_registry: RegistryFile) -> Generation:
    return generate_configs(demo_registry.city_input())


def server(server_id: str, **overrides: object) -> ServerPolicy:
    """A server policy with a broker, as every generated server needs."""
    mqtt = MqttPolicy(topic_prefix=f"frigate_{server_id}", client_id=f"frigate_{server_id}",
                      host="10.0.0.2")
    return ServerPolicy(server_id, **{"mqtt": mqtt, **overrides})  # type: ignore[arg-type]


def stream(camera_id: str, name: str = "", **overrides: object) -> CameraStream:
    values: dict[str, object] = {
        "camera_id": camera_id,
        "name": name or camera_id.rpartition("/")[2],
        "owner_agency_id": "dishub",
        "purpose": CameraPurpose.TRAFFIC,
        "url": "rtsp://10.1.2.3:554/stream1",
        **overrides,
    }
    return CameraStream(**values)  # type: ignore[arg-type]


def city(servers: tuple[ServerPolicy, ...], streams: tuple[CameraStream, ...], **extra: object) -> CityInput:
    agencies = {"dishub": AgencyLabel("dishub", "DISHUB", "Dinas Perhubungan")}
    return CityInput(servers=servers, streams=streams, agencies=agencies, **extra)  # type: ignore[arg-type]
