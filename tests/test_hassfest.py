"""What hassfest would check, checked here because hassfest cannot run offline.

Translations (strings.json is English; en and id carry the same keys and placeholders; every
entity's translation key is there), icons (every action has one), services.yaml against the
registered actions and their schemas, imports of other integrations against the manifest,
CONFIG_SCHEMA with async_setup, and the HA-free packages (core, frigate, configgen) free of
Home Assistant.
"""

from __future__ import annotations

import ast
from functools import cache
import importlib
import json
from pathlib import Path
import re
from types import ModuleType
from typing import Any

from homeassistant.const import Platform
from homeassistant.helpers.entity import EntityDescription
import voluptuous as vol
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


PLATFORMS = {platform.value for platform in Platform}
HA_FREE_PACKAGES = ("core", "frigate", "configgen")


@cache
def syntax_tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text())


@cache
def integration_modules() -> list[ModuleType]:
    """Every module of the integration, imported."""
    return [
        importlib.import_module(
            ".".join(("custom_components", "ncc", *path.relative_to(INTEGRATION).with_suffix("").parts))
            .removesuffix(".__init__")
        )
        for path in python_sources()
    ]


def platform_of(cls: type) -> str | None:
    """The entity platform a description or entity class belongs to (its HA base's package)."""
    for base in cls.__mro__:
        parts = base.__module__.split(".")
        if parts[:2] == ["homeassistant", "components"] and len(parts) > 2 and parts[2] in PLATFORMS:
            return parts[2]
    return None


def descriptions_in(value: object) -> list[EntityDescription]:
    if isinstance(value, EntityDescription):
        return [value]
    if isinstance(value, tuple | list):
        return [item for element in value for item in descriptions_in(element)]
    return []


def entity_class_attributes(module: ModuleType, attribute: str) -> dict[type, object]:
    """`attribute` as each entity class of `module` sets it in its body, evaluated there."""
    found: dict[type, object] = {}
    for node in syntax_tree(Path(str(module.__file__))).body:
        if not isinstance(node, ast.ClassDef):
            continue
        cls = getattr(module, node.name)
        for statement in node.body:
            targets = (
                statement.targets if isinstance(statement, ast.Assign)
                else [statement.target] if isinstance(statement, ast.AnnAssign) and statement.value
                else []
            )
            if any(isinstance(t, ast.Name) and t.id == attribute for t in targets):
                value = statement.value
                assert value is not None
                found[cls] = eval(compile(ast.Expression(value), str(module.__file__), "eval"), vars(module))
    return found


