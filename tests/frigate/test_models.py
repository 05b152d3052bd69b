"""Models built from the real Frigate 0.17.2 samples, older shapes, and broken ones."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from custom_components.ncc.frigate import (
    CameraStorage,
    EventQuery,
    FrigateConfig,
    FrigateEvent,
    FrigateExport,
    FrigateResponseError,
    FrigateStats,
    FrigateUnsupportedVersionError,
    FrigateVersion,
    RecordingDay,
    RecordingSegment,
    RecordRetention,
    ReviewItem,
    ReviewQuery,
    ReviewSeverity,
    TimeRange,
)
from custom_components.ncc.frigate._parsing import Fields, object_list
from custom_components.ncc.frigate.client import unavailable_ranges
from custom_components.ncc.frigate.errors import redact, server_message

from .conftest import SAMPLES, SHARED_SAMPLES, sample_json


@pytest.mark.skipif(not SHARED_SAMPLES.is_dir(), reason="shared reference folder not mounted")
def test_samples_are_verbatim_copies_of_the_reference() -> None:
    shared = {path.name: path.read_bytes() for path in SHARED_SAMPLES.iterdir()}
    copied = {path.name: path.read_bytes() for path in SAMPLES.iterdir()}
    assert copied == shared


# --- version -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "parts"),
    [
        ("0.17.2-3d4dd3a", (0, 17, 2)),
        ("0.14.1", (0, 14, 1)),
        ("0.15.0-beta2", (0, 15, 0)),
        ("0.16", (0, 16, 0)),
        (" v0.13.2-6476f8a\n", (0, 13, 2)),
    ],
)
def test_version_parses_release_strings(raw: str, parts: tuple[int, int, int]) -> None:
    version = FrigateVersion.from_api(raw)
    assert (version.major, version.minor, version.patch) == parts
    assert str(version) == raw.strip()


@pytest.mark.parametrize("raw", ["", "Frigate", "<html>", "0", "1.x"])
def test_version_rejects_non_versions(raw: str) -> None:
    with pytest.raises(FrigateResponseError):
        FrigateVersion.from_api(raw)


def test_version_rejects_non_text() -> None:
    with pytest.raises(FrigateResponseError):
        FrigateVersion.from_api(17)


def test_versions_compare_by_number_not_text() -> None:
    versions = [FrigateVersion.from_api(v) for v in ("0.9.0", "0.17.2-x", "0.14.0", "0.17.10")]
    assert [v.raw for v in sorted(versions)] == ["0.9.0", "0.14.0", "0.17.2-x", "0.17.10"]
    assert FrigateVersion.from_api("0.15.0-a") == FrigateVersion.from_api("0.15.0-b")


def test_version_capabilities_follow_the_release_history() -> None:
    def caps(raw: str) -> tuple[object, ...]:
        v = FrigateVersion.from_api(raw)
        return (
            v.is_supported,
            v.login_failure_status,
            v.latest_image_height_param,
            v.supports_export_id,
            v.export_rename_uses_body,
            v.supports_roles,
            v.per_user_review,
            v.supports_camera_roles,
            v.supports_unavailable,
        )

    assert caps("0.13.2") == (False, 400, "h", False, False, False, False, False, False)
    assert caps("0.14.1") == (True, 400, "h", False, False, False, False, False, False)
    assert caps("0.15.2") == (True, 401, "height", True, False, False, False, False, False)
    assert caps("0.16.0") == (True, 401, "height", True, True, True, True, False, False)
    assert caps("0.17.2") == (True, 401, "height", True, True, True, True, True, True)


def test_unsupported_version_error_names_the_version() -> None:
    error = FrigateUnsupportedVersionError("0.13.2")
    assert error.version == "0.13.2"
    assert "0.13.2" in str(error)
    assert "0.14" in str(error)


# --- config --------------------------------------------------------------------------------


def test_config_sample_parses() -> None:
    raw = sample_json("config.json")
    config = FrigateConfig.from_api(raw)
    assert list(config.cameras) == list(raw["cameras"])
    assert config.mqtt.enabled is True
    assert config.mqtt.topic_prefix == "frigate"
    assert config.mqtt.client_id == "frigate"
    assert config.auth_enabled is True
    cam = config.cameras["police_main_st"]
    assert cam.name == "police_main_st"
    assert cam.friendly_name == "Police - Main St"
    assert cam.display_name == "Police - Main St"
    assert cam.enabled is True
    assert (cam.detect.enabled, cam.detect.fps, cam.detect.width, cam.detect.height) == (
        True,
        5,
        1280,
        720,
    )
    assert cam.record_enabled is True
    assert cam.retention == RecordRetention(3.0, 7.0, 30.0, 14.0)
    assert cam.retention.longest_days == 30.0
    assert cam.zones == ("crosswalk",)
    assert config.camera_by_display_name("Police - Main St") is cam
    assert config.camera_by_display_name("police_main_st") is cam
    assert config.camera_by_display_name("nobody") is None


def test_config_keeps_no_camera_credentials() -> None:
    raw = sample_json("config.json")
    raw["cameras"]["police_main_st"]["ffmpeg"]["inputs"][0]["path"] = "rtsp://u:secret@h/x"
    config = FrigateConfig.from_api(raw)
    assert "secret" not in repr(config)
    assert "rtsp" not in repr(config)


def _legacy_record(days: float, mode: str | None) -> dict[str, Any]:
    """A camera `record` section as 0.14–0.16 serve it."""
    retain: dict[str, Any] = {"days": days}
    if mode is not None:
        retain["mode"] = mode
    return {
        "enabled": True,
        "retain": retain,
        "alerts": {"retain": {"days": 10, "mode": "motion"}},
        "detections": {"retain": {"days": 5, "mode": "motion"}},
    }


@pytest.mark.parametrize(
    ("mode", "continuous", "motion"),
    [("all", 4.0, 4.0), (None, 4.0, 4.0), ("motion", 0.0, 4.0), ("active_objects", 0.0, 0.0)],
)
def test_legacy_retain_maps_like_the_0_17_migration(
    mode: str | None, continuous: float, motion: float
) -> None:
    retention = RecordRetention.from_api(_legacy_record(4, mode))
    assert retention == RecordRetention(continuous, motion, 10.0, 5.0)


def test_legacy_retain_with_unknown_mode_is_refused() -> None:
    with pytest.raises(FrigateResponseError):
        RecordRetention.from_api(_legacy_record(4, "sometimes"))


def test_0_17_retention_with_only_motion_means_no_continuous() -> None:
    record = {
        "motion": {"days": 3},
        "alerts": {"retain": {"days": 30}},
        "detections": {"retain": {"days": 30}},
    }
    assert RecordRetention.from_api(record) == RecordRetention(0.0, 3.0, 30.0, 30.0)


def test_0_16_style_config_parses() -> None:
    raw = sample_json("config.json")
    for cam in raw["cameras"].values():
        del cam["friendly_name"]
        record = cam["record"]
        del record["continuous"], record["motion"]
        record["retain"] = {"days": 2, "mode": "motion"}
    del raw["auth"]
    config = FrigateConfig.from_api(raw)
    cam = config.cameras["police_main_st"]
    assert cam.friendly_name is None
    assert cam.display_name == "police_main_st"
    assert cam.retention.continuous_days == 0.0
    assert cam.retention.motion_days == 2.0
    assert config.auth_enabled is False


def test_mqtt_without_enabled_switch_counts_as_enabled() -> None:
    raw = sample_json("config.json")
    del raw["mqtt"]["enabled"]
    assert FrigateConfig.from_api(raw).mqtt.enabled is True


# --- stats ---------------------------------------------------------------------------------


def test_stats_sample_parses() -> None:
    stats = FrigateStats.from_api(sample_json("stats.json"))
    assert set(stats.cameras) == {
        "police_main_st",
        "police_5th_ave",
        "transit_depot_gate",
        "parks_fountain",
    }
    cam = stats.cameras["police_main_st"]
    assert (cam.camera_fps, cam.process_fps, cam.detection_fps) == (5.0, 5.0, 0.0)
    assert cam.detection_enabled is True
    assert (cam.capture_pid, cam.ffmpeg_pid) == (2000, 3000)
    assert cam.online is True
    assert stats.detectors == {}
    assert stats.detection_fps == 0.0
    assert stats.uptime_s == 5
    assert stats.version == "0.17.2-3d4dd3a"
    assert set(stats.storage) == {
        "/media/frigate/recordings",
        "/media/frigate/clips",
        "/tmp/cache",
        "/dev/shm",
    }
    recordings = stats.recordings_storage
    assert recordings is not None
    assert (recordings.total_mb, recordings.used_mb, recordings.free_mb) == (
        258019.6,
        26229.9,
        77667.5,
    )
    assert recordings.used_percent == pytest.approx(10.166, abs=1e-3)


@pytest.mark.parametrize(
    ("change", "online"),
    [
        ({"camera_fps": 0.0}, False),
        ({"ffmpeg_pid": None}, False),
        ({"capture_pid": None}, False),
        ({"detection_enabled": 0}, True),
    ],
)
def test_camera_online_needs_frames_and_processes(change: dict[str, Any], online: bool) -> None:
    raw = sample_json("stats.json")
    raw["cameras"]["parks_fountain"].update(change)
    stats = FrigateStats.from_api(raw)
    assert stats.cameras["parks_fountain"].online is online
    assert stats.cameras["police_main_st"].online is True


def test_stats_detectors_and_missing_storage() -> None:
    raw = sample_json("stats.json")
    raw["detectors"] = {"coral": {"inference_speed": 8.5, "detection_start": 0.0, "pid": 77}}
    del raw["service"]["storage"]
    raw["service"]["storage"] = None
    stats = FrigateStats.from_api(raw)
    assert stats.detectors["coral"].inference_speed_ms == 8.5
    assert stats.detectors["coral"].pid == 77
    assert stats.storage == {}
    assert stats.recordings_storage is None


def test_zero_sized_mount_has_no_percentage() -> None:
    raw = sample_json("stats.json")
    raw["service"]["storage"]["/media/frigate/recordings"]["total"] = 0
    usage = FrigateStats.from_api(raw).recordings_storage
    assert usage is not None
    assert usage.used_percent is None


# --- events and review -----------------------------------------------------------------------


def test_events_sample_parses() -> None:
    rows = sample_json("events.json")
    events = [FrigateEvent.from_api(row) for row in rows]
    assert [e.id for e in events] == [row["id"] for row in rows]
    car = events[1]
    assert car.camera == "police_main_st"
    assert car.label == "car"
    assert car.sub_label is None
    assert car.retain_indefinitely is True
    assert car.score == 0.8961
    assert car.top_score == 0.8884
    assert car.box == (0.4614, 0.3745, 0.12, 0.3)
    assert car.max_severity is ReviewSeverity.ALERT
    assert car.recognized_license_plate == "NCC001"
    assert car.in_progress is False
    assert events[0].recognized_license_plate is None
    assert events[2].has_clip is False


def test_event_in_progress_and_without_data() -> None:
    row = sample_json("events.json")[0]
    row["end_time"] = None
    row["data"] = None
    row["sub_label"] = "Budi"
    row["zones"] = None
    event = FrigateEvent.from_api(row)
    assert event.zones == ()
    assert event.in_progress is True
    assert event.score is None
    assert event.box is None
    assert event.max_severity is None
    assert event.sub_label == "Budi"


def test_review_sample_parses() -> None:
    rows = sample_json("review.json")
    items = [ReviewItem.from_api(row) for row in rows]
    first = items[0]
    assert first.id == "1795378947.533276-58oesq"
    assert first.camera == "transit_depot_gate"
    assert first.severity is ReviewSeverity.ALERT
    assert first.objects == ("person",)
    assert first.detections == ("1795378948.033276-jz7t6d",)
    assert first.sub_labels == ()
    assert first.zones == ()
    assert first.has_been_reviewed is False
    assert first.in_progress is False
    assert first.thumb_url_path == ("/clips/review/thumb-transit_depot_gate-1795378947.533276-58oesq.webp")


def test_review_item_thumb_outside_media_has_no_url() -> None:
    row = sample_json("review.json")[0]
    row["thumb_path"] = "/elsewhere/x.webp"
    row["end_time"] = None
    item = ReviewItem.from_api(row)
    assert item.thumb_url_path is None
    assert item.in_progress is True


# --- recordings ------------------------------------------------------------------------------


def test_recordings_summary_sample_parses() -> None:
    days = [RecordingDay.from_api(row) for row in sample_json("recordings_summary.json")]
    assert [d.day for d in days] == [date(2026, 11, 23), date(2026, 11, 22)]
    first = days[0]
    assert first.events == 7
    assert [h.hour for h in first.hours] == [3, 2, 1, 0]
    assert first.hours[0].duration_s == 1890
    assert first.hours[0].has_footage is True
    assert first.recorded_s == 1890 + 2400 + 3600 + 3600
    assert first.hours[0].motion == 42000


@pytest.mark.parametrize("hour", ["24", "-1", "ab", ""])
def test_recording_hour_out_of_range_is_refused(hour: str) -> None:
    row = sample_json("recordings_summary.json")[0]
    row["hours"][0]["hour"] = hour
    with pytest.raises(FrigateResponseError):
        RecordingDay.from_api(row)


def test_recording_day_must_be_a_date() -> None:
    row = sample_json("recordings_summary.json")[0]
    row["day"] = "23/11/2026"
    with pytest.raises(FrigateResponseError):
        RecordingDay.from_api(row)


def test_recording_segments_and_gaps_parse() -> None:
    segments = [RecordingSegment.from_api(row) for row in sample_json("recordings.json")]
    assert segments[0].id == "1795376060.0-bomvib"
    assert segments[0].start_time == 1795376060.0
    assert segments[0].segment_size_mb == 1.284
    assert segments[4].motion == 0
    assert segments[3].objects == 3
    gaps = [TimeRange.from_api(row) for row in sample_json("recordings_unavailable.json")]
    assert gaps[0] == TimeRange(1795374714.0, 1795375884.0)
    assert gaps[1].duration_s == 150.0


def test_recordings_storage_sample_parses() -> None:
    rows = sample_json("recordings_storage.json")
    storage = {name: CameraStorage.from_api(row) for name, row in rows.items()}
    assert storage["Police - Main St"].usage_mb == pytest.approx(2042.303)
    assert storage["Police - Main St"].usage_percent == pytest.approx(0.79153, abs=1e-5)
    # a camera without recordings reports null usage and no percentage
    assert storage["Parks - Fountain"] == CameraStorage(0.0, 0.0, None)


# --- exports ---------------------------------------------------------------------------------


def test_exports_sample_parses() -> None:
    exports = [FrigateExport.from_api(row) for row in sample_json("exports.json")]
    first = exports[0]
    assert first.id == "police_5th_ave_jm8xba"
    assert first.date == 1795377698.0
    assert first.in_progress is False
    assert first.file_url_path == ("/exports/police_5th_ave_20261122_200138-20261122_200638_jm8xba.mp4")
    assert first.thumb_url_path is None  # "" while the thumbnail is not made
    assert exports[1].in_progress is True
    assert exports[1].thumb_url_path == "/clips/export/police_main_st_0akk14.webp"


def test_export_file_path_of_0_14_style_names_and_odd_characters() -> None:
    row = sample_json("exports.json")[0]
    row["video_path"] = "/media/frigate/exports/police_5th_ave_jm8xba.mp4"
    assert FrigateExport.from_api(row).file_url_path == "/exports/police_5th_ave_jm8xba.mp4"
    row["video_path"] = "/media/frigate/exports/a b#c.mp4"
    assert FrigateExport.from_api(row).file_url_path == "/exports/a%20b%23c.mp4"


def test_export_without_file_name_is_refused() -> None:
    row = sample_json("exports.json")[0]
    row["video_path"] = "/media/frigate/exports/"
    with pytest.raises(FrigateResponseError):
        FrigateExport.from_api(row)


# --- malformed shapes ------------------------------------------------------------------------


def _each(model: Any) -> Any:
    return lambda rows: [model.from_api(row) for row in object_list(rows, "rows")]


_PARSERS: dict[str, Any] = {
    "config.json": FrigateConfig.from_api,
    "stats.json": FrigateStats.from_api,
    "events.json": _each(FrigateEvent),
    "review.json": _each(ReviewItem),
    "exports.json": _each(FrigateExport),
    "recordings.json": _each(RecordingSegment),
    "recordings_summary.json": _each(RecordingDay),
    "recordings_unavailable.json": _each(TimeRange),
    "recordings_storage.json": lambda rows: {
        name: CameraStorage.from_api(row) for name, row in Fields(rows, "storage").as_children().items()
    },
}


def _mutations(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], str]]:
    """Every (path, kind) of a leaf or branch to break, depth-first, a few per level."""
    found: list[tuple[tuple[Any, ...], str]] = []
    if isinstance(data, dict):
        for key, value in list(data.items())[:40]:
            found.append(((*path, key), "delete"))
            found.append(((*path, key), "retype"))
            found.extend(_mutations(value, (*path, key)))
    elif isinstance(data, list) and data:
        found.extend(_mutations(data[0], (*path, 0)))
    return found


def _apply(data: Any, path: tuple[Any, ...], kind: str) -> Any:
    broken = copy.deepcopy(data)
    parent = broken
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if kind == "delete":
        del parent[last]
    else:
        value = parent[last]
        parent[last] = {"x": 1} if not isinstance(value, dict) else [1, "two"]
    return broken


@pytest.mark.parametrize("name", sorted(_PARSERS))
def test_broken_samples_raise_only_response_errors(name: str) -> None:
    """Deleting or retyping any field either still parses or raises FrigateResponseError."""
    data = sample_json(name)
    if name == "config.json":
        # one camera and the sections the model reads keep the run short
        camera = data["cameras"]["police_main_st"]
        data = {
            "mqtt": data["mqtt"],
            "auth": data["auth"],
            "cameras": {
                "police_main_st": {
                    key: camera[key]
                    for key in ("name", "friendly_name", "enabled", "detect", "record", "zones")
                }
            },
        }
    parse = _PARSERS[name]
    parse(data)
    messages = []
    for path, kind in _mutations(data):
        try:
            parse(_apply(data, path, kind))
        except FrigateResponseError as err:
            messages.append(str(err))
    assert messages
    assert all(message.startswith("Frigate") for message in messages)


@pytest.mark.parametrize("name", sorted(_PARSERS))
@pytest.mark.parametrize("body", [None, "text", 3, True, [], {}, [None], [[1]]])
def test_wrong_top_level_shapes_are_refused(name: str, body: Any) -> None:
    parse = _PARSERS[name]
    try:
        result = parse(body)
    except FrigateResponseError:
        return
    assert result in ([], {})  # an empty list or mapping is a valid, empty answer


def test_field_type_errors_name_the_field_not_the_value() -> None:
    row = sample_json("events.json")[0]
    row["camera"] = ["rtsp://admin:hunter2@10.0.0.1/stream"]
    with pytest.raises(FrigateResponseError) as caught:
        FrigateEvent.from_api(row)
    assert "event.camera" in str(caught.value)
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("start_time", True),
        ("start_time", "1795378948"),
        ("has_clip", 2),
        ("zones", ["a", 3]),
        ("zones", "a"),
    ],
)
def test_event_field_types_are_checked(field: str, value: Any) -> None:
    row = sample_json("events.json")[0]
    row[field] = value
    with pytest.raises(FrigateResponseError):
        FrigateEvent.from_api(row)


@pytest.mark.parametrize("box", [[0.1, 0.2, 0.3], [0.1, "a", 0.2, 0.3], "0.1,0.2", [0.1, 0.2, 0.3, 0.4, 0.5]])
def test_event_box_must_be_four_numbers(box: Any) -> None:
    row = sample_json("events.json")[0]
    row["data"]["box"] = box
    with pytest.raises(FrigateResponseError):
        FrigateEvent.from_api(row)


def test_unknown_severity_is_refused() -> None:
    row = sample_json("review.json")[0]
    row["severity"] = "panic"
    with pytest.raises(FrigateResponseError):
        ReviewItem.from_api(row)
    event = sample_json("events.json")[0]
    event["data"]["max_severity"] = "panic"
    with pytest.raises(FrigateResponseError):
        FrigateEvent.from_api(event)


def test_whole_numbers_accept_integral_floats_only() -> None:
    row = sample_json("recordings.json")[0]
    row["motion"] = 800.0
    assert RecordingSegment.from_api(row).motion == 800
    row["motion"] = 800.5
    with pytest.raises(FrigateResponseError):
        RecordingSegment.from_api(row)


# --- queries ---------------------------------------------------------------------------------


def test_event_query_defaults_always_limit() -> None:
    assert EventQuery().to_params() == {"limit": "100"}


def test_event_query_with_every_filter() -> None:
    query = EventQuery(
        cameras=("police_main_st", "parks_fountain"),
        labels=("person",),
        sub_labels=("Budi",),
        zones=("crosswalk",),
        after=10,
        before=20.5,
        limit=1000,
        has_clip=True,
        has_snapshot=False,
        in_progress=False,
        retained=True,
    )
    assert query.to_params() == {
        "cameras": "police_main_st,parks_fountain",
        "labels": "person",
        "sub_labels": "Budi",
        "zones": "crosswalk",
        "after": "10.0",
        "before": "20.5",
        "limit": "1000",
        "has_clip": "1",
        "has_snapshot": "0",
        "in_progress": "0",
        "favorites": "1",
    }


@pytest.mark.parametrize(
    "kwargs",
    [
        {"limit": 0},
        {"limit": 1001},
        {"after": 20, "before": 10},
        {"cameras": ("a,b",)},
        {"cameras": ("../config",)},
        {"cameras": ("",)},
        {"labels": ("",)},
        {"zones": ("a,b",)},
    ],
)
def test_bad_queries_are_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        EventQuery(**kwargs)
    review_kwargs = {k: v for k, v in kwargs.items() if k != "sub_labels"}
    with pytest.raises(ValueError):
        ReviewQuery(**review_kwargs)


@pytest.mark.parametrize("cameras", ["police_main_st", ["police_main_st"]])
def test_query_names_must_be_a_tuple(cameras: Any) -> None:
    with pytest.raises(TypeError):
        EventQuery(cameras=cameras)
    with pytest.raises(TypeError):
        ReviewQuery(cameras=cameras)


def test_review_query_always_sends_a_window_and_limit() -> None:
    params = ReviewQuery().to_params(now=100_000.0)
    assert params == {"after": str(100_000.0 - 86400), "before": "100000.0", "limit": "100"}
    explicit = ReviewQuery(
        cameras=("police_main_st",),
        labels=("car",),
        zones=("crosswalk",),
        severity=ReviewSeverity.DETECTION,
        reviewed=False,
        after=5,
        limit=7,
    ).to_params(now=50.0)
    assert explicit == {
        "cameras": "police_main_st",
        "labels": "car",
        "zones": "crosswalk",
        "after": "5.0",
        "before": "50.0",
        "limit": "7",
        "severity": "detection",
        "reviewed": "0",
    }
    only_before = ReviewQuery(before=1000.0).to_params(now=5.0)
    assert (only_before["after"], only_before["before"]) == (str(1000.0 - 86400), "1000.0")


# --- gaps derived for servers before 0.17 ----------------------------------------------------


def test_unavailable_ranges_join_empty_buckets() -> None:
    covered = [(100.0, 110.0), (110.0, 120.0), (200.0, 210.0)]
    gaps = unavailable_ranges(covered, after=40.0, before=300.0, scale=30)
    # buckets of 30 s from 40: [40,70) [70,100) empty, [100,130) recorded, [130,160) [160,190)
    # empty, [190,220) recorded, then empty to the end
    assert gaps == [TimeRange(40, 100), TimeRange(130, 190), TimeRange(220, 300)]


def test_unavailable_ranges_union_of_cameras_and_overlaps() -> None:
    covered = [(0.0, 50.0), (40.0, 95.0), (95.0, 130.0), (20.0, 30.0)]
    assert unavailable_ranges(covered, 0.0, 120.0, 30) == []
    assert unavailable_ranges([], 0.0, 61.0, 30) == [TimeRange(0, 61)]


# --- redaction -------------------------------------------------------------------------------


def test_redact_removes_credentials_tokens_and_known_secrets() -> None:
    text = (
        "rtsp://admin:hunter2@10.0.0.1:554/live token eyJhbGciOi.eyJzdWIiOiJh.c2ln "
        "Authorization: Bearer abc.def and pw=s3cret!"
    )
    cleaned = redact(text, "s3cret!", None, "")
    assert "hunter2" not in cleaned
    assert "admin:" not in cleaned
    assert "rtsp://*:*@10.0.0.1" in cleaned
    assert "eyJ" not in cleaned
    assert "abc.def" not in cleaned
    assert "s3cret!" not in cleaned


def test_server_message_is_short_and_single_line() -> None:
    message = server_message("line one\nline two " + "x" * 500)
    assert "\n" not in message
    assert len(message) == 200
    assert message.endswith("…")
