#!/usr/bin/env python3
"""Measure the audit log on a 1,000,000-entry SQLite file (or a private PostgreSQL server).

    .venv/bin/python scripts/bench_audit.py [--entries N] [--dir DIR] [--keep] [--postgres]

Times 10,000 single appends (one commit each) on an empty log, builds the big log with
`append_many` (batches of 1,000, times spread over 30 days, 10 agencies, 300 users, 700
cameras), then times 10,000 single appends on the full log, filtered queries (one agency and
one day, limit 100, at 20 places in the history; the worst is reported) and a full verify.
Progress goes to stdout; the last line is one JSON object:

    {"audit_append_per_s": <single appends on the full log>, "audit_append_many_per_s": ...,
     "audit_query_ms": <worst>, "audit_verify_1m_s": <verify time per 1,000,000 entries>,
     "audit_append_per_s_empty_log": ..., "audit_verify_s": ..., "audit_verify_entries": ...}

With ``--postgres`` the same runs against a durable private PostgreSQL server (fsync on) and
the keys start with ``audit_pg_``.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
import random
import statistics
import sys
import tempfile
import time

ROOT = Path(__file__).absolute().parent.parent
sys.path.insert(0, str(ROOT))

from custom_components.ncc.core.audit import (  # noqa: E402
    AuditLog,
    AuditQuery,
    AuditRecord,
)

BATCH = 1000
SINGLE_APPENDS = 10_000
QUERY_SAMPLES = 20
SPAN = timedelta(days=30)
AGENCIES = [f"agency{n}" for n in range(10)]
ACTIONS = [
    "live.view",
    "live.view",
    "live.view",
    "footage.view",
    "footage.request",
    "footage.approve",
    "export.download",
    "grant.create",
    "grant.revoke",
    "camera.assign",
]


class StepClock:
    """A clock that moves a fixed step per reading, so the log spans a known period."""

    def __init__(self, start: datetime, step: timedelta) -> None:
        self.now, self.step = start, step

    def __call__(self) -> datetime:
        self.now += self.step
        return self.now


def records(rng: random.Random, count: int) -> Iterator[AuditRecord]:
    for index in range(count):
        agency = rng.choice(AGENCIES)
        yield AuditRecord(
            user_id=f"user{rng.randrange(300):03d}",
            user_name=f"Operator {rng.randrange(300)}",
            agency_id=agency,
            action=rng.choice(ACTIONS),
            target_type="camera",
            target_id=f"cam{rng.randrange(700)}",
            camera_id=f"nvr{rng.randrange(8)}/cam{rng.randrange(700)}",
            reason=rng.choice((None, None, "patroli", "laporan kecelakaan")),
            details={"n": index, "via": "dashboard"},
        )


def run_audit_benchmark(path: Path, entries: int = 1_000_000, url: str | None = None) -> dict[str, float]:
    """Build a log of ``entries`` at ``path`` (or ``url``) and measure it; see the docstring."""
    prefix = "audit_pg_" if url else "audit_"
    rng = random.Random(2025)
    results: dict[str, float] = {}
    if url is None:
        fresh = path.with_name(path.name + ".fresh")
        results[prefix + "append_per_s_empty_log"] = _single_appends(f"sqlite:///{fresh}", rng)
        for file in (path, fresh):
            _remove_sqlite(file)
        url = f"sqlite:///{path}"
    batches = max(1, entries // BATCH)
    start = datetime.now(UTC) - SPAN - timedelta(days=1)
    clock = StepClock(start, SPAN / batches)
    log = AuditLog(url, clock=clock)
    log.open()
    try:
        spent = 0.0
        for number in range(batches):
            batch = list(records(rng, min(BATCH, entries - number * BATCH)))
            began = time.perf_counter()
            log.append_many(batch)
            spent += time.perf_counter() - began
            if (number + 1) % 100 == 0:
                print(f"built {(number + 1) * BATCH:,} entries", flush=True)
        results[prefix + "append_many_per_s"] = entries / spent
        print(f"append_many ({BATCH} per call): {entries / spent:,.0f} entries/s", flush=True)

        results[prefix + "append_per_s"] = _single_appends(log, rng)

        results[prefix + "query_ms"] = _time_queries(log, start, rng)

        began = time.perf_counter()
        report = log.verify(log.head())
        elapsed = time.perf_counter() - began
        if not report.ok:
            raise SystemExit(f"verify failed on an untouched log: {report}")
        results[prefix + "verify_1m_s"] = elapsed * 1_000_000 / report.checked
        results[prefix + "verify_s"] = elapsed
        results[prefix + "verify_entries"] = float(report.checked)
        print(f"verify of {report.checked:,} entries: {elapsed:.1f} s", flush=True)
    finally:
        log.close()
    return results


def _single_appends(target: AuditLog | str, rng: random.Random) -> float:
    """Entries per second appended one by one (one commit each) to a log or a new file."""
    log = AuditLog(target) if isinstance(target, str) else target
    if log is not target:
        log.open()
    try:
        size = log.head()
        singles = list(records(rng, SINGLE_APPENDS))
        began = time.perf_counter()
        for record in singles:
            log.append(record)
        rate = SINGLE_APPENDS / (time.perf_counter() - began)
    finally:
        if log is not target:
            log.close()
    print(
        f"append (one commit each, log at {size.count if size else 0:,}): {rate:,.0f} entries/s",
        flush=True,
    )
    return rate


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _time_queries(log: AuditLog, start: datetime, rng: random.Random) -> float:
    """Time one-agency, one-day queries across the history; print others; return the worst."""
    day = timedelta(days=1)

    def timed(query: AuditQuery) -> tuple[float, int]:
        began = time.perf_counter()
        page = log.query(query)
        return (time.perf_counter() - began) * 1000, len(page.entries)

    timed(AuditQuery(agency_id=AGENCIES[0]))  # warm the pool
    agency_day = []
    for _ in range(QUERY_SAMPLES):
        since = start + timedelta(seconds=rng.uniform(0, (SPAN - day).total_seconds()))
        query = AuditQuery(agency_id=rng.choice(AGENCIES), since=since, until=since + day)
        agency_day.append(timed(query))
    worst = max(ms for ms, _ in agency_day)
    median = statistics.median(ms for ms, _ in agency_day)
    print(
        f"query agency + 1 day, limit 100: median {median:.1f} ms, worst {worst:.1f} ms"
        f" ({min(n for _, n in agency_day)}+ rows each)",
        flush=True,
    )
    since = start + SPAN / 2
    others = {
        "no filter": AuditQuery(),
        "user + 1 day": AuditQuery(user_id="user042", since=since, until=since + day),
        "camera + 1 day": AuditQuery(camera_id="nvr3/cam123", since=since, until=since + day),
        "action prefix + 1 day": AuditQuery(action="footage", since=since, until=since + day),
        "target, all time": AuditQuery(target_id="cam321"),
        "agency + action, 7 days": AuditQuery(
            agency_id=AGENCIES[3], action="export", since=since, until=since + 7 * day
        ),
        "agency, page 50 (cursor)": AuditQuery(agency_id=AGENCIES[5], cursor=_cursor(log, 50)),
    }
    for name, query in others.items():
        ms, rows = timed(query)
        print(f"query {name}: {ms:.1f} ms ({rows} rows)", flush=True)
    return worst


def _cursor(log: AuditLog, pages: int) -> int | None:
    query = AuditQuery(agency_id=AGENCIES[5])
    for _ in range(pages):
        cursor = log.query(query).next_cursor
        if cursor is None:
            break
        query = AuditQuery(agency_id=AGENCIES[5], cursor=cursor)
    return query.cursor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, help="where the SQLite file goes (default: temp)")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file")
    parser.add_argument("--postgres", action="store_true", help="run against a durable private PostgreSQL")
    args = parser.parse_args()
    with ExitStack() as stack:
        url = None
        if args.postgres:
            from tests.postgres_server import running_postgres

            url = stack.enter_context(running_postgres(durable=True))
        workdir = args.dir or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        path = workdir / "ncc_audit_bench.db"
        results = run_audit_benchmark(path, args.entries, url)
        if not args.keep and url is None:
            _remove_sqlite(path)
    print(json.dumps({name: round(value, 3) for name, value in results.items()}))


if __name__ == "__main__":
    main()
