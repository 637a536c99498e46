"""`rm -rf` of the content folder, looked at midway, never empties the served corpus.

`rm -rf` unlinks the files first and the folder last. A look in between (a poll, the safety-net
rescan, a deletion burst read at its longest) finds a readable folder with files missing, which is
what an author deleting documents looks like. If the folder is then found gone (or replaced by a file,
or renamed away) while the deletions had not stopped, the last good corpus is the one from before the
run: every document it deleted serves again. Deletions seen to stop (a look that deletes nothing a
moment later, a burst the watcher read once it went quiet, the hold) were the author's, and stay.
Generated trees, deletion orders and look points; a clock the test moves.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.corpus import ContentDir
from feeds.deletionrun import HOLD_SECONDS, QUIET
from feeds.model import ROOT_FIELD

from .helpers import document, write_corpus

FOLDERS = ["", "2024/", "2025/", "2025/06/", "archive/old/"]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def tree(tmp: Path, names: list[str]) -> Path:
    return write_corpus(
        tmp / "content", {name: document(n=i, title=f"Story {i}") for i, name in enumerate(names)}
    )


def content_dir(root: Path) -> tuple[ContentDir, Clock]:
    clock = Clock()
    content = ContentDir(root)
    content.deletions.clock = clock
    content.refresh()
    return content, clock


def served(content: ContentDir) -> set[str]:
    return {article.path for article in content.corpus.articles}


def remove_root(root: Path, how: str) -> None:
    if how == "rm -rf":
        shutil.rmtree(root)
    elif how == "renamed away":
        root.rename(root.with_name("elsewhere"))
    else:
        shutil.rmtree(root)
        root.write_text("not a folder\n", encoding="utf-8")


names = st.lists(
    st.tuples(st.sampled_from(FOLDERS), st.integers(0, 20)).map(lambda t: f"{t[0]}story-{t[1]}.md"),
    min_size=1,
    max_size=12,
    unique=True,
)
HOW = st.sampled_from(["rm -rf", "renamed away", "replaced by a file"])


@settings(max_examples=60, deadline=None)
@given(names=names, data=st.data(), how=HOW)
def test_a_root_removed_after_looks_midway_serves_every_document_it_had(
    tmp_path_factory: object, names: list[str], data: st.DataObject, how: str
) -> None:
    tmp = tmp_path_factory.mktemp("run")  # type: ignore[attr-defined]
    root = tree(tmp, names)
    content, clock = content_dir(root)
    before = served(content)
    assert before == set(names)
    order = data.draw(st.permutations(names), label="deletion order")
    looks = data.draw(st.sets(st.integers(0, len(order))), label="looks after this many deletions")
    gaps = data.draw(st.floats(0, HOLD_SECONDS * 0.3), label="seconds between looks")  # each deletes more
    for done, name in enumerate(order):
        if done in looks:
            content.refresh()  # a poll or a rescan in the middle of the run
            clock.now += gaps
        (root / name).unlink()
    if len(order) in looks:
        content.refresh()
        clock.now += gaps
    remove_root(root, how)
    content.refresh([str(root)])
    assert served(content) == before
    assert [p.field for p in content.problems] == [ROOT_FIELD]


STOPPED = {
    "a look that deletes nothing, a moment later": (QUIET + 0.01, "look"),
    "a look after the hold": (HOLD_SECONDS, "look"),
    "the watcher read a burst that went quiet": (0.0, "settled"),
}


@settings(max_examples=40, deadline=None)
@given(
    names=names.filter(lambda n: len(n) > 1), data=st.data(), how=HOW, stop=st.sampled_from(sorted(STOPPED))
)
def test_deletions_seen_to_stop_stay_deleted(
    tmp_path_factory: object, names: list[str], data: st.DataObject, how: str, stop: str
) -> None:
    tmp = tmp_path_factory.mktemp("run")  # type: ignore[attr-defined]
    root = tree(tmp, names)
    content, clock = content_dir(root)
    deleted = data.draw(st.sets(st.sampled_from(names), min_size=1, max_size=len(names) - 1), label="deleted")
    for name in deleted:
        (root / name).unlink()
    content.refresh()
    assert served(content) == set(names) - deleted
    seconds, how_seen = STOPPED[stop]
    clock.now += seconds
    if how_seen == "look":
        content.refresh()  # the folder is still there, nothing more gone: the author deleted them
    else:
        content.settle_deletions()
    remove_root(root, how)
    content.refresh([str(root)])
    assert served(content) == set(names) - deleted
    assert [p.field for p in content.problems] == [ROOT_FIELD]


def test_a_look_too_soon_to_tell_ends_nothing(tmp_path: Path) -> None:
    """A look that deletes nothing less than `QUIET` after the last deletion (the next file of an
    `rm -rf` not unlinked yet) does not end the run."""
    root = tree(tmp_path, ["a.md", "b.md", "2025/c.md"])
    content, clock = content_dir(root)
    (root / "a.md").unlink()
    content.refresh()
    clock.now += QUIET / 2
    content.refresh()
    shutil.rmtree(root)
    content.refresh()
    assert served(content) == {"a.md", "b.md", "2025/c.md"}


def test_a_root_found_gone_after_the_hold_gives_nothing_back(tmp_path: Path) -> None:
    """Without a look in between, the hold is measured to the look that finds the root gone."""
    root = tree(tmp_path, ["a.md", "b.md", "2025/c.md"])
    content, clock = content_dir(root)
    (root / "a.md").unlink()
    content.refresh()
    clock.now += HOLD_SECONDS + 0.1
    shutil.rmtree(root)
    content.refresh()
    assert served(content) == {"b.md", "2025/c.md"}


def test_a_file_written_again_in_the_run_serves_its_newest_version(tmp_path: Path) -> None:
    root = tree(tmp_path, ["a.md", "b.md"])
    content, _ = content_dir(root)
    (root / "a.md").unlink()
    content.refresh()
    write_corpus(root, {"a.md": document(n=0, title="Story 0, corrected")})
    content.refresh()
    (root / "a.md").unlink()
    content.refresh()
    shutil.rmtree(root)
    content.refresh()
    assert sorted(a.title for a in content.corpus.articles) == ["Story 0, corrected", "Story 1"]


def test_a_new_folder_read_in_full_does_not_bring_back_the_last_one(tmp_path: Path) -> None:
    """A deploy that moves another folder into place: its documents are a new corpus, and if it goes
    right after, what it lacked of the old one does not come back."""
    root = tree(tmp_path, ["a.md", "b.md"])
    content, _ = content_dir(root)
    root.rename(tmp_path / "previous")
    write_corpus(root, {"c.md": document(n=2, title="Story 2")})
    content.refresh()
    assert served(content) == {"c.md"}
    shutil.rmtree(root)
    content.refresh()
    assert served(content) == {"c.md"}


def test_settling_waits_for_no_lock(tmp_path: Path) -> None:
    """The watcher's thread settles a burst outside the service's refresh; a gunicorn master forking a
    worker at that moment must not leave the child a lock held by a thread it does not have. So
    settling takes none: it ends even while a refresh holds the folder's lock."""
    root = tree(tmp_path, ["a.md", "b.md"])
    content, _ = content_dir(root)
    (root / "a.md").unlink()
    content.refresh()
    with content._lock:
        settler = threading.Thread(target=content.settle_deletions)
        settler.start()
        settler.join(2)
        assert not settler.is_alive()
    shutil.rmtree(root)
    content.refresh()
    assert served(content) == {"b.md"}  # settled: the deletion stood
