"""Server policies, streams and the city input: validation and their stored forms."""

from __future__ import annotations

from dataclasses import replace
import json
import re
from typing import Any

import pytest

from custom_components.ncc.configgen import (
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
from custom_components.ncc.configgen.model import StreamEntry, agency_labels, check_stream_url
from custom_components.ncc.core.agencies import Agency, AgencyKind
from custom_components.ncc.core.cameras import CameraPurpose
from custom_components.ncc.core.errors import ErrorKey, ValidationError

from .conftest import ROOT, server, stream


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("rtsp://admin:rahasia@10.0.0.5/stream", ConfigGenKey.STREAM_URL_HAS_CREDENTIALS),
        ("rtsp://10.0.0.5/cgi?user=admin&pwd=rahasia", ConfigGenKey.STREAM_URL_HAS_CREDENTIALS),
        ("rtsp://10.0.0.5/{FRIGATE_X}", ConfigGenKey.STREAM_URL_INVALID),
        ("rtsp://10.0.0.5/a b", ConfigGenKey.STREAM_URL_INVALID),
        ('rtsp://10.0.0.5/"x"', ConfigGenKey.STREAM_URL_INVALID),
        ("file:///etc/passwd", ConfigGenKey.STREAM_URL_INVALID),
        ("rtsp:///no-host", ConfigGenKey.STREAM_URL_INVALID),
        ("rtsp://[::1", ConfigGenKey.STREAM_URL_INVALID),
        ("", ConfigGenKey.STREAM_URL_INVALID),
    ],
)
def test_stream_urls_without_credentials_only_and_never_echoed(url: str, key: ConfigGenKey) -> None:
    with pytest.raises(ValidationError) as err:
        check_stream_url(url)
    assert err.value.key is key
    assert "rahasia" not in str(err.value)
    assert url not in str(err.value) or not url


def test_stream_checks_credentials_and_sizes() -> None:
    assert check_stream(stream("dishub/a", username="admin", password="p@ss:w/rd", width=1920,
                               height=1080, fps=15, codec="h265"))
    for bad, key in (
        ({"password": "x"}, ConfigGenKey.SECRET_INVALID),  # a password needs a user
        ({"username": "a\nb"}, ConfigGenKey.SECRET_INVALID),
        ({"width": 8}, ConfigGenKey.NUMBER_OUT_OF_RANGE),
        ({"fps": 0}, ConfigGenKey.NUMBER_OUT_OF_RANGE),
        ({"codec": "mjpeg"}, ErrorKey.INVALID_CHOICE),
        ({"server_id": "Bad Id"}, ErrorKey.INVALID_ID),
    ):
        with pytest.raises(ValidationError) as err:
            check_stream(stream("dishub/a", **bad))
        assert err.value.key == key, bad
        assert "a\nb" not in str(err.value)


def test_retention_for_each_record_mode_and_target() -> None:
    policy = Retention(continuous_days=3, motion_days=7, alerts_days=30, detections_days=14)
    assert policy.for_mode(RecordMode.CONTINUOUS) == replace(policy, continuous_days=7)
    assert policy.for_mode(RecordMode.MOTION) == replace(policy, continuous_days=0, motion_days=7)
    alerts = policy.for_mode(RecordMode.ALERTS)
    assert (alerts.continuous_days, alerts.motion_days, alerts.detections_days) == (0, 0, 0)
    assert alerts.footage_days == 30
    assert policy.footage_days == 7
    assert policy.extended_to(20).motion_days == 20
    assert Retention(continuous_days=10).extended_to(20).continuous_days == 20
    assert alerts.extended_to(45).alerts_days == 45
    with pytest.raises(ValidationError) as err:
        Retention(continuous_days=-1)
    assert err.value.key is ConfigGenKey.NUMBER_OUT_OF_RANGE


def test_policy_defaults_and_stored_form_round_trip() -> None:
    policy = ServerPolicy(
        "dishub", name="Server Dishub", disk_gb=8000, alerts_mode=RetainMode.ALL,
        objects={CameraPurpose.PUBLIC_SPACE: ("person", "person", "dog")},
        mqtt=MqttPolicy("frigate_dishub", "dishub-1", host="10.0.0.2", user="u", password="p w"),
        detector=DetectorPolicy("openvino", {"device": "GPU"}, {"width": 300, "path": "/m.xml"}),
        detection_capacity=60,
    )
    assert policy.objects[CameraPurpose.PUBLIC_SPACE] == ("person", "dog")
    assert "car" in policy.objects[CameraPurpose.TRAFFIC]  # untouched purposes keep the defaults
    assert ServerPolicy.from_dict(policy.to_dict(secrets=True)) == policy
    public = policy.to_dict()
    assert public["mqtt"]["password_set"] is True
    assert "password" not in public["mqtt"]
    assert "p w" not in repr(policy)
    default = ServerPolicy("alun_alun")
    assert default.mqtt_settings.topic_prefix == default.mqtt_settings.client_id == "frigate_alun_alun"
    assert default.display_name == "alun_alun"


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"server_id": "registry"}, ErrorKey.INVALID_SERVER_ID),
        ({"disk_gb": 0}, ConfigGenKey.NUMBER_OUT_OF_RANGE),
        ({"detect_fps": 60}, ConfigGenKey.NUMBER_OUT_OF_RANGE),
        ({"detection_capacity": 0}, ConfigGenKey.NUMBER_OUT_OF_RANGE),
        ({"objects": {"traffic": ()}}, ConfigGenKey.LABEL_INVALID),
        ({"objects": {"traffic": ("Person!",)}}, ConfigGenKey.LABEL_INVALID),
        ({"objects": {"drones": ("person",)}}, ErrorKey.INVALID_CHOICE),
        ({"record_mode": "sometimes"}, ErrorKey.INVALID_CHOICE),
    ],
)
def test_bad_policies_are_refused(changes: dict[str, Any], key: object) -> None:
    with pytest.raises(ValidationError) as err:
        ServerPolicy(**{"server_id": "dishub", **changes})
    assert err.value.key == key


