"""Edit → served, for bench.peers: from rewriting one document's title to its new title in the feed.

- Hugo: `hugo server --disableFastRender` (renders to memory, watches with inotify), polled at
  `/index.xml`. Fast render (the default) re-renders only pages a browser visited: Hugo 0.111 then
  never updates the feeds at all. Its watcher batches file events for 500 ms before it rebuilds.
- Jekyll: `jekyll build --watch` (a full rebuild on each change, with its disk cache), polled at the
  file `feed.xml` it writes.
- feeds: gunicorn with one worker watching the corpus (inotify, `FEEDS_WATCH=auto`, parse cache
  warm), polled at `/all.rss`.

Each edit puts a new marker before the title of the newest visible document (at the top of every
"all" feed), in the server's own copy; the time is from the write to the first poll (every 10 ms)
that sees the marker. The original file is put back afterwards. Servers bind 127.0.0.1, are stopped
by PID (their process group), and every wait is bounded.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import time
import urllib.error
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from bench.peers_sites import retitle
from tests.servers import fetch, free_port, gunicorn, stop

POLL_SECONDS = 0.01
Seen = Callable[[str], bool]  # whether the feed now shows a marker


def served_ms(
    document: Path, seen: Seen, edits: int, timeout: float, settled: Callable[[int], bool] = lambda n: True
) -> float:
    """The median over `edits` edits of `document` of the milliseconds until `seen` sees each one.

    After edit n (from 0), waits (bounded) until `settled(n)` is true, so that the next edit does
    not land in the middle of a rebuild. Puts the file back as it was, whatever happens."""
    original = document.read_bytes()
    times = []
    try:
        for n in range(edits):
            marker = f"PeersEdit{n}"
            start = time.monotonic()
            retitle(document, marker)
            while not seen(marker):
                if time.monotonic() - start > timeout:
                    raise TimeoutError(f"edit {n} of {document} not served within {timeout:.0f} s")
                time.sleep(POLL_SECONDS)
            times.append(time.monotonic() - start)
            wait(lambda: settled(n), timeout, "the rebuild to finish")  # noqa: B023 (called at once)
            time.sleep(0.5)
    finally:
        document.write_bytes(original)
    return statistics.median(times) * 1e3


def wait(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"not within {seconds:.0f} s: {what}")
        time.sleep(0.05)


def _answers(url: str, marker: str | None = None) -> bool:
    try:
        got = fetch(url)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False
    return got.status == 200 and (marker is None or marker.encode() in got.body)


def _file_has(path: Path, marker: str) -> bool:
    try:
        return marker.encode() in path.read_bytes()
    except FileNotFoundError:
        return False


@contextlib.contextmanager
def _process(command: list[str], log: Path, env: Mapping[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, stdout=sink, stderr=subprocess.STDOUT, env=dict(env), start_new_session=True
        )
    try:
        yield process
    finally:
        stop(process)


def _alive(process: subprocess.Popen[bytes], log: Path, check: Callable[[], bool]) -> Callable[[], bool]:
    def ready() -> bool:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}:\n{tail}")
        return check()

    return ready


def hugo(site: Path, document: Path, work: Path, env: Mapping[str, str], edits: int, timeout: float) -> float:
    """`hugo server` on `site`: edit → `/index.xml` shows it, median ms."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = work / "hugo-server.log"
    command = [
        "hugo",
        "server",
        "--source",
        str(site),
        "--bind",
        "127.0.0.1",
        "--port",
        str(port),
        "--baseURL",
        f"{base}/",
        "--appendPort=false",
        "--disableLiveReload",
        "--disableFastRender",
        "--cacheDir",
        str(work / "hugo-cache"),
    ]
    with _process(command, log, env) as process:
        wait(_alive(process, log, lambda: _answers(f"{base}/index.xml")), timeout, "hugo server to answer")
        seen: Seen = lambda marker: _answers(f"{base}/index.xml", marker)  # noqa: E731
        return served_ms(document, seen, edits, timeout)


def jekyll(
    site: Path, document: Path, work: Path, env: Mapping[str, str], edits: int, timeout: float
) -> float:
    """`jekyll build --watch` on `site`: edit → its `feed.xml` shows it, median ms."""
    out = work / "jekyll-watch"
    log = work / "jekyll-watch.log"
    command = ["jekyll", "build", "--watch", "--source", str(site), "--destination", str(out)]

    def builds() -> int:
        return log.read_text(errors="replace").count("done in")

    with _process(command, log, env) as process:
        ready = _alive(process, log, lambda: "Auto-regeneration: enabled" in log.read_text(errors="replace"))
        wait(ready, timeout, "jekyll's first build")
        done = builds()

        def settled(n: int) -> bool:
            return builds() > done + n

        def seen(marker: str) -> bool:
            return _file_has(out / "feed.xml", marker)

        return served_ms(document, seen, edits, timeout, settled)


def feeds(corpus: Path, document: Path, cache: Path, edits: int, timeout: float) -> float:
    """gunicorn (one worker, watching) serving `corpus`: edit → `/all.rss` shows it, median ms."""
    env = {"FEEDS_PARSE_CACHE": str(cache), "FEEDS_WATCH": "auto"}
    with gunicorn(corpus, workers=1, env=env, startup_seconds=timeout) as server:
        url = f"{server.base}/all.rss"
        wait(lambda: _answers(url), timeout, "feeds to answer /all.rss")
        return served_ms(document, lambda marker: _answers(url, marker), edits, timeout)


def environment(work: Path) -> dict[str, str]:
    """The environment of Hugo and Jekyll: HOME and caches inside `work`."""
    home = work / "home"
    home.mkdir(parents=True, exist_ok=True)
    return {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache")}
