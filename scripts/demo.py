"""The NCC demo: a simulated city (Frigate servers + MQTT broker) and a real Home Assistant.

Run through `scripts/demo`. Everything started here stops on Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
from pathlib import Path
import shutil
import signal
import socket
import subprocess
import sys
import time
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts import realha

ROOT = realha.ROOT
STATE = ROOT / ".demo"
DEMO_SERVERS = (
    # server name, owning agency code
    ("balaikota", "DISKOMINFO"),
    ("dishub", "DISHUB"),
    ("alun_alun", "SATPOLPP"),
)
DEMO_INVENTORY = ROOT / "frigate_config" / "demo_city" / "inventory.yaml"
SIM_BASE_PORT = 15001
MQTT_PORT = 18830


def free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def start_mosquitto(state: Path, children: list[subprocess.Popen[bytes]]) -> bool:
    """Start a private broker; it joins `children` at once so Ctrl-C during start-up stops it."""
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not Path(binary).exists():
        realha.log("mosquitto not installed: alerts will arrive by polling instead of MQTT")
        return False
    conf = state / "mosquitto.conf"
    conf.write_text(f"listener {MQTT_PORT} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    process = subprocess.Popen(
        [binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    children.append(process)
    for _ in range(50):
        if not free(MQTT_PORT):
            return True
        time.sleep(0.1)
    raise RuntimeError("mosquitto did not start")


def start_simulator(
    python: str, mqtt: bool, children: list[subprocess.Popen[bytes]]
) -> list[dict[str, str]]:
    # the simulated servers run the Frigate configurations NCC generates for the demo city
    configs = STATE / "frigate_configs"
    subprocess.run(
        [python, "-m", "frigate_config", "generate", "--registry", str(DEMO_INVENTORY),
         "--out", str(configs), "--no-env"],
        cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
    )
    args = [
        python, "-m", "frigate_sim",
        "--base-port", str(SIM_BASE_PORT), "--seed", "7", "--demo-activity",
        "--state-dir", str(STATE / "frigate"),
    ]
    for name, _ in DEMO_SERVERS:
        args += ["--config", str(configs / name / "config.yml"), "--name", name]
    if mqtt:
        args += ["--mqtt-host", "127.0.0.1", "--mqtt-port", str(MQTT_PORT)]
    process = subprocess.Popen(
        args, cwd=ROOT, stdout=subprocess.PIPE, stderr=(STATE / "frigate_sim.log").open("ab"),
        start_new_session=True,
    )
    children.append(process)
    servers = realha.simulator_servers(process)
    if servers is not None:
        return servers
    raise RuntimeError("the Frigate simulator exited before it was ready; see .demo/frigate_sim.log")


def configure_ncc(
    url: str, token: str, servers: list[dict[str, str]], mqtt: bool, *, python: str | None = None
) -> None:
    """The city, its agencies (and with `python`, the demo city's inventory), its servers."""
    existing = realha.config_entries(url, token)
    if mqtt and not realha.http_json(
        "GET", f"{url}/api/config/config_entries/entry?domain=mqtt", token=token
    ):
        result = realha.http_json("POST", f"{url}/api/config/config_entries/flow",
                                  {"handler": "mqtt"}, token=token)
        realha.http_json("POST", f"{url}/api/config/config_entries/flow/{result['flow_id']}",
                         {"broker": "127.0.0.1", "port": MQTT_PORT}, token=token)
    if not any(entry["title"] == "Kota Mojokerto" for entry in existing):
        realha.run_config_flow(url, token, [{
            "city_name": "Kota Mojokerto", "retention_policy_days": 10,
            "agency_name": "Dinas Komunikasi dan Informatika", "agency_code": "DISKOMINFO",
        }])
    if python:
        # the demo city's agencies, sites and cameras, as a city would import its spreadsheet
        inventory = STATE / "config" / "ncc" / "demo_inventory.yaml"
        inventory.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [python, "-c", "import sys; from pathlib import Path; from frigate_config.demo import "
             "write_demo_inventory; write_demo_inventory(Path(sys.argv[1]))", str(inventory)],
            cwd=ROOT, check=True,
        )
        realha.http_json("POST", f"{url}/api/services/ncc/import_inventory?return_response",
                         {"path": "ncc/demo_inventory.yaml"}, token=token)
    agencies = agency_ids(url, token)
    titles = {entry["title"] for entry in realha.config_entries(url, token)}
    for server in servers:
        if server["name"] in titles:
            continue
        owner = next(code for name, code in DEMO_SERVERS if name == server["name"])
        realha.run_config_flow(url, token, [{
            "name": server["name"], "url": server["url"], "verify_ssl": False,
            "agency_id": agencies.get(owner, agencies["DISKOMINFO"]),
            "stream_url_template": "rtsp://{host}:8554/{camera}",
            # the demo's one administrator may see every camera; a city chooses per server
            "camera_entities": True,
        }])


