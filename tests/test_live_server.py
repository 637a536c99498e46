"""Editing the corpus under a running server (gunicorn, granian) with 2 workers: every worker serves each
change quickly."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from lxml import etree

from .helpers import document, front_matter, write_corpus
from .servers import SERVERS, Server, eventually, fetch, gunicorn

pytestmark = pytest.mark.slow
ATOM = "{http://www.w3.org/2005/Atom}"
WORKERS = 2
DEADLINE = 2.0  # seconds from a change to every worker serving it


def health(base: str) -> dict[str, object]:
    result: dict[str, object] = json.loads(fetch(f"{base}/healthz", {"Connection": "close"}).body)
    return result


def titles(base: str) -> list[str]:
    feed = etree.fromstring(fetch(f"{base}/all.atom").body)
    return sorted(e.findtext(f"{ATOM}title") or "" for e in feed.iter(f"{ATOM}entry"))


def every_worker(server: Server, changed_at: float, seconds: float = DEADLINE + 3) -> float:
    """Seconds until each of the workers has loaded the corpus after `changed_at` (wall clock).

    Health is asked over several connections at once: an idle server may hand every lone connection
    to the same worker (granian does), and a worker that is never asked is never seen."""
    seen: dict[object, float] = {}
    start = time.monotonic()
    with ThreadPoolExecutor(4) as pool:
        while time.monotonic() - start < seconds:
            for h in pool.map(lambda _: health(server.base), range(4)):
                loaded = dt.datetime.fromisoformat(str(h["loaded_at"])).timestamp()
                if loaded >= changed_at and h["pid"] not in seen:
                    seen[h["pid"]] = time.monotonic() - start
            if len(seen) == WORKERS:
                return max(seen.values())
            time.sleep(0.02)
    raise AssertionError(f"only {len(seen)} of {WORKERS} workers reloaded within {seconds} s")


def change(server: Server, root: Path, docs: dict[str, object], expected: list[str]) -> float:
    """Apply a change to the files; the seconds until every worker had read the folder since and
    a dozen requests in a row (spread over the workers) serve exactly `expected`.

    Reading the folder is not enough by itself: the event for a new directory may be handled before
    the file in it is written, and a rewrite may be caught truncated; the next event brings the rest."""
    start, changed_at = time.monotonic(), time.time()
    for name, content in docs.items():
        if content is None:
            (root / name).unlink()
        else:
            write_corpus(root, {name: content})  # type: ignore[dict-item]
    every_worker(server, changed_at)
    eventually(lambda: all(titles(server.base) == expected for _ in range(12)), DEADLINE + 3, str(expected))
    return time.monotonic() - start


def consistently(base: str, expected: list[str], times: int = 12) -> None:
    """Several requests (spread over the workers) all serve exactly `expected`."""
    for _ in range(times):
        assert titles(base) == expected


def stale_paths(base: str) -> list[tuple[str, str, str]]:
    stale = health(base)["stale"]
    assert isinstance(stale, list)
    return [(x["path"], x["field"], x["reason"].split(":")[1].strip()) for x in stale]  # "line N: why: …"


@pytest.mark.parametrize("serve", SERVERS)
def test_edits_reach_every_worker_within_two_seconds(tmp_path: Path, serve: str) -> None:
    root = write_corpus(tmp_path / "content", {"a.md": document(n=1, title="Alpha")})
    timings: dict[str, float] = {}
    with SERVERS[serve](root, workers=WORKERS) as server:
        assert titles(server.base) == ["Alpha"]
        b = "sub/deep/b.md"
        timings["add"] = change(server, root, {b: document(n=2, title="Bravo")}, ["Alpha", "Bravo"])
        timings["modify"] = change(
            server, root, {b: document(n=2, title="Bravo, corrected")}, ["Alpha", "Bravo, corrected"]
        )

        good = (root / b).read_text(encoding="utf-8")
        broken = {b: good.replace("title:", "title: [", 1)}
        # the last good version keeps serving, and every worker reports the broken file
        timings["break"] = change(server, root, broken, ["Alpha", "Bravo, corrected"])
        eventually(
            lambda: all(stale_paths(server.base) == [(b, "front matter", "invalid YAML")] for _ in range(6)),
            DEADLINE,
        )

        timings["repair"] = change(
            server, root, {b: document(n=2, title="Bravo, repaired")}, ["Alpha", "Bravo, repaired"]
        )
        eventually(lambda: all(health(server.base)["stale"] == [] for _ in range(6)), DEADLINE)

        unpublish = {"a.md": document(n=1, title="Alpha", published=False)}
        timings["unpublish"] = change(server, root, unpublish, ["Bravo, repaired"])
        timings["delete"] = change(server, root, {b: None}, [])
        assert fetch(f"{server.base}/topics/ai.atom").status == 404

        due = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(seconds=3)
        change(server, root, {"later.md": document(n=3, title="Scheduled", publishedDateTime=due)}, [])
        while dt.datetime.now(dt.UTC) < due:
            time.sleep(0.05)
        start = time.monotonic()
        consistently(server.base, ["Scheduled"])  # no file change, no restart: its time has come
        timings["schedule"] = time.monotonic() - start
    assert max(timings.values()) <= DEADLINE, timings


def test_a_feed_hammered_during_rewrites_is_always_a_consistent_snapshot(tmp_path: Path) -> None:
    """Documents are rewritten in place (truncate, then write in two halves) while clients poll:
    no request fails, no entry ever vanishes, and every entry is one whole version of its file."""
    names = [f"doc{n}.md" for n in range(8)]

    def version(n: int, generation: int) -> str:
        return front_matter(
            document(
                n=n, title=f"Doc {n} generation {generation}", excerpt=f"Body {n} generation {generation}."
            )
        )

    root = write_corpus(tmp_path / "content", {name: version(n, 0) for n, name in enumerate(names)})
    stop = threading.Event()
    generations = [0]

    def rewrite() -> None:
        while not stop.is_set():
            generations[0] += 1
            for n, name in enumerate(names):
                text = version(n, generations[0]).encode()
                with open(root / name, "wb") as handle:
                    handle.write(text[: len(text) // 2])
                    handle.flush()
                    time.sleep(0.002)  # a reader may well catch the file half-written
                    handle.write(text[len(text) // 2 :])

    problems: list[str] = []
    responses = [0]

    def poll(base: str) -> None:
        etag = ""
        while not stop.is_set():
            got = fetch(f"{base}/all.atom", {"If-None-Match": etag} if etag else None)
            responses[0] += 1
            if got.status == 304:
                continue
            if got.status != 200:
                problems.append(f"status {got.status}")
                continue
            etag = got.headers["ETag"]
            entries = list(etree.fromstring(got.body).iter(f"{ATOM}entry"))
            ids = [e.findtext(f"{ATOM}id") for e in entries]
            if len(entries) != len(names) or len(set(ids)) != len(ids):
                problems.append(f"{len(entries)} entries: {ids}")
            for e in entries:
                title, summary = e.findtext(f"{ATOM}title") or "", e.findtext(f"{ATOM}summary") or ""
                if title.split()[-1] != summary.rstrip(".").split()[-1]:
                    problems.append(f"mixed versions: {title!r} / {summary!r}")

    with gunicorn(root, workers=WORKERS) as server:
        # The port is open once the master listens; a worker still reading the corpus then would read
        # files the rewrites catch half-written with no last good version to fall back on. Rewrite a
        # corpus every worker serves.
        every_worker(server, 0.0)
        threads = [threading.Thread(target=rewrite)] + [
            threading.Thread(target=poll, args=(server.base,)) for _ in range(3)
        ]
        for t in threads:
            t.start()
        time.sleep(5)
        stop.set()
        for t in threads:
            t.join(timeout=10)
    assert generations[0] > 20
    assert responses[0] > 100
    assert problems == []
