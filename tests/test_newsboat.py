"""newsboat, a terminal feed reader, imports /feeds.opml and reads every feed (where it is installed)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .helpers import DEMO
from .servers import fetch, gunicorn

NEWSBOAT = shutil.which("newsboat")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(NEWSBOAT is None, reason="newsboat is not installed")]


def newsboat(home: Path, *args: str) -> str:
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local/share"),
    }
    done = subprocess.run(
        [NEWSBOAT or "newsboat", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        check=True,
    )
    return done.stdout


def test_newsboat_imports_the_opml_and_reads_every_article(tmp_path: Path) -> None:
    with gunicorn(DEMO) as server:
        opml = tmp_path / "feeds.opml"
        opml.write_bytes(fetch(f"{server.base}/feeds.opml").body)
        assert "finished" in newsboat(tmp_path, "-i", str(opml))
        lines = (tmp_path / ".newsboat" / "urls").read_text(encoding="utf-8").splitlines()
        urls = [line.split()[0] for line in lines if line.strip()]  # each line: URL, then its folder as a tag
        assert len(urls) == 1 + 8 + 6
        assert sum('"Topics"' in line for line in lines) == 8
        assert all(u.startswith(f"{server.base}/") for u in urls)
        newsboat(tmp_path, "-x", "reload")
        assert newsboat(tmp_path, "-x", "print-unread").strip() == "44 unread articles"
