"""A real PostgreSQL server for tests: the distribution's binaries (Debian's `postgresql`), a fresh
cluster in a temporary folder, listening on a loopback TCP port, stopped by its PID, bounded in time.

As root (CI), initdb and postgres refuse to run; they run as the `postgres` system user instead, in a
folder of their own made with `tempfile.mkdtemp()` (pytest's folders sit under a 0700 root-owned
/tmp/pytest-of-root that user cannot enter), removed when the server stops.

A session-wide server for several test modules:

    @pytest.fixture(scope="session")
    def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
        yield from pgserver.postgres_session(tmp_path_factory)
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import psycopg
import pytest
from psycopg import sql

from .servers import free_port

NOT_INSTALLED = "PostgreSQL is not installed (apt-get install postgresql)"
SYSTEM_USER = "postgres"  # who runs the server when the tests run as root (made by Debian's package)
SUPERUSER = "postgres"  # the cluster's superuser; loopback connections are trusted
DATABASE = "feeds"
STARTUP_SECONDS = 30
STOP_SECONDS = 10
SOCKET_PATH_MAX = 100  # a Unix socket path longer than ~107 bytes stops postgres from starting
SETTINGS = {  # a throwaway cluster: small and fast, durability is not wanted
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "16MB",
    "max_connections": "50",
}


def _version(bindir: Path) -> tuple[int, ...]:
    numbers = bindir.parent.name.split(".")
    return tuple(int(n) for n in numbers) if all(n.isdigit() for n in numbers) else (-1,)


def postgres_bindir() -> Path | None:
    """The folder with initdb and postgres of the newest installed server: Debian's
    /usr/lib/postgresql/<version>/bin, else `pg_config --bindir`; None when no server is installed."""
    found = [b for b in Path("/usr/lib/postgresql").glob("*/bin") if _has_server(b)]
    if found:
        return max(found, key=_version)
    pg_config = shutil.which("pg_config")
    if pg_config is None:
        return None
    try:
        bindir = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return Path(bindir) if bindir and _has_server(Path(bindir)) else None


def _has_server(bindir: Path) -> bool:
    return all(os.access(bindir / name, os.X_OK) for name in ("initdb", "postgres"))


def create_database(url: str, name: str) -> str:
    """CREATE DATABASE `name` on the server `url` points at; the new database's URL."""
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return f"{url.rsplit('/', 1)[0]}/{name}"


@contextlib.contextmanager
def postgres(workdir: Path) -> Iterator[str]:
    """A fresh cluster, started on 127.0.0.1:<free port> with a database made for the caller; yields
    `postgresql://postgres@127.0.0.1:PORT/feeds`. The server's log is `workdir/postgres.log`.

    Stopped when the block ends, whatever happens in it: SIGINT (fast shutdown) to the postmaster,
    then SIGKILL to its process group after STOP_SECONDS; no process of the cluster is left."""
    bindir = postgres_bindir()
    if bindir is None:
        raise RuntimeError(NOT_INSTALLED)
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / "postgres.log"
    as_root = os.geteuid() == 0
    # The cluster's folder (data and Unix socket): `workdir` itself when the server can enter it and
    # the socket path is short enough, else a folder of its own in the system's temporary folder.
    too_long = len(str(workdir / ".s.PGSQL.65535")) > SOCKET_PATH_MAX
    home = Path(tempfile.mkdtemp(prefix="feeds-pg-")) if as_root or too_long else workdir
    run_as: dict[str, Any] = {}
    try:
        if as_root:
            try:
                user = pwd.getpwnam(SYSTEM_USER)
            except KeyError:
                raise RuntimeError(f"as root, postgres runs as the {SYSTEM_USER!r} user: none here") from None
            os.chown(home, user.pw_uid, user.pw_gid)
            run_as = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
        with log_path.open("ab") as log:
            _initdb(bindir, home / "data", log, log_path, run_as)
            port = free_port()
            command = [str(bindir / "postgres"), "-D", str(home / "data"), "-p", str(port)]
            for name, value in {**SETTINGS, "unix_socket_directories": str(home)}.items():
                command += ["-c", f"{name}={value}"]
            process = subprocess.Popen(
                command,
                cwd=home,
                env=_environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
                **run_as,
            )
        try:
            server = f"postgresql://{SUPERUSER}@127.0.0.1:{port}"
            _wait_until_up(f"{server}/postgres", process, log_path)
            yield create_database(f"{server}/postgres", DATABASE)
        finally:
            _stop(process)
    finally:
        if home != workdir:
            shutil.rmtree(home, ignore_errors=True)


def postgres_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """For a session-scoped fixture (see the module's docstring): the URL of one server for the whole
    session, or a skip saying how to install PostgreSQL."""
    if postgres_bindir() is None:
        pytest.skip(NOT_INSTALLED)
    with postgres(tmp_path_factory.mktemp("postgres")) as url:
        yield url


def _environment() -> dict[str, str]:
    # No PG* variables from the caller's shell (PGDATA, PGPORT…) and messages in plain English.
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    return {**environment, "LC_ALL": "C", "LANG": "C"}


def _initdb(bindir: Path, data: Path, log: IO[bytes], log_path: Path, run_as: dict[str, Any]) -> None:
    command = [
        str(bindir / "initdb"),
        "-D",
        str(data),
        "-U",
        SUPERUSER,
        "--auth=trust",
        "--encoding=UTF8",
        "--locale=C",
        "--no-sync",
    ]
    try:
        subprocess.run(
            command,
            cwd=data.parent,
            env=_environment(),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            timeout=STARTUP_SECONDS,
            check=True,
            **run_as,
        )
    except subprocess.SubprocessError as error:
        raise RuntimeError(f"initdb failed ({error}):\n{_tail(log_path)}") from error


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"postgres exited with {process.returncode}:\n{_tail(log_path)}")
        try:
            with psycopg.connect(url, connect_timeout=2) as connection:
                connection.execute("SELECT 1")
            return
        except psycopg.OperationalError as error:
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"postgres did not answer within {STARTUP_SECONDS} s ({error}):\n{_tail(log_path)}"
                ) from error
            time.sleep(0.05)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)  # fast shutdown: end sessions, checkpoint, exit
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=STOP_SECONDS)
    # The postmaster's children share its process group: none may outlive it.
    deadline = time.monotonic() + STOP_SECONDS
    while True:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"processes of postgres' group {process.pid} are still running")
        time.sleep(0.05)


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
