"""A content folder found holding no file at all where documents were is an outage, not an author
withdrawing everything: an unmounted volume leaves its empty mount point (another folder, by device
and inode), and a sync from an unmounted or empty source empties the folder in place. The last good
corpus keeps serving, as for a folder that is gone, with the reason in `/healthz`, until a file is
there again; then the folder is read in full. A worker that starts over such a folder serves what the
parse cache holds and records none of it in the memory, so no tombstone tells readers to delete
anything. A folder in which something is left (a README without front matter) is read as it is.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.corpus import EMPTIED, ContentDir
from feeds.model import ROOT_FIELD
from feeds.parsecache import ParseCache
from feeds.scan import DEFAULT_MAX_BYTES

from .helpers import AppFactory, document, write_corpus

FOLDERS = ["", "2024/", "2025/06/", "news/"]
NAMES = st.lists(
    st.tuples(st.sampled_from(FOLDERS), st.integers(0, 30)).map(lambda t: f"{t[0]}story-{t[1]}.md"),
    min_size=1,
    max_size=10,
    unique=True,
)
HOW = ["emptied in place", "an empty folder in its place (unmounted)"]
REASON = f"{EMPTIED}; serving the last good corpus"


def tree(root: Path, names: list[str]) -> Path:
    return write_corpus(root, {name: document(n=i, title=f"Story {i}") for i, name in enumerate(names)})


def empty(root: Path, how: str, order: list[str] | None = None) -> None:
    if how == "emptied in place":
        for name in order or []:
            (root / name).unlink()
        for entry in list(root.iterdir()):
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    else:
        root.rename(root.with_name("mounted-volume"))
        root.mkdir()


def served(content: ContentDir) -> set[str]:
    return {article.path for article in content.corpus.articles}


@settings(max_examples=50, deadline=None)
@given(names=NAMES, data=st.data(), how=st.sampled_from(HOW))
def test_a_folder_found_empty_serves_the_last_good_corpus_until_a_file_is_there(
    tmp_path_factory: object, names: list[str], data: st.DataObject, how: str
) -> None:
    root = tree(tmp_path_factory.mktemp("empty") / "content", names)  # type: ignore[attr-defined]
    content = ContentDir(root)
    content.refresh()
    order = data.draw(st.permutations(names), label="unlinked in this order (a sync, rm -rf content/*)")
    looks = data.draw(st.sets(st.integers(0, len(order) - 1)), label="looks midway")
    if how == "emptied in place":
        for done, name in enumerate(order):
            if done in looks:
                content.refresh()
            (root / name).unlink()
    empty(root, how)
    content.refresh()
    assert served(content) == set(names)
    assert [str(p.reason) for p in content.problems if p.field == ROOT_FIELD] == [REASON]
    content.refresh()  # looked at again: still empty, still served
    assert served(content) == set(names)
    write_corpus(root, {"new/first.md": document(n=99, title="First of the new")})
    content.refresh()
    assert served(content) == {"new/first.md"}
    assert content.problems == ()


def test_a_file_left_in_the_folder_means_the_documents_were_deleted(tmp_path: Path) -> None:
    root = tree(tmp_path / "content", ["a.md", "2025/b.md"])
    (root / "README.md").write_text("How to write a story.\n", encoding="utf-8")
    content = ContentDir(root)
    content.refresh()
    for name in ("a.md", "2025/b.md"):
        (root / name).unlink()
    content.refresh()
    assert served(content) == set()
    assert content.problems == ()


def test_the_last_document_deleted_by_an_event_keeps_serving(tmp_path: Path) -> None:
    """The watcher names the file: the folder then holds nothing, which is the same outage."""
    root = tree(tmp_path / "content", ["a.md"])
    content = ContentDir(root)
    content.refresh()
    (root / "a.md").unlink()
    content.refresh([str(root / "a.md")])
    assert served(content) == {"a.md"}
    assert [p.reason for p in content.problems] == [REASON]


def test_a_worker_starting_over_an_empty_folder_serves_the_parse_cache_and_records_nothing(
    tmp_path: Path, make_app: AppFactory
) -> None:
    root = tree(tmp_path / "content", ["a.md", "2025/b.md", "2025/c.md"])
    config = {"PARSE_CACHE": str(tmp_path / "cache"), "DATA_DIR": str(tmp_path / "memory")}
    first = make_app(root, **config)
    assert first.test_client().get("/all.atom").data.count(b"<entry>") == 3
    write_corpus(root, {"d.md": document(n=4, title="Published after the cache was written")})
    first.extensions["feeds"].refresh([str(root / "d.md")])  # an edit: the memory has it, the cache not
    assert first.test_client().get("/all.atom").data.count(b"<entry>") == 4
    first.extensions["feeds"].stop()
    empty(root, "an empty folder in its place (unmounted)")
    again = make_app(root, **config)
    client = again.test_client()
    feed = client.get("/all.atom").data
    assert feed.count(b"<entry>") == 4  # the parse cache's corpus, with what files served since
    assert b"deleted-entry" not in feed  # and the memory is not told that d went
    health = client.get("/healthz")
    assert health.status_code == 503
    assert REASON in health.get_data(as_text=True)
    os.rmdir(root)
    root.with_name("mounted-volume").rename(root)  # mounted again
    again.extensions["feeds"].reload()
    assert client.get("/healthz").status_code == 200
    feed = client.get("/all.atom").data
    assert feed.count(b"<entry>") == 4
    assert b"deleted-entry" not in feed


def test_a_cache_read_for_another_folder_is_not_a_last_good_corpus(tmp_path: Path) -> None:
    """The parse cache is per content folder: a new, empty folder elsewhere begins empty."""
    cache = tmp_path / "cache"
    old = tree(tmp_path / "old", ["a.md", "b.md"])
    ContentDir(old, cache=ParseCache(cache, old, dt.UTC, DEFAULT_MAX_BYTES)).refresh()
    new = tmp_path / "new"
    new.mkdir()
    content = ContentDir(new, cache=ParseCache(cache, new, dt.UTC, DEFAULT_MAX_BYTES))
    content.refresh()
    assert served(content) == set()
    assert content.problems == ()


def test_a_worker_with_no_parse_cache_over_an_empty_folder_records_no_deletion(
    tmp_path: Path, make_app: AppFactory
) -> None:
    """Nothing to serve but an empty site; the memory, which knows the entries, is not told they went."""
    root = tree(tmp_path / "content", ["a.md", "2025/b.md"])
    config = {"DATA_DIR": str(tmp_path / "memory")}
    first = make_app(root, **config)
    assert first.test_client().get("/all.atom").data.count(b"<entry>") == 2
    first.extensions["feeds"].stop()
    empty(root, "an empty folder in its place (unmounted)")
    again = make_app(root, **config)
    client = again.test_client()
    assert client.get("/healthz").status_code == 503  # holds no documents
    assert b"deleted-entry" not in client.get("/all.atom").data
    os.rmdir(root)
    root.with_name("mounted-volume").rename(root)
    again.extensions["feeds"].reload()
    feed = client.get("/all.atom").data
    assert feed.count(b"<entry>") == 2
    assert b"deleted-entry" not in feed
