"""Tamper-evident audit log: an append-only, hash-chained table in SQLite or PostgreSQL.

Every entry carries the hash of the entry before it, so editing, deleting or re-numbering a row
breaks the chain at that row. Rows cut off the end, or a chain recomputed wholesale by someone
with write access to the database, show only against a head kept elsewhere (an *anchor*, see
`AuditLog.head` and `AuditLog.verify`).

Canonical hash format ``ncc-audit-1`` (all an auditor needs to re-check a log or a CSV export)::

    hash = lowercase hex SHA-256 of the UTF-8 bytes of the JSON array
      ["ncc-audit-1", prev_hash, seq, time_us, user_id, user_name, agency_id, action,
       target_type, target_id, camera_id, reason, details]

- ``prev_hash``: the previous entry's ``hash``; the entry with seq 1 chains from the genesis
  value, 64 ``"0"`` characters.
- ``seq``: 1, 2, 3, ... without gaps, in chain order.
- ``time_us``: the entry's UTC time as integer microseconds since 1970-01-01T00:00:00Z
  (column ``time_us``; CSV exports carry it next to the ISO 8601 ``timestamp``).
- ``agency_id``, ``camera_id``, ``reason``: JSON ``null`` when absent (empty CSV cells: present
  values are never empty strings).
- ``details``: a JSON object; the ``details`` column (and CSV cell) holds exactly its
  canonical text.
- The serialization is RFC 8785 (JSON Canonicalization Scheme) over the values NCC accepts:
  no whitespace; object keys, which are ASCII, sorted; strings escape only ``"``, ``\\`` and
  control characters (``\\b \\f \\n \\r \\t``, others as ``\\u00xx`` with lowercase hex), every
  other character written as UTF-8; numbers are integers within +-(2**53 - 1) in decimal
  (floats are refused). In Python: ``json.dumps(array, ensure_ascii=False,
  separators=(",", ":"), sort_keys=True)``.

Worked example: seq 1 at time_us 1735689600000000 by user ``u1`` ("Ani") of agency ``dishub``,
action ``grant.revoke`` on target ``grant`` ``g-7``, camera ``nvr1/gate``, reason ``expired``,
details ``{"to":"polres"}`` serializes to ``["ncc-audit-1","000...000",1,1735689600000000,
"u1","Ani","dishub","grant.revoke","grant","g-7","nvr1/gate","expired",{"to":"polres"}]`` and
hashes to ``8e3ed234ddd6ec3f8ecc443f168cdba99eb4ed3fb0f860e7b0b604d642252f72``.

Time: entries never go back in time along the chain; when the wall clock steps back, an entry
takes its predecessor's time. Time ranges are therefore seq ranges, which is how queries on a
large log stay fast.

Durability: `AuditLog.append` returns once its own transaction has committed; nothing is
batched behind the caller's back. `AuditLog.append_many` commits all its entries in one
transaction, or none. SQLite runs in WAL mode with ``synchronous=NORMAL``: a committed entry
survives a crash of Home Assistant; a power loss or kernel crash may lose the last commits but
never breaks the file or the chain, and `AuditLog.head` syncs before it answers, so anchors
only name durable entries. PostgreSQL keeps its own settings (``synchronous_commit``).

Writers: one lock per `AuditLog`; every method is safe to call from several threads. A second
writer on the same database (another process) is tolerated: a seq conflict reloads the head
and retries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
import csv
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
import hashlib
import json
import logging
import re
import threading
from typing import Any, Final, TextIO

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError, SQLAlchemyError

_LOGGER = logging.getLogger(__name__)

HASH_FORMAT: Final = "ncc-audit-1"
GENESIS_HASH: Final = "0" * 64
SCHEMA_VERSION: Final = 1
DEFAULT_QUERY_LIMIT: Final = 100
MAX_QUERY_LIMIT: Final = 1000

MAX_ID_LENGTH: Final = 255
MAX_ACTION_LENGTH: Final = 64
MAX_REASON_LENGTH: Final = 2000
MAX_DETAILS_BYTES: Final = 8192
_MAX_DETAILS_DEPTH: Final = 8
_MAX_SAFE_INTEGER: Final = 2**53 - 1

# rows per round trip when streaming (verify, export): bounds memory whatever the log's size
_CHUNK_ROWS: Final = 5000
# a seq conflict means another process appended; reload the head and try again this often
_WRITE_ATTEMPTS: Final = 3
_WAL_CHECKPOINT_PAGES: Final = 10_000
_WAL_SIZE_LIMIT_BYTES: Final = 64 * 1024 * 1024

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MICROSECOND: Final = timedelta(microseconds=1)
_ACTION_PATTERN: Final = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*")
_DETAIL_KEY_PATTERN: Final = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
_HASH_PATTERN: Final = re.compile(r"[0-9a-f]{64}")
_SUPPORTED_DRIVERS: Final = {("sqlite", "pysqlite"), ("postgresql", "psycopg2")}

_CANONICAL_JSON: Final = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False
)

type JsonValue = str | int | bool | Sequence[JsonValue] | Mapping[str, JsonValue] | None


class AuditError(Exception):
    """Base of the audit log's errors."""


