"""An export killed midway (SIGKILL: an OOM kill, a deploy's timeout; SIGTERM) leaves nothing the next
export does not clean: the files it wrote that the next one does not make are removed, so an
article unpublished since never lingers on a page only the killed run made; its reading and
exporting processes end with it. Two exports into one folder at once: the second is refused and
changes nothing. The real `feeds export` command, run as a deployment runs it."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from feeds.exportfiles import META, read_manifest

from .helpers import document, front_matter, write_corpus
from .servers import BIN

DOCUMENTS = 300


def corpus(root: Path, unpublished: set[int] = frozenset()) -> None:  # type: ignore[assignment]
    docs = {}
    for n in range(DOCUMENTS):
        date = dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(hours=n)
        fields = document(n=n, title=f"Headline {n:03d}", publishedDateTime=date, topics=[f"T{n % 7}"])
        if n in unpublished:
            fields["published"] = False
        docs[f"{n:03d}.md"] = front_matter(fields)
    write_corpus(root, docs)


def run_export(tmp: Path, out: Path, limit: int) -> subprocess.Popen[bytes]:
    environ = {
        **os.environ,
        "FEEDS_CONTENT_DIR": str(tmp / "content"),
        "FEEDS_DATA_DIR": str(tmp / "data"),
        "FEEDS_PARSE_CACHE": str(tmp / "cache"),
        "FEEDS_BASE_URL": "https://feeds.example",
        "FEEDS_FEED_LIMIT": str(limit),
        "FEEDS_PARSE_PROCESSES": "2",
        "HOME": str(tmp),
    }
    return subprocess.Popen(
        [str(BIN / "feeds"), "export", str(out)], env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def finished(process: subprocess.Popen[bytes]) -> str:
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr.decode()
    return stdout.decode()


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def on_disk(out: Path) -> set[str]:
    return {
        p.relative_to(out).as_posix()
        for p in out.rglob("*")
        if p.is_file() and p.relative_to(out).parts[0] != META and not p.name.startswith(".")
    }


@pytest.mark.parametrize(
    ("how", "after_new"), [(signal.SIGKILL, 40), (signal.SIGTERM, 200), (signal.SIGKILL, 1)]
)
def test_files_of_a_killed_export_are_removed_by_the_next(tmp_path: Path, how: int, after_new: int) -> None:
    out = tmp_path / "site"
    corpus(tmp_path / "content")
    finished(run_export(tmp_path, out, 50))  # the published site
    before = on_disk(out)
    killed = run_export(tmp_path, out, 3)  # many more pages: files the next export does not make
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and killed.poll() is None and len(on_disk(out) - before) < after_new:
        time.sleep(0.002)
    assert killed.poll() is None, "the export ended before it could be killed"
    helpers = children(killed.pid)
    killed.send_signal(how)
    killed.communicate(timeout=30)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(alive(pid) for pid in helpers):
        time.sleep(0.05)
    assert not [pid for pid in helpers if alive(pid)], "the export's processes outlived it"
    assert on_disk(out) - before, "the killed export wrote no file of its own"

    unpublished = {DOCUMENTS - 1, 5}  # the newest, on every first page; and one deep in the history
    corpus(tmp_path / "content", unpublished)
    finished(run_export(tmp_path, out, 50))
    made = set(read_manifest(out))
    assert on_disk(out) == made  # nothing the killed run left behind
    assert not (out / META / "journal").exists()
    assert not (out / META / "writing").exists()  # nor the temporary files of its processes
    assert not [p for p in out.rglob("*.tmp")]
    for name in made:
        text = (out / name).read_bytes()
        assert b"Headline 299" not in text, name
        assert b"Headline 005" not in text, name


def test_a_second_export_into_a_folder_being_written_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "site"
    corpus(tmp_path / "content")
    finished(run_export(tmp_path, out, 50))
    files = {name: (out / name).read_bytes() for name in on_disk(out)}
    corpus(tmp_path / "content", {DOCUMENTS - 1})
    with open(out / META / "lock", "a") as lock:  # as an export under way holds it
        fcntl.flock(lock, fcntl.LOCK_EX)
        second = run_export(tmp_path, out, 50)
        _, stderr = second.communicate(timeout=120)
    assert second.returncode == 1
    assert "another export is writing into it; nothing was exported" in stderr.decode()
    assert {name: (out / name).read_bytes() for name in on_disk(out)} == files
    finished(run_export(tmp_path, out, 50))  # once it has ended
    assert all(b"Headline 299" not in (out / name).read_bytes() for name in on_disk(out))
