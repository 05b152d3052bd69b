"""The audit log on SQLite and on a real PostgreSQL server: chain, queries, tampering, export.

Every test taking `db_url` runs once per backend. The hash checks use `auditor_hash`, written
from the module docstring alone, so the documented format is what the code really does.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
import csv
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
import functools
import hashlib
import io
import itertools
import json
from pathlib import Path
import random
import re
import sqlite3
import threading
from typing import Any

import pytest
import sqlalchemy as sa

from custom_components.ncc.core import audit
from custom_components.ncc.core.audit import (
    CSV_HEADER,
    GENESIS_HASH,
    MAX_QUERY_LIMIT,
    AuditEntry,
    AuditInputError,
    AuditLog,
    AuditQuery,
    AuditRecord,
    AuditSchemaError,
    AuditStateError,
    AuditStorageError,
    ChainHead,
    VerifyProblem,
    VerifyReport,
)

START = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
AGENCIES = ("dishub", "diskominfo", "satpolpp", "polres", None)
ACTIONS = (
    "agency.create",
    "grant.create",
    "grant.revoke",
    "footage",
    "footage.request",
    "footage.approve",
    "footage_note.add",  # shares the letters of "footage" but not its dotted prefix
    "export.download",
    "live.view",
)
CAMERAS = (None, "nvr1/gerbang", "nvr1/alun_alun", "nvr2/pasar_besar")


class FakeClock:
    """A wall clock the test moves by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def auditor_hash(prev_hash: str, row: Mapping[str, Any]) -> str:
    """The check an auditor writes from the module docstring, independent of the module."""
    array = [
        "ncc-audit-1",
        prev_hash,
        int(row["seq"]),
        int(row["time_us"]),
        row["user_id"],
        row["user_name"],
        row["agency_id"] or None,
        row["action"],
        row["target_type"],
        row["target_id"],
        row["camera_id"] or None,
        row["reason"] or None,
        json.loads(row["details"]),
    ]
    text = json.dumps(array, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def make_record(rng: random.Random, index: int) -> AuditRecord:
    return AuditRecord(
        user_id=f"user{rng.randrange(12)}",
        user_name=rng.choice(("Ani", "Budi Santoso", "Çağla", "Dewi")),
        agency_id=rng.choice(AGENCIES),
        action=rng.choice(ACTIONS),
        target_type=rng.choice(("camera", "grant", "footage_request")),
        target_id=f"t{rng.randrange(40)}",
        camera_id=rng.choice(CAMERAS),
        reason=rng.choice((None, "patroli malam", "incident 12\nsecond line")),
        details={"index": index, "note": rng.choice(("", "Jalan Ijen", "ruas ✓"))},
    )


@functools.cache
def varied_records(count: int) -> tuple[AuditRecord, ...]:
    """The same ``count`` varied records every time (records are immutable: share them)."""
    rng = random.Random(count)
    return tuple(make_record(rng, i) for i in range(count))


def fill(log: AuditLog, clock: FakeClock, count: int, *, batch: int = 100) -> list[AuditEntry]:
    """Append ``count`` varied entries, a minute apart per batch; return them oldest first."""
    records = varied_records(count)
    entries: list[AuditEntry] = []
    for start in range(0, count, batch):
        entries.extend(log.append_many(records[start : start + batch]))
        clock.advance(60)
    return entries


def simple_record(**changes: Any) -> AuditRecord:
    fields: dict[str, Any] = {
        "user_id": "8f1c2d",
        "user_name": "Operator Dishub",
        "agency_id": "dishub",
        "action": "footage.approve",
        "target_type": "footage_request",
        "target_id": "fr-1",
        "camera_id": "nvr1/gerbang",
        "reason": "accident report",
        "details": {"minutes": 15},
    }
    fields.update(changes)
    return AuditRecord(**fields)


_ENGINES: dict[str, sa.Engine] = {}


def sql(url: str, statement: str, **params: Any) -> list[sa.Row[Any]]:
    """Run SQL behind the log's back, as someone with database access would."""
    engine = _ENGINES.get(url) or _ENGINES.setdefault(url, sa.create_engine(url))
    with engine.begin() as conn:
        result = conn.execute(sa.text(statement), params)
        return list(result.all()) if result.returns_rows else []


@pytest.fixture(autouse=True)
def release_sql_engines() -> Iterator[None]:
    """Close the engines `sql` opened during the test."""
    yield
    while _ENGINES:
        _ENGINES.popitem()[1].dispose()


def stored_row(url: str, seq: int) -> dict[str, Any]:
    rows = sql(url, "SELECT * FROM ncc_audit_log WHERE seq = :seq", seq=seq)
    return dict(rows[0]._mapping)


def rehash(url: str, seq: int, prev_hash: str) -> str:
    """Give row ``seq`` the hash its current fields deserve; return it."""
    new_hash = auditor_hash(prev_hash, stored_row(url, seq))
    sql(url, "UPDATE ncc_audit_log SET hash = :h WHERE seq = :seq", h=new_hash, seq=seq)
    return new_hash


def matches(entry: AuditEntry, query: AuditQuery) -> bool:
    action = query.action
    return (
        (query.since is None or entry.timestamp >= query.since)
        and (query.until is None or entry.timestamp < query.until)
        and query.user_id in (None, entry.user_id)
        and query.agency_id in (None, entry.agency_id)
        and query.camera_id in (None, entry.camera_id)
        and query.target_id in (None, entry.target_id)
        and (action is None or entry.action == action or entry.action.startswith(action + "."))
    )


def all_pages(log: AuditLog, query: AuditQuery) -> list[AuditEntry]:
    found: list[AuditEntry] = []
    while True:
        page = log.query(query)
        assert len(page.entries) <= query.limit
        found.extend(page.entries)
        if page.next_cursor is None:
            return found
        assert page.entries, "a page with a cursor holds entries"
        assert page.next_cursor == page.entries[-1].seq
        query = replace(query, cursor=page.next_cursor)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ncc_audit.db'}"
    url: str = request.getfixturevalue("postgres_url")
    sql(url, "DROP TABLE IF EXISTS ncc_audit_log, ncc_audit_schema")
    return url


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def log(db_url: str, clock: FakeClock) -> Iterator[AuditLog]:
    audit_log = AuditLog(db_url, clock=clock)
    audit_log.open()
    yield audit_log
    audit_log.close()


@dataclass
class SharedLog:
    """A 5,000-entry log that tests only read."""

    log: AuditLog
    entries: list[AuditEntry]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def shared(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedLog]:
    """Built once per backend; PostgreSQL keeps it in a database of its own."""
    admin: sa.Engine | None = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('shared') / 'ncc_audit.db'}"
    else:
        server_url: str = request.getfixturevalue("postgres_url")
        admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql("DROP DATABASE IF EXISTS ncc_audit_shared")
            conn.exec_driver_sql("CREATE DATABASE ncc_audit_shared")
        url = sa.make_url(server_url).set(database="ncc_audit_shared").render_as_string(hide_password=False)
    clock = FakeClock()
    shared_log = AuditLog(url, clock=clock)
    shared_log.open()
    try:
        yield SharedLog(shared_log, fill(shared_log, clock, 5000))
    finally:
        shared_log.close()
        if admin is not None:
            with admin.connect() as conn:
                conn.exec_driver_sql("DROP DATABASE ncc_audit_shared WITH (FORCE)")
            admin.dispose()


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> int:
    """Stream verify and export in small chunks so every test crosses chunk boundaries."""
    monkeypatch.setattr(audit, "_CHUNK_ROWS", 512)
    return 512


