"""A full rescan of a loaded content folder, worked out by forked processes (`rescan.full_rescan`),
finds what one in this process finds, whatever happened to the folder since it was read; and the
forks, not this process, look at every file."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds import forks, rescan
from feeds.corpus import ContentDir

from .helpers import document, front_matter, write_corpus
from .test_unlisted_folders import permission_bits_apply

FOLDERS = ["", "2024", "2024/06", "2025", "2025/01/deep", "news"]
PATHS = st.tuples(st.sampled_from(FOLDERS), st.sampled_from(["a.md", "b.md", "c.md", "d.md"])).map(
    lambda p: f"{p[0]}/{p[1]}".lstrip("/")
)
CORPORA = st.dictionaries(PATHS, st.integers(1, 99), min_size=1, max_size=10)
ACTIONS = [
    "edit",  # another text: published no more, or another title
    "touch",  # the same bytes, a new mtime
    "delete",
    "add",
    "break",  # no longer a document that reads
    "delete folder",
    "rename folder",
    "unlistable folder",  # mode 000: what is known under it stays
    "link",  # a symbolic link to a document of the folder
]
Change = tuple[str, int, str]
CHANGES = st.lists(st.tuples(st.sampled_from(ACTIONS), st.integers(0, 99), PATHS), max_size=6)


def change(root: Path, action: str, pick: int, path: str) -> None:
    files = sorted(p for p in root.rglob("*.md") if p.is_file() and not p.is_symlink())
    folders = sorted(p for p in root.rglob("*") if p.is_dir())
    target = files[pick % len(files)] if files else None
    if action == "edit" and target is not None:
        target.write_text(front_matter(document(n=pick, published=pick % 2 == 0)), encoding="utf-8")
    elif action == "touch" and target is not None:
        info = target.stat()
        os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))
    elif action == "delete" and target is not None:
        target.unlink()
    elif action == "add":
        write_corpus(root, {path: document(n=pick + 100, title=f"Added {pick} at {path}")})
    elif action == "break" and target is not None:
        target.write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    elif action in ("delete folder", "rename folder", "unlistable folder") and folders:
        folder = folders[pick % len(folders)]
        if action == "delete folder":
            shutil.rmtree(folder)
        elif action == "rename folder":
            folder.rename(folder.with_name(folder.name + "-moved"))
        else:
            folder.chmod(0)
    elif action == "link" and target is not None and not os.path.lexists(root / f"link-{pick}.md"):
        (root / f"link-{pick}.md").symlink_to(target)


def state(content: ContentDir) -> tuple[object, ...]:
    return content.corpus, content.problem_lines(), sorted(content.rejected), sorted(content.stale)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(numbers=CORPORA, changes=CHANGES, processes=st.integers(1, 3), per_fork=st.integers(1, 4))
def test_a_rescan_by_forked_processes_finds_what_one_here_finds(
    tmp_path: Path,
    numbers: dict[str, int],
    changes: list[tuple[str, int, str]],
    processes: int,
    per_fork: int,
) -> None:
    """Folders handed out whole where a level of the tree has `per_fork` folders a fork, else files shared."""
    root = Path(tempfile.mkdtemp(dir=tmp_path)) / "content"
    write_corpus(root, {rel: document(n=n, title=f"Story {n} at {rel}") for rel, n in numbers.items()})
    here, forked = ContentDir(root), ContentDir(root, processes=processes)
    here.refresh()
    forked.refresh()
    try:
        for action, pick, path in changes:
            change(root, action, pick, path)
        with permission_bits_apply():
            with mock.patch.object(rescan, "FORKED_MIN", 10**9):
                expected = here.refresh()
            with (
                mock.patch.object(rescan, "FORKED_MIN", 0),
                mock.patch.object(rescan, "FOLDERS_PER_FORK", per_fork),
            ):
                got = forked.refresh()
    finally:
        for folder in [root, *root.rglob("*")]:
            if folder.is_dir() and not folder.is_symlink():
                folder.chmod(0o755)
    assert got == expected
    assert state(forked) == state(here)


@pytest.mark.parametrize("months", [False, True], ids=["files shared", "folders handed out"])
def test_the_forks_look_at_every_file_once_and_this_process_at_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, months: bool
) -> None:
    """At scale a worker forked from a loaded master would otherwise write into the page of every
    file's state (and keep a private copy of them all), and hold the GIL for seconds. Six year folders
    are too few to hand out (four a fork): the forks share the files; with month folders below them,
    each fork takes whole months, and the first the files above them."""
    docs = {
        f"{year}/{f'{n % 4:02}/' if months else ''}{n}.md": document(n=n + 10 * year)
        for year in range(2019, 2025)
        for n in range(5)
    }
    docs["top.md"] = document(n=1)
    root = write_corpus(tmp_path / "content", docs)
    content = ContentDir(root, processes=2)
    content.refresh()
    edited, deleted = sorted(docs)[3], sorted(docs)[8]
    (root / edited).write_text(front_matter(document(n=7, published=False)), encoding="utf-8")
    (root / deleted).unlink()
    log = tmp_path / "scans"
    scan = rescan.scan

    def logged(folder: str, prefix: str, share: tuple[int, int] | None = None) -> object:
        found, unlisted = scan(folder, prefix, share)
        with log.open("a") as out:
            out.write(f"{os.getpid()} {len(found)} {prefix}\n")
        return found, unlisted

    monkeypatch.setattr(rescan, "scan", logged)
    monkeypatch.setattr(rescan, "FORKED_MIN", 0)
    changes = content.refresh()

    assert changes is not None
    assert set(changes) == {edited, deleted}
    assert changes[deleted] is None
    assert not changes[edited].publish  # type: ignore[union-attr]
    scans = [line.split(" ", 2) for line in log.read_text().splitlines()]
    assert sum(int(count) for _, count, _ in scans) == len(docs) - 1  # each file looked at once
    prefixes = sorted(prefix for _, _, prefix in scans)
    if months:
        assert prefixes == sorted([f"{y}/{m:02}" for y in range(2019, 2025) for m in range(4)] + ["top.md"])
    else:
        assert prefixes == ["", ""]  # the whole folder, once per fork
    scanners = {pid for pid, _, _ in scans}
    assert len(scanners) == 2
    assert str(os.getpid()) not in scanners


def test_a_fork_that_fails_leaves_the_rescan_to_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_corpus(tmp_path / "content", {f"{n}/{n}.md": document(n=n) for n in range(1, 7)})
    content = ContentDir(root, processes=3)
    content.refresh()
    (root / "4" / "4.md").unlink()
    share = rescan._share_difference

    monkeypatch.setattr(rescan, "_split", lambda *_: None)  # files shared: `_share_difference` is used

    def failing(files: object, folder: str, which: tuple[int, int]) -> rescan.Difference:
        if which[0] == 1:
            raise OSError("a fork that fails")
        return share(files, folder, which)  # type: ignore[arg-type]

    monkeypatch.setattr(rescan, "_share_difference", failing)
    monkeypatch.setattr(rescan, "FORKED_MIN", 0)
    assert content.refresh() == {"4/4.md": None}
    assert sorted(a.path for a in content.corpus.articles) == [f"{n}/{n}.md" for n in (1, 2, 3, 5, 6)]


def test_forks_hand_back_results_of_any_size_in_order() -> None:
    big = "x" * (3 << 20)  # more than a pipe holds: the parent reads while the child writes
    assert forks.in_forks(lambda n: (n, big if n == 1 else ""), 3) == [(0, ""), (1, big), (2, "")]
    assert forks.in_forks(lambda n: 1 // (n - 1), 3) is None  # one child's exception: no result


def test_forks_reaped_by_a_sigchld_handler_still_hand_back_their_results() -> None:
    """A server may reap every child that exits (a SIGCHLD handler calling `waitpid(-1)`): what a fork
    wrote is then all there is to tell how it ended."""

    def reap(*_: object) -> None:
        with contextlib.suppress(ChildProcessError):
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass

    before = signal.signal(signal.SIGCHLD, reap)
    try:
        for _ in range(5):
            assert forks.in_forks(lambda n: ("part", n), 2) == [("part", 0), ("part", 1)]
            assert forks.in_forks(lambda n: 1 // n, 2) is None
    finally:
        signal.signal(signal.SIGCHLD, before)


def test_a_preloading_gunicorn_master_rescans_in_its_own_process_and_its_workers_by_forks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The master serves nothing and each fork of it restarts gunicorn's control socket; its workers
    rescan by forks again (`feeds.gunicorn_conf`)."""
    import types

    from feeds import gunicorn_conf
    from feeds.service import FeedService
    from feeds.settings import Settings

    root = write_corpus(tmp_path / "content", {f"{n}/{n}.md": document(n=n) for n in range(1, 5)})
    service = FeedService(Settings(content_dir=root, watch="off", parse_cache=None, data_dir=None))
    service.index()
    app = types.SimpleNamespace(extensions={"feeds": service})
    monkeypatch.setitem(sys.modules, "feeds.wsgi", types.SimpleNamespace(app=app))
    monkeypatch.setattr(rescan, "FORKED_MIN", 0)
    forked: list[int] = []
    helpers = rescan.in_forks
    monkeypatch.setattr(rescan, "in_forks", lambda *args: forked.append(1) or helpers(*args))

    gunicorn_conf.when_ready(object())
    (root / "2" / "2.md").unlink()
    service.refresh(None)
    assert not forked  # the master's rescan: in its own process
    gunicorn_conf.post_fork(object(), object())
    (root / "3" / "3.md").unlink()
    service.refresh(None)
    assert forked  # a worker's: by forks
    assert sorted(a.path for a in service.content.corpus.articles) == ["1/1.md", "4/4.md"]
