"""Actions and the websocket command of Frigate configuration and storage planning.

All of them are the city's server management (`manage_servers`, city administrators): the
stream book holds camera credentials, and the generated files go to the recording servers.
Answers never carry a credential: only whether one is set.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from homeassistant.components.websocket_api.connection import ActiveConnection
from homeassistant.core import HomeAssistant, SupportsResponse
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util
import voluptuous as vol

from .city import CityRuntime
from .configgen import DetectorPolicy, RecordMode, RetainMode, ServerPolicy
from .configgen.model import Codec, StreamEntry
from .configgen.render import ENV_FILENAME
from .core.cameras import CameraPurpose
from .core.permissions import CITY, Action, Actor, require
from .entrypoints import NccCommand, NccService, Response, enum_choice
from .frigate_configs import FrigateConfigDesk
from .guard import on_city, translate_errors

STREAM_FIELDS = ("username", "password", "width", "height", "fps", "codec", "server_id", "record_mode")
RETENTION_FIELDS = ("continuous_days", "motion_days", "alerts_days", "detections_days")
MQTT_FIELDS = {  # action field -> MqttPolicy field
    "mqtt_host": "host", "mqtt_port": "port", "mqtt_user": "user", "mqtt_password": "password",
    "topic_prefix": "topic_prefix", "client_id": "client_id",
}
POLICY_FIELDS = ("name", "disk_gb", "restream", "detect_fps", "detect_height", "detection_capacity")


def _desk(city: CityRuntime) -> FrigateConfigDesk:
    return city.frigate_configs


# --- the stream book --------------------------------------------------------------------------


async def _set_camera_stream(hass: HomeAssistant, city: CityRuntime, actor: Actor,
                             data: dict[str, Any]) -> Response:
    desk = _desk(city)
    current = desk.streams.get(data["camera_id"])
    given: dict[str, Any] = {key: data[key] for key in STREAM_FIELDS if key in data}
    # an omitted credential keeps the stored one; an empty one clears it
    keep: dict[str, Any] = {"username": current.username, "password": current.password} if current else {}
    with translate_errors():
        entry = desk.set_stream(
            StreamEntry(camera_id=data["camera_id"], url=data["url"], **(keep | given))
        )
    await desk.async_save()
    await city.audit.async_record(
        actor, "frigate_stream.set", "camera", entry.camera_id, camera_id=entry.camera_id,
        details={"fields": sorted(["url", *given]), "credentials": bool(entry.username or entry.password)},
    )
    return {"stream": entry.to_dict()}


async def _remove_camera_stream(hass: HomeAssistant, city: CityRuntime, actor: Actor,
                                data: dict[str, Any]) -> Response:
    desk = _desk(city)
    with translate_errors():
        entry = desk.remove_stream(data["camera_id"])
    await desk.async_save()
    await city.audit.async_record(
        actor, "frigate_stream.remove", "camera", entry.camera_id, camera_id=entry.camera_id
    )
    return {"stream": entry.to_dict()}


# --- server policies --------------------------------------------------------------------------


def _changed_policy(current: ServerPolicy, data: dict[str, Any]) -> ServerPolicy:
    retention = replace(current.retention, **{k: data[k] for k in RETENTION_FIELDS if k in data})
    mqtt = replace(current.mqtt_settings, **{MQTT_FIELDS[k]: data[k] for k in MQTT_FIELDS if k in data})
    detector = current.detector
    if {"detector_type", "detector_options", "detector_model"} & data.keys():
        detector = DetectorPolicy(
            type=data.get("detector_type", detector.type),
            options=data.get("detector_options", detector.options),
            model=data.get("detector_model", detector.model),
        )
    objects = dict(current.objects)
    for purpose, labels in data.get("objects", {}).items():
        objects[CameraPurpose(purpose)] = tuple(labels)
    modes: dict[str, Any] = {
        key: kind(data[key])
        for key, kind in (("alerts_mode", RetainMode), ("detections_mode", RetainMode),
                          ("record_mode", RecordMode))
        if key in data
    }
    return replace(
        current, retention=retention, mqtt=mqtt, detector=detector, objects=objects, **modes,
        **{key: data[key] for key in POLICY_FIELDS if key in data},
    )


async def _set_server_policy(hass: HomeAssistant, city: CityRuntime, actor: Actor,
                             data: dict[str, Any]) -> Response:
    desk = _desk(city)
    with translate_errors():
        current = desk.policy(data["server_id"])
        policy = desk.set_policy(_changed_policy(current, data))
    await desk.async_save()
    fields = sorted(key for key in data if key != "server_id")
    await city.audit.async_record(
        actor, "frigate_policy.set", "server", policy.server_id, details={"fields": fields}
    )
    desk.schedule_refresh()
    return {"policy": policy.to_dict()}


# --- generation and planning ------------------------------------------------------------------


async def _generate_frigate_config(hass: HomeAssistant, city: CityRuntime, actor: Actor,
                                   data: dict[str, Any]) -> Response:
    desk = _desk(city)
    with translate_errors():
        generation, paths = await desk.async_generate(data.get("server_id"))
    servers: list[dict[str, Any]] = [
        {
            "server_id": server.server_id,
            "path": str(path),
            "env_path": str(path.with_name(ENV_FILENAME)),
            "cameras": dict(server.cameras),
            "warnings": list(server.warnings),
        }
        for server, path in zip(generation.servers, paths, strict=True)
    ]
    await city.audit.async_record(
        actor, "frigate_config.generate", "server", data.get("server_id") or "all",
        details={
            "servers": [server.server_id for server in generation.servers],
            "cameras": sum(len(server.cameras) for server in generation.servers),
        },
    )
    return {"servers": servers, "empty_servers": list(generation.empty_servers),
            "placement": dict(sorted(generation.placement.items()))}


async def _plan_storage(hass: HomeAssistant, city: CityRuntime, actor: Actor,
                        data: dict[str, Any]) -> Response:
    modes = {pattern: RecordMode(mode) for pattern, mode in data.get("record_modes", {}).items()}
    with translate_errors():
        return await _desk(city).async_plan(
            target_days=data.get("target_days"), record_modes=modes, rebalance=data["rebalance"]
        )


def _positive_int(low: int, high: int) -> vol.All:
    return vol.All(vol.Coerce(int), vol.Range(min=low, max=high))


SECRET = vol.All(cv.string, vol.Length(max=256))
RETENTION_SCHEMA: dict[vol.Marker, Any] = {vol.Optional(key): vol.Coerce(float) for key in RETENTION_FIELDS}
SERVICES: tuple[NccService, ...] = (
    NccService(
        "set_camera_stream",
        vol.Schema({
            vol.Required("camera_id"): cv.string, vol.Required("url"): cv.string,
            vol.Optional("username"): vol.Any(None, SECRET), vol.Optional("password"): vol.Any(None, SECRET),
            vol.Optional("width"): vol.Any(None, _positive_int(16, 8192)),
            vol.Optional("height"): vol.Any(None, _positive_int(16, 8192)),
            vol.Optional("fps"): vol.Any(None, _positive_int(1, 120)),
            vol.Optional("codec"): vol.Any(None, enum_choice(Codec)),
            vol.Optional("server_id"): vol.Any(None, cv.string),
            vol.Optional("record_mode"): vol.Any(None, enum_choice(RecordMode)),
        }),
        on_city(Action.MANAGE_SERVERS), _set_camera_stream,
    ),
    NccService(
        "remove_camera_stream", vol.Schema({vol.Required("camera_id"): cv.string}),
        on_city(Action.MANAGE_SERVERS), _remove_camera_stream,
    ),
    NccService(
        "set_server_policy",
        vol.Schema({
            vol.Required("server_id"): cv.string, vol.Optional("name"): cv.string,
            vol.Optional("disk_gb"): vol.Any(None, vol.Coerce(float)),
            **RETENTION_SCHEMA,
            vol.Optional("alerts_mode"): enum_choice(RetainMode),
            vol.Optional("detections_mode"): enum_choice(RetainMode),
            vol.Optional("record_mode"): enum_choice(RecordMode),
            vol.Optional("objects"): {vol.In([p.value for p in CameraPurpose]): [cv.string]},
            vol.Optional("mqtt_host"): cv.string, vol.Optional("mqtt_port"): vol.Coerce(int),
            vol.Optional("mqtt_user"): SECRET, vol.Optional("mqtt_password"): SECRET,
            vol.Optional("topic_prefix"): cv.string, vol.Optional("client_id"): cv.string,
            vol.Optional("detector_type"): cv.string,
            vol.Optional("detector_options"): {cv.string: vol.Any(str, int, float, bool)},
            vol.Optional("detector_model"): {cv.string: vol.Any(str, int, float, bool)},
            vol.Optional("restream"): cv.boolean,
            vol.Optional("detect_fps"): vol.Coerce(int), vol.Optional("detect_height"): vol.Coerce(int),
            vol.Optional("detection_capacity"): vol.Any(None, vol.Coerce(float)),
        }),
        on_city(Action.MANAGE_SERVERS), _set_server_policy,
    ),
    NccService(
        "generate_frigate_config", vol.Schema({vol.Optional("server_id"): cv.string}),
        on_city(Action.MANAGE_SERVERS), _generate_frigate_config,
    ),
    NccService(
        "plan_storage",
        vol.Schema({
            vol.Optional("target_days"): vol.All(vol.Coerce(float), vol.Range(min=0.1, max=3650)),
            vol.Optional("record_modes", default=dict): {cv.string: enum_choice(RecordMode)},
            vol.Optional("rebalance", default=False): cv.boolean,
        }),
        on_city(Action.MANAGE_SERVERS), _plan_storage, SupportsResponse.ONLY,
    ),
)


# --- websocket --------------------------------------------------------------------------------


async def _frigate_configs(hass: HomeAssistant, connection: ActiveConnection,
                           msg: dict[str, Any], city: CityRuntime, actor: Actor) -> Any:
    with translate_errors():
        require(city.registry, actor, Action.MANAGE_SERVERS, CITY, dt_util.utcnow())
    desk = _desk(city)
    return {
        "streams": [desk.streams[key].to_dict() for key in sorted(desk.streams)],
        "policies": [desk.policy(server_id).to_dict() for server_id in sorted(desk.server_ids())],
        "plan": desk.plan.to_dict() if desk.plan else None,
        "planned_at": desk.planned_at.isoformat() if desk.planned_at else None,
        "policy_days": city.settings.retention_policy_days,
    }


COMMANDS: tuple[NccCommand, ...] = (
    NccCommand("ncc/frigate_configs", {}, _frigate_configs),
)