def entity_translation_keys() -> set[tuple[str, str]]:
    """(platform, key) of every entity description and entity class in the integration.

    Descriptions are collected as objects (module-level, also those built by functions such as
    a key per tier), entity classes from their bodies; literal keys passed to a description
    anywhere are collected from the source too, so one built inside a function is not missed.
    """
    keys: set[tuple[str, str]] = set()
    for module in integration_modules():
        for value in vars(module).values():
            for description in descriptions_in(value):
                platform = platform_of(type(description))
                if description.translation_key and platform:
                    keys.add((platform, description.translation_key))
        for cls, key in entity_class_attributes(module, "_attr_translation_key").items():
            if (platform := platform_of(cls)) and isinstance(key, str):
                keys.add((platform, key))
        for node in ast.walk(syntax_tree(Path(str(module.__file__)))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            called = getattr(module, node.func.id, None)
            if not (isinstance(called, type) and issubclass(called, EntityDescription)):
                continue
            for keyword in node.keywords:
                if (
                    keyword.arg == "translation_key" and isinstance(keyword.value, ast.Constant)
                    and (platform := platform_of(called))
                ):
                    keys.add((platform, str(keyword.value.value)))
    return keys


def test_every_entity_translation_key_is_translated_with_a_name() -> None:
    used = entity_translation_keys()
    # the collection sees descriptions of every kind: literal, per server, per agency, built
    assert {platform for platform, _key in used} >= {"sensor", "binary_sensor", "camera"}
    entity = STRINGS["entity"]
    missing = sorted(f"{platform}.{key}" for platform, key in used if key not in entity.get(platform, {}))
    assert missing == []
    for platform, key in used:
        assert entity[platform][key].get("name"), f"{platform}.{key} has no name"


def test_enum_sensor_states_are_translated() -> None:
    checked = 0
    for module in integration_modules():
        options = entity_class_attributes(module, "_attr_options")
        keys = entity_class_attributes(module, "_attr_translation_key")
        for cls, values in options.items():
            key, platform = keys[cls], platform_of(cls)
            assert isinstance(values, list | tuple)
            states = STRINGS["entity"][str(platform)][str(key)].get("state", {})
            assert sorted(set(values) - set(states)) == [], f"{platform}.{key}"
            checked += 1
    assert checked  # the server status sensor at least


def test_entity_icons_name_known_entities() -> None:
    entity = STRINGS["entity"]
    for platform, keys in ICONS.get("entity", {}).items():
        for key, icon in keys.items():
            assert key in entity[platform], f"icon for unknown {platform}.{key}"
            assert icon["default"].startswith("mdi:")
            for state_icon in icon.get("state", {}).values():
                assert state_icon.startswith("mdi:")


def registered_services() -> dict[str, dict[str, bool]]:
    """Each registered action's fields, and whether each is required, from its schema."""
    from custom_components.ncc.services import SERVICES

    fields: dict[str, dict[str, bool]] = {}
    for service in SERVICES:
        schema = service.schema.schema
        assert isinstance(schema, dict), f"{service.name}: schema is not a mapping of fields"
        fields[service.name] = {
            str(marker.schema): isinstance(marker, vol.Required) for marker in schema
        }
    return fields


def test_services_yaml_lists_exactly_the_registered_actions_and_their_fields() -> None:
    registered = registered_services()
    assert sorted(set(SERVICES_YAML) - set(registered)) == [], "described but not registered"
    assert sorted(set(registered) - set(SERVICES_YAML)) == [], "registered but not described"
    for name, fields in registered.items():
        described = (SERVICES_YAML[name] or {}).get("fields", {})
        assert sorted(set(described) ^ set(fields)) == [], name
        for field, required in fields.items():
            assert bool(described[field].get("required", False)) is required, f"{name}.{field}"


def test_services_yaml_strings_and_selectors_agree() -> None:
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


def test_every_action_has_a_service_icon() -> None:
    icons = ICONS.get("services", {})
    assert sorted(set(registered_services()) ^ set(icons)) == []
    for name, icon in icons.items():
        assert isinstance(icon, dict), name
        assert set(icon) <= {"service", "sections"}, name
        assert isinstance(icon["service"], str), name
        assert re.fullmatch(r"mdi:[a-z0-9]+(-[a-z0-9]+)*", icon["service"]), name


def imported_modules(path: Path) -> list[str]:
    """The absolute names of the modules `path` imports, relative imports resolved."""
    package = ".".join(("custom_components", "ncc", *path.relative_to(INTEGRATION).parent.parts))
    names: list[str] = []
    for node in ast.walk(syntax_tree(path)):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            names.append(module)
    return names


def test_core_frigate_and_configgen_never_import_home_assistant() -> None:
    allowed = tuple(f"custom_components.ncc.{package}" for package in HA_FREE_PACKAGES)
    offenders: list[str] = []
    sources = [path for package in HA_FREE_PACKAGES for path in (INTEGRATION / package).rglob("*.py")]
    assert len(sources) > len(HA_FREE_PACKAGES)
    for path in sources:
        for name in imported_modules(path):
            # directly, or through a module of the integration outside the HA-free packages
            ha = name == "homeassistant" or name.startswith("homeassistant.")
            escapes = name.startswith("custom_components.") and not name.startswith(allowed)
            if ha or escapes:
                offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert offenders == []


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
