"""Run a real Home Assistant with NCC, as the demo, the benchmark and end-to-end tests do.

HA is started with an explicit integration list (not `default_config`, which fetches packages at
start-up) and `--skip-pip`: every requirement is installed up front, constrained by HA's own
`package_constraints.txt`. Onboarding and config flows go through HA's public HTTP API, the way
the frontend does it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
import json
import os
from pathlib import Path
import secrets
import shutil
import signal
import subprocess
import time
from typing import Any
import urllib.error
import urllib.parse
import urllib.request

ROOT = Path(__file__).resolve().parent.parent
HA_VERSION = "2025.4.4"
CLIENT_ID = "http://127.0.0.1:8123/"

# What a command center needs, and nothing that downloads at start-up.
BASE_INTEGRATIONS = (
    "frontend", "config", "history", "logbook", "recorder", "automation", "script",
    "blueprint", "persistent_notification", "system_health", "mqtt",
)


def log(message: str) -> None:
    print(f"[ncc] {message}", flush=True)


def find_python313() -> str:
    for candidate in (
        shutil.which("python3.13"),
        str(Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions/3.13.0/bin/python3.13"),
    ):
        if candidate and Path(candidate).is_file():
            return candidate
    raise SystemExit("Python 3.13 not found (python3.13 on PATH or pyenv's 3.13.0)")


def ensure_ha_venv(venv: Path, integrations: Iterable[str] = BASE_INTEGRATIONS) -> Path:
    """A virtualenv with HA and every requirement of the listed integrations; returns its python."""
    python = venv / "bin" / "python"
    stamp = venv / ".ncc-ready"
    wanted = f"{HA_VERSION} {' '.join(sorted(integrations))} {' '.join(_ncc_requirements())}"
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    if not python.exists():
        log(f"creating {venv} (first run installs Home Assistant {HA_VERSION}: a few minutes)")
        subprocess.run(
            [find_python313(), "-m", "venv", str(venv)],
            check=True, env={**os.environ, "PYENV_VERSION": "3.13.0"},
        )
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, f"homeassistant=={HA_VERSION}"], check=True)
    site = subprocess.run(
        [str(python), "-c", "import homeassistant, os; print(os.path.dirname(homeassistant.__file__))"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    constraints = Path(site) / "package_constraints.txt"
    requirements = sorted(_requirements(Path(site) / "components", integrations))
    requirements += _ncc_requirements()
    log(f"installing {len(requirements)} integration requirements under HA's constraints")
    subprocess.run([*pip, "-c", str(constraints), *requirements], check=True)
    stamp.write_text(wanted)
    return python


def _requirements(components: Path, integrations: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    found: set[str] = set()
    todo = [*integrations, "camera", "sensor", "binary_sensor", "http", "websocket_api"]
    while todo:
        domain = todo.pop()
        if domain in seen:
            continue
        seen.add(domain)
        manifest_path = components / domain / "manifest.json"
        if not manifest_path.exists():
            continue
        manifest = json.loads(manifest_path.read_text())
        found.update(manifest.get("requirements", []))
        todo.extend(manifest.get("dependencies", []))
        todo.extend(manifest.get("after_dependencies", []))
    return found


def _ncc_requirements() -> list[str]:
    manifest = json.loads((ROOT / "custom_components/ncc/manifest.json").read_text())
    return list(manifest.get("requirements", []))


def write_config(
    config_dir: Path,
    *,
    port: int = 8123,
    integrations: Iterable[str] = BASE_INTEGRATIONS,
    extra_yaml: str = "",
) -> None:
    """configuration.yaml with an explicit integration list and NCC linked in."""
    config_dir.mkdir(parents=True, exist_ok=True)
    custom = config_dir / "custom_components"
    custom.mkdir(exist_ok=True)
    link = custom / "ncc"
    if not link.exists():
        link.symlink_to(ROOT / "custom_components" / "ncc")
    blueprints = config_dir / "blueprints" / "automation" / "ncc"
    if not blueprints.exists() and (ROOT / "blueprints/automation/ncc").is_dir():
        blueprints.parent.mkdir(parents=True, exist_ok=True)
        blueprints.symlink_to(ROOT / "blueprints/automation/ncc")
    lines = [
        "homeassistant:",
        "  name: NCC Command Center",
        "  time_zone: Asia/Jakarta",
        "  country: ID",
        "  language: id",
        "  latitude: -7.4726",
        "  longitude: 112.4381",
        "  unit_system: metric",
        "http:",
        "  server_host: 127.0.0.1",
        f"  server_port: {port}",
        "logger:",
        "  default: warning",
        "  logs:",
        "    custom_components.ncc: info",
    ]
    included = {"automation": "automations.yaml", "script": "scripts.yaml"}
    for domain in integrations:
        if domain == "mqtt":
            continue  # the broker is a config entry, created by the caller's flow
        lines.append(f"{domain}: !include {included[domain]}" if domain in included else f"{domain}:")
    text = "\n".join(lines) + "\n" + extra_yaml
    (config_dir / "configuration.yaml").write_text(text)
    for name in ("automations.yaml", "scripts.yaml"):
        path = config_dir / name
        if not path.exists():
            path.write_text("[]\n")
    # The location comes from configuration.yaml above. Finishing onboarding's core_config step
    # by API would add met, radio_browser, google_translate and shopping_list, which fetch from
    # the internet (and whose packages --skip-pip does not install): mark that step, and the
    # analytics step, done before the first start instead.
    onboarding = config_dir / ".storage" / "onboarding"
    if not onboarding.exists():
        onboarding.parent.mkdir(exist_ok=True)
        onboarding.write_text(json.dumps({
            "version": 4, "minor_version": 1, "key": "onboarding",
            "data": {"done": ["core_config", "analytics"]},
        }))


@dataclass
class RunningHA:
    process: subprocess.Popen[bytes]
    url: str
    log_path: Path

    def stop(self, timeout: float = 30.0) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_hass(python: Path, config_dir: Path, *, port: int = 8123, timeout: float = 180.0) -> RunningHA:
    log_path = config_dir / "hass.out"
    out = log_path.open("ab")
    hass = python.parent / "hass"
    process = subprocess.Popen(
        [str(hass), "-c", str(config_dir), "--skip-pip", "--log-no-color"],
        stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    running = RunningHA(process, url, log_path)
    try:
        _wait_until_answering(running, timeout)
    except BaseException:
        # Ctrl-C or a failure while waiting: the caller never gets the process, so stop it here
        running.stop()
        raise
    return running


def _wait_until_answering(running: RunningHA, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if running.process.poll() is not None:
            raise RuntimeError(f"hass exited with {running.process.returncode}; see {running.log_path}")
        try:
            with urllib.request.urlopen(f"{running.url}/manifest.json", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"hass did not answer within {timeout:.0f} s; see {running.log_path}")


def simulator_servers(process: subprocess.Popen[bytes]) -> list[dict[str, str]] | None:
    """The servers a starting `python -m frigate_sim` announces on stdout (`server NAME URL k=v ...`),
    once it prints `ready`; None if it exits first."""
    servers: list[dict[str, str]] = []
    assert process.stdout is not None
    for raw in process.stdout:
        line = raw.decode().strip()
        if line.startswith("server "):
            _, name, url, *rest = line.split()
            servers.append({"name": name, "url": url, **dict(item.split("=", 1) for item in rest)})
        elif line == "ready":
            return servers
    return None


def http_json(
    method: str, url: str, body: Any = None, *, token: str | None = None, form: bool = False,
    timeout: float = 60.0,
) -> Any:
    headers = {}
    data = None
    if body is not None:
        if form:
            data = urllib.parse.urlencode(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        raw = response.read()
    return json.loads(raw) if raw else None


@dataclass
class Credentials:
    username: str
    password: str
    refresh_token: str
    access_token: str


def onboard(url: str, username: str = "admin", password: str | None = None) -> Credentials:
    """Create the owner account and finish onboarding the way the frontend does."""
    password = password or secrets.token_urlsafe(12)
    result = http_json("POST", f"{url}/api/onboarding/users", {
        "client_id": CLIENT_ID, "name": "NCC Administrator", "username": username,
        "password": password, "language": "en",
    })
    tokens = http_json("POST", f"{url}/auth/token", {
        "grant_type": "authorization_code", "code": result["auth_code"], "client_id": CLIENT_ID,
    }, form=True)
    access = tokens["access_token"]
    done = {step["step"] for step in http_json("GET", f"{url}/api/onboarding") if step["done"]}
    for step in ("core_config", "analytics"):
        if step not in done:
            http_json("POST", f"{url}/api/onboarding/{step}", {}, token=access)
    http_json("POST", f"{url}/api/onboarding/integration",
              {"client_id": CLIENT_ID, "redirect_uri": f"{CLIENT_ID}?auth_callback=1"}, token=access)
    return Credentials(username, password, tokens["refresh_token"], access)


def login(url: str, username: str, password: str) -> str:
    """A fresh access token for an existing user."""
    flow = http_json("POST", f"{url}/auth/login_flow", {
        "client_id": CLIENT_ID, "handler": ["homeassistant", None],
        "redirect_uri": f"{CLIENT_ID}?auth_callback=1",
    })
    result = http_json("POST", f"{url}/auth/login_flow/{flow['flow_id']}", {
        "client_id": CLIENT_ID, "username": username, "password": password,
    })
    tokens = http_json("POST", f"{url}/auth/token", {
        "grant_type": "authorization_code", "code": result["result"], "client_id": CLIENT_ID,
    }, form=True)
    return str(tokens["access_token"])


def run_config_flow(url: str, token: str, steps: list[dict[str, Any]]) -> dict[str, Any]:
    """Start NCC's config flow and answer each form in turn; returns the final result."""
    result = http_json("POST", f"{url}/api/config/config_entries/flow",
                       {"handler": "ncc", "show_advanced_options": False}, token=token)
    for answer in steps:
        if result.get("type") != "form":
            break
        result = http_json("POST", f"{url}/api/config/config_entries/flow/{result['flow_id']}",
                           answer, token=token)
    if result.get("type") != "create_entry":
        raise RuntimeError(f"config flow did not create an entry: {result}")
    return dict(result)


def config_entries(url: str, token: str) -> list[dict[str, Any]]:
    return list(http_json("GET", f"{url}/api/config/config_entries/entry?domain=ncc", token=token))
