"""Fixtures for the domain tests: a PostgreSQL server for the audit log's second backend.

psycopg2 connects through libpq, below pytest-socket's reach, and the server itself is a
subprocess: no test here needs Python sockets enabled.
"""

from __future__ import annotations

from tests.postgres_server import postgres_url

__all__ = ["postgres_url"]