# --- the chain -------------------------------------------------------------------------------


def test_entries_chain_from_genesis_in_the_documented_format(log: AuditLog) -> None:
    first = log.append(simple_record())
    second, third = log.append_many(
        [simple_record(agency_id=None, camera_id=None, reason=None), simple_record(details={})]
    )

    assert [first.seq, second.seq, third.seq] == [1, 2, 3]
    assert first.prev_hash == GENESIS_HASH == "0" * 64
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    prev = GENESIS_HASH
    for entry in (first, second, third):
        row = {
            **entry.__dict__,
            "time_us": (entry.timestamp - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1),
            "details": json.dumps(dict(entry.details)),
        }
        assert entry.hash == auditor_hash(prev, row)
        prev = entry.hash


def test_documented_example_hash(tmp_path: Path) -> None:
    documented = re.search(r"hashes to ``([0-9a-f]{64})``", audit.__doc__ or "")
    assert documented is not None
    moment = datetime.fromtimestamp(1735689600, tz=UTC)
    example_log = AuditLog(f"sqlite:///{tmp_path / 'example.db'}", clock=lambda: moment)
    example_log.open()
    entry = example_log.append(
        AuditRecord(
            user_id="u1",
            user_name="Ani",
            agency_id="dishub",
            action="grant.revoke",
            target_type="grant",
            target_id="g-7",
            camera_id="nvr1/gate",
            reason="expired",
            details={"to": "polres"},
        )
    )
    example_log.close()
    assert entry.hash == documented.group(1)


