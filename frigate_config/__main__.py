"""Command line: Frigate configs and storage plans from a city registry file.

    python -m frigate_config generate --registry FILE --out DIR [--templates DIR] [--no-env]
    python -m frigate_config plan --registry FILE [--json OUT] [--target-days N]
        [--record-mode PATTERN=MODE ...] [--rebalance] [--measured SERVER=FILE ...]
    python -m frigate_config check CONFIG.yml ...

Exit codes: 0 done, 1 a generated or checked config is invalid, 2 bad arguments or registry.
See frigate_config/README.md.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
import json
import os
from pathlib import Path
import sys
import time
from typing import Any, TextIO

from custom_components.ncc.configgen import (
    CityPlan,
    ConfigGenKey,
    RecordMode,
    apply_record_modes,
    capacity_for,
    compare_plans,
    generate_configs,
    plan_city,
    validate_config,
    write_generation,
)
from custom_components.ncc.configgen.names import assign_camera_names, clean_text
from custom_components.ncc.configgen.planner import planned_cameras
from custom_components.ncc.configgen.render import place_cameras
from custom_components.ncc.core.errors import NccError
from custom_components.ncc.core.inventory import InventoryError

from .registry_file import RegistryFile, load_registry

TRANSLATIONS = (
    Path(__file__).resolve().parent.parent / "custom_components" / "ncc" / "translations" / "en.json"
)


class UsageError(Exception):
    """Bad arguments or files: reported on stderr, exit code 2."""


def _messages() -> Mapping[str, str]:
    try:
        data = json.loads(TRANSLATIONS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {key: value.get("message", "") for key, value in data.get("exceptions", {}).items()}


def describe(key: str, placeholders: Mapping[str, str]) -> str:
    """An error in English, as the integration would show it."""
    template = _messages().get(key)
    if template:
        try:
            return template.format(**placeholders)
        except (KeyError, IndexError, ValueError):
            pass
    details = ", ".join(f"{name}={value}" for name, value in placeholders.items())
    return f"{key} ({details})" if details else key


def _read_registry(path: Path, environ: Mapping[str, str] | None) -> RegistryFile:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise UsageError(f"cannot read {path}: {err.strerror}") from err
    try:
        return load_registry(text, environ)
    except InventoryError as err:
        lines = [f"{path}: {len(err.rows)} problem(s)"]
        lines += [
            f"  line {row.line}{f' ({row.field})' if row.field else ''}: "
            f"{describe(str(row.message_key), row.placeholders)}"
            for row in err.rows
        ]
        raise UsageError("\n".join(lines)) from err


def _pairs(values: Sequence[str], option: str) -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        left, separator, right = value.partition("=")
        if not separator or not left or not right:
            raise UsageError(f"{option} takes NAME=VALUE, got {value!r}")
        pairs.append((left, right))
    return pairs


def _measured(registry: RegistryFile, options: Sequence[str]) -> dict[str, float]:
    """Bandwidth per camera id from saved `/api/recordings/storage` answers (SERVER=FILE).

    Frigate keys that answer by camera name, or by friendly name where one is set.
    """
    city = registry.city_input()
    placement = place_cameras(city)
    measured: dict[str, float] = {}
    for server_id, file in _pairs(options, "--measured"):
        if server_id not in city.server_ids:
            raise UsageError(f"--measured: no server {server_id} in the registry")
        try:
            answer = json.loads(Path(file).read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise UsageError(f"--measured: cannot read {file}: {err}") from err
        streams = [stream for stream in city.streams if placement[stream.camera_id] == server_id]
        names = assign_camera_names(server_id, ((s.camera_id, s.name) for s in streams))
        labels = {name: camera_id for camera_id, name in names.items()}
        labels |= {clean_text(s.name): s.camera_id for s in streams}
        for label, row in (answer.items() if isinstance(answer, dict) else []):
            bandwidth = row.get("bandwidth") if isinstance(row, dict) else None
            if label in labels and isinstance(bandwidth, int | float) and bandwidth > 0:
                measured[labels[label]] = float(bandwidth)
    return measured


def _record_modes(options: Sequence[str]) -> dict[str, RecordMode]:
    modes = {}
    for pattern, mode in _pairs(options, "--record-mode"):
        if mode not in tuple(RecordMode):
            raise UsageError(f"--record-mode: {mode} is not one of {', '.join(RecordMode)}")
        modes[pattern] = RecordMode(mode)
    return modes


def _days(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def print_plan(plan: CityPlan, registry: RegistryFile, out: TextIO) -> None:
    policies = {policy.server_id: policy for policy in registry.servers}
    header = ("server", "cams", "Mbit/s", "disk GB", "need GB", "policy d", "kept d", "detect %",
              "target GB")
    rows = [header]
    for server in plan.servers:
        rows.append((
            server.server_id,
            str(len(server.cameras)),
            f"{server.to_dict()['bandwidth_mbit_s']:.1f}",
            "-" if server.disk_gb is None else f"{server.disk_gb:.0f}",
            f"{server.need_gb:.0f}",
            _days(policies[server.server_id].retention_for(None).footage_days),
            _days(server.days_kept),
            f"{100 * server.detection_utilisation:.0f}",
            "-" if server.disk_for_target_gb is None else f"{server.disk_for_target_gb:.0f}",
        ))
    widths = [max(len(row[index]) for row in rows) for index in range(len(header))]
    for row in rows:
        out.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        out.write("\n")
    if plan.moved:
        out.write(f"proposal moves {len(plan.moved)} camera(s): {', '.join(plan.moved)}\n")


def cmd_generate(args: argparse.Namespace, out: TextIO) -> int:
    registry = _read_registry(args.registry, os.environ)
    if not args.no_env and registry.missing_secrets:
        raise UsageError(
            "set these environment variables (the registry refers to them) or pass --no-env: "
            + ", ".join(sorted(registry.missing_secrets))
        )
    started = time.perf_counter()
    generation = generate_configs(
        registry.city_input(), templates=args.templates,
        measured=_measured(registry, args.measured),
    )
    paths = write_generation(generation, args.out, write_env=not args.no_env)
    for server, path in zip(generation.servers, paths, strict=True):
        out.write(f"server {server.server_id} {path} cameras={len(server.cameras)}\n")
        for warning in server.warnings:
            out.write(f"  warning: {warning}\n")
    for server_id in generation.empty_servers:
        out.write(f"server {server_id} has no cameras: nothing written\n")
    out.write(f"generated in {time.perf_counter() - started:.2f} s\n")
    return 0


def cmd_plan(args: argparse.Namespace, out: TextIO) -> int:
    registry = _read_registry(args.registry, None)
    city = registry.city_input()
    capacities = [capacity_for(policy) for policy in city.servers]
    cameras = planned_cameras(city, _measured(registry, args.measured))
    plan = plan_city(capacities, cameras, target_days=args.target_days, rebalance=args.rebalance)
    print_plan(plan, registry, out)
    report: dict[str, Any] = {"plan": plan.to_dict()}
    modes = _record_modes(args.record_mode)
    if modes:
        scenario = plan_city(
            capacities, apply_record_modes(cameras, modes), target_days=args.target_days,
            rebalance=args.rebalance,
        )
        out.write(f"\nwith {', '.join(f'{key}={value}' for key, value in modes.items())}:\n")
        print_plan(scenario, registry, out)
        report["scenario"] = {
            "record_modes": {key: value.value for key, value in modes.items()},
            "plan": scenario.to_dict(),
            "comparison": compare_plans(plan, scenario),
        }
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        out.write(f"plan written to {args.json}\n")
    return 0


def cmd_check(args: argparse.Namespace, out: TextIO) -> int:
    failed = False
    for path in args.configs:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as err:
            raise UsageError(f"cannot read {path}: {err.strerror}") from err
        check = validate_config(text)
        out.write(f"{path}: {len(check.errors)} error(s), {len(check.warnings)} warning(s)\n")
        for problem in check.errors:
            out.write(f"  error: {problem.path}: {problem.message}\n")
        for problem in check.warnings:
            out.write(f"  warning: {problem.path}: {problem.message}\n")
        failed = failed or bool(check.errors)
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m frigate_config", description="Frigate configs and storage plans for NCC."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    generate = commands.add_parser("generate", help="write one config.yml (and .env) per server")
    generate.add_argument("--registry", type=Path, required=True, help="the city registry file")
    generate.add_argument("--out", type=Path, required=True, help="directory for <server>/config.yml")
    generate.add_argument("--templates", type=Path, help="a directory of templates overriding NCC's")
    generate.add_argument("--no-env", action="store_true", help="write no .env files (examples)")
    generate.add_argument("--measured", action="append", default=[], metavar="SERVER=FILE",
                          help="a saved /api/recordings/storage answer of SERVER (placement)")
    plan = commands.add_parser("plan", help="days each server keeps, disk for more, a proposal")
    plan.add_argument("--registry", type=Path, required=True)
    plan.add_argument("--json", type=Path, help="also write the plan as JSON here")
    plan.add_argument("--target-days", type=float, help="disk each server needs to keep this long")
    plan.add_argument("--record-mode", action="append", default=[], metavar="PATTERN=MODE",
                      help="what if cameras matching PATTERN (glob on ids) recorded "
                           "continuous, motion or alerts only")
    plan.add_argument("--rebalance", action="store_true", help="propose moving any camera")
    plan.add_argument("--measured", action="append", default=[], metavar="SERVER=FILE",
                      help="a saved /api/recordings/storage answer of SERVER")
    check = commands.add_parser("check", help="check config.yml files against Frigate's rules")
    check.add_argument("configs", type=Path, nargs="+")
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    args = build_parser().parse_args(argv)
    handlers = {"generate": cmd_generate, "plan": cmd_plan, "check": cmd_check}
    try:
        return handlers[args.command](args, out)
    except UsageError as error:
        err.write(f"{error}\n")
        return 2
    except NccError as error:
        message = describe(str(error.key), error.placeholders)
        err.write(f"{message}\n")
        invalid_output = error.key in (ConfigGenKey.CONFIG_INVALID, ConfigGenKey.TEMPLATE_FAILED)
        return 1 if invalid_output else 2


if __name__ == "__main__":
    sys.exit(main())
