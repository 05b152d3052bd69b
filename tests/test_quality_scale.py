"""quality_scale.yaml lists every rule of the 2025.4 scale, and what it claims holds."""

from __future__ import annotations

import json
from pathlib import Path
import re

import yaml

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components" / "ncc"
DECLARED = yaml.safe_load((INTEGRATION / "quality_scale.yaml").read_text())["rules"]
README = (ROOT / "README.md").read_text()

TIERS = {
    "bronze": [
        "action-setup", "appropriate-polling", "brands", "common-modules", "config-flow",
        "config-flow-test-coverage", "dependency-transparency", "docs-actions",
        "docs-high-level-description", "docs-installation-instructions",
        "docs-removal-instructions", "entity-event-setup", "entity-unique-id", "has-entity-name",
        "runtime-data", "test-before-configure", "test-before-setup", "unique-config-entry",
    ],
    "silver": [
        "action-exceptions", "config-entry-unloading", "docs-configuration-parameters",
        "docs-installation-parameters", "entity-unavailable", "integration-owner",
        "log-when-unavailable", "parallel-updates", "reauthentication-flow", "test-coverage",
    ],
    "gold": [
        "devices", "diagnostics", "discovery", "discovery-update-info", "docs-data-update",
        "docs-examples", "docs-known-limitations", "docs-supported-devices",
        "docs-supported-functions", "docs-troubleshooting", "docs-use-cases", "dynamic-devices",
        "entity-category", "entity-device-class", "entity-disabled-by-default",
        "entity-translations", "exception-translations", "icon-translations",
        "reconfiguration-flow", "repair-issues", "stale-devices",
    ],
    "platinum": ["async-dependency", "inject-websession", "strict-typing"],
}
# README sections the documentation rules ask for
DOC_SECTIONS = {
    "docs-installation-instructions": "Installation",
    "docs-configuration-parameters": "Configuration parameters",
    "docs-actions": "Actions",
    "docs-data-update": "Data updates",
    "docs-examples": "Examples",
    "docs-known-limitations": "Known limitations",
    "docs-supported-functions": "Supported functions",
    "docs-supported-devices": "Supported devices",
    "docs-troubleshooting": "Troubleshooting",
    "docs-removal-instructions": "Removal",
    "docs-use-cases": "Use cases",
}


def status(rule: str) -> str:
    value = DECLARED[rule]
    return value if isinstance(value, str) else value["status"]


def test_every_rule_is_listed_once_and_nothing_else() -> None:
    every = [rule for rules in TIERS.values() for rule in rules]
    assert len(every) == len(set(every)) == 52
    assert set(DECLARED) == set(every)


def test_no_todo_below_platinum_and_exemptions_give_a_reason() -> None:
    for tier in ("bronze", "silver", "gold", "platinum"):
        for rule in TIERS[tier]:
            assert status(rule) in {"done", "exempt", "todo"}, rule
            if tier != "platinum":
                assert status(rule) != "todo", rule
            if status(rule) == "exempt":
                assert DECLARED[rule]["comment"].strip(), rule


def test_documentation_rules_have_their_readme_sections() -> None:
    headings = set(re.findall(r"^#+ (.+)$", README, re.MULTILINE))
    for rule, section in DOC_SECTIONS.items():
        if status(rule) == "done":
            assert section in headings, f"{rule}: README needs a '{section}' section"


def test_brand_icon_and_typing_marker_ship_with_the_integration() -> None:
    assert (INTEGRATION / "brand" / "icon.png").stat().st_size > 0
    assert (INTEGRATION / "py.typed").exists()


def test_the_dependency_rules_name_every_requirement_and_the_bundled_client() -> None:
    requirements = json.loads((INTEGRATION / "manifest.json").read_text())["requirements"]
    comment = DECLARED["dependency-transparency"]["comment"]
    for requirement in requirements:
        assert re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0] in comment, requirement
    # the client the comment speaks of ships inside the integration, not as a requirement
    assert "custom_components/ncc/frigate" in comment
    assert (INTEGRATION / "frigate" / "client.py").is_file()
    assert not any("frigate" in requirement.lower() for requirement in requirements)
