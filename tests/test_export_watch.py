"""`feeds export OUTDIR --watch`: a static export kept current as the content folder changes, as a
user runs it (the installed command, in its own process, stopped by SIGTERM)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import document, write_corpus
from .servers import eventually, stop

pytestmark = pytest.mark.slow
FEEDS = Path(sys.executable).parent / "feeds"


def mtimes(out: Path) -> dict[str, int]:
    return {str(p.relative_to(out)): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}


def test_export_watch_keeps_the_folder_current_and_writes_only_what_changed(tmp_path: Path) -> None:
    content = write_corpus(
        tmp_path / "content",
        {"a.md": document(n=1, topics=["AI"]), "b.md": document(n=2, topics=["Space"])},
    )
    out, log = tmp_path / "out", tmp_path / "export.log"
    env = {
        **os.environ,
        "FEEDS_CONTENT_DIR": str(content),
        "FEEDS_DATA_DIR": str(tmp_path / "data"),
        "FEEDS_PARSE_CACHE": "off",
        "FEEDS_WATCH": "poll",
        "FEEDS_POLL_SECONDS": "0.1",
    }
    command = [str(FEEDS), "export", str(out), "--base-url", "https://feeds.example", "--watch"]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            eventually(lambda: b"watching" in log.read_bytes(), 30, "the first export")
            space = (out / "topics/space.atom").read_bytes()
            before = mtimes(out)

            write_corpus(content, {"a.md": document(n=1, topics=["AI"], title="A corrected headline")})
            eventually(
                lambda: b"A corrected headline" in (out / "all.atom").read_bytes(), 10, "the edit exported"
            )
            eventually(lambda: b"written" in log.read_bytes().split(b"watching")[1], 5, "its report line")
            after = mtimes(out)
            assert (out / "topics/space.atom").read_bytes() == space
            assert after["topics/space.atom"] == before["topics/space.atom"]  # not even rewritten
            assert after["topics/ai.atom"] != before["topics/ai.atom"]

            # no article left: refused, reported, and the published files stay
            (content / "a.md").unlink()
            (content / "b.md").unlink()
            eventually(lambda: b"not exported" in log.read_bytes(), 10, "the refusal reported")
            assert b"A corrected headline" in (out / "all.atom").read_bytes()

            # the next good version is exported again
            write_corpus(content, {"c.md": document(n=3, title="Back in business")})
            eventually(lambda: b"Back in business" in (out / "all.atom").read_bytes(), 10, "exported again")

            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=10) == 0
        finally:
            stop(process)