@pytest.mark.parametrize(
    ("build", "key"),
    [
        (lambda: MqttPolicy("a/b", "x"), ConfigGenKey.MQTT_NAME_INVALID),
        (lambda: MqttPolicy("a", "x", host="bad host"), ConfigGenKey.MQTT_HOST_INVALID),
        (lambda: MqttPolicy("a", "x", port=0), ConfigGenKey.NUMBER_OUT_OF_RANGE),
        (lambda: MqttPolicy("a", "x", password="it's"), ConfigGenKey.SECRET_INVALID),
        (lambda: DetectorPolicy("Open VINO"), ConfigGenKey.DETECTOR_INVALID),
        (lambda: DetectorPolicy("cpu", {"type": "x"}), ConfigGenKey.DETECTOR_INVALID),
        (lambda: DetectorPolicy("cpu", {"device": "a b"}), ConfigGenKey.DETECTOR_INVALID),
        (lambda: DetectorPolicy("cpu", {}, {"path": ["x"]}), ConfigGenKey.DETECTOR_INVALID),
    ],
)
def test_bad_mqtt_and_detector_settings_are_refused(build: Any, key: ConfigGenKey) -> None:
    with pytest.raises(ValidationError) as err:
        build()
    assert err.value.key is key
    assert "it's" not in str(err.value)


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"server_id": "s", "retention": {"continous_days": 3}}, ErrorKey.INVENTORY_UNKNOWN_FIELD),
        ({"server_id": "s", "colour": "red"}, ErrorKey.INVENTORY_UNKNOWN_FIELD),
        ({"server_id": "s", "mqtt": "broker"}, ErrorKey.INVENTORY_NOT_A_MAPPING),
        ({"server_id": "s", "objects": {"traffic": "car"}}, ConfigGenKey.LABEL_INVALID),
        ({"server_id": "s", "restream": "yes"}, ErrorKey.INVALID_CHOICE),
    ],
)
def test_policy_documents_refuse_unknown_or_mistyped_keys(data: dict[str, Any], key: object) -> None:
    with pytest.raises(ValidationError) as err:
        ServerPolicy.from_dict(data)
    assert err.value.key == key


def test_city_input_keeps_mqtt_names_and_streams_unique() -> None:
    one, two = server("one"), server("two")
    clash = replace(two, mqtt=replace(two.mqtt_settings, topic_prefix="frigate_one"))
    for servers, streams, key in (
        ((), (), ConfigGenKey.NO_SERVERS),
        ((one, one), (), ConfigGenKey.SERVER_DUPLICATE),
        ((one, clash), (), ConfigGenKey.TOPIC_PREFIX_TAKEN),
        ((one, replace(two, mqtt=replace(two.mqtt_settings, client_id="frigate_one"))), (),
         ConfigGenKey.CLIENT_ID_TAKEN),
        ((one,), (stream("one/a"), stream("one/a")), ConfigGenKey.STREAM_DUPLICATE),
        ((one,), (stream("one/a", server_id="three"),), ConfigGenKey.SERVER_UNKNOWN),
    ):
        with pytest.raises(ValidationError) as err:
            CityInput(servers=servers, streams=streams)
        assert err.value.key is key
    city = CityInput(servers=(one, two), streams=(stream("one/a"),))
    assert city.policy("two") is two
    with pytest.raises(ValidationError):
        city.policy("three")
    with pytest.raises(ValidationError):
        CityInput(servers=(one,), streams=(), record_modes={"one/a": "always"})  # type: ignore[dict-item]


def test_stream_entries_join_the_registry_and_hide_credentials() -> None:
    entry = StreamEntry("dishub/a", "rtsp://10.0.0.5/s", username="admin", password="rahasia",
                        width=1920, height=1080, fps=15, codec="h264", server_id="dishub",
                        record_mode=RecordMode.MOTION)
    assert StreamEntry.from_dict(entry.to_dict(secrets=True)) == entry
    public = entry.to_dict()
    assert public["password_set"]
    assert "rahasia" not in str(public)
    assert "rahasia" not in repr(entry)
    joined = entry.stream(name="A", owner_agency_id="dishub", purpose=CameraPurpose.TRAFFIC)
    assert (joined.password, joined.width, joined.server_id) == ("rahasia", 1920, "dishub")
    with pytest.raises(ValidationError):
        StreamEntry("dishub/a", "rtsp://admin:x@10.0.0.5/s")


def test_every_error_key_has_english_and_indonesian_messages() -> None:
    translations = ROOT / "custom_components" / "ncc" / "translations"
    messages = {
        lang: json.loads((translations / f"{lang}.json").read_text())["exceptions"] for lang in ("en", "id")
    }
    for key in ConfigGenKey:
        placeholders = [set(re.findall(r"\{(\w+)\}", messages[lang][key]["message"])) for lang in messages]
        assert placeholders[0] == placeholders[1], key


def test_agency_labels_carry_each_agencys_code_and_name_by_id() -> None:
    agencies = [
        Agency("dishub", "Dinas Perhubungan", "DISHUB", AgencyKind.CITY_DEPARTMENT),
        Agency("mall", "Mall Sunrise", "MALL", AgencyKind.PRIVATE_OWNER),
    ]
    assert agency_labels(agencies) == {
        "dishub": AgencyLabel("dishub", "DISHUB", "Dinas Perhubungan"),
        "mall": AgencyLabel("mall", "MALL", "Mall Sunrise"),
    }
