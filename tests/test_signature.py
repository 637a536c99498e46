"""A document changed in place is read again, however its size and mtime were kept: `touch -r`, a
`cp -p` or an rsync of an edit made elsewhere put the mtime back, and an edit of a few characters
(`true ` to `false`, one headline for another of its length) keeps the size. The file's signature
holds its ctime, which any write sets and no tool sets back. Before, such an unpublishing kept the
article up, in a running server told of the file (as its watcher is) and after a restart with the
parse cache."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.corpus import ContentDir
from feeds.parsecache import ParseCache
from feeds.scan import DEFAULT_MAX_BYTES

from .helpers import document, front_matter

# The same number of characters before and after: each edit keeps the file's size.
EDITS = {
    "unpublished": ("published: true \n", "published: false\n"),
    "headline": ("title: Harbour wind farm approved\n", "title: Harbour wind farm rejected\n"),
    "date": ("publishedDateTime: 2024-01-01", "publishedDateTime: 2023-01-01"),
}


def written(edit: str) -> str:
    """A document whose text holds the first half of `edit`."""
    text = front_matter(
        document(title="Harbour wind farm approved", publishedDateTime="2024-01-01T05:00:00Z")
    )
    text = text.replace("published: true\n", "published: true \n")
    text = text.replace("publishedDateTime: '2024-01-01", "publishedDateTime: 2024-01-01").replace(
        "T05:00:00Z'", "T05:00:00Z"
    )
    assert EDITS[edit][0] in text
    return text


def cached(root: Path) -> ParseCache:
    """The parse cache of the folder `root`, kept beside it."""
    return ParseCache(root.parent / "cache", root, dt.UTC, DEFAULT_MAX_BYTES)


def shown(content: ContentDir) -> list[tuple[str, str]]:
    """The published articles the folder holds, as (headline, date)."""
    return [(a.title, a.date_published.isoformat()) for a in content.corpus.articles if a.publish]


@settings(max_examples=30, deadline=None)
@given(
    edit=st.sampled_from(sorted(EDITS)),
    running=st.booleans(),  # told of the file while running, or restarted with the parse cache
    times=st.sampled_from(["mtime and atime put back", "mtime put back"]),
)
def test_an_edit_in_place_that_keeps_size_and_mtime_is_read(edit: str, running: bool, times: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "content"
        root.mkdir()
        path = root / "story.md"
        path.write_text(written(edit), encoding="utf-8")
        before = os.stat(path)
        content = ContentDir(root, cache=cached(root))
        content.refresh()
        was = shown(content)
        assert was == [("Harbour wind farm approved", "2024-01-01T05:00:00+00:00")]
        old, new = EDITS[edit]
        with open(path, "r+", encoding="utf-8") as file:  # in place: the same inode
            file.write(path.read_text(encoding="utf-8").replace(old, new))
        atime = before.st_atime_ns if times == "mtime and atime put back" else os.stat(path).st_atime_ns
        os.utime(path, ns=(atime, before.st_mtime_ns))
        after = os.stat(path)
        assert (after.st_size, after.st_mtime_ns, after.st_ino) == (
            before.st_size,
            before.st_mtime_ns,
            before.st_ino,
        )
        if running:
            content.refresh([str(path)])
        else:
            content = ContentDir(
                root, cache=ParseCache(Path(folder) / "cache", root, dt.UTC, DEFAULT_MAX_BYTES)
            )
            content.refresh()
        expected = {
            "unpublished": [],
            "headline": [("Harbour wind farm rejected", "2024-01-01T05:00:00+00:00")],
            "date": [("Harbour wind farm approved", "2023-01-01T05:00:00+00:00")],
        }[edit]
        assert shown(content) == expected