def test_stored_rows_hold_what_append_returned(log: AuditLog, db_url: str) -> None:
    entry = log.append(simple_record(details={"b": [1, True, None], "a": {"z": "Ijen ✓"}}))
    row = stored_row(db_url, entry.seq)

    assert row["details"] == '{"a":{"z":"Ijen ✓"},"b":[1,true,null]}'
    assert row["hash"] == entry.hash == auditor_hash(GENESIS_HASH, row)
    assert row["time_us"] == int(START.timestamp()) * 1_000_000
    assert entry.timestamp == START


def test_head_tracks_the_last_entry(log: AuditLog) -> None:
    assert log.head() is None
    assert log.verify() == VerifyReport(ok=True, checked=0)
    entries = log.append_many([simple_record(target_id=f"fr-{i}") for i in range(3)])
    assert log.head() == ChainHead(seq=3, hash=entries[-1].hash, count=3)
    assert log.append_many([]) == []
    assert log.head() == ChainHead(seq=3, hash=entries[-1].hash, count=3)


def test_time_never_goes_back_along_the_chain(log: AuditLog, clock: FakeClock) -> None:
    first = log.append(simple_record())
    clock.advance(-3600)  # the wall clock steps back (NTP, a wrong RTC)
    second = log.append(simple_record())
    clock.advance(7200)
    third = log.append(simple_record())

    assert second.timestamp == first.timestamp
    assert third.timestamp == START + timedelta(seconds=3600)


def test_reopening_continues_the_chain(db_url: str, clock: FakeClock) -> None:
    first_log = AuditLog(db_url, clock=clock)
    first_log.open()
    before = first_log.append_many([simple_record() for _ in range(5)])
    head = first_log.head()
    first_log.close()
    first_log.close()  # closing twice is harmless

    first_log.open()
    assert first_log.head() == head
    first_log.close()

    clock.advance(-60)
    second_log = AuditLog(db_url, clock=clock)
    second_log.open()
    after = second_log.append(simple_record())
    assert after.seq == 6
    assert after.prev_hash == before[-1].hash
    assert after.timestamp == before[-1].timestamp  # the stored head's time bounds the clock
    assert second_log.verify(head) == VerifyReport(ok=True, checked=6)
    second_log.close()


def test_threads_appending_at_once_keep_one_chain(log: AuditLog) -> None:
    seqs: list[list[int]] = []
    errors: list[BaseException] = []

    def writer(worker: int) -> None:
        mine: list[int] = []
        try:
            for i in range(60):
                mine.append(log.append(simple_record(user_id=f"w{worker}", target_id=str(i))).seq)
                if i % 20 == 0:
                    records = [simple_record(user_id=f"w{worker}") for _ in range(5)]
                    mine.extend(entry.seq for entry in log.append_many(records))
        except BaseException as err:  # reported to the main thread
            errors.append(err)
        seqs.append(mine)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    every = sorted(seq for mine in seqs for seq in mine)
    assert every == list(range(1, 6 * 75 + 1))
    assert all(mine == sorted(mine) for mine in seqs)
    assert log.verify(log.head()) == VerifyReport(ok=True, checked=450)


def test_two_logs_on_one_database_share_the_chain(db_url: str, clock: FakeClock) -> None:
    first, second = AuditLog(db_url, clock=clock), AuditLog(db_url, clock=clock)
    first.open()
    second.open()
    try:
        for i in range(5):
            a = first.append(simple_record(user_id="a", target_id=str(i)))
            b = second.append(simple_record(user_id="b", target_id=str(i)))
            assert b.seq == a.seq + 1
            assert b.prev_hash == a.hash
        assert first.verify() == VerifyReport(ok=True, checked=10)
    finally:
        first.close()
        second.close()


def test_append_many_is_all_or_nothing(log: AuditLog, db_url: str) -> None:
    head = log.append_many([simple_record() for _ in range(4)])[-1]
    # another writer's row lands where the third entry of the batch would go
    sql(
        db_url,
        "INSERT INTO ncc_audit_log SELECT seq + 3, time_us, user_id, user_name, agency_id,"
        " action, target_type, target_id, camera_id, reason, details, prev_hash, hash"
        " FROM ncc_audit_log WHERE seq = 4",
    )

    entries = log.append_many([simple_record(target_id=f"b{i}") for i in range(5)])

    assert [entry.seq for entry in entries] == [8, 9, 10, 11, 12]
    assert entries[0].prev_hash == head.hash  # the foreign row is a copy of seq 4
    assert sql(db_url, "SELECT seq FROM ncc_audit_log WHERE seq IN (5, 6)") == []
    assert log.verify() == VerifyReport(
        ok=False, checked=4, first_broken_seq=5, problem=VerifyProblem.MISSING_ENTRY
    )