class AuditInputError(AuditError, ValueError):
    """A record, query, head or URL was refused; nothing was written."""


class AuditStateError(AuditError):
    """The log was used before `AuditLog.open`, after `AuditLog.close`, or opened twice."""


class AuditSchemaError(AuditError):
    """The database holds an audit schema version this code does not know."""


class AuditStorageError(AuditError):
    """The database failed; the message names the database without its password."""


class AuditUnavailableError(AuditStorageError):
    """The database cannot be reached or opened now (server down, refused connection, file
    missing or locked): trying again later may succeed, unlike with a damaged database."""


class VerifyProblem(StrEnum):
    """Why a chain failed verification."""

    HASH_MISMATCH = "hash_mismatch"  # the row's fields no longer give its hash: edited
    MISSING_ENTRY = "missing_entry"  # a seq is absent: deleted
    PREV_HASH_MISMATCH = "prev_hash_mismatch"  # the row does not chain from its predecessor
    TRUNCATED = "truncated"  # the chain ends before the expected head
    ANCHOR_MISMATCH = "anchor_mismatch"  # the expected head's seq holds another hash: rewritten


@dataclass(frozen=True, kw_only=True)
class AuditRecord:
    """What a caller records; the log adds seq, time and hashes.

    ``agency_id`` is None for acts outside any agency (a city administrator). ``details`` is a
    small JSON object (strings, integers, booleans, null, lists, objects; ASCII keys); it is
    copied, so later changes to the caller's mapping do not reach the record.
    """

    user_id: str
    user_name: str
    agency_id: str | None
    action: str
    target_type: str
    target_id: str
    camera_id: str | None = None
    reason: str | None = None
    details: Mapping[str, JsonValue] = field(default_factory=dict)
    details_json: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_text("user_id", self.user_id, MAX_ID_LENGTH)
        _check_text("user_name", self.user_name, MAX_ID_LENGTH)
        _check_optional_text("agency_id", self.agency_id, MAX_ID_LENGTH)
        _check_action("action", self.action)
        _check_text("target_type", self.target_type, MAX_ID_LENGTH)
        _check_text("target_id", self.target_id, MAX_ID_LENGTH)
        _check_optional_text("camera_id", self.camera_id, MAX_ID_LENGTH)
        _check_optional_text("reason", self.reason, MAX_REASON_LENGTH)
        details_json = _canonical_details(self.details)
        object.__setattr__(self, "details_json", details_json)
        object.__setattr__(self, "details", json.loads(details_json))


@dataclass(frozen=True, kw_only=True)
class AuditEntry:
    """One entry of the chain as stored."""

    seq: int
    timestamp: datetime
    user_id: str
    user_name: str
    agency_id: str | None
    action: str
    target_type: str
    target_id: str
    camera_id: str | None
    reason: str | None
    details: Mapping[str, JsonValue]
    prev_hash: str
    hash: str


