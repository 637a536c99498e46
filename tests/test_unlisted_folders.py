"""What becomes of documents whose folder goes away or cannot be read, for every kind of folder fault
(`ContentDir`, read the way the poll watcher reads, in full, and the way events read, by the path
they name).

Decided: a folder that cannot be listed (permissions, a failing mount) or a content root that is
gone, moved away, replaced by a file or unreadable is not the author deleting documents: what was
served keeps serving and a problem names the folder. A folder renamed or deleted inside a readable
root is the author's act: its documents are gone. Either way, once the folder is back, it is served
as it is on disk.

The unreadable kinds need a reader that permission bits stop: as root, the reading thread lowers its
effective CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH for the read (capabilities(7)), and raises them
again after.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.corpus import EMPTIED, ContentDir
from feeds.service import FeedService
from feeds.settings import Settings

from .helpers import document, write_corpus
from .servers import BIN

CAP_VERSION_3 = 0x20080522  # _LINUX_CAPABILITY_VERSION_3
DAC = (1 << 1) | (1 << 2)  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH


class _Header(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _Data(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


@contextlib.contextmanager
def permission_bits_apply() -> Iterator[None]:
    """This thread, for the block, reads as any service user does: mode 000 keeps it out."""
    if os.geteuid() != 0:
        yield
        return
    libc = ctypes.CDLL(None, use_errno=True)
    header, data = _Header(CAP_VERSION_3, 0), (_Data * 2)()
    if libc.capget(ctypes.byref(header), data) != 0:
        pytest.skip("capget failed: cannot make this thread unprivileged")
    saved = data[0].effective
    data[0].effective = saved & ~DAC
    if libc.capset(ctypes.byref(header), data) != 0:
        pytest.skip("capset failed: cannot make this thread unprivileged")
    try:
        yield
    finally:
        data[0].effective = saved
        assert libc.capset(ctypes.byref(header), data) == 0


FOLDERS = ["", "2025", "2025/06", "2024"]
KEPT = ["root renamed", "root deleted", "root replaced by a file", "root chmod 000", "subfolder chmod 000"]
GONE = ["subfolder renamed away", "subfolder deleted"]


def fault(kind: str, root: Path, folder: Path) -> None:
    aside = root.parent / "aside"
    if kind == "root renamed":
        root.rename(aside)
    elif kind == "root deleted":
        shutil.rmtree(root)
    elif kind == "root replaced by a file":
        root.rename(aside)
        root.write_text("not a folder\n", encoding="utf-8")
    elif kind == "root chmod 000":
        root.chmod(0)
    elif kind == "subfolder chmod 000":
        folder.chmod(0)
    elif kind == "subfolder renamed away":
        folder.rename(aside)
    elif kind == "subfolder deleted":
        shutil.rmtree(folder)


def mend(kind: str, root: Path, folder: Path, docs: dict[str, dict[str, object]]) -> None:
    """Undo the fault as an operator would (the folder back, or written afresh from `docs`)."""
    if kind in ("root chmod 000", "subfolder chmod 000"):
        (root if kind.startswith("root") else folder).chmod(0o755)
    elif kind == "root replaced by a file":
        root.unlink()
        (root.parent / "aside").rename(root)
    elif kind == "root renamed":
        (root.parent / "aside").rename(root)
    elif kind == "root deleted":
        write_corpus(root, docs)


def titles_by_path(content: ContentDir) -> dict[str, str]:
    return {a.path: a.title for a in content.corpus.articles}


corpora = st.dictionaries(
    st.tuples(st.sampled_from(FOLDERS), st.sampled_from(["a.md", "b.md", "c.md"])).map(
        lambda p: f"{p[0]}/{p[1]}".lstrip("/")
    ),
    st.integers(1, 99),
    min_size=1,
    max_size=8,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    numbers=corpora,
    kind=st.sampled_from(KEPT + GONE),
    folder=st.sampled_from(FOLDERS[1:]),
    by_event=st.booleans(),
)
def test_only_the_authors_acts_delete_documents(
    tmp_path: Path, numbers: dict[str, int], kind: str, folder: str, by_event: bool
) -> None:
    root = Path(tempfile.mkdtemp(dir=tmp_path)) / "content"
    docs = {rel: document(n=n, title=f"Story {n} at {rel}") for rel, n in numbers.items()}
    write_corpus(root, docs)
    (root / folder).mkdir(parents=True, exist_ok=True)
    before = {rel: f"Story {n} at {rel}" for rel, n in numbers.items()}
    content = ContentDir(root)
    content.refresh()
    assert titles_by_path(content) == before

    fault(kind, root, root / folder)
    named = [str(root / folder)] if kind.startswith("subfolder") else [str(root)]
    try:
        with permission_bits_apply():
            content.refresh(named if by_event else None)
        if kind in KEPT:
            assert titles_by_path(content) == before
            assert content.corpus.rejected == ()
            problems = content.problems
            where = "." if kind.startswith("root") else folder
            assert [p.path for p in problems] == [where], problems
            assert all(rel not in line for rel in docs for line in content.problem_lines())
            if kind.startswith("subfolder"):
                under = sum(1 for rel in docs if rel.startswith(folder + "/"))
                reason = "cannot be read: Permission denied"
                assert content.problem_lines() == [
                    f"folder {folder}: {reason}; {under} documents serve as last read"
                ]
        elif left := {rel: title for rel, title in before.items() if not rel.startswith(folder + "/")}:
            assert titles_by_path(content) == left
            assert content.problems == ()
        else:  # no file left at all: an outage, not an author (tests/test_emptied_folder.py)
            assert titles_by_path(content) == before
            assert [p.reason for p in content.problems] == [f"{EMPTIED}; serving the last good corpus"]
    finally:
        mend(kind, root, root / folder, docs)

    edited = next(iter(docs))  # changed while the folder was away: served as it is now
    write_corpus(root, {edited: document(n=numbers[edited], title="Edited while away")})
    with permission_bits_apply():
        content.refresh([*named, str(root / edited)] if by_event else None)
    now = {rel: title for rel, title in before.items() if (root / rel).exists()}
    now[edited] = "Edited while away"
    assert titles_by_path(content) == now
    assert content.problems == ()


@pytest.mark.parametrize("name", ["news", "news room"])
def test_the_start_up_hint_names_the_folder_so_it_runs_as_printed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    root = write_corpus(tmp_path / name, {"good.md": document(n=1), "bad.md": "---\ntitle: no url\n---\n"})
    service = FeedService(Settings(content_dir=root, watch="off", parse_cache=None), remember=False)
    with caplog.at_level(logging.WARNING, logger="feeds"):
        service.load()
    hint = [r.getMessage() for r in caplog.records if "rejected" in r.getMessage()]
    command = f"feeds check {root}" if name == "news" else f"feeds check '{root}'"
    quoted = f"'{command}'" if name == "news" else f'"{command}"'
    assert hint == [f"1 documents rejected: run {quoted} to list them"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDS_")}  # the operator's own shell
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    result = subprocess.run(
        ["sh", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 1, result.stderr
    assert f"{root / 'bad.md'}: webUrl:" in result.stdout
