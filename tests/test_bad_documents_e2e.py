"""A folder with values PyYAML cannot build, end to end (GitHub issue 10 §1): `check` lists them,
gunicorn starts and serves the good documents, a bad file added while it runs is counted and changes
nothing else, and `export` writes the site. No traceback anywhere.

`tests/data/bad/` holds three good documents (the shape of the real ones in `tests/data/real/`) and
six bad ones, each with one value under a required field that PyYAML's constructors raise a plain
Python exception for (`2025-02-29` unquoted, `!!timestamp yesterday`, a `+99:00` offset,
`!!binary "not base64!"`, `!!int abc`, a `!!python/object/apply` tag). To them, a served folder
adds twenty documents drawn with a fixed seed from `test_read_never_raises.documents` (front matter
written as text, often with odd values): the server counts and serves each as reading it alone does.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from lxml import etree

from feeds.corpus import read_document

from .servers import BIN, ROOT, Server, eventually, fetch, gunicorn
from .test_read_never_raises import MAX_BYTES, documents

pytestmark = pytest.mark.slow
DATA = Path(__file__).resolve().parent / "data" / "bad"
ATOM = "{http://www.w3.org/2005/Atom}"
GOOD_TITLES = sorted(
    [
        "City library opens a robotics lab",
        "Harbour wind farm wins final approval",
        "Night trains return to the northern line",
    ]
)
GOOD_URLS = {
    "https://www.harbour-gazette.example/news/wind-farm-approved",
    "https://citynews.example/library-robotics-lab",
    "https://rail-weekly.example/night-trains-return",
}
BAD = {  # file → the field its rejection names
    "bad-feb-29-published.md": "publishedDateTime",
    "bad-timestamp-yesterday.md": "publishedDateTime",
    "bad-offset-99-hours.md": "publishedDateTime",
    "bad-title-bad-base64.md": "title",
    "bad-url-int-abc.md": "webUrl",
    "bad-date-python-object.md": "publishedDateTime",
}
LATE_BAD = """---
title: "Added while the server runs, never served"
webUrl: "https://bad.example/late"
publishedDateTime: 2025-02-29T08:00:00Z
---
"""
LATE_GOOD = """---
title: "Ferry timetable changes for the summer"
webUrl: "https://harbour-gazette.example/news/ferry-summer"
publishedDateTime: 2025-03-15T08:00:00Z
provider: {name: Harbour Gazette, domain: harbour-gazette.example}
---
"""


@pytest.fixture
def content(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(DATA, folder)  # file times kept: none is mistaken for a file being written
    assert sorted(p.name for p in folder.glob("bad-*.md")) == sorted(BAD)
    return folder


def environment(content: Path) -> dict[str, str]:
    return {
        **os.environ,
        "FEEDS_CONTENT_DIR": str(content),
        "FEEDS_PARSE_CACHE": "off",  # nothing written in ~
        "FEEDS_WATCH": "off",
    }


def flask(content: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "flask"), "--app", "feeds", *args],
        cwd=ROOT,
        env=environment(content),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def atom_titles(body: bytes) -> list[str]:
    feed = etree.fromstring(body)
    return sorted(e.findtext(f"{ATOM}title") or "" for e in feed.iter(f"{ATOM}entry"))


def assert_no_traceback(*outputs: str) -> None:
    for output in outputs:
        assert "Traceback" not in output, output[-3000:]
        assert not re.search(r"(?m)^[\w.]*(?:Error|Exception): ", output), output[-3000:]


def test_check_lists_each_bad_document_with_its_field_and_reason(content: Path) -> None:
    result = flask(content, "check", str(content))
    assert_no_traceback(result.stdout, result.stderr)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    for name, field in BAD.items():
        prefix = f"{content / name}: "
        listed = [line.removeprefix(prefix) for line in lines if line.startswith(prefix)]
        assert listed, f"{name} is not listed:\n{result.stdout}"
        rejections = [line for line in listed if not line.endswith("(warning)")]
        assert len(rejections) == 1, listed
        got_field, _, reason = rejections[0].partition(": ")
        assert got_field == field, rejections[0]
        assert reason.strip(), rejections[0]
    for good in content.glob("good-*.md"):
        assert not any(line.startswith(f"{good}: ") and not line.endswith("(warning)") for line in lines)
    summary = lines[-1]
    assert summary.startswith("documents: 9,"), summary
    assert f"rejected: {len(BAD)}," in summary, summary


def health(server: Server) -> dict[str, object]:
    answer = fetch(f"{server.base}/healthz", {"Connection": "close"})
    assert answer.status == 200
    result: dict[str, object] = json.loads(answer.body)
    return result


def serves_exactly(server: Server, titles: list[str], rejected: int, times: int = 8) -> bool:
    """Several requests in a row (spread over the workers) all serve `titles` and count `rejected`."""
    for _ in range(times):
        answer = fetch(f"{server.base}/all.atom", {"Connection": "close"})
        if (
            answer.status != 200
            or atom_titles(answer.body) != titles
            or health(server)["rejected"] != rejected
        ):
            return False
    return True


@pytest.fixture
def server(content: Path, tmp_path: Path) -> Iterator[Server]:
    env = {"FEEDS_PARSE_CACHE": "off", "FEEDS_WATCH": "auto", "HOME": str(tmp_path)}
    with gunicorn(content, workers=2, env=env, startup_seconds=30) as running:
        yield running


def test_gunicorn_starts_and_serves_the_good_documents(server: Server) -> None:
    answer = fetch(f"{server.base}/all.atom")
    assert answer.status == 200
    assert atom_titles(answer.body) == GOOD_TITLES
    assert serves_exactly(server, GOOD_TITLES, rejected=len(BAD))


def test_a_bad_document_added_while_serving_is_counted_and_the_rest_keep_serving(
    server: Server, content: Path
) -> None:
    assert serves_exactly(server, GOOD_TITLES, rejected=len(BAD))
    (content / "late-bad.md").write_text(LATE_BAD, encoding="utf-8")
    eventually(
        lambda: serves_exactly(server, GOOD_TITLES, rejected=len(BAD) + 1),
        5,
        "the late bad document counted by every worker",
    )
    # The watcher survived it: a good document added afterwards still appears.
    (content / "late-good.md").write_text(LATE_GOOD, encoding="utf-8")
    with_late = sorted([*GOOD_TITLES, "Ferry timetable changes for the summer"])
    eventually(
        lambda: serves_exactly(server, with_late, rejected=len(BAD) + 1),
        5,
        "a good document added after the bad one",
    )


def test_export_writes_the_good_articles_and_reports_the_bad_ones(content: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = flask(content, "export", str(out), "--base-url", "http://example.org")
    assert_no_traceback(result.stdout, result.stderr)
    assert result.returncode == 0, result.stdout + result.stderr
    assert atom_titles((out / "all.atom").read_bytes()) == GOOD_TITLES
    for name in BAD:
        assert name in result.stderr, f"{name} is not reported on stderr:\n{result.stderr}"


# --- generated documents, served ------------------------------------------------------------------------

GENERATED = 20


def seeded_documents(count: int) -> list[bytes]:
    """`count` different documents drawn from `documents()` with a fixed seed (the same every run)."""
    drawn: list[bytes] = []

    @seed(20261130)
    @settings(
        database=None,
        max_examples=3 * count,
        phases=[Phase.generate],
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(raw=documents())
    def draw(raw: bytes) -> None:
        if raw not in drawn:
            drawn.append(raw)

    draw()
    return drawn[:count]


@pytest.fixture
def mixed(content: Path, tmp_path: Path) -> dict[str, bytes]:
    """The bad folder plus the generated documents (`gen/NN.md`), each with an article URL of its own
    where it has the generator's usual one; dated an hour back, so none is taken for a file being written."""
    files: dict[str, bytes] = {}
    for n, raw in enumerate(seeded_documents(GENERATED)):
        own = raw.replace(b"https://news.example/story", f"https://news.example/story-{n}".encode())
        files[f"gen/{n:02d}.md"] = own.replace(
            b"https://origin.example/story", f"https://origin.example/s{n}".encode()
        )
    past = time.time() - 3600
    for rel, raw in files.items():
        path = content / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(raw)
        os.utime(path, (past, past))
    assert len(files) == GENERATED
    return files