def test_persistent_seq_conflicts_fail_clearly(
    db_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale, fresh = AuditLog(db_url, clock=clock), AuditLog(db_url, clock=clock)
    stale.open()
    fresh.open()
    try:
        stale_head = audit._Head(0, GENESIS_HASH, 0)
        fresh.append(simple_record())
        monkeypatch.setattr(audit, "_read_head", lambda _conn: stale_head)
        with pytest.raises(AuditStorageError, match="seq conflicts kept recurring"):
            stale.append(simple_record())
        monkeypatch.undo()
        assert stale.append(simple_record()).seq == 2
    finally:
        stale.close()
        fresh.close()


def test_failed_append_changes_nothing(log: AuditLog, db_url: str) -> None:
    log.append(simple_record())
    head = log.head()
    sql(db_url, "ALTER TABLE ncc_audit_log RENAME TO ncc_audit_log_away")
    try:
        with pytest.raises(AuditStorageError, match="audit log append failed on"):
            log.append(simple_record())
        with pytest.raises(AuditStorageError, match="audit log query failed on"):
            log.query(AuditQuery())
        assert log.head() == head
    finally:
        sql(db_url, "ALTER TABLE ncc_audit_log_away RENAME TO ncc_audit_log")
    assert log.append(simple_record()).seq == 2


def test_naive_clock_is_refused_and_writes_nothing(db_url: str) -> None:
    naive_log = AuditLog(db_url, clock=lambda: datetime(2025, 1, 1))
    naive_log.open()
    try:
        with pytest.raises(AuditInputError, match="clock must be a timezone-aware datetime"):
            naive_log.append(simple_record())
        assert naive_log.head() is None
    finally:
        naive_log.close()


def test_default_clock_is_utc_now(db_url: str) -> None:
    real_log = AuditLog(db_url)
    real_log.open()
    try:
        before = datetime.now(UTC)
        entry = real_log.append(simple_record())
        assert before - timedelta(seconds=1) <= entry.timestamp <= datetime.now(UTC)
        assert entry.timestamp.tzinfo == UTC
    finally:
        real_log.close()


# --- queries -----------------------------------------------------------------------------


def test_queries_return_exactly_the_matching_entries_newest_first(shared: SharedLog) -> None:
    log, entries = shared.log, shared.entries
    middle = entries[2500].timestamp
    since, until = middle - timedelta(minutes=20), middle + timedelta(minutes=7)
    queries = [
        AuditQuery(),
        AuditQuery(agency_id="polres", since=since, until=until),
        AuditQuery(user_id="user3"),
        AuditQuery(camera_id="nvr1/alun_alun", limit=1000),
        AuditQuery(target_id="t7", action="footage"),
        AuditQuery(action="footage", since=since, until=until),
        AuditQuery(action="footage.approve", user_id="user1"),
        AuditQuery(action="grant", agency_id="dishub", camera_id="nvr2/pasar_besar"),
        AuditQuery(since=since),
        AuditQuery(until=until, agency_id="satpolpp"),
        AuditQuery(since=since, until=until, limit=7),
    ]
    for query in queries:
        expected = [entry for entry in reversed(entries) if matches(entry, query)]
        page = log.query(query)
        assert list(page.entries) == expected[: query.limit], query
        assert (page.next_cursor is None) == (len(expected) <= query.limit), query


def test_cursor_pages_through_every_match_once(shared: SharedLog) -> None:
    log, entries = shared.log, shared.entries
    since = entries[1000].timestamp
    for query in (
        AuditQuery(agency_id="diskominfo", since=since, limit=97),
        AuditQuery(action="live", limit=200),
        AuditQuery(limit=MAX_QUERY_LIMIT),
        AuditQuery(user_id="user5", until=entries[4000].timestamp, limit=50),
    ):
        expected = [entry for entry in reversed(entries) if matches(entry, query)]
        assert len(expected) > query.limit  # several pages
        assert all_pages(log, query) == expected


def test_queries_with_no_match_return_an_empty_last_page(log: AuditLog, clock: FakeClock) -> None:
    empty = log.query(AuditQuery(agency_id="dishub"))
    assert empty.entries == ()
    assert empty.next_cursor is None

    entries = fill(log, clock, 200)
    first, last = entries[0].timestamp, entries[-1].timestamp
    for query in (
        AuditQuery(since=last + timedelta(seconds=1)),
        AuditQuery(until=first),
        AuditQuery(since=first + timedelta(seconds=1), until=first + timedelta(seconds=2)),
        AuditQuery(agency_id="unknown"),
        AuditQuery(cursor=1),
    ):
        assert log.query(query).entries == (), query


def test_query_cursor_and_time_range_combine(shared: SharedLog) -> None:
    entries = shared.entries
    query = AuditQuery(since=entries[1000].timestamp, until=entries[3000].timestamp, limit=10)
    cursor = entries[2500].seq
    page = shared.log.query(replace(query, cursor=cursor))
    expected = [e for e in reversed(entries) if matches(e, query) and e.seq < cursor]
    assert list(page.entries) == expected[:10]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"limit": 0}, "limit must be an integer from 1 to 1000"),
        ({"limit": 1001}, "limit must be an integer from 1 to 1000"),
        ({"limit": True}, "limit must be an integer"),
        ({"cursor": 0}, "cursor must be a positive integer"),
        ({"cursor": "12"}, "cursor must be a positive integer"),
        ({"since": datetime(2025, 1, 1)}, "since must be a timezone-aware"),
        ({"until": "2025-01-01"}, "until must be a timezone-aware"),
        ({"since": START, "until": START}, "since must be earlier than until"),
        ({"action": "Footage"}, "action must be lowercase dotted words"),
        ({"action": "footage."}, "action must be lowercase dotted words"),
        ({"agency_id": ""}, "agency_id must be a non-empty string"),
        ({"user_id": "x" * 256}, "user_id is longer than 255"),
        ({"camera_id": 5}, "camera_id must be a non-empty string"),
        ({"target_id": "a\x00b"}, "target_id must not contain NUL"),
    ],
)
def test_bad_queries_are_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(AuditInputError, match=message):
        AuditQuery(**changes)


