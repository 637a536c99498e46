"""What editors leave beside a document while it is open is not a document: an Emacs lock file
(`.#story.md`, a link to `user@host.pid:boot` that resolves to nothing) was read as one that could
not be read, so `check` failed and every export was refused while the file was open, and an article
unpublished meanwhile stayed on the static site. The other artefacts do not end in `.md`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .helpers import AppFactory, document, write_corpus

ARTEFACTS = {
    ".#story.md": "root@newsroom.12345:1764700000",  # Emacs lock: a dangling link
    ".#notes.md": "/nonexistent/elsewhere",
    "#story.md#": None,  # Emacs auto-save
    "story.md~": None,  # Emacs and vim backup
    ".story.md.swp": None,  # vim swap
    ".~lock.story.md#": None,  # LibreOffice lock
}


@pytest.mark.parametrize("name", sorted(ARTEFACTS))
def test_an_editors_artefact_neither_blocks_an_export_nor_counts(
    tmp_path: Path, make_app: AppFactory, name: str
) -> None:
    content = write_corpus(
        tmp_path / "content",
        {
            "story.md": document(n=1, title="Ferry strike ends"),
            "other.md": document(n=2, title="Quay reopens"),
        },
    )
    target = ARTEFACTS[name]
    if target is not None:
        os.symlink(target, content / name)
    else:
        (content / name).write_text("---\ntitle: half an edit\n", encoding="utf-8")
    app = make_app(content, DATA_DIR=str(tmp_path / "data"), BASE_URL="https://feeds.example")
    out = tmp_path / "site"
    first = app.test_cli_runner().invoke(args=["export", str(out)])
    assert first.exit_code == 0, first.output
    write_corpus(content, {"other.md": document(n=2, title="Quay reopens", published=False)})
    again = make_app(content, DATA_DIR=str(tmp_path / "data"), BASE_URL="https://feeds.example")
    second = again.test_cli_runner().invoke(args=["export", str(out)])
    assert second.exit_code == 0, second.output  # the unpublishing reaches the static site
    assert b"Quay reopens" not in (out / "all.atom").read_bytes()
    assert b"Ferry strike ends" in (out / "all.atom").read_bytes()
    checked = again.test_cli_runner().invoke(args=["check", str(content)])
    assert checked.exit_code == 0, checked.output
    assert name not in checked.output
    health = again.test_client().get("/healthz").get_json()
    assert health["rejected"] == 0
