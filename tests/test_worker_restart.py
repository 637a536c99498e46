"""A worker started while the content folder is gone or unreadable never takes the server down.

gunicorn stops the whole server when a worker exits with status 4 ("App failed to load"), and it
starts new workers at any time: one crashed or was killed, timed out, reached `max_requests`, or the
master was told to reload (SIGHUP). A worker started so while the folder cannot be read serves the
last good corpus from the parse cache, byte for byte, with `/healthz` 503, and reads the folder in
full once it is back; with no parse cache it answers 503 with `Retry-After`, never an empty feed.
The very first start over such a folder still refuses: one line, exit status 4.

The servers are the README's: `gunicorn -c python:feeds.gunicorn_conf` (the packaged settings) and
plain `gunicorn feeds.wsgi:app`, two workers each, on loopback, stopped by PID.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.scan import DEFAULT_MAX_BYTES

from .helpers import document, write_corpus
from .servers import BIN, GRANIAN_ARGS, ROOT, eventually, free_port, running
from .test_folder_faults import LIVE_SECONDS, SWAP_SECONDS, UNPRIVILEGED, WORKERS, Site, unprivileged

__all__ = ["unprivileged"]  # the fixture, shared

NEW_WORKERS_SECONDS = (
    20.0  # a reload: new workers start (and read, from the parse cache) before old ones stop
)
STYLES = ["packaged settings", "plain"]


@pytest.fixture
def news(tmp_path: Path) -> Path:
    return write_corpus(
        tmp_path / "content",
        {
            "a.md": document(n=1, title="Harbour wind farm approved", topics=["Energy"]),
            "2025/b.md": document(n=2, title="Tidal barrage delayed", topics=["Energy"]),
            "2025/06/c.md": document(n=3, title="Ferry strike ends", topics=["Transport"]),
            "2024/d.md": document(n=4, title="Old quay reopens", topics=["Transport"]),
        },
    )


def environment(content: Path, tmp_path: Path, port: int, parse_cache: bool) -> dict[str, str]:
    scratch = tmp_path / "home"
    return {
        **os.environ,
        "HOME": str(scratch),
        "XDG_CACHE_HOME": str(scratch / "cache"),
        "XDG_DATA_HOME": str(scratch / "data"),
        "FEEDS_CONTENT_DIR": str(content),
        "FEEDS_BASE_URL": f"http://127.0.0.1:{port}",
        "FEEDS_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(WORKERS),
        "FEEDS_PARSE_CACHE": str(tmp_path / "parse-cache") if parse_cache else "off",
        "FEEDS_DATA_DIR": str(tmp_path / "memory"),  # the memory on: recording an emptied corpus would show
    }


def command(style: str, port: int) -> list[str]:
    common = ["--graceful-timeout", "2", "--no-control-socket"]
    if style == "preload":  # the master reads the corpus and follows the folder; workers are forked
        return [str(BIN / "gunicorn"), "-c", "python:feeds.gunicorn_conf", "--preload", *common]
    if style == "plain":
        return [
            str(BIN / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            *common,
            "feeds.wsgi:app",
        ]
    return [str(BIN / "gunicorn"), "-c", "python:feeds.gunicorn_conf", *common]


class Server(Site):
    def __init__(self, base: str, process: subprocess.Popen[bytes]) -> None:
        super().__init__(base)
        self.process = process

    def pids(self) -> set[int]:
        return {int(str(body["pid"])) for _, body in self.healthz()}

    def without(self, killed: int) -> bool:
        """Every worker answers, none of them `killed` (a connection queued for it may be reset)."""
        try:
            pids = self.pids()
        except OSError:
            return False
        return len(pids) == WORKERS and killed not in pids

    def replaced(self, old: set[int]) -> bool:
        """Every answer comes from workers started after `old` were; the server still runs. (granian's
        SIGHUP stops each old worker `--respawn-interval` after starting its successor, whether or not
        that one has loaded the app: connections are refused meanwhile, with or without a folder.)"""
        assert self.process.poll() is None, "the server stopped"
        try:
            pids = self.pids()
        except OSError:
            return False
        return len(pids) == WORKERS and not pids & old


@contextlib.contextmanager
def serve(style: str, content: Path, tmp_path: Path, *, parse_cache: bool = True) -> Iterator[Server]:
    port = free_port()
    env = environment(content, tmp_path, port, parse_cache)
    with (
        open(tmp_path / "server.log", "wb") as log,
        running(
            [*UNPRIVILEGED, *command(style, port)],
            f"http://127.0.0.1:{port}/healthz",
            cwd=ROOT,
            env=env,
            stderr=log,
        ) as process,
    ):
        server = Server(f"http://127.0.0.1:{port}", process)
        eventually(server.every_worker_ready, 30, "every worker has read the corpus")
        yield server


def same_feed(server: Server, before: bytes) -> bool:
    return all(r.status == 200 and r.body == before for r in server.everywhere("/all.atom"))


def serving_the_last_good_corpus(server: Server, before: bytes, reason: str) -> None:
    for status, body in server.healthz():
        assert (status, body["ok"], body["articles"]) == (503, False, 4)
        assert body["problems"] == [f"content directory: {reason}; serving the last good corpus"]
    assert same_feed(server, before)
    assert all(b"deleted-entry" not in r.body for r in server.everywhere("/topics/transport.atom"))


def back_and_followed(server: Server, news: Path, before: bytes) -> None:
    eventually(server.all_well, SWAP_SECONDS, "every worker's /healthz says 200 again")
    assert same_feed(server, before)  # nothing was tombstoned meanwhile
    write_corpus(news, {"2025/06/c.md": document(n=3, title="Ferry strike ends after talks")})
    eventually(
        lambda: all(b"after talks" in r.body for r in server.everywhere("/all.atom")),
        SWAP_SECONDS,
        "every worker follows edits again",
    )


@pytest.mark.slow
@pytest.mark.parametrize("style", STYLES)
def test_a_reload_while_the_folder_is_gone_serves_the_last_good_corpus_on_every_new_worker(
    news: Path, tmp_path: Path, unprivileged: None, style: str
) -> None:
    with serve(style, news, tmp_path) as server:
        before = server.get("/all.atom").body
        assert b"Ferry strike ends" in before
        news.rename(tmp_path / "away")
        eventually(server.all_sick, LIVE_SECONDS, "every worker's /healthz says 503")
        old = server.pids()
        os.kill(server.process.pid, signal.SIGHUP)  # new workers, as on a deploy or logrotate
        eventually(lambda: server.replaced(old), NEW_WORKERS_SECONDS, "new workers answer")
        serving_the_last_good_corpus(server, before, "does not exist")
        (tmp_path / "away").rename(news)
        back_and_followed(server, news, before)


@pytest.mark.slow
@pytest.mark.parametrize("style", STYLES)
def test_a_worker_killed_while_the_folder_is_unreadable_is_replaced_by_one_serving_the_last_good_corpus(
    news: Path, tmp_path: Path, unprivileged: None, style: str
) -> None:
    with serve(style, news, tmp_path) as server:
        before = server.get("/all.atom").body
        news.chmod(0)
        try:
            eventually(server.all_sick, LIVE_SECONDS, "every worker's /healthz says 503")
            old = server.pids()
            killed = min(old)
            os.kill(killed, signal.SIGKILL)  # a crash, the OOM killer, a timeout
            eventually(lambda: server.without(killed), NEW_WORKERS_SECONDS, "a new worker answers for it")
            assert server.process.poll() is None
            serving_the_last_good_corpus(server, before, "cannot be read (Permission denied)")
        finally:
            news.chmod(0o755)
        back_and_followed(server, news, before)


@pytest.mark.slow
@pytest.mark.parametrize("style", STYLES)
def test_without_a_parse_cache_a_new_worker_answers_503_with_retry_after_never_an_empty_feed(
    news: Path, tmp_path: Path, unprivileged: None, style: str
) -> None:
    with serve(style, news, tmp_path, parse_cache=False) as server:
        before = server.get("/all.atom").body
        news.rename(tmp_path / "away")
        eventually(server.all_sick, LIVE_SECONDS, "every worker's /healthz says 503")
        old = server.pids()
        os.kill(server.process.pid, signal.SIGHUP)
        eventually(lambda: server.replaced(old), NEW_WORKERS_SECONDS, "new workers answer")
        for path in ("/all.atom", "/topics/energy.json", "/", "/feeds.opml"):
            for answer in server.everywhere(path):
                assert answer.status == 503, path
                assert int(answer.headers["Retry-After"]) > 0
                assert b"<entry" not in answer.body
                assert b"<feed" not in answer.body
        health = server.get("/healthz")
        assert health.status == 503
        assert json.loads(health.body)["problems"] == [
            "content directory: does not exist; serving the last good corpus"
        ]
        (tmp_path / "away").rename(news)
        back_and_followed(server, news, before)


@pytest.mark.parametrize("style", STYLES)
def test_the_first_start_over_a_missing_folder_still_refuses_even_with_a_parse_cache_of_it(
    news: Path, tmp_path: Path, style: str
) -> None:
    """A parse cache of the folder from an earlier run does not make a first start a restart: a typo
    in FEEDS_CONTENT_DIR, a volume not mounted at boot, are refused before anything is served."""
    with serve(style, news, tmp_path):
        pass
    assert list((tmp_path / "parse-cache").glob("parsed-*"))
    news.rename(tmp_path / "away")
    port = free_port()
    result = subprocess.run(
        command(style, port),
        cwd=ROOT,
        env=environment(news, tmp_path, port, parse_cache=True),
        capture_output=True,
        timeout=60,
        check=False,
    )
    ours = [line for line in result.stderr.decode().splitlines() if line.startswith("feeds:")]
    assert ours
    assert set(ours) == {f"feeds: cannot start: content folder {news} does not exist (FEEDS_CONTENT_DIR)"}
    if style != "plain":
        assert result.returncode == 4
        assert len(ours) == 1
    else:
        assert result.returncode in (1, 4)  # see test_folder_guard: two workers fail at once


def granian_command(port: int) -> list[str]:
    return [
        str(BIN / "granian"),
        *GRANIAN_ARGS,
        *("--workers", str(WORKERS), "--host", "127.0.0.1", "--port", str(port)),
        *("--respawn-failed-workers", "--respawn-interval", "0.5", "--workers-kill-timeout", "2"),
        "feeds.wsgi:app",
    ]


@pytest.mark.slow
@pytest.mark.parametrize("how", ["a worker killed", "SIGHUP"])
def test_granian_respawning_a_worker_while_the_folder_is_gone_keeps_serving(
    news: Path, tmp_path: Path, how: str
) -> None:
    """granian re-forks a worker that died (`--respawn-failed-workers`), reached its lifetime or
    memory bound, or on SIGHUP; one that exits at once is a crash loop, and granian stops."""
    port = free_port()
    env = environment(news, tmp_path, port, parse_cache=True)
    with running(granian_command(port), f"http://127.0.0.1:{port}/healthz", cwd=ROOT, env=env) as process:
        server = Server(f"http://127.0.0.1:{port}", process)
        eventually(server.every_worker_ready, 30, "every worker has read the corpus")
        before = server.get("/all.atom").body
        news.rename(tmp_path / "away")
        eventually(server.all_sick, LIVE_SECONDS, "every worker's /healthz says 503")
        old = server.pids()
        if how == "SIGHUP":
            os.kill(process.pid, signal.SIGHUP)
            eventually(lambda: server.replaced(old), NEW_WORKERS_SECONDS, "new workers answer")
        else:
            os.kill(min(old), signal.SIGKILL)
            eventually(lambda: server.without(min(old)), NEW_WORKERS_SECONDS, "a new worker answers")
        assert process.poll() is None
        serving_the_last_good_corpus(server, before, "does not exist")
        (tmp_path / "away").rename(news)
        back_and_followed(server, news, before)


names = st.lists(
    st.tuples(st.sampled_from(["", "2025/", "2025/06/", "archive/"]), st.integers(1, 500)),
    min_size=2,
    max_size=12,
    unique_by=lambda item: item[1],
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(docs=names, gone=st.integers(0, 11))
def test_a_reader_started_while_the_root_is_gone_serves_what_the_parse_cache_holds_until_it_is_back(
    tmp_path: Path, docs: list[tuple[str, int]], gone: int
) -> None:
    """Whatever the corpus: a reader started while the root is gone serves exactly what the last full
    read served (from the parse cache), reporting the root; once the root is back it is read in full,
    a document deleted meanwhile is gone, and nothing unchanged is parsed again."""
    from feeds.corpus import ContentDir
    from feeds.parsecache import ParseCache

    base = Path(tempfile.mkdtemp(dir=tmp_path))
    root = write_corpus(base / "content", {f"{folder}d{n}.md": document(n=n) for folder, n in docs})

    def reader(*, last_good: bool) -> ContentDir:
        content = ContentDir(root, cache=ParseCache(base / "cache", root, dt.UTC, DEFAULT_MAX_BYTES))
        content.last_good_from_cache = last_good
        return content

    first = reader(last_good=False)
    first.refresh()
    published = first.corpus.articles
    assert len(published) == len(docs)
    root.rename(base / "away")

    export_like = reader(last_good=False)
    export_like.refresh()
    assert export_like.corpus.articles == ()  # not asked to: nothing is served from the cache

    restarted = reader(last_good=True)
    restarted.refresh()
    assert restarted.corpus.articles == published
    assert [p.reason for p in restarted.problems] == ["does not exist; serving the last good corpus"]
    restarted.refresh()  # the watcher looks again: still the same
    assert restarted.corpus.articles == published

    (base / "away").rename(root)
    folder, n = docs[gone % len(docs)]
    (root / f"{folder}d{n}.md").unlink()  # deleted while the root was away: the author's act
    restarted.refresh()
    assert restarted.problems == ()
    assert restarted.corpus.articles == tuple(a for a in published if a.url != document(n=n)["webUrl"])
    assert restarted.read_from_disk == 0


@pytest.mark.slow
def test_with_preload_a_replaced_worker_serves_only_what_is_published_and_every_worker_follows(
    news: Path, tmp_path: Path
) -> None:
    """`--preload`: workers are forked from a master that read the corpus and follows the folder in a
    thread of its own. One unpublished after the start is gone from every worker and from the worker
    that replaces a killed one; an edit then reaches all of them."""
    with serve("preload", news, tmp_path) as server:
        assert all(b"Ferry strike ends" in r.body for r in server.everywhere("/all.atom"))
        write_corpus(news, {"2025/06/c.md": document(n=3, title="Ferry strike ends", published=False)})
        eventually(lambda: server.every_worker_holds(articles=3), LIVE_SECONDS, "every worker leaves it out")
        killed = min(server.pids())
        os.kill(killed, signal.SIGKILL)
        eventually(lambda: server.without(killed), NEW_WORKERS_SECONDS, "a forked worker answers for it")
        assert all(b"Ferry strike" not in r.body for r in server.everywhere("/all.atom"))
        write_corpus(news, {"a.md": document(n=1, title="Harbour wind farm approved at last")})
        eventually(
            lambda: all(b"approved at last" in r.body for r in server.everywhere("/all.atom")),
            LIVE_SECONDS,
            "every worker, the new one too, follows edits",
        )
