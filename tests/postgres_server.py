"""A private PostgreSQL server for tests, started from Debian's `postgresql` binaries.

`postgres_url` (session-scoped pytest fixture) yields a URL with a password,
``postgresql://ncc:<password>@127.0.0.1:<port>/ncc_test``. With ``NCC_TEST_PG_URL`` set it
yields that URL instead and starts nothing (the database must be disposable: tests drop and
create their tables in it).

The private server lives in a temporary directory: data, log and unix socket. PostgreSQL
refuses to run as root, so under root it runs as the ``postgres`` user with the directory
handed over to that user. TCP is scram-sha-256 on 127.0.0.1 only, the socket trusts its owner.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
import glob
import os
from pathlib import Path
import random
import shutil
import subprocess
import tempfile

import pytest

PG_URL_ENV = "NCC_TEST_PG_URL"
USER = "ncc"
PASSWORD = "ncc-test-pw-7Hq2"  # a throwaway server's password
DATABASE = "ncc_test"
_BIN_GLOB = "/usr/lib/postgresql/*/bin"
_START_ATTEMPTS = 8
# below Linux's ephemeral range (32768+), where other tests' port-0 listeners land
_PORT_RANGE = (20000, 32000)
# test servers trade durability for speed; the benchmark asks for a durable one
_FAST_SETTINGS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"


class PostgresUnavailableError(RuntimeError):
    """PostgreSQL is not installed or the private server did not start."""


def find_bindir() -> Path:
    """The newest installed PostgreSQL's bin directory."""
    candidates = [Path(path) for path in glob.glob(_BIN_GLOB) if (Path(path) / "initdb").is_file()]
    if not candidates:
        raise PostgresUnavailableError(
            f"PostgreSQL is not installed: no initdb under {_BIN_GLOB}. Install Debian's "
            f"`postgresql` package, or point {PG_URL_ENV} at a disposable database."
        )
    return max(candidates, key=lambda path: int(path.parent.name.split(".")[0]))


@contextmanager
def running_postgres(*, durable: bool = False) -> Iterator[str]:
    """Start a private server with one database; yield its URL; stop it (fast shutdown).

    ``durable`` keeps PostgreSQL's default fsync settings (for benchmarks); tests run without.
    """
    bindir = find_bindir()
    workdir = Path(tempfile.mkdtemp(prefix="ncc-pg-"))
    data = workdir / "data"
    runner = _runner(workdir)
    started = False
    try:
        pwfile = workdir / "pwfile"
        pwfile.write_text(PASSWORD + "\n", encoding="utf-8")
        _hand_over(pwfile)
        _run(
            [
                *runner,
                str(bindir / "initdb"),
                "--pgdata",
                str(data),
                "--username",
                USER,
                "--pwfile",
                str(pwfile),
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--no-sync",
            ],
            "initdb",
        )
        port = _start(bindir, runner, workdir, durable=durable)
        started = True
        _run(
            [
                *runner,
                str(bindir / "createdb"),
                "--host",
                str(workdir),
                "--port",
                str(port),
                "--username",
                USER,
                DATABASE,
            ],
            "createdb",
        )
        yield f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{port}/{DATABASE}"
    finally:
        if started:
            subprocess.run(
                [*runner, str(bindir / "pg_ctl"), "stop", "--pgdata", str(data), "-m", "fast"],
                capture_output=True,
                check=False,
                timeout=60,
            )
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL URL for the whole test session (see the module docstring)."""
    if url := os.environ.get(PG_URL_ENV):
        yield url
        return
    with ExitStack() as stack:
        try:
            url = stack.enter_context(running_postgres())
        except PostgresUnavailableError as err:
            pytest.fail(str(err), pytrace=False)
        yield url


def _runner(workdir: Path) -> list[str]:
    """The command prefix that runs PostgreSQL's tools as a user they accept."""
    if os.geteuid() != 0:
        return []
    try:
        shutil.chown(workdir, user="postgres", group="postgres")
    except LookupError:
        raise PostgresUnavailableError(
            "running as root, and PostgreSQL refuses root: no `postgres` user to run it as"
        ) from None
    return ["runuser", "-u", "postgres", "--"]


def _hand_over(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, user="postgres", group="postgres")


def _start(bindir: Path, runner: list[str], workdir: Path, *, durable: bool) -> int:
    """Start the server on a free port of 127.0.0.1; retry when a port turns out taken."""
    data, log = workdir / "data", workdir / "server.log"
    chooser = random.SystemRandom()
    for _ in range(_START_ATTEMPTS):
        port = chooser.randint(*_PORT_RANGE)
        options = f"-h 127.0.0.1 -p {port} -k {workdir}"
        if not durable:
            options += " " + _FAST_SETTINGS
        result = subprocess.run(
            [
                *runner,
                str(bindir / "pg_ctl"),
                "start",
                "--pgdata",
                str(data),
                "--log",
                str(log),
                "--wait",
                "--timeout",
                "60",
                "-o",
                options,
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=90,
        )
        if result.returncode == 0:
            return port
        server_log = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        if "could not bind" not in server_log:
            raise PostgresUnavailableError(
                f"PostgreSQL did not start: {result.stderr.strip()}\n{server_log[-2000:]}"
            )
        log.unlink()
    raise PostgresUnavailableError(f"PostgreSQL found no free port in {_START_ATTEMPTS} tries")


def _run(command: list[str], what: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    if result.returncode != 0:
        raise PostgresUnavailableError(
            f"{what} failed ({result.returncode}): {result.stderr.strip()[-2000:]}"
        )