def agency_ids(url: str, token: str) -> dict[str, str]:
    """Agency code -> id, creating the demo city's agencies through NCC's own action."""
    wanted = {
        "DISHUB": ("Dinas Perhubungan", "city_department"),
        "SATPOLPP": ("Satuan Polisi Pamong Praja", "city_department"),
        "DAMKAR": ("Dinas Pemadam Kebakaran", "city_department"),
        "POLRES": ("Polres Mojokerto Kota", "vertical_agency"),
    }
    listed = _list_agencies(url, token)
    for code, (name, kind) in wanted.items():
        if code not in listed:
            realha.http_json("POST", f"{url}/api/services/ncc/create_agency?return_response",
                             {"code": code, "name": name, "kind": kind}, token=token)
    return _list_agencies(url, token)


def _list_agencies(url: str, token: str) -> dict[str, str]:
    response: Any = realha.http_json(
        "POST", f"{url}/api/services/ncc/list_agencies?return_response", {}, token=token
    )
    return {agency["code"]: agency["id"] for agency in response["service_response"]["agencies"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8123)
    parser.add_argument("--fresh", action="store_true", help="forget the previous demo's state")
    args = parser.parse_args()
    if args.fresh and STATE.exists():
        shutil.rmtree(STATE)
    STATE.mkdir(exist_ok=True)
    if not free(args.port):
        raise SystemExit(f"port {args.port} is taken: is another Home Assistant running?")

    started = time.monotonic()
    python = realha.ensure_ha_venv(ROOT / ".venv-ha")
    children: list[subprocess.Popen[bytes]] = []
    hass: realha.RunningHA | None = None

    def stop_all(*_: object) -> None:
        if hass is not None:
            hass.stop()
        for child in reversed(children):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGTERM)
        for child in children:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(10)

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        broker = start_mosquitto(STATE, children)
        servers = start_simulator(str(python), mqtt=broker, children=children)
        realha.log(f"simulated city: {len(servers)} Frigate servers, "
                   f"{sum(int(s.get('cameras', 0)) for s in servers)} cameras")
        config_dir = STATE / "config"
        realha.write_config(config_dir, port=args.port)
        hass = realha.start_hass(python, config_dir, port=args.port)
        creds_path = STATE / "credentials.json"
        if creds_path.exists():
            creds = json.loads(creds_path.read_text())
            token = realha.login(hass.url, creds["username"], creds["password"])
        else:
            onboarded = realha.onboard(hass.url)
            creds = {"username": onboarded.username, "password": onboarded.password}
            creds_path.write_text(json.dumps(creds))
            creds_path.chmod(0o600)
            token = onboarded.access_token
        configure_ncc(hass.url, token, servers, mqtt=broker, python=str(python))
        realha.http_json("POST", f"{hass.url}/api/services/ncc/create_dashboard?return_response",
                         {"title": "Pusat Komando"}, token=token)
        realha.log(f"ready in {time.monotonic() - started:.0f} s (Ctrl-C stops everything)")
        print(f"url: {hass.url}", flush=True)
        print(f"username: {creds['username']}", flush=True)
        print(f"password: {creds['password']}", flush=True)
        while hass.process.poll() is None:
            time.sleep(1)
        realha.log(f"hass exited ({hass.process.returncode}); see {hass.log_path}")
        return 1
    except KeyboardInterrupt:
        realha.log("stopping")
        return 0
    finally:
        stop_all()


if __name__ == "__main__":
    sys.exit(main())