@dataclass(frozen=True, kw_only=True)
class AuditQuery:
    """Filters for `AuditLog.query`; newest entries first, at most `limit` per page.

    ``since`` is inclusive and ``until`` exclusive (timezone-aware). ``action`` matches that
    action and every action below it: ``footage`` matches ``footage.approve``. ``cursor`` is a
    page's ``next_cursor``: the following page holds older entries only.
    """

    since: datetime | None = None
    until: datetime | None = None
    user_id: str | None = None
    agency_id: str | None = None
    camera_id: str | None = None
    action: str | None = None
    target_id: str | None = None
    limit: int = DEFAULT_QUERY_LIMIT
    cursor: int | None = None

    def __post_init__(self) -> None:
        _check_period(self.since, self.until)
        _check_optional_text("user_id", self.user_id, MAX_ID_LENGTH)
        _check_optional_text("agency_id", self.agency_id, MAX_ID_LENGTH)
        _check_optional_text("camera_id", self.camera_id, MAX_ID_LENGTH)
        _check_optional_text("target_id", self.target_id, MAX_ID_LENGTH)
        if self.action is not None:
            _check_action("action", self.action)
        if not _is_int(self.limit) or not 1 <= self.limit <= MAX_QUERY_LIMIT:
            raise AuditInputError(f"limit must be an integer from 1 to {MAX_QUERY_LIMIT}")
        if self.cursor is not None and (not _is_int(self.cursor) or self.cursor < 1):
            raise AuditInputError("cursor must be a positive integer from a previous page")


@dataclass(frozen=True, kw_only=True)
class AuditPage:
    """One page of query results, newest first; ``next_cursor`` is None on the last page."""

    entries: tuple[AuditEntry, ...]
    next_cursor: int | None


@dataclass(frozen=True, kw_only=True)
class ChainHead:
    """The last entry of the chain: what an anchor keeps to detect truncation or rewriting.

    ``count`` is the number of entries the chain holds; seqs start at 1 without gaps, so for
    an intact chain it equals ``seq``.
    """

    seq: int
    hash: str
    count: int

    def __post_init__(self) -> None:
        if not _is_int(self.seq) or self.seq < 1:
            raise AuditInputError("chain head seq must be a positive integer")
        if not isinstance(self.hash, str) or not _HASH_PATTERN.fullmatch(self.hash):
            raise AuditInputError("chain head hash must be 64 lowercase hexadecimal characters")
        if not _is_int(self.count) or self.count < 0:
            raise AuditInputError("chain head count must be a non-negative integer")


@dataclass(frozen=True, kw_only=True)
class VerifyReport:
    """Outcome of `AuditLog.verify`.

    ``checked`` counts the entries found intact before the first problem; ``first_broken_seq``
    is the seq where the chain breaks (for a missing or truncated entry: the first absent seq).
    """

    ok: bool
    checked: int
    first_broken_seq: int | None = None
    problem: VerifyProblem | None = None


_METADATA: Final = sa.MetaData()
# INTEGER PRIMARY KEY makes seq SQLite's rowid: no second b-tree for the key
_SEQ_TYPE: Final = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# byte order ("C") keeps an action prefix a contiguous index range whatever the database locale
_ACTION_TYPE: Final = sa.String(MAX_ACTION_LENGTH).with_variant(
    postgresql.VARCHAR(MAX_ACTION_LENGTH, collation="C"), "postgresql"
)

