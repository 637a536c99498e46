"""The PostgreSQL server the store's tests run against (tests/pgserver.py): a real one, over TCP on
loopback, and gone without a trace when its block ends.

Needs PostgreSQL from the distribution's packages; `.ci/run` installs it when it is missing.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from .pgserver import NOT_INSTALLED, create_database, postgres, postgres_bindir, postgres_session

pytestmark = [pytest.mark.slow, pytest.mark.skipif(postgres_bindir() is None, reason=NOT_INSTALLED)]


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from postgres_session(tmp_path_factory)


def test_two_connections_over_loopback_tcp_see_each_others_committed_rows(postgres_url: str) -> None:
    url = create_database(postgres_url, "two_connections")
    with psycopg.connect(url) as a, psycopg.connect(url) as b:
        assert a.execute("SELECT host(inet_server_addr())").fetchone() == ("127.0.0.1",)  # not a socket
        a.execute("CREATE TABLE article (id int PRIMARY KEY, title text NOT NULL)")
        a.execute("INSERT INTO article VALUES (1, 'Première')")
        a.commit()
        assert b.execute("SELECT title FROM article").fetchall() == [("Première",)]
        b.execute("INSERT INTO article VALUES (2, 'Second')")
        assert a.execute("SELECT count(*) FROM article").fetchone() == (1,)  # not committed yet
        b.commit()
        a.commit()  # a new transaction sees the new snapshot
        assert a.execute("SELECT id, title FROM article ORDER BY id").fetchall() == [
            (1, "Première"),
            (2, "Second"),
        ]


def test_starts_in_seconds_and_leaves_no_process_or_open_port(tmp_path: Path) -> None:
    start = time.monotonic()
    with postgres(tmp_path / "pg") as url:
        started = time.monotonic() - start
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        assert url == f"postgresql://postgres@127.0.0.1:{port}/feeds"
        with psycopg.connect(url) as connection:
            data = connection.execute("SHOW data_directory").fetchone()
            pids = [row[0] for row in connection.execute("SELECT pid FROM pg_stat_activity")]
        assert data is not None
        postmaster = int((Path(data[0]) / "postmaster.pid").read_text().split()[0])
    assert started < 15, f"postgres took {started:.1f} s to start"
    assert len(pids) >= 3, pids  # this backend and the background processes: checkpointer, walwriter…
    with pytest.raises(ProcessLookupError):
        os.killpg(postmaster, 0)  # the whole process group is gone
    for pid in [postmaster, *pids]:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
        probe.connect(("127.0.0.1", port))
    assert "database system is shut down" in (tmp_path / "pg" / "postgres.log").read_text()
