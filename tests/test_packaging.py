"""hacs.json and manifest.json against the rules HACS and hassfest apply (hassfest can't run offline)."""

from __future__ import annotations

import json
from pathlib import Path
import re

from awesomeversion import AwesomeVersion, AwesomeVersionStrategy

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components" / "ncc"
MANIFEST = json.loads((INTEGRATION / "manifest.json").read_text())
HACS = json.loads((ROOT / "hacs.json").read_text())

# the keys HACS accepts in hacs.json
HACS_KEYS = {
    "name", "content_in_root", "country", "filename", "hacs", "hide_default_branch",
    "homeassistant", "persistent_directory", "render_readme", "zip_release",
}
# hassfest's CUSTOM_INTEGRATION_MANIFEST_SCHEMA keys
MANIFEST_KEYS = {
    "domain", "name", "integration_type", "config_flow", "mqtt", "zeroconf", "ssdp", "bluetooth",
    "homekit", "dhcp", "usb", "documentation", "issue_tracker", "quality_scale", "requirements",
    "dependencies", "after_dependencies", "codeowners", "loggers", "disabled", "iot_class",
    "single_config_entry", "version", "import_executor",
}
IOT_CLASSES = {
    "assumed_state", "calculated", "cloud_polling", "cloud_push", "local_polling", "local_push",
}
INTEGRATION_TYPES = {"device", "entity", "hardware", "helper", "hub", "service", "system"}
MINIMUM_HA = "2025.4.0"


def test_hacs_json_uses_only_known_keys_and_names_the_minimum_ha() -> None:
    assert set(HACS) <= HACS_KEYS
    assert HACS["name"]
    assert AwesomeVersion(HACS["homeassistant"]) == AwesomeVersion(MINIMUM_HA)


def test_manifest_keys_and_values_follow_hassfest() -> None:
    assert set(MANIFEST) <= MANIFEST_KEYS
    assert MANIFEST["domain"] == INTEGRATION.name == "ncc"
    assert MANIFEST["name"]
    assert MANIFEST["iot_class"] in IOT_CLASSES
    assert MANIFEST["integration_type"] in INTEGRATION_TYPES
    assert MANIFEST["config_flow"] is True
    assert (INTEGRATION / "config_flow.py").is_file()
    assert MANIFEST["codeowners"]
    assert all(owner.startswith("@") for owner in MANIFEST["codeowners"])
    assert re.match(r"^https://", MANIFEST["documentation"])
    assert re.match(r"^https://", MANIFEST["issue_tracker"])
    version = AwesomeVersion(
        MANIFEST["version"],
        ensure_strategy=[AwesomeVersionStrategy.SEMVER, AwesomeVersionStrategy.CALVER],
    )
    assert version.valid
    # hassfest: a gold or platinum integration implements diagnostics
    assert (INTEGRATION / "diagnostics.py").is_file()


def test_manifest_keys_are_sorted_domain_name_then_alphabetical() -> None:
    keys = list(MANIFEST)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])


def test_requirements_are_pinned_or_bounded() -> None:
    for requirement in MANIFEST["requirements"]:
        assert re.search(r"(==|>=)", requirement), requirement
