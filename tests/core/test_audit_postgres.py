"""What only PostgreSQL can show: collations, dropped connections, password authentication.

The shared behaviour (chain, queries, tampering, export) runs on PostgreSQL in test_audit.py.
"""

from __future__ import annotations

from collections.abc import Iterator
import os

import pytest
import sqlalchemy as sa

from custom_components.ncc.core.audit import (
    AuditLog,
    AuditQuery,
    AuditStorageError,
    VerifyReport,
)
from tests.core.test_audit import (
    FakeClock,
    release_sql_engines,  # noqa: F401  # autouse: closes the engines `sql` opens
    simple_record,
    sql,
)
from tests.postgres_server import PG_URL_ENV

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_url(postgres_url: str) -> str:
    sql(postgres_url, "DROP TABLE IF EXISTS ncc_audit_log, ncc_audit_schema")
    return postgres_url


@pytest.fixture
def shifted_collation_url(postgres_url: str) -> Iterator[str]:
    """A database whose default collation ignores punctuation, as many locales do."""
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql("DROP DATABASE IF EXISTS ncc_shifted")
        conn.exec_driver_sql(
            "CREATE DATABASE ncc_shifted TEMPLATE template0 ENCODING 'UTF8'"
            " LOCALE_PROVIDER icu ICU_LOCALE 'und-u-ka-shifted' LOCALE 'C'"
        )
    try:
        yield (sa.make_url(postgres_url).set(database="ncc_shifted").render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql("DROP DATABASE ncc_shifted WITH (FORCE)")
        admin.dispose()


def test_action_prefixes_ignore_the_database_collation(shifted_collation_url: str) -> None:
    actions = ["footage", "footage.approve", "footage_note.add", "footagex.view", "live.view"]
    log = AuditLog(shifted_collation_url, clock=FakeClock())
    log.open()
    try:
        log.append_many([simple_record(action=action) for action in actions])
        found = [entry.action for entry in log.query(AuditQuery(action="footage")).entries]
    finally:
        log.close()
    assert found == ["footage.approve", "footage"]


def test_same_records_hash_alike_on_both_backends(pg_url: str, tmp_path: object) -> None:
    records = [simple_record(target_id=f"fr-{i}", details={"i": i, "t": "Ijen ✓"}) for i in range(10)]
    hashes = []
    for url in (pg_url, f"sqlite:///{tmp_path}/same.db"):
        log = AuditLog(url, clock=FakeClock())
        log.open()
        try:
            hashes.append([entry.hash for entry in log.append_many(records)])
            assert [e.hash for e in log.query(AuditQuery()).entries] == hashes[-1][::-1]
        finally:
            log.close()
    assert hashes[0] == hashes[1]


def test_a_dropped_connection_is_replaced(pg_url: str) -> None:
    log = AuditLog(pg_url, clock=FakeClock())
    log.open()
    try:
        log.append(simple_record())
        log.query(AuditQuery())
        killed = sql(
            pg_url,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = 'ncc-audit' AND pid <> pg_backend_pid()",
        )
        assert killed, "the log keeps a pooled connection"
        assert log.append(simple_record()).seq == 2
        assert log.verify() == VerifyReport(ok=True, checked=2)
    finally:
        log.close()


def test_a_wrong_password_fails_without_showing_it(pg_url: str) -> None:
    if os.environ.get(PG_URL_ENV):
        pytest.skip(f"{PG_URL_ENV} names a server whose authentication is unknown")
    wrong = sa.make_url(pg_url).set(password="wrong-pw-93x").render_as_string(hide_password=False)
    log = AuditLog(wrong)
    with pytest.raises(AuditStorageError) as caught:
        log.open()
    message = str(caught.value)
    assert "password authentication failed" in message
    assert "wrong-pw-93x" not in message
    assert "wrong-pw-93x" not in repr(log)
    assert ":***@127.0.0.1" in message