# --- records -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"user_id": ""}, "user_id must be a non-empty string"),
        ({"user_id": "   "}, "user_id must be a non-empty string"),
        ({"user_name": None}, "user_name must be a non-empty string"),
        ({"agency_id": ""}, "agency_id must be a non-empty string"),
        ({"action": "Agency.Create"}, "action must be lowercase dotted words"),
        ({"action": "agency..create"}, "action must be lowercase dotted words"),
        ({"action": "a" * 65}, "action is longer than 64"),
        ({"target_type": "x" * 256}, "target_type is longer than 255"),
        ({"target_id": "\ud800"}, "target_id is not valid Unicode"),
        ({"camera_id": ""}, "camera_id must be a non-empty string"),
        ({"reason": "x" * 2001}, "reason is longer than 2000"),
        ({"reason": "nul\x00"}, "reason must not contain NUL"),
        ({"details": ["a"]}, "details must be a JSON object"),
        ({"details": {"speed": 1.5}}, r"details.speed is a float"),
        ({"details": {"big": 2**53}}, r"details.big is outside"),
        ({"details": {"when": START}}, r"details.when has a datetime"),
        ({"details": {"tags": {"a", "b"}}}, r"details.tags has a set"),
        ({"details": {"": 1}}, "key '' must be 1-64 ASCII"),
        ({"details": {"ünï": 1}}, "key 'ünï' must be 1-64 ASCII"),
        ({"details": {1: 1}}, "key 1 must be 1-64 ASCII"),
        ({"details": {"t": "\udc80"}}, "details hold text that is not valid Unicode"),
        ({"details": {"text": "x" * 9000}}, "details take 9011 bytes, more than 8192"),
    ],
)
def test_bad_records_are_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(AuditInputError, match=message):
        simple_record(**changes)


def test_details_nest_only_so_deep() -> None:
    nested: dict[str, Any] = {"leaf": 1}  # at depth 8 after seven wrappings
    for _ in range(7):
        nested = {"n": nested}
    simple_record(details=nested)
    with pytest.raises(AuditInputError, match="nests deeper than 8 levels"):
        simple_record(details={"n": nested})


def test_record_details_are_a_private_copy() -> None:
    details: dict[str, Any] = {"cameras": ("nvr1/a", "nvr1/b"), "minutes": -(2**53 - 1)}
    record = simple_record(details=details)
    details["minutes"] = 0

    assert record.details == {"cameras": ["nvr1/a", "nvr1/b"], "minutes": -(2**53 - 1)}
    assert record.details_json == '{"cameras":["nvr1/a","nvr1/b"],"minutes":-9007199254740991}'


