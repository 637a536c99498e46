"""An edit that keeps a file's size is seen however soon it follows the read, on a file system whose
clock stamps whole seconds: two writes in one second share one ctime, so the signature (size, ctime,
inode) of a file read between them is the same before and after the second. Before, an unpublishing
written in the second the file was read kept the article up, in a running server told of the file and
after a restart with the parse cache, for as long as the file was not written again.

The file system is a real one: an ext2 image with 128-byte inodes, which keep whole seconds, mounted
by loop device (root only; the tests are skipped with the reason elsewhere)."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from feeds.corpus import ContentDir
from feeds.parsecache import ParseCache
from feeds.scan import DEFAULT_MAX_BYTES

from .helpers import document, front_matter
from .mounted import image_mounted

# Each pair has as many characters on either side: an edit from one to the other keeps the size.
STATES = {
    "shown": ("published: true \n", "title: Harbour wind farm approved\n"),
    "hidden": ("published: false\n", "title: Harbour wind farm approved\n"),
    "retitled": ("published: true \n", "title: Harbour wind farm rejected\n"),
}
SHOWN = {"shown": ["Harbour wind farm approved"], "hidden": [], "retitled": ["Harbour wind farm rejected"]}


def text(state: str) -> str:
    """The story's text in `state`: the same size in every state."""
    flag, title = STATES[state]
    base = front_matter(document(title="Harbour wind farm approved", webUrl="https://news.example/story"))
    return base.replace("published: true\n", flag).replace("title: Harbour wind farm approved\n", title)


def other() -> str:
    return front_matter(document(title="Ferry timetable", n=2))


@pytest.fixture(scope="module")
def coarse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder on a file system that stamps whole seconds (ext2, 128-byte inodes, loop-mounted)."""
    base = tmp_path_factory.mktemp("coarse")
    with image_mounted(base, 16, ["mkfs.ext2", "-q", "-F", "-I", "128"], ["mount"]) as folder:
        yield folder


def write(path: Path, body: str) -> int:
    """Writes `body` over the file in place (the same inode, as an editor saving in place does);
    returns its ctime."""
    with open(path, "r+" if path.exists() else "w", encoding="utf-8") as file:
        file.write(body)
    return os.stat(path).st_ctime_ns


def shown(content: ContentDir) -> list[str]:
    return sorted(a.title for a in content.corpus.articles if a.publish and a.title != "Ferry timetable")


def fresh(folder: Path, name: str) -> tuple[Path, Path, Path]:
    """A content folder holding the story and one other document (two files: a start reads them
    from the parse cache), and the cache's folder."""
    root = folder / name / "content"
    root.mkdir(parents=True)
    (root / "ferry.md").write_text(other(), encoding="utf-8")
    return root, root / "story.md", folder / name / "cache"


def opened(root: Path, cache: Path) -> ContentDir:
    return ContentDir(root, cache=ParseCache(cache, root, dt.UTC, DEFAULT_MAX_BYTES))


LOOKS = ["told of the file", "a full look", "restarted with the parse cache"]


def look_at(content: ContentDir, look: str, story: Path, cache: Path) -> ContentDir:
    """One of `LOOKS` at the folder after an edit of `story`: the content folder as it then serves
    (a new one for a restart)."""
    if look == "told of the file":
        content.refresh([str(story)])
    elif look == "a full look":
        content.refresh()
    else:
        content = opened(story.parent, cache)
        content.refresh()
    return content


counter = iter(range(1_000_000))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    first=st.sampled_from(sorted(STATES)),
    then=st.lists(st.tuples(st.sampled_from(sorted(STATES)), st.sampled_from(LOOKS)), min_size=1, max_size=4),
)
def test_an_edit_in_the_second_of_the_read_is_seen(
    coarse: Path, first: str, then: list[tuple[str, str]]
) -> None:
    root, story, cache = fresh(coarse, f"case{next(counter)}")
    write(story, text(first))
    content = opened(root, cache)
    content.refresh()
    assert shown(content) == SHOWN[first]
    for state, look in then:
        read_in = os.stat(story).st_ctime_ns
        edited_in = write(story, text(state))
        assume(edited_in == read_in)  # in the same second as the read: the signature is the same
        content = look_at(content, look, story, cache)
        assert shown(content) == SHOWN[state], (first, then)


def test_files_read_within_their_second_are_read_once_more_then_no_more(coarse: Path) -> None:
    root, story, cache = fresh(coarse, "settles")
    write(story, text("shown"))
    content = opened(root, cache)
    content.refresh()
    write(story, text("hidden"))
    content.refresh()
    assert shown(content) == []
    time.sleep(2.1)  # the last writes' second is over (two, if it looks like a FAT time)
    before = content.read_from_disk
    content.refresh()  # the files read within it are read once more
    assert content.read_from_disk - before <= 2
    before = content.read_from_disk
    content.refresh()
    content.refresh()
    assert content.read_from_disk == before
    assert shown(content) == []
