"""What hassfest would check, checked here because hassfest cannot run offline.

Translations (strings.json is English; en and id carry the same keys and placeholders), icons,
services.yaml against the actions' schemas, imports of other integrations against the
manifest, and CONFIG_SCHEMA with async_setup.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
import re
from typing import Any

from homeassistant.const import Platform
import yaml

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components" / "ncc"
MANIFEST = json.loads((INTEGRATION / "manifest.json").read_text())
STRINGS = json.loads((INTEGRATION / "strings.json").read_text())
EN = json.loads((INTEGRATION / "translations" / "en.json").read_text())
ID = json.loads((INTEGRATION / "translations" / "id.json").read_text())
ICONS = json.loads((INTEGRATION / "icons.json").read_text())
SERVICES_YAML = yaml.safe_load((INTEGRATION / "services.yaml").read_text()) or {}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            flat.update(flatten(value, path))
        else:
            flat[path] = value
    return flat


def python_sources() -> list[Path]:
    return sorted(p for p in INTEGRATION.rglob("*.py") if "frontend" not in p.parts)


def test_english_translation_is_strings_json() -> None:
    assert EN == STRINGS


def test_indonesian_has_exactly_the_english_keys_and_placeholders() -> None:
    english, indonesian = flatten(EN), flatten(ID)
    assert sorted(set(english) ^ set(indonesian)) == []
    for key, text in english.items():
        assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(indonesian[key])), key
        assert indonesian[key].strip(), key


def test_every_translation_is_a_non_empty_string() -> None:
    for key, text in flatten(STRINGS).items():
        assert isinstance(text, str), key
        assert text.strip(), key
        assert "[%key:" not in text, f"{key}: custom integrations ship resolved strings"


def translation_keys_used(kind: str) -> set[str]:
    """Literal translation_key="..." values in the code for `kind` (exceptions or issues)."""
    found: set[str] = set()
    for path in python_sources():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                keywords = {kw.arg: kw.value for kw in node.keywords}
                key = keywords.get("translation_key")
                domain = keywords.get("translation_domain")
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    func = ast.unparse(node.func)
                    is_issue = "create_issue" in func
                    if (kind == "issues") == is_issue and (is_issue or domain is not None):
                        found.add(key.value)
    return found


def test_every_exception_and_issue_key_in_the_code_is_translated() -> None:
    assert translation_keys_used("exceptions") <= set(STRINGS["exceptions"])
    assert translation_keys_used("issues") <= set(STRINGS.get("issues", {}))


def test_every_domain_error_key_is_translated() -> None:
    from enum import StrEnum
    import importlib

    keys: set[str] = set()
    for path in sorted((INTEGRATION / "core").glob("*.py")):
        module = importlib.import_module(f"custom_components.ncc.core.{path.stem}")
        for value in vars(module).values():
            if (
                isinstance(value, type) and issubclass(value, StrEnum) and value is not StrEnum
                and value.__module__ == module.__name__ and value.__name__.endswith("Key")
            ):
                keys.update(member.value for member in value)
    assert keys
    assert sorted(keys - set(STRINGS["exceptions"])) == []


def test_entity_translation_keys_have_names_and_icons() -> None:
    used: dict[str, set[str]] = {}
    for path in python_sources():
        for match in re.finditer(r'translation_key\s*=\s*"(\w+)"', path.read_text()):
            used.setdefault(path.stem, set()).add(match.group(1))
    entity = STRINGS["entity"]
    for platform in ("sensor", "binary_sensor", "camera"):
        for key in used.get(platform, set()) & set(entity.get(platform, {})):
            assert entity[platform][key].get("name"), f"{platform}.{key}"
    for platform, keys in ICONS.get("entity", {}).items():
        for key, icon in keys.items():
            assert key in entity[platform], f"icon for unknown {platform}.{key}"
            assert icon["default"].startswith("mdi:")
            for state_icon in icon.get("state", {}).values():
                assert state_icon.startswith("mdi:")


def test_services_yaml_strings_and_icons_agree() -> None:
    described = STRINGS.get("services", {})
    assert set(SERVICES_YAML) == set(described)
    for name, body in SERVICES_YAML.items():
        fields = (body or {}).get("fields", {})
        assert set(fields) == set(described[name].get("fields", {})), name
        assert described[name]["name"]
        assert described[name]["description"]
        for field in fields.values():
            assert "selector" in field
            options = field["selector"].get("select", {})
            if key := options.get("translation_key"):
                labels = STRINGS["selector"][key]["options"]
                assert set(labels) == set(options["options"]), key
    for name in ICONS.get("services", {}):
        assert name in SERVICES_YAML


def test_imported_integrations_are_declared_in_the_manifest() -> None:
    declared = set(MANIFEST.get("dependencies", [])) | set(MANIFEST.get("after_dependencies", []))
    platforms = {platform.value for platform in Platform}
    imported: dict[str, str] = {}
    for path in python_sources():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                if name.startswith("homeassistant.components."):
                    component = name.split(".")[2]
                    imported.setdefault(component, str(path.relative_to(ROOT)))
    missing = {
        component: where for component, where in imported.items()
        if component not in declared and component not in platforms
    }
    assert missing == {}


def test_config_schema_with_async_setup() -> None:
    tree = ast.parse((INTEGRATION / "__init__.py").read_text())
    names = {
        target.id for node in tree.body if isinstance(node, ast.Assign)
        for target in node.targets if isinstance(target, ast.Name)
    }
    functions = {node.name for node in tree.body if isinstance(node, ast.AsyncFunctionDef)}
    assert "CONFIG_SCHEMA" in names
    assert {"async_setup", "async_setup_entry", "async_unload_entry"} <= functions


def test_platform_modules_declare_parallel_updates() -> None:
    platforms = [p for p in INTEGRATION.glob("*.py") if p.stem in {pl.value for pl in Platform}]
    assert platforms
    for path in platforms:
        assert "PARALLEL_UPDATES" in path.read_text(), path.name
