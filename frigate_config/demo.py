"""The demo city's Frigate servers, run by the simulator from generated configs."""

from __future__ import annotations

from pathlib import Path

from custom_components.ncc.configgen import generate_configs, write_generation

from .registry_file import inventory_text, load_registry

DEMO_CITY = Path(__file__).resolve().parent / "demo_city"
DEMO_INVENTORY = DEMO_CITY / "inventory.yaml"


def generate_demo_configs(out_dir: Path) -> list[Path]:
    """Write `<out_dir>/<server>/config.yml` for the demo's servers, in the inventory's order.

    No .env files: the simulator needs no credentials, and the demo has none.
    """
    registry = load_registry(DEMO_INVENTORY.read_text(encoding="utf-8"))
    return write_generation(generate_configs(registry.city_input()), out_dir, write_env=False)


def write_demo_inventory(path: Path) -> Path:
    """The demo city's agencies, sites and cameras as a file `ncc.import_inventory` accepts."""
    path.write_text(inventory_text(DEMO_INVENTORY.read_text(encoding="utf-8")), encoding="utf-8")
    return path
