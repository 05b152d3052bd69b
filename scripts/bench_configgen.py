"""How long NCC takes to generate Frigate configs for a large city, and to plan its storage.

    python scripts/bench_configgen.py [--cameras 2000] [--servers 25] [--repeat 3]

A synthetic city: cameras spread over the servers (a tenth of them registry cameras the
planner places), each with credentials, every purpose represented. Generation includes
rendering, the schema and reference checks and writing the files (config.yml and .env).
Prints a human summary, then JSON as the last line.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import statistics
import sys
import tempfile
import time

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from custom_components.ncc.configgen import (
    AgencyLabel,
    CityInput,
    MqttPolicy,
    ServerPolicy,
    capacity_for,
    generate_configs,
    plan_city,
    write_generation,
)
from custom_components.ncc.configgen.planner import planned_cameras
from custom_components.ncc.core.cameras import CameraPurpose
from custom_components.ncc.core.streams import CameraStream


def synthetic_city(cameras: int, servers: int) -> CityInput:
    policies = tuple(
        ServerPolicy(
            f"srv{index:02d}", disk_gb=8000.0,
            mqtt=MqttPolicy(f"frigate_srv{index:02d}", f"frigate_srv{index:02d}", host="10.0.0.2"),
        )
        for index in range(servers)
    )
    purposes = list(CameraPurpose)
    streams = []
    for index in range(cameras):
        registry = index % 10 == 9
        camera_id = f"registry/cam-{index}" if registry else f"srv{index % servers:02d}/cam_{index:04d}"
        streams.append(CameraStream(
            camera_id=camera_id, name=f"Kamera {index} (Jl. Contoh)",
            owner_agency_id=f"agency{index % 7}", purpose=purposes[index % len(purposes)],
            url=f"rtsp://10.{index // 250}.{index % 250}.1:554/stream1",
            username="admin", password=f"rahasia-{index}",
            width=1920, height=1080, fps=15, codec="h264" if index % 2 else "h265",
        ))
    agencies = {f"agency{i}": AgencyLabel(f"agency{i}", f"OPD{i}", f"Agency {i}") for i in range(7)}
    return CityInput(servers=policies, streams=tuple(streams), agencies=agencies, city_name="Bench City")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cameras", type=int, default=2000)
    parser.add_argument("--servers", type=int, default=25)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    city = synthetic_city(args.cameras, args.servers)
    generate_s, write_s, plan_s = [], [], []
    for _ in range(args.repeat):
        started = time.perf_counter()
        generation = generate_configs(city)
        generate_s.append(time.perf_counter() - started)
        with tempfile.TemporaryDirectory() as out:
            started = time.perf_counter()
            write_generation(generation, Path(out))
            write_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        plan_city([capacity_for(p) for p in city.servers], planned_cameras(city), target_days=30,
                  rebalance=True)
        plan_s.append(time.perf_counter() - started)
    result = {
        "cameras": args.cameras,
        "servers": args.servers,
        "generated_servers": len(generation.servers),
        "config_bytes": sum(len(server.config_yaml) for server in generation.servers),
        "generate_s_median": round(statistics.median(generate_s), 3),
        "write_s_median": round(statistics.median(write_s), 3),
        "plan_rebalance_s_median": round(statistics.median(plan_s), 3),
        "python": sys.version.split()[0],
    }
    print(f"{args.cameras} cameras on {args.servers} servers: render + check "
          f"{result['generate_s_median']} s, write {result['write_s_median']} s, "
          f"plan with a rebalancing proposal "
          f"{result['plan_rebalance_s_median']} s (median of {args.repeat})")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