_LOG: Final = sa.Table(
    "ncc_audit_log",
    _METADATA,
    sa.Column("seq", _SEQ_TYPE, primary_key=True, autoincrement=False),
    sa.Column("time_us", sa.BigInteger, nullable=False),
    sa.Column("user_id", sa.String(MAX_ID_LENGTH), nullable=False),
    sa.Column("user_name", sa.String(MAX_ID_LENGTH), nullable=False),
    sa.Column("agency_id", sa.String(MAX_ID_LENGTH), nullable=True),
    sa.Column("action", _ACTION_TYPE, nullable=False),
    sa.Column("target_type", sa.String(MAX_ID_LENGTH), nullable=False),
    sa.Column("target_id", sa.String(MAX_ID_LENGTH), nullable=False),
    sa.Column("camera_id", sa.String(MAX_ID_LENGTH), nullable=True),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("details", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.CheckConstraint("seq >= 1", name="ck_ncc_audit_log_seq_positive"),
    # every filter index ends in seq: a filtered page is one index range read newest first
    sa.Index("ix_ncc_audit_log_time", "time_us", "seq"),
    sa.Index("ix_ncc_audit_log_user", "user_id", "seq"),
    sa.Index("ix_ncc_audit_log_agency", "agency_id", "seq"),
    sa.Index("ix_ncc_audit_log_camera", "camera_id", "seq"),
    sa.Index("ix_ncc_audit_log_action", "action", "seq"),
    sa.Index("ix_ncc_audit_log_target", "target_id", "seq"),
)
# built once: a fresh insert() per append costs SQLAlchemy a new cache key (~15% of an append)
_INSERT: Final = _LOG.insert()
_SCHEMA: Final = sa.Table("ncc_audit_schema", _METADATA, sa.Column("version", sa.Integer, nullable=False))

# the hashed fields in canonical order, then the stored hash: what verify and export read
_CHAIN_COLUMNS: Final = (
    _LOG.c.seq,
    _LOG.c.time_us,
    _LOG.c.user_id,
    _LOG.c.user_name,
    _LOG.c.agency_id,
    _LOG.c.action,
    _LOG.c.target_type,
    _LOG.c.target_id,
    _LOG.c.camera_id,
    _LOG.c.reason,
    _LOG.c.details,
    _LOG.c.prev_hash,
    _LOG.c.hash,
)
CSV_HEADER: Final = (
    "seq",
    "timestamp",
    "time_us",
    "user_id",
    "user_name",
    "agency_id",
    "action",
    "target_type",
    "target_id",
    "camera_id",
    "reason",
    "details",
    "prev_hash",
    "hash",
)


@dataclass(frozen=True, slots=True)
class _Head:
    seq: int
    hash: str
    time_us: int


class AuditLog:
    """The audit log of one database, for SQLite and PostgreSQL alike.

    ``url`` is a SQLAlchemy URL: ``sqlite:////config/ncc_audit.db`` or
    ``postgresql://user:password@host:5432/db`` (psycopg2). ``clock`` gives the current time
    (timezone-aware); tests replace it.
    """

    def __init__(self, url: str, *, clock: Callable[[], datetime] | None = None) -> None:
        self._url = _parse_url(url)
        self._clock = clock or _utc_now
        self._lock = threading.Lock()
        self._engine: Engine | None = None
        self._sqlite_writer: Connection | None = None
        self._head: _Head | None = None

    def __repr__(self) -> str:
        return f"AuditLog({self.safe_url!r}, open={self._engine is not None})"

    @property
    def safe_url(self) -> str:
        """The database URL with its password masked, fit for logs and messages."""
        return self._url.render_as_string(hide_password=True)

    def open(self) -> None:
        """Connect, create the schema if missing and load the chain head."""
        with self._lock:
            if self._engine is not None:
                raise AuditStateError(f"audit log {self.safe_url} is already open")
            engine = self._create_engine()
            try:
                with self._storage_errors("open"), engine.begin() as conn:
                    _ensure_schema(conn)
                    head = _read_head(conn)
                if self._url.get_backend_name() == "sqlite":
                    with self._storage_errors("open"):
                        self._sqlite_writer = engine.connect()
            except BaseException:
                engine.dispose()
                raise
            self._engine, self._head = engine, head
        _LOGGER.debug("audit log %s open at seq %s", self.safe_url, head.seq if head else 0)

    def close(self) -> None:
        """Release the database; a closed log can be opened again and continues its chain."""
        with self._lock:
            if self._sqlite_writer is not None:
                self._sqlite_writer.close()
            if self._engine is not None:
                self._engine.dispose()
            self._engine, self._sqlite_writer, self._head = None, None, None

    def append(self, record: AuditRecord) -> AuditEntry:
        """Add one entry and commit it before returning."""
        return self.append_many([record])[0]

    def append_many(self, records: Sequence[AuditRecord]) -> list[AuditEntry]:
        """Add several entries in one transaction: all are committed, or none."""
        for record in records:
            if not isinstance(record, AuditRecord):
                raise AuditInputError(f"expected AuditRecord, got {type(record).__name__}")
        with self._lock:
            self._require_engine()
            if not records:
                return []
            attempt = 1
            while True:
                entries, rows = self._chain(records, self._head)
                try:
                    with self._write_connection() as conn, conn.begin():
                        conn.execute(_INSERT, rows)
                except IntegrityError as err:
                    # another writer took these seqs; chain onto its entries instead
                    if attempt == _WRITE_ATTEMPTS:
                        raise AuditStorageError(
                            self._failure("append", err, "seq conflicts kept recurring")
                        ) from err
                    attempt += 1
                    with (
                        self._storage_errors("append"),
                        self._write_connection() as conn,
                        conn.begin(),
                    ):
                        self._head = _read_head(conn)
                    continue
                except SQLAlchemyError as err:
                    raise AuditStorageError(self._failure("append", err)) from err
                last = entries[-1]
                self._head = _Head(last.seq, last.hash, rows[-1]["time_us"])
                return entries

    def head(self) -> ChainHead | None:
        """The last entry this log wrote or loaded, made durable; None while the log is empty.

        On SQLite this first syncs the WAL (a passive checkpoint), so an anchor taken from it
        never names entries a power loss could still take, and a later `verify` against it
        reports "truncated" only for entries that were really removed. Call it when taking an
        anchor, not after every append.
        """
        with self._lock:
            self._require_engine()
            head = self._head
            if head is not None and self._sqlite_writer is not None:
                with self._storage_errors("head"), self._sqlite_writer.begin():
                    self._sqlite_writer.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
        return None if head is None else ChainHead(seq=head.seq, hash=head.hash, count=head.seq)

    def query(self, query: AuditQuery) -> AuditPage:
        """One page of entries matching ``query``, newest first."""
        if not isinstance(query, AuditQuery):
            raise AuditInputError(f"expected AuditQuery, got {type(query).__name__}")
        engine = self._current_engine()
        with self._storage_errors("query"), engine.connect() as conn:
            bounds = _seq_bounds(conn, query.since, query.until)
            if bounds is None:
                return AuditPage(entries=(), next_cursor=None)
            low, high = bounds
            if query.cursor is not None:
                high = query.cursor - 1 if high is None else min(high, query.cursor - 1)
            conditions = _time_conditions(query.since, query.until) + _seq_conditions(low, high)
            for column, value in (
                (_LOG.c.user_id, query.user_id),
                (_LOG.c.agency_id, query.agency_id),
                (_LOG.c.camera_id, query.camera_id),
                (_LOG.c.target_id, query.target_id),
            ):
                if value is not None:
                    conditions.append(column == value)
            if query.action is not None:
                conditions.append(
                    sa.or_(
                        _LOG.c.action == query.action,
                        sa.and_(
                            _LOG.c.action >= query.action + ".",
                            _LOG.c.action < query.action + "/",  # "/" follows "." in bytes
                        ),
                    )
                )
            rows = conn.execute(
                sa.select(*_CHAIN_COLUMNS)
                .where(*conditions)
                .order_by(_LOG.c.seq.desc())
                .limit(query.limit + 1)
            ).all()
        entries = tuple(_entry_from_row(row) for row in rows[: query.limit])
        more = len(rows) > query.limit
        return AuditPage(entries=entries, next_cursor=entries[-1].seq if more else None)

    def verify(self, expected_head: ChainHead | None = None) -> VerifyReport:
        """Check the chain from genesis to its last entry, reading it in bounded chunks.

        With ``expected_head`` (an anchor kept elsewhere) the chain must also reach that seq
        and hold that hash there.
        """
        if expected_head is not None and not isinstance(expected_head, ChainHead):
            raise AuditInputError(f"expected ChainHead, got {type(expected_head).__name__}")
        engine = self._current_engine()
        checked = 0
        prev_hash = GENESIS_HASH
        hash_at_anchor: str | None = None
        anchor_seq = expected_head.seq if expected_head else 0
        with self._storage_errors("verify"), engine.connect() as conn:
            chunk = (
                sa.select(*_CHAIN_COLUMNS)
                .where(_LOG.c.seq > sa.bindparam("after"))
                .order_by(_LOG.c.seq)
                .limit(_CHUNK_ROWS)
            )
            # entries appended meanwhile are checked too: the chain only grows at its end
            while rows := conn.execute(chunk, {"after": checked}).all():
                for row in rows:
                    seq = row[0]
                    if seq != checked + 1:
                        return _broken(checked, checked + 1, VerifyProblem.MISSING_ENTRY)
                    if row[11] != prev_hash:
                        return _broken(checked, seq, VerifyProblem.PREV_HASH_MISMATCH)
                    if _entry_hash(prev_hash, *row[:11]) != row[12]:
                        return _broken(checked, seq, VerifyProblem.HASH_MISMATCH)
                    prev_hash = row[12]
                    checked = seq
                    if seq == anchor_seq:
                        hash_at_anchor = prev_hash
        if expected_head is not None:
            if checked < expected_head.seq:
                return _broken(checked, checked + 1, VerifyProblem.TRUNCATED)
            if hash_at_anchor != expected_head.hash:
                return _broken(checked, expected_head.seq, VerifyProblem.ANCHOR_MISMATCH)
        return VerifyReport(ok=True, checked=checked)

    def export_csv(self, since: datetime, until: datetime, out: TextIO) -> int:
        """Write the entries of [since, until) oldest first as CSV; return the rows written.

        The header comes first; the columns are `CSV_HEADER`, hashes included, so the export
        can be re-verified on its own (see the module docstring). Cells hold the stored text
        unchanged (no spreadsheet-formula escaping, which would break re-verification): open
        the file in a spreadsheet as text.
        """
        _to_microseconds(since, "since")
        _to_microseconds(until, "until")
        _check_period(since, until)
        engine = self._current_engine()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        written = 0
        with self._storage_errors("export"), engine.connect() as conn:
            bounds = _seq_bounds(conn, since, until)
            if bounds is None:
                return 0
            low, high = bounds
            after = (low or 1) - 1
            conditions = _time_conditions(since, until) + _seq_conditions(None, high)
            chunk = (
                sa.select(*_CHAIN_COLUMNS)
                .where(_LOG.c.seq > sa.bindparam("after"), *conditions)
                .order_by(_LOG.c.seq)
                .limit(_CHUNK_ROWS)
            )
            while rows := conn.execute(chunk, {"after": after}).all():
                writer.writerows(_csv_row(row) for row in rows)
                written += len(rows)
                after = rows[-1][0]
        return written

    def _chain(
        self, records: Sequence[AuditRecord], head: _Head | None
    ) -> tuple[list[AuditEntry], list[dict[str, Any]]]:
        """The entries (and their table rows) that ``records`` become after ``head``."""
        time_us = _to_microseconds(self._clock(), "clock")
        seq, prev_hash = 0, GENESIS_HASH
        if head is not None:
            seq, prev_hash, time_us = head.seq, head.hash, max(time_us, head.time_us)
        timestamp = _from_microseconds(time_us)
        entries: list[AuditEntry] = []
        rows: list[dict[str, Any]] = []
        for record in records:
            seq += 1
            entry_hash = _entry_hash(
                prev_hash,
                seq,
                time_us,
                record.user_id,
                record.user_name,
                record.agency_id,
                record.action,
                record.target_type,
                record.target_id,
                record.camera_id,
                record.reason,
                record.details_json,
            )
            entries.append(
                AuditEntry(
                    seq=seq,
                    timestamp=timestamp,
                    user_id=record.user_id,
                    user_name=record.user_name,
                    agency_id=record.agency_id,
                    action=record.action,
                    target_type=record.target_type,
                    target_id=record.target_id,
                    camera_id=record.camera_id,
                    reason=record.reason,
                    details=record.details,
                    prev_hash=prev_hash,
                    hash=entry_hash,
                )
            )
            rows.append(
                {
                    "seq": seq,
                    "time_us": time_us,
                    "user_id": record.user_id,
                    "user_name": record.user_name,
                    "agency_id": record.agency_id,
                    "action": record.action,
                    "target_type": record.target_type,
                    "target_id": record.target_id,
                    "camera_id": record.camera_id,
                    "reason": record.reason,
                    "details": record.details_json,
                    "prev_hash": prev_hash,
                    "hash": entry_hash,
                }
            )
            prev_hash = entry_hash
        return entries, rows

    def _create_engine(self) -> Engine:
        if self._url.get_backend_name() == "sqlite":
            engine = sa.create_engine(self._url)
            sa.event.listen(engine, "connect", _configure_sqlite)
            return engine
        return sa.create_engine(
            self._url,
            pool_pre_ping=True,
            connect_args={"connect_timeout": 10, "application_name": "ncc-audit"},
        )

    @contextmanager
    def _write_connection(self) -> Iterator[Connection]:
        """The connection for a write; the caller holds the lock.

        A SQLite file never drops a connection, so the writer keeps one: a pool checkout
        costs about a fifth of an append. A PostgreSQL server may drop idle connections, so
        each write takes one from the pool, which pings it first.
        """
        if self._sqlite_writer is not None:
            yield self._sqlite_writer
        else:
            with self._require_engine().connect() as conn:
                yield conn

    def _require_engine(self) -> Engine:
        """The open engine; the caller holds the lock."""
        if self._engine is None:
            raise AuditStateError(f"audit log {self.safe_url} is not open")
        return self._engine

    def _current_engine(self) -> Engine:
        with self._lock:
            return self._require_engine()

    @contextmanager
    def _storage_errors(self, operation: str) -> Iterator[None]:
        try:
            yield
        except OperationalError as err:
            raise AuditUnavailableError(self._failure(operation, err)) from err
        except SQLAlchemyError as err:
            raise AuditStorageError(self._failure(operation, err)) from err

    def _failure(self, operation: str, err: SQLAlchemyError, note: str | None = None) -> str:
        cause = getattr(err, "orig", None) or err
        lines = str(cause).strip().splitlines()
        detail = note or (lines[0] if lines else type(cause).__name__)
        password = self._url.password
        if password:
            detail = detail.replace(str(password), "***")
        return f"audit log {operation} failed on {self.safe_url}: {detail}"


def _parse_url(url: str) -> URL:
    # the messages never quote the URL: it may hold a password
    try:
        parsed = sa.make_url(url)
    except (ArgumentError, ValueError, TypeError):
        raise AuditInputError("audit log URL is not a database URL") from None
    kind = (parsed.get_backend_name(), parsed.get_driver_name())
    if kind not in _SUPPORTED_DRIVERS:
        raise AuditInputError(
            f"audit log URL must be sqlite:///<file> or postgresql://... (psycopg2), not {kind[0]}+{kind[1]}"
        )
    if kind[0] == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise AuditInputError("audit log URL must name a SQLite file, not an in-memory database")
    return parsed


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Checkpoint every ~40 MB of WAL rather than 4 MB: each commit touches a page in each
        # of seven b-trees, and rarer checkpoints write a hot page back once, not ten times
        # (single appends on a 1,000,000-entry log: about 4,000/s -> 5,700/s).
        cursor.execute(f"PRAGMA wal_autocheckpoint={_WAL_CHECKPOINT_PAGES}")
        cursor.execute(f"PRAGMA journal_size_limit={_WAL_SIZE_LIMIT_BYTES}")
    finally:
        cursor.close()


def _ensure_schema(conn: Connection) -> None:
    _METADATA.create_all(conn, checkfirst=True)
    version = conn.execute(sa.select(sa.func.max(_SCHEMA.c.version))).scalar_one()
    if version is None:
        conn.execute(_SCHEMA.insert().values(version=SCHEMA_VERSION))
    elif version != SCHEMA_VERSION:
        raise AuditSchemaError(
            f"audit log schema version {version} is not the supported version {SCHEMA_VERSION}"
        )


def _read_head(conn: Connection) -> _Head | None:
    row = conn.execute(
        sa.select(_LOG.c.seq, _LOG.c.hash, _LOG.c.time_us).order_by(_LOG.c.seq.desc()).limit(1)
    ).first()
    return None if row is None else _Head(row[0], row[1], row[2])


def _seq_bounds(
    conn: Connection, since: datetime | None, until: datetime | None
) -> tuple[int | None, int | None] | None:
    """The seq range holding [since, until), or None when no entry falls inside.

    Times never decrease along the chain, so one index probe per bound turns a time range
    into a seq range, which every filter index can then read newest first.
    """
    low = high = None
    if since is not None:
        low = conn.execute(
            sa.select(_LOG.c.seq)
            .where(_LOG.c.time_us >= _to_microseconds(since, "since"))
            .order_by(_LOG.c.time_us, _LOG.c.seq)
            .limit(1)
        ).scalar()
        if low is None:
            return None
    if until is not None:
        high = conn.execute(
            sa.select(_LOG.c.seq)
            .where(_LOG.c.time_us < _to_microseconds(until, "until"))
            .order_by(_LOG.c.time_us.desc(), _LOG.c.seq.desc())
            .limit(1)
        ).scalar()
        if high is None:
            return None
    return low, high


def _time_conditions(since: datetime | None, until: datetime | None) -> list[sa.ColumnElement[bool]]:
    # kept next to the seq range so results stay exact even if stored times were tampered with
    conditions: list[sa.ColumnElement[bool]] = []
    if since is not None:
        conditions.append(_LOG.c.time_us >= _to_microseconds(since, "since"))
    if until is not None:
        conditions.append(_LOG.c.time_us < _to_microseconds(until, "until"))
    return conditions


def _seq_conditions(low: int | None, high: int | None) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if low is not None:
        conditions.append(_LOG.c.seq >= low)
    if high is not None:
        conditions.append(_LOG.c.seq <= high)
    return conditions


def _entry_hash(prev_hash: str, *fields: Any) -> str:
    """The canonical hash; ``fields`` are seq through reason, then the details JSON text."""
    head = _CANONICAL_JSON.encode([HASH_FORMAT, prev_hash, *fields[:-1]])
    # details is stored as canonical JSON text already: splice it in rather than re-encode
    message = f"{head[:-1]},{fields[-1]}]"
    return hashlib.sha256(message.encode("utf-8")).hexdigest()


def _entry_from_row(row: sa.Row[Any]) -> AuditEntry:
    return AuditEntry(
        seq=row[0],
        timestamp=_from_microseconds(row[1]),
        user_id=row[2],
        user_name=row[3],
        agency_id=row[4],
        action=row[5],
        target_type=row[6],
        target_id=row[7],
        camera_id=row[8],
        reason=row[9],
        details=json.loads(row[10]),
        prev_hash=row[11],
        hash=row[12],
    )


def _csv_row(row: sa.Row[Any]) -> list[object]:
    seq, time_us, *fields = row
    cells = ["" if value is None else value for value in fields]
    return [seq, _iso_timestamp(time_us), time_us, *cells]


def _broken(checked: int, seq: int, problem: VerifyProblem) -> VerifyReport:
    return VerifyReport(ok=False, checked=checked, first_broken_seq=seq, problem=problem)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _to_microseconds(moment: datetime, name: str) -> int:
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise AuditInputError(f"{name} must be a timezone-aware datetime")
    return (moment - _EPOCH) // _ONE_MICROSECOND


def _from_microseconds(time_us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=time_us)


def _iso_timestamp(time_us: int) -> str:
    return _from_microseconds(time_us).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_text(name: str, value: object, max_length: int) -> None:
    if not isinstance(value, str) or not value.strip():
        raise AuditInputError(f"{name} must be a non-empty string")
    if len(value) > max_length:
        raise AuditInputError(f"{name} is longer than {max_length} characters")
    if "\x00" in value:
        raise AuditInputError(f"{name} must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise AuditInputError(f"{name} is not valid Unicode text") from None


def _check_optional_text(name: str, value: object, max_length: int) -> None:
    if value is not None:
        _check_text(name, value, max_length)


def _check_action(name: str, value: object) -> None:
    _check_text(name, value, MAX_ACTION_LENGTH)
    if not _ACTION_PATTERN.fullmatch(str(value)):
        raise AuditInputError(
            f"{name} must be lowercase dotted words such as 'footage.approve', got {value!r}"
        )


def _check_period(since: datetime | None, until: datetime | None) -> None:
    if since is not None:
        _to_microseconds(since, "since")
    if until is not None:
        _to_microseconds(until, "until")
    if since is not None and until is not None and since >= until:
        raise AuditInputError("since must be earlier than until")


def _canonical_details(details: object) -> str:
    if not isinstance(details, Mapping):
        raise AuditInputError("details must be a JSON object (a mapping)")
    text = _CANONICAL_JSON.encode(_plain_json(details, "details", 0))
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:
        raise AuditInputError("details hold text that is not valid Unicode") from None
    if size > MAX_DETAILS_BYTES:
        raise AuditInputError(f"details take {size} bytes, more than {MAX_DETAILS_BYTES}")
    return text


def _plain_json(value: object, path: str, depth: int) -> object:
    """``value`` as plain dicts and lists, refusing what the canonical form cannot hold."""
    if depth > _MAX_DETAILS_DEPTH:
        raise AuditInputError(f"{path} nests deeper than {_MAX_DETAILS_DEPTH} levels")
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, int):
        if abs(value) > _MAX_SAFE_INTEGER:
            raise AuditInputError(f"{path} is outside +-(2**53 - 1); store it as a string")
        return value
    if isinstance(value, Mapping):
        plain: dict[str, object] = {}
        for key, item in value.items():
            if not isinstance(key, str) or not _DETAIL_KEY_PATTERN.fullmatch(key):
                raise AuditInputError(
                    f"{path} key {key!r} must be 1-64 ASCII letters, digits, '_', '.' or '-'"
                )
            plain[key] = _plain_json(item, f"{path}.{key}", depth + 1)
        return plain
    if isinstance(value, (list, tuple)):
        return [_plain_json(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value)]
    if isinstance(value, float):
        raise AuditInputError(f"{path} is a float; the canonical form takes integers or strings")
    raise AuditInputError(f"{path} has a {type(value).__name__}, which is not JSON")