def test_only_records_queries_and_heads_are_accepted(log: AuditLog) -> None:
    with pytest.raises(AuditInputError, match="expected AuditRecord, got dict"):
        log.append_many([simple_record(), {"user_id": "x"}])  # type: ignore[list-item]
    with pytest.raises(AuditInputError, match="expected AuditQuery, got dict"):
        log.query({"limit": 5})  # type: ignore[arg-type]
    with pytest.raises(AuditInputError, match="expected ChainHead, got tuple"):
        log.verify((1, "0" * 64, 1))  # type: ignore[arg-type]
    assert log.head() is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"seq": 0, "hash": "0" * 64, "count": 0}, "seq must be a positive integer"),
        ({"seq": True, "hash": "0" * 64, "count": 1}, "seq must be a positive integer"),
        ({"seq": 1, "hash": "ABC", "count": 1}, "hash must be 64 lowercase hexadecimal"),
        ({"seq": 1, "hash": "A" * 64, "count": 1}, "hash must be 64 lowercase hexadecimal"),
        ({"seq": 1, "hash": "0" * 64, "count": -1}, "count must be a non-negative integer"),
    ],
)
def test_bad_chain_heads_are_refused(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(AuditInputError, match=message):
        ChainHead(**fields)


# --- verification and tampering ------------------------------------------------------------


@pytest.mark.usefixtures("small_chunks")
def test_an_untouched_log_verifies(shared: SharedLog) -> None:
    log, entries = shared.log, shared.entries
    assert log.verify() == VerifyReport(ok=True, checked=5000)
    assert log.verify(log.head()) == VerifyReport(ok=True, checked=5000)
    # an anchor taken earlier still holds once the chain has grown
    early = ChainHead(seq=1000, hash=entries[999].hash, count=1000)
    assert log.verify(early) == VerifyReport(ok=True, checked=5000)


@pytest.mark.usefixtures("small_chunks")
def test_an_edited_field_breaks_that_entry(log: AuditLog, clock: FakeClock, db_url: str) -> None:
    fill(log, clock, 5000)
    sql(db_url, "UPDATE ncc_audit_log SET user_name = 'Someone Else' WHERE seq = 3210")

    assert log.verify() == VerifyReport(
        ok=False, checked=3209, first_broken_seq=3210, problem=VerifyProblem.HASH_MISMATCH
    )


@pytest.mark.usefixtures("small_chunks")
def test_a_deleted_entry_is_missing(log: AuditLog, clock: FakeClock, db_url: str) -> None:
    fill(log, clock, 5000)
    sql(db_url, "DELETE FROM ncc_audit_log WHERE seq = 2048")

    assert log.verify() == VerifyReport(
        ok=False, checked=2047, first_broken_seq=2048, problem=VerifyProblem.MISSING_ENTRY
    )


@pytest.mark.usefixtures("small_chunks")
def test_a_deleted_first_entry_is_missing(log: AuditLog, clock: FakeClock, db_url: str) -> None:
    fill(log, clock, 700)
    sql(db_url, "DELETE FROM ncc_audit_log WHERE seq = 1")

    assert log.verify() == VerifyReport(
        ok=False, checked=0, first_broken_seq=1, problem=VerifyProblem.MISSING_ENTRY
    )


@pytest.mark.usefixtures("small_chunks")
def test_cut_off_entries_show_against_the_anchor(log: AuditLog, clock: FakeClock, db_url: str) -> None:
    fill(log, clock, 5000)
    anchor = log.head()
    assert anchor is not None
    sql(db_url, "DELETE FROM ncc_audit_log WHERE seq > 4990")

    assert log.verify() == VerifyReport(ok=True, checked=4990)  # no anchor, no way to tell
    assert log.verify(anchor) == VerifyReport(
        ok=False, checked=4990, first_broken_seq=4991, problem=VerifyProblem.TRUNCATED
    )


def test_an_emptied_log_is_truncated_against_the_anchor(log: AuditLog, db_url: str) -> None:
    log.append_many([simple_record() for _ in range(3)])
    anchor = log.head()
    sql(db_url, "DELETE FROM ncc_audit_log")

    assert log.verify(anchor) == VerifyReport(
        ok=False, checked=0, first_broken_seq=1, problem=VerifyProblem.TRUNCATED
    )


@pytest.mark.usefixtures("small_chunks")
def test_a_rehashed_entry_breaks_the_next_link(log: AuditLog, clock: FakeClock, db_url: str) -> None:
    entries = fill(log, clock, 5000)
    sql(db_url, "UPDATE ncc_audit_log SET reason = 'nothing happened' WHERE seq = 1500")
    rehash(db_url, 1500, entries[1498].hash)

    assert log.verify() == VerifyReport(
        ok=False, checked=1500, first_broken_seq=1501, problem=VerifyProblem.PREV_HASH_MISMATCH
    )


@pytest.mark.usefixtures("small_chunks")
def test_a_rewritten_tail_shows_against_the_anchor(log: AuditLog, clock: FakeClock, db_url: str) -> None:
    entries = fill(log, clock, 5000)
    anchor = log.head()
    assert anchor is not None
    sql(db_url, "UPDATE ncc_audit_log SET reason = 'rewritten' WHERE seq = 4995")
    prev = entries[4993].hash
    for seq in range(4995, 5001):
        sql(db_url, "UPDATE ncc_audit_log SET prev_hash = :p WHERE seq = :seq", p=prev, seq=seq)
        prev = rehash(db_url, seq, prev)

    assert log.verify() == VerifyReport(ok=True, checked=5000)  # internally consistent
    assert log.verify(anchor) == VerifyReport(
        ok=False, checked=5000, first_broken_seq=5000, problem=VerifyProblem.ANCHOR_MISMATCH
    )


@pytest.mark.parametrize(
    ("assignment", "problem"),
    [
        ("time_us = time_us + 1", VerifyProblem.HASH_MISMATCH),
        ("user_id = 'mallory'", VerifyProblem.HASH_MISMATCH),
        ("user_name = 'Mallory'", VerifyProblem.HASH_MISMATCH),
        ("agency_id = NULL", VerifyProblem.HASH_MISMATCH),
        ("action = 'live.view'", VerifyProblem.HASH_MISMATCH),
        ("target_type = 'site'", VerifyProblem.HASH_MISMATCH),
        ("target_id = 'fr-2'", VerifyProblem.HASH_MISMATCH),
        ("camera_id = 'nvr9/x'", VerifyProblem.HASH_MISMATCH),
        ("reason = NULL", VerifyProblem.HASH_MISMATCH),
        ('details = \'{"minutes":"15"}\'', VerifyProblem.HASH_MISMATCH),
        ("details = '{\"minutes\": 15}'", VerifyProblem.HASH_MISMATCH),  # same JSON, not canonical
        ("hash = prev_hash", VerifyProblem.HASH_MISMATCH),
        ("prev_hash = hash", VerifyProblem.PREV_HASH_MISMATCH),
        ("seq = 100", VerifyProblem.MISSING_ENTRY),
    ],
)
def test_every_stored_column_is_covered(
    log: AuditLog, db_url: str, assignment: str, problem: VerifyProblem
) -> None:
    log.append_many([simple_record() for _ in range(20)])
    sql(db_url, f"UPDATE ncc_audit_log SET {assignment} WHERE seq = 7")

    assert log.verify() == VerifyReport(ok=False, checked=6, first_broken_seq=7, problem=problem)


# --- CSV export ------------------------------------------------------------------------------


@pytest.mark.usefixtures("small_chunks")
def test_csv_export_holds_the_period_and_reverifies(shared: SharedLog) -> None:
    entries = shared.entries
    since, until = entries[600].timestamp, entries[3700].timestamp
    expected = [entry for entry in entries if since <= entry.timestamp < until]
    out = io.StringIO()

    written = shared.log.export_csv(since, until, out)

    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert out.getvalue().startswith(",".join(CSV_HEADER) + "\n")
    assert written == len(rows) == len(expected)
    assert [int(row["seq"]) for row in rows] == [entry.seq for entry in expected]
    for row, entry in zip(rows, expected, strict=True):
        assert row["timestamp"] == entry.timestamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        assert row["user_name"] == entry.user_name
        assert row["agency_id"] == (entry.agency_id or "")
        assert row["camera_id"] == (entry.camera_id or "")
        assert row["reason"] == (entry.reason or "")
        assert json.loads(row["details"]) == entry.details
        assert row["hash"] == entry.hash
        assert auditor_hash(row["prev_hash"], row) == row["hash"]
    for before, after in itertools.pairwise(rows):
        assert after["prev_hash"] == before["hash"]


def test_csv_export_of_an_empty_period_is_just_the_header(log: AuditLog, clock: FakeClock) -> None:
    out = io.StringIO()
    assert log.export_csv(START, START + timedelta(days=1), out) == 0
    fill(log, clock, 100)
    assert log.export_csv(START - timedelta(days=2), START - timedelta(days=1), out) == 0
    assert out.getvalue() == (",".join(CSV_HEADER) + "\n") * 2


def test_csv_export_refuses_a_bad_period(log: AuditLog) -> None:
    out = io.StringIO()
    with pytest.raises(AuditInputError, match="since must be a timezone-aware"):
        log.export_csv(datetime(2025, 1, 1), START, out)
    with pytest.raises(AuditInputError, match="until must be a timezone-aware"):
        log.export_csv(START, None, out)  # type: ignore[arg-type]
    with pytest.raises(AuditInputError, match="since must be earlier than until"):
        log.export_csv(START, START - timedelta(seconds=1), out)
    assert out.getvalue() == ""


# --- lifecycle, schema, URLs ---------------------------------------------------------------


def test_a_closed_log_refuses_work(db_url: str) -> None:
    closed = AuditLog(db_url)
    for call in (
        lambda: closed.append(simple_record()),
        lambda: closed.append_many([]),
        lambda: closed.query(AuditQuery()),
        closed.head,
        closed.verify,
        lambda: closed.export_csv(START, START + timedelta(days=1), io.StringIO()),
    ):
        with pytest.raises(AuditStateError, match="is not open"):
            call()
    closed.open()
    with pytest.raises(AuditStateError, match="is already open"):
        closed.open()
    closed.close()
    with pytest.raises(AuditStateError, match="is not open"):
        closed.head()


def test_schema_version_is_recorded_once(log: AuditLog, db_url: str) -> None:
    log.close()
    log.open()
    assert sql(db_url, "SELECT version FROM ncc_audit_schema") == [(1,)]

    log.close()
    sql(db_url, "DELETE FROM ncc_audit_schema")  # a crash between creating and recording
    log.open()
    assert sql(db_url, "SELECT version FROM ncc_audit_schema") == [(1,)]


def test_a_newer_schema_is_refused(log: AuditLog, db_url: str) -> None:
    log.close()
    sql(db_url, "UPDATE ncc_audit_schema SET version = 2")
    with pytest.raises(AuditSchemaError, match="schema version 2 is not the supported version 1"):
        log.open()
    with pytest.raises(AuditStateError):
        log.head()
    sql(db_url, "UPDATE ncc_audit_schema SET version = 1")
    log.open()


def test_sqlite_runs_in_wal_mode_with_normal_sync(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    wal_log = AuditLog(f"sqlite:///{path}")
    wal_log.open()
    try:
        engine = wal_log._engine  # the pragmas are per connection: ask one of the log's own
        assert engine is not None
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 10_000
        with sqlite3.connect(path) as raw:
            assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        wal_log.close()


def test_head_makes_sqlite_entries_durable(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "anchor.db"
    durable_log = AuditLog(f"sqlite:///{path}", clock=clock)
    durable_log.open()
    try:
        fill(durable_log, clock, 300)
        head = durable_log.head()
        assert head is not None
        # the database file alone, without its WAL, already holds every anchored entry
        copy = tmp_path / "copy.db"
        copy.write_bytes(path.read_bytes())
        with sqlite3.connect(copy) as raw:
            assert raw.execute("SELECT max(seq), count(*) FROM ncc_audit_log").fetchone() == (
                head.seq,
                head.count,
            )
    finally:
        durable_log.close()


def test_unopenable_sqlite_file_fails_clearly(tmp_path: Path) -> None:
    broken = AuditLog(f"sqlite:///{tmp_path / 'missing' / 'dir' / 'audit.db'}")
    with pytest.raises(AuditStorageError, match=r"audit log open failed on sqlite:///.*audit\.db"):
        broken.open()
    with pytest.raises(AuditStateError):
        broken.head()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "audit log URL is not a database URL"),
        ("postgresql://ncc:s3cr3t-pw@db:notaport/ncc", "audit log URL is not a database URL"),
        ("mysql://ncc:s3cr3t-pw@db/ncc", "not mysql\\+mysqldb"),
        ("postgresql+asyncpg://ncc:s3cr3t-pw@db/ncc", "not postgresql\\+asyncpg"),
        ("sqlite://", "must name a SQLite file"),
        ("sqlite:///:memory:", "must name a SQLite file"),
    ],
)
def test_unsupported_urls_are_refused_without_echoing_them(url: str, message: str) -> None:
    with pytest.raises(AuditInputError, match=message) as caught:
        AuditLog(url)
    assert "s3cr3t-pw" not in str(caught.value)


def test_the_password_never_shows(tmp_path: Path) -> None:
    url = "postgresql://ncc:s3cr3t-pw@127.0.0.1:1/ncc"  # nothing listens on port 1
    remote = AuditLog(url)
    assert repr(remote) == "AuditLog('postgresql://ncc:***@127.0.0.1:1/ncc', open=False)"
    assert remote.safe_url == "postgresql://ncc:***@127.0.0.1:1/ncc"
    with pytest.raises(AuditStorageError) as caught:
        remote.open()
    assert "s3cr3t-pw" not in str(caught.value)
    assert str(caught.value).startswith("audit log open failed on postgresql://ncc:***@127.0.0.1:1/ncc: ")
    local = AuditLog(f"sqlite:///{tmp_path / 'a.db'}")
    local.open()
    assert repr(local) == f"AuditLog('sqlite:///{tmp_path / 'a.db'}', open=True)"
    local.close()
