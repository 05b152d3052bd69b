"""Names from user input: valid Frigate names, unique, and YAML that means exactly the text."""

from __future__ import annotations

from hypothesis import given, strategies as st
import pytest
import yaml

from custom_components.ncc.configgen.names import (
    FRIGATE_NAME,
    MAX_FRIENDLY_LENGTH,
    MAX_NAME_LENGTH,
    RESERVED_NAMES,
    assign_camera_names,
    clean_text,
    env_names,
    frigate_name,
    yaml_quote,
    yaml_scalar,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('Lobby "Utama": {{x}}', "lobby_utama_x"),
        ("Simpang 4 (Arah Utara)", "simpang_4_arah_utara"),
        ("Café Kéren", "cafe_keren"),
        ("東京タワー", "camera"),  # nothing ASCII survives: the fallback
        ("!!!", "camera"),
        ("../../etc/passwd", "etc_passwd"),
    ],
)
def test_frigate_name_keeps_letters_and_digits_only(text: str, expected: str) -> None:
    assert frigate_name(text) == expected


@given(st.text())
def test_any_text_gives_a_valid_frigate_name(text: str) -> None:
    name = frigate_name(text)
    assert FRIGATE_NAME.match(name)
    assert 0 < len(name) <= MAX_NAME_LENGTH


@given(st.text())
def test_clean_text_is_one_printable_line(text: str) -> None:
    cleaned = clean_text(text)
    assert len(cleaned) <= MAX_FRIENDLY_LENGTH
    assert "\n" not in cleaned
    assert "\r" not in cleaned
    assert cleaned == cleaned.strip()
    assert not any(ord(char) < 32 or 0x7F <= ord(char) <= 0x9F for char in cleaned)
    assert not any(0xD800 <= ord(char) <= 0xDFFF for char in cleaned)


def test_clean_text_drops_bidi_controls_but_keeps_emoji_joiners() -> None:
    assert clean_text("abc\u202edef") == "abcdef"
    family = "\U0001f468\u200d\U0001f469"
    assert clean_text(f"Keluarga {family}\n kamera") == f"Keluarga {family} kamera"


@given(st.text())
def test_a_quoted_value_reads_back_as_the_same_text(text: str) -> None:
    expected = "".join("\ufffd" if 0xD800 <= ord(char) <= 0xDFFF else char for char in text)
    line = f"key: {yaml_scalar(text)}"
    assert "\n" not in line
    assert yaml.safe_load(line) == {"key": expected}


@pytest.mark.parametrize(
    "value", ["yes", "No", "null", "on", "123", "0x1F", "1e3", ".inf", "- a", "#x", "&a", "*a", "!!str",
              "a: b", "{{x}}", "[1]", "", " padded "]
)
def test_ambiguous_strings_stay_strings(value: str) -> None:
    assert yaml.safe_load(f"key: {yaml_scalar(value)}") == {"key": value}


def test_plain_names_are_written_bare_and_collections_in_flow_style() -> None:
    assert yaml_scalar("simpang_4") == "simpang_4"
    assert yaml_scalar(["person", "car"]) == "[person, car]"
    assert yaml_scalar({"device": "GPU", "count": 2, "n": 1}) == '{device: GPU, count: 2, "n": 1}'
    assert yaml_scalar(10.0) == "10"
    assert yaml_scalar(0.5) == "0.5"
    assert yaml_scalar(True) == "true"
    assert yaml_scalar(None) == "null"
    assert yaml_quote('a"b\\c') == '"a\\"b\\\\c"'


def test_lone_surrogates_become_replacement_characters() -> None:
    assert yaml_quote("a\ud800b") == '"a\\uFFFDb"'
    assert yaml.safe_load(f"k: {yaml_quote('a\ud800b')}") == {"k": "a\ufffdb"}


def test_objects_and_infinities_are_refused() -> None:
    with pytest.raises(ValueError, match="finite"):
        yaml_scalar(float("inf"))
    with pytest.raises(TypeError, match="object"):
        yaml_scalar(object())


def test_cameras_on_their_server_keep_their_names_others_get_unique_ones() -> None:
    names = assign_camera_names("dishub", [
        ("dishub/simpang_4", "Simpang 4"),
        ("registry/mall-lobby", "Simpang 4"),  # display name clashing with a kept name
        ("registry/mall-lobby-2", "SIMPANG 4"),  # case-insensitive clash too
        ("balaikota/simpang_4", "anything"),  # moved from another server, name taken here
        ("balaikota/gate", "Gate"),  # moved, name free
        ("registry/stats", "Stats"),  # Frigate's own MQTT topic
        ("dishub/birdseye", "Birdseye"),  # reserved even on its own server
    ])
    assert names["dishub/simpang_4"] == "simpang_4"
    assert names["balaikota/gate"] == "gate"
    assert names["registry/stats"] == "stats_camera"
    assert names["dishub/birdseye"] == "birdseye_camera"
    assert len({name.lower() for name in names.values()}) == len(names)
    assert all(name.lower() not in RESERVED_NAMES for name in names.values())
    assert {names["registry/mall-lobby"], names["registry/mall-lobby-2"],
            names["balaikota/simpang_4"]} == {"simpang_4_2", "simpang_4_3", "simpang_4_4"}


def test_long_names_stay_within_the_limit_when_numbered() -> None:
    long = "x" * 200
    names = assign_camera_names("s", [(f"registry/c{i}", long) for i in range(12)])
    assert all(len(name) <= MAX_NAME_LENGTH for name in names.values())
    assert len(set(names.values())) == 12


def test_environment_names_are_unique_even_when_names_differ_only_by_dash() -> None:
    stems = env_names({"a": "gate-1", "b": "gate_1", "c": "Gate_1"}, "FRIGATE_CAM_")
    assert sorted(stems.values()) == ["FRIGATE_CAM_GATE_1", "FRIGATE_CAM_GATE_1_2", "FRIGATE_CAM_GATE_1_3"]