def atom_ids(body: bytes) -> set[str]:
    return {e.findtext(f"{ATOM}id") or "" for e in etree.fromstring(body).iter(f"{ATOM}entry")}


def test_gunicorn_counts_and_serves_generated_documents_as_reading_each_alone_does(
    content: Path, mixed: dict[str, bytes], tmp_path: Path
) -> None:
    alone = tmp_path / "alone"
    readings = {}
    for rel, raw in mixed.items():  # each file read by itself, in a folder of its own
        folder = alone / rel.replace("/", "-")
        (folder / "gen").mkdir(parents=True)
        (folder / rel).write_bytes(raw)
        readings[rel] = read_document(folder, rel, dt.UTC, MAX_BYTES)
    rejected = len(BAD) + sum(r.rejected is not None for r in readings.values())
    now = dt.datetime.now(dt.UTC)
    visible = {
        r.article.url
        for r in readings.values()
        if r.article is not None and r.article.publish and r.article.date_published <= now
    }
    claimed = [r.article.url for r in readings.values() if r.article is not None]
    claimed += [r.rejected.url for r in readings.values() if r.rejected is not None and r.rejected.url]
    unique = {url for url in visible if claimed.count(url) == 1}  # no other document says anything of it
    assert 0 < sum(r.rejected is not None for r in readings.values()) < GENERATED  # both kinds drawn
    assert unique, "no generated document is served alone: the draw says nothing"

    env = {"FEEDS_PARSE_CACHE": "off", "FEEDS_WATCH": "auto", "HOME": str(tmp_path), "FEEDS_DATA_DIR": "off"}
    with gunicorn(content, workers=2, env=env, startup_seconds=30) as server:
        for _ in range(4):  # both workers
            assert health(server)["rejected"] == rejected
            served = atom_ids(fetch(f"{server.base}/all.atom?limit=500", {"Connection": "close"}).body)
            assert unique | GOOD_URLS <= served, sorted(unique | GOOD_URLS - served)
            assert served <= visible | GOOD_URLS, sorted(served - visible - GOOD_URLS)
