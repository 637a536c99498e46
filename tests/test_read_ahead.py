"""Reading many files with the kernel asked to read ahead (`bulkread.read_in_order`) gives each file
the reading it gets alone, whatever the files are: documents, broken text, files over the limit,
files gone since they were listed, FIFOs (which must not hang either reader) and links."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds import bulkread

from .helpers import REAL, document, front_matter

MAX_BYTES = 4096
REAL_FILES = sorted(REAL.glob("*.md"))[:12]

KINDS = ("visible", "hidden", "real", "text", "bytes", "too large", "gone", "fifo", "link", "dangling link")


def _write(root: Path, n: int, kind: str, data: bytes) -> str:
    name = f"{n:03d}-{kind.replace(' ', '-')}.md"
    path = root / name
    if kind == "visible":
        path.write_text(front_matter(document(n=n)), encoding="utf-8")
    elif kind == "hidden":
        path.write_text(front_matter(document(n=n, published=False)), encoding="utf-8")
    elif kind == "real":
        shutil.copyfile(REAL_FILES[n % len(REAL_FILES)], path)
    elif kind == "text":
        path.write_text("---\n" + data.decode("utf-8", "replace") + "\n---\n", encoding="utf-8")
    elif kind == "bytes":
        path.write_bytes(b"---\ntitle: " + data + b"\n---\n")
    elif kind == "too large":
        path.write_bytes(b"---\npublished: false\ntitle: " + b"x" * (MAX_BYTES + len(data)) + b"\n---\n")
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "link":
        (root / f"{n:03d}-target").write_text(front_matter(document(n=n)), encoding="utf-8")
        path.symlink_to(root / f"{n:03d}-target")
    elif kind == "dangling link":
        path.symlink_to(root / f"{n:03d}-nowhere")
    # "gone": listed, never written (deleted between the listing and the read)
    return name


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    files=st.lists(st.tuples(st.sampled_from(KINDS), st.binary(max_size=40)), min_size=1, max_size=30),
    ahead=st.integers(min_value=1, max_value=8),
)
def test_reading_ahead_changes_no_reading(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    files: list[tuple[str, bytes]],
    ahead: int,
) -> None:
    root = tmp_path_factory.mktemp("content")
    rels = [_write(root, n, kind, data) for n, (kind, data) in enumerate(files)]
    alone = {rel: bulkread.read_document(root, rel, dt.UTC, MAX_BYTES, True) for rel in rels}
    monkeypatch.setattr(bulkread, "SLOW_READ_S", -1.0)  # every read "waited for the disk": ask ahead
    monkeypatch.setattr(bulkread, "READ_AHEAD", ahead)
    together = list(bulkread.read_in_order(str(root), rels, dt.UTC, MAX_BYTES, True))
    assert [rel for rel, _ in together] == rels
    assert dict(together) == alone
    assert bulkread.read_many(root, rels, dt.UTC, MAX_BYTES, 1, None, True) == alone


def test_files_that_cannot_be_read_ahead_are_read_as_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A FIFO, a folder named like a document and a file gone are rejected with the reason each gets
    alone; the documents around them are read."""
    root = tmp_path / "content"
    root.mkdir()
    (root / "a.md").write_text(front_matter(document(n=1)), encoding="utf-8")
    os.mkfifo(root / "b.md")
    (root / "c.md").mkdir()
    (root / "e.md").write_text(front_matter(document(n=2, published=False)), encoding="utf-8")
    rels = ["a.md", "b.md", "c.md", "d.md", "e.md"]
    monkeypatch.setattr(bulkread, "SLOW_READ_S", -1.0)
    reads = dict(bulkread.read_in_order(str(root), rels, dt.UTC, MAX_BYTES, True))
    assert reads["a.md"].article is not None
    assert reads["a.md"].article.publish
    assert reads["e.md"].article is not None
    assert not reads["e.md"].article.publish
    rejected = {rel: reads[rel].rejected for rel in ("b.md", "c.md", "d.md")}
    reasons = {rel: problem.problem.reason for rel, problem in rejected.items() if problem is not None}
    assert reasons == {
        "b.md": "not a regular file",
        "c.md": "not a regular file",
        "d.md": "cannot be read: No such file or directory",
    }
