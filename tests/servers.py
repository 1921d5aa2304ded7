"""Throwaway servers for the test run: a PostgreSQL 15 cluster and a Chroma server.

Each starts on 127.0.0.1 and a free port, in a temp dir, and is stopped afterwards. A
missing binary fails loudly (CI machines have them; a silent skip would hide that the
PostgreSQL and Chroma-server paths went untested). PostgreSQL refuses to run as root, so
when the tests run as root its binaries run as the `postgres` user.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PG_BIN_DIRS = (
    "/usr/lib/postgresql/15/bin",
    "/usr/lib/postgresql/16/bin",
    "/usr/lib/postgresql/17/bin",
    "/usr/local/pgsql/bin",
)
PG_USER = "postgres"


class ServerUnavailable(RuntimeError):
    """A server the tests need could not be started; the message says what to install."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, proc: subprocess.Popen, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerUnavailable(f"{what} exited with {proc.returncode}:\n{_tail(log)}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise ServerUnavailable(
        f"{what} did not listen on port {port} within {timeout}s:\n{_tail(log)}"
    )


def _tail(path: Path, n: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError:
        return "(no log)"


# --- PostgreSQL ------------------------------------------------------------------------
def pg_bin() -> Path:
    configured = os.environ.get("AGENTMEM_TEST_PG_BIN")
    for candidate in ([configured] if configured else []) + list(PG_BIN_DIRS):
        if candidate and (Path(candidate) / "pg_ctl").is_file():
            return Path(candidate)
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    raise ServerUnavailable(
        "PostgreSQL server binaries (initdb, pg_ctl) were not found in "
        f"{list(PG_BIN_DIRS)} or on PATH; install postgresql-15 (apt-get install "
        "postgresql-15) or set AGENTMEM_TEST_PG_BIN to their directory"
    )


@dataclass
class PostgresServer:
    port: int
    datadir: Path
    bin: Path

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{PG_USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create an empty database and return its SQLAlchemy URL."""
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user={PG_USER} dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def _as_pg(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    runuser = shutil.which("runuser")
    if runuser is None:
        raise ServerUnavailable(
            f"running as root needs `runuser` to start PostgreSQL as the {PG_USER!r} user"
        )
    return [runuser, "-u", PG_USER, "--", *cmd]


def _run_pg(bindir: Path, program: str, *args: str, timeout: float) -> subprocess.CompletedProcess:
    """One of PostgreSQL's programs, its output captured (as the postgres user under root)."""
    return subprocess.run(
        _as_pg([str(bindir / program), *args]), capture_output=True, text=True, timeout=timeout
    )


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """A fresh PostgreSQL cluster on 127.0.0.1, trust auth, fast and non-durable settings."""
    bindir = pg_bin()
    root = Path(tempfile.mkdtemp(prefix="agentmem-pg-"))
    datadir, sockdir, log = root / "data", root / "sock", root / "server.log"
    sockdir.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, PG_USER)
        shutil.chown(sockdir, PG_USER)
    port = free_port()
    try:
        init = _run_pg(
            bindir, "initdb", "-D", str(datadir), "-U", PG_USER, "--auth=trust", "-E", "UTF8",
            "--no-sync", timeout=120,
        )  # fmt: skip
        if init.returncode != 0:
            raise ServerUnavailable(f"initdb failed:\n{init.stdout}\n{init.stderr}")
        options = (
            f"-p {port} -k {sockdir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        start = _run_pg(
            bindir, "pg_ctl", "-D", str(datadir), "-l", str(log), "-o", options, "-w", "-t", "60",
            "start", timeout=90,
        )  # fmt: skip
        if start.returncode != 0:
            raise ServerUnavailable(f"pg_ctl start failed:\n{start.stderr}\n{_tail(log)}")
        yield PostgresServer(port=port, datadir=datadir, bin=bindir)
    finally:
        if (datadir / "postmaster.pid").exists():
            _run_pg(
                bindir, "pg_ctl", "-D", str(datadir), "-m", "immediate", "-w", "stop", timeout=60
            )
        shutil.rmtree(root, ignore_errors=True)


# --- Chroma ----------------------------------------------------------------------------
def chroma_bin() -> Path:
    candidate = Path(sys.executable).parent / "chroma"
    if candidate.is_file():
        return candidate
    found = shutil.which("chroma")
    if found:
        return Path(found)
    raise ServerUnavailable(
        "the `chroma` command was not found next to the Python "
        "interpreter or on PATH; install chromadb (make install)"
    )


@dataclass
class ChromaServer:
    host: str
    port: int
    path: Path


@contextmanager
def chroma_server() -> Iterator[ChromaServer]:
    """`chroma run` on 127.0.0.1 and a free port, persisting to a temp dir."""
    exe = chroma_bin()
    root = Path(tempfile.mkdtemp(prefix="agentmem-chroma-"))
    port, log = free_port(), root / "server.log"
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [
                str(exe),
                "run",
                "--path",
                str(root / "data"),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    try:
        _wait_for_port(port, proc, 60, "chroma run", log)
        _wait_for_heartbeat(port, proc, log)
        yield ChromaServer(host="127.0.0.1", port=port, path=root / "data")
    finally:
        stop(proc)
        shutil.rmtree(root, ignore_errors=True)


def _wait_for_heartbeat(port: int, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for route in ("/api/v2/heartbeat", "/api/v1/heartbeat"):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{route}", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    raise ServerUnavailable(f"chroma run answered no heartbeat on port {port}:\n{_tail(log)}")


def stop(proc: subprocess.Popen, timeout: float = 10) -> None:
    """Terminate a server process we started (and its process group), then kill it."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            proc.kill()
        proc.wait(timeout)
