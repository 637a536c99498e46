"""A content folder that exists but holds no document (an unmounted mount point, a sync that has not
run) is not a healthy site (GitHub issue 10 §3): the server starts (a new site begins empty), says so
in its log, and `/healthz` answers 503 until a document is there; and no answer is dated 1970, which
readers and caches take for a feed that has not changed in decades: an empty feed is dated when the
folder was read.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from .helpers import AppFactory, document, front_matter, write_corpus
from .servers import BIN, ROOT, Fetched, eventually, fetch, free_port, running

ATOM = "{http://www.w3.org/2005/Atom}"
NAVIGATE = {"Accept": "text/html", "Sec-Fetch-Mode": "navigate"}  # a browser opening a feed URL
# What a subscriber of an empty site can fetch: every feed format, pages, the OPML, a feed in a browser.
PATHS = ["/all.atom", "/all.rss", "/all.json", "/", "/feeds.opml", "/feeds.opml.xml"]


def texts(answer: Fetched) -> list[str]:
    """Everything a client sees of an answer: its status line's code, headers and body."""
    return [f"{k}: {v}" for k, v in answer.headers.items()] + [answer.body.decode("utf-8", "replace")]


def stamp(answer: Fetched) -> dt.datetime:
    return email.utils.parsedate_to_datetime(answer.headers["Last-Modified"])


@pytest.mark.parametrize(
    ("files", "ok"),
    [
        ({}, False),
        ({"notes.md": "Just notes, no front matter.\n", "readme.txt": "hello"}, False),
        ({"draft.md": document(published=False)}, True),  # a hidden document is a document
        ({"broken.md": "---\ntitle: [unclosed\n---\n"}, True),  # so is a rejected one
        ({"a.md": document(n=1)}, True),
    ],
    ids=["empty", "no-front-matter", "hidden-only", "rejected-only", "one-article"],
)
def test_healthz_is_503_while_the_folder_holds_no_document(
    tmp_path: Path, make_app: AppFactory, files: dict[str, object], ok: bool
) -> None:
    root = tmp_path / "content"
    root.mkdir()
    write_corpus(root, files)  # type: ignore[arg-type]
    with make_app(root).test_client() as client:
        response = client.get("/healthz")
        body = response.get_json()
        assert (response.status_code, body["ok"]) == ((200, True) if ok else (503, False))
        said = [p for p in body["problems"] if "holds no documents" in p]
        assert said == (
            [] if ok else ["content directory: holds no documents (no *.md file with front matter)"]
        )
        assert response.headers["Cache-Control"] == "no-store"


def test_an_empty_feed_is_dated_when_the_folder_was_read(tmp_path: Path, make_app: AppFactory) -> None:
    root = tmp_path / "content"
    root.mkdir()
    read = dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
    with make_app(root, clock=lambda: read).test_client() as client:
        atom = client.get("/all.atom")
        assert atom.headers["Last-Modified"] == "Wed, 04 Mar 2026 05:06:07 GMT"
        assert etree.fromstring(atom.data).findtext(f"{ATOM}updated") == "2026-03-04T05:06:07+00:00"
        opml = client.get("/feeds.opml")
        assert b"Wed, 04 Mar 2026 05:06:07 GMT" in opml.data
        for path in PATHS:
            assert client.get(path).headers["Last-Modified"] == "Wed, 04 Mar 2026 05:06:07 GMT", path


@pytest.fixture
def empty_server(tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    """gunicorn (2 workers, watching) over an existing, empty content folder: (base URL, folder, log)."""
    content = tmp_path / "content"
    content.mkdir()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "FEEDS_CONTENT_DIR": str(content),
        "FEEDS_BASE_URL": base,
        "FEEDS_PARSE_CACHE": "off",
        "FEEDS_DATA_DIR": "off",
        "FEEDS_WATCH": "auto",
        "HOME": str(tmp_path),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    command = [
        str(BIN / "gunicorn"),
        *("--bind", f"127.0.0.1:{port}", "--workers", "2", "--graceful-timeout", "2"),
        *("--no-control-socket", "wsgi:app"),
    ]
    log = tmp_path / "server.log"
    with log.open("wb") as stderr, running(command, f"{base}/healthz", cwd=ROOT, env=env, stderr=stderr):
        yield base, content, log


@pytest.mark.slow
def test_gunicorn_over_an_empty_folder_says_so_and_never_dates_anything_1970(
    empty_server: tuple[str, Path, Path],
) -> None:
    base, content, log = empty_server
    started = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(seconds=60)
    for _ in range(4):  # both workers
        health = fetch(f"{base}/healthz", {"Connection": "close"})
        assert health.status == 503
        body = json.loads(health.body)
        assert (body["ok"], body["articles"]) == (False, 0)
        assert "content directory: holds no documents (no *.md file with front matter)" in body["problems"]
    for path in PATHS:
        for headers in ({}, NAVIGATE) if path.startswith("/all.") else ({},):
            answer = fetch(f"{base}{path}", {**headers, "Connection": "close"})
            assert answer.status == 200, path
            seen = "\n".join(texts(answer))
            assert "1970" not in seen, (path, headers, seen[:2000])
            assert started <= stamp(answer) <= dt.datetime.now(dt.UTC), (
                path,
                answer.headers["Last-Modified"],
            )
    atom = fetch(f"{base}/all.atom")
    updated = dt.datetime.fromisoformat(etree.fromstring(atom.body).findtext(f"{ATOM}updated") or "")
    assert updated == stamp(atom)  # the feed's date and its Last-Modified agree
    assert re.search(rf"{re.escape(str(content))} holds no documents", log.read_text(encoding="utf-8"))

    (content / "first.md").write_text(front_matter(document(n=1, title="The very first article")), "utf-8")

    def served() -> bool:
        health = fetch(f"{base}/healthz", {"Connection": "close"})
        feed = fetch(f"{base}/all.atom", {"Connection": "close"})
        return health.status == 200 and b"The very first article" in feed.body

    eventually(
        lambda: all(served() for _ in range(4)), 10, "healthz 200 and the article served by both workers"
    )
