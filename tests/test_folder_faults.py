"""A content folder that goes away or cannot be read while the server runs never takes the published
site down: the last good corpus keeps serving, byte for byte, and `/healthz` answers `503` naming the
folder until it is back. Only the author's acts delete documents: files gone from a folder that can
be listed, or a folder renamed or deleted inside the content root.

The server is the README's (`gunicorn wsgi:app`, 2 workers), watching as `FEEDS_WATCH` says (`auto`:
inotify, the default; `poll`). As root, it runs without the capabilities that let root read any
folder (`setpriv`), so that `chmod 000` means to it what it means to any service user.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .helpers import document, write_corpus
from .servers import BIN, ROOT, Fetched, eventually, fetch, free_port, running

LIVE_SECONDS = 2.0  # the contract's bound for a change of the folder to reach every worker
SWAP_SECONDS = 5.0  # a new folder at the root's path: new inotify watches and a full read (measured ~0.5 s)
WORKERS = 2
UNPRIVILEGED = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"] if os.geteuid() == 0 else []


Health = tuple[int, dict[str, object]]  # a `/healthz` answer: its status and body


class Site:
    def __init__(self, base: str) -> None:
        self.base = base

    def get(self, path: str) -> Fetched:
        return fetch(f"{self.base}{path}")

    def everywhere(self, path: str, times: int = 4 * WORKERS) -> list[Fetched]:
        """`path` fetched often enough that every worker is likely to have answered at least once.
        Likely, not certain (a server may hand every request to one worker): a test that needs every
        worker's state asks `every_worker`, whose answers name the worker."""
        return [self.get(path) for _ in range(times)]

    def healthz(self) -> list[Health]:
        return [(r.status, json.loads(r.body)) for r in self.everywhere("/healthz")]

    def every_worker(self, holds: Callable[[Health], bool], tries: int = 16 * WORKERS) -> bool:
        """Whether every worker answered `/healthz` (its pid was seen, within `tries` requests) and
        every answer `holds`: eight answers from one busy worker say nothing of the other."""
        pids: set[object] = set()
        for _ in range(tries):
            fetched = self.get("/healthz")
            answer = (fetched.status, json.loads(fetched.body))
            if not holds(answer):
                return False
            pids.add(answer[1]["pid"])
            if len(pids) == WORKERS:
                return True
        return False

    def every_worker_says(self, status: int) -> bool:
        return self.every_worker(lambda answer: answer[0] == status)

    def all_sick(self) -> bool:
        return self.every_worker_says(503)

    def all_well(self) -> bool:
        return self.every_worker_says(200)

    def every_worker_holds(self, articles: int) -> bool:
        """Every worker serves `articles` articles (a change that adds or removes some has reached
        each one, whichever the server hands the next request to)."""
        return self.every_worker(lambda answer: answer[1]["articles"] == articles)

    def every_worker_ready(self) -> bool:
        """Each worker has read the corpus (a worker reads on its first request), and all say ok."""
        return self.every_worker_says(200)


@pytest.fixture
def unprivileged() -> None:
    if UNPRIVILEGED and shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv (util-linux) to drop the capability to read any folder")


@pytest.fixture
def news(tmp_path: Path) -> Path:
    return write_corpus(
        tmp_path / "content",
        {
            "a.md": document(n=1, title="Harbour wind farm approved", topics=["Energy"]),
            "2025/b.md": document(n=2, title="Tidal barrage delayed", topics=["Energy"]),
            "2025/06/c.md": document(n=3, title="Ferry strike ends", topics=["Transport"]),
            "2024/d.md": document(n=4, title="Old quay reopens", topics=["Transport"]),
        },
    )


def serve(content: Path, tmp_path: Path, watch: str) -> Iterator[Site]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "FEEDS_CONTENT_DIR": str(content),
        "FEEDS_BASE_URL": base,
        "FEEDS_PARSE_CACHE": "off",
        "FEEDS_DATA_DIR": str(tmp_path / "memory"),  # the memory on: a deletion would leave tombstones
        "FEEDS_WATCH": watch,
    }
    command = [
        *UNPRIVILEGED,
        str(BIN / "gunicorn"),
        *("--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS), "--graceful-timeout", "2"),
        *("--no-control-socket", "wsgi:app"),
    ]
    with running(command, f"{base}/healthz", cwd=ROOT, env=env):
        site = Site(base)
        eventually(site.every_worker_ready, 30, "every worker has read the corpus")
        yield site


@pytest.fixture(params=["auto", "poll"])
def site(request: pytest.FixtureRequest, news: Path, tmp_path: Path, unprivileged: None) -> Iterator[Site]:
    yield from serve(news, tmp_path, request.param)


def same_feed(site: Site, before: bytes) -> bool:
    return all(r.status == 200 and r.body == before for r in site.everywhere("/all.atom"))


@pytest.mark.slow
def test_the_content_folder_renamed_away_serves_the_last_good_corpus_with_503(
    site: Site, news: Path, tmp_path: Path
) -> None:
    before = site.get("/all.atom").body
    assert b"Ferry strike ends" in before
    news.rename(tmp_path / "old-content")  # a deploy swapping folders, an unmounted volume
    try:
        eventually(site.all_sick, LIVE_SECONDS, "every worker's /healthz says 503")
        for status, body in site.healthz():
            assert (status, body["ok"], body["articles"]) == (503, False, 4)
            assert body["problems"] == ["content directory: does not exist; serving the last good corpus"]
        assert same_feed(site, before)
        assert site.get("/topics/transport.atom").status == 200
    finally:
        (tmp_path / "old-content").rename(news)
    eventually(site.all_well, LIVE_SECONDS, "every worker's /healthz says 200 again")
    assert same_feed(site, before)
    write_corpus(news, {"2025/06/c.md": document(n=3, title="Ferry strike ends after talks")})
    eventually(lambda: b"after talks" in site.get("/all.atom").body, LIVE_SECONDS, "edits are followed again")


@pytest.mark.slow
def test_an_unreadable_content_folder_serves_the_last_good_corpus_with_503(site: Site, news: Path) -> None:
    before = site.get("/all.atom").body
    news.chmod(0)
    try:
        eventually(site.all_sick, LIVE_SECONDS, "every worker's /healthz says 503")
        for _, body in site.healthz():
            assert body["articles"] == 4
            assert body["problems"] == [
                "content directory: cannot be read (Permission denied); serving the last good corpus"
            ]
        assert same_feed(site, before)
        assert b"deleted-entry" not in site.get("/topics/transport.atom").body
    finally:
        news.chmod(0o755)
    eventually(site.all_well, LIVE_SECONDS, "every worker's /healthz says 200 again")
    assert same_feed(site, before)  # no tombstone, nothing moved


@pytest.mark.slow
def test_an_unreadable_subfolder_keeps_its_articles_until_it_can_be_read_again(
    site: Site, news: Path
) -> None:
    before = site.get("/all.atom").body
    inner = news / "2025"
    inner.chmod(0)
    try:
        eventually(site.all_sick, LIVE_SECONDS, "every worker's /healthz says 503")
        for _, body in site.healthz():
            assert body["articles"] == 4
            assert len(body["problems"]) == 1
            assert "cannot be read: Permission denied" in str(body["problems"])
            assert "b.md" not in json.dumps(body)  # never a document's name
            assert "c.md" not in json.dumps(body)
        assert same_feed(site, before)
        # edited meanwhile (this test's process may still write there): not seen until readable again
        write_corpus(inner, {"06/c.md": document(n=3, title="Ferry strike ends after talks")})
        assert same_feed(site, before)
    finally:
        inner.chmod(0o755)
    eventually(site.all_well, LIVE_SECONDS, "every worker's /healthz says 200 again")
    eventually(
        lambda: all(b"after talks" in r.body for r in site.everywhere("/all.atom")), LIVE_SECONDS, "fresh"
    )
    assert b"deleted-entry" not in site.get("/all.atom").body


@pytest.mark.slow
def test_a_subfolder_renamed_away_is_a_deletion_of_its_documents(
    site: Site, news: Path, tmp_path: Path
) -> None:
    (news / "2025").rename(tmp_path / "2025-archived")
    eventually(lambda: site.every_worker_holds(articles=2), LIVE_SECONDS, "its documents are gone")
    for feed in (r.body for r in site.everywhere("/all.atom")):
        assert b"Harbour wind farm approved" in feed
        assert b"Old quay reopens" in feed
        assert b"Tidal barrage" not in feed
        assert b"Ferry strike ends" not in feed
        assert b"deleted-entry" in feed  # RFC 6721: readers are told they were withdrawn
    assert site.all_well()


def swap_in_a_new_folder(news: Path, tmp_path: Path) -> None:
    """A deploy that builds the next content elsewhere and moves it into place."""
    fresh = write_corpus(
        tmp_path / "next", {"e.md": document(n=5, title="New pier opens", topics=["Energy"])}
    )
    news.rename(tmp_path / "previous")
    fresh.rename(news)


@pytest.mark.slow
@pytest.mark.parametrize("how", ["rm -rf", "replaced by a file"])
def test_a_root_deleted_or_replaced_by_a_file_serves_the_last_good_corpus_with_503(
    site: Site, news: Path, tmp_path: Path, how: str
) -> None:
    before = site.get("/all.atom").body
    if how == "rm -rf":
        shutil.rmtree(news)
    else:
        news.rename(tmp_path / "aside")
        news.write_text("not a folder\n", encoding="utf-8")
    eventually(site.all_sick, LIVE_SECONDS, "every worker's /healthz says 503")
    reason = "does not exist" if how == "rm -rf" else "is not a folder"
    for _, body in site.healthz():
        assert body["problems"] == [f"content directory: {reason}; serving the last good corpus"]
    assert same_feed(site, before)
    if how != "rm -rf":
        news.unlink()
    write_corpus(news, {"e.md": document(n=5, title="New pier opens", topics=["Energy"])})
    eventually(site.all_well, LIVE_SECONDS, "every worker's /healthz says 200 again")
    eventually(lambda: all(b"New pier opens" in r.body for r in site.everywhere("/all.atom")), LIVE_SECONDS)
    write_corpus(news, {"e.md": document(n=5, title="New pier opens early", topics=["Energy"])})
    eventually(lambda: b"opens early" in site.get("/all.atom").body, LIVE_SECONDS, "the new root is watched")


@pytest.mark.slow
def test_another_folder_moved_into_place_is_read_and_watched_as_the_new_corpus(
    site: Site, news: Path, tmp_path: Path
) -> None:
    swap_in_a_new_folder(news, tmp_path)

    def new_corpus_only() -> bool:  # the documents of the old folder are gone, the new ones served
        bodies = [r.body for r in site.everywhere("/all.atom")]
        return all(b"New pier opens" in b and b"Harbour wind farm approved" not in b for b in bodies)

    eventually(new_corpus_only, SWAP_SECONDS, "the new corpus alone")
    assert all(status == 200 for status, _ in site.healthz())
    write_corpus(news, {"e.md": document(n=5, title="New pier opens early", topics=["Energy"])})
    eventually(
        lambda: all(b"opens early" in r.body for r in site.everywhere("/all.atom")),
        SWAP_SECONDS,
        "the new folder is watched, not the old one",
    )
    write_corpus(tmp_path / "previous", {"a.md": document(n=1, title="Edited in the old folder")})
    write_corpus(news, {"f.md": document(n=6, title="Second story in the new folder")})
    eventually(lambda: b"Second story" in site.get("/all.atom").body, SWAP_SECONDS)
    assert b"Edited in the old folder" not in site.get("/all.atom").body


def test_the_event_watcher_notices_the_root_moved_away_and_watches_the_folder_put_in_its_place(
    tmp_path: Path,
) -> None:
    """inotify says nothing when the watched folder itself is moved away; the watcher looks at the
    root's identity every `poll_seconds` instead, and watches a new folder at that path."""
    from feeds.watch import Watcher

    root = write_corpus(tmp_path / "content", {"a.md": document(n=1)})
    calls: list[list[str] | None] = []
    watcher = Watcher(root, calls.append, mode="auto", poll_seconds=0.1, rescan_seconds=3600)
    watcher.start()
    try:
        if watcher.using != "events":
            pytest.skip("no inotify here: polling rescans everything anyway")
        root.rename(tmp_path / "aside")
        eventually(lambda: None in calls, 1, "a full rescan once the root is gone")
        write_corpus(tmp_path / "next", {"b.md": document(n=2)}).rename(root)
        eventually(lambda: calls.count(None) >= 2, 1, "a full rescan once another folder is there")
        write_corpus(root, {"c.md": document(n=3)})
        eventually(lambda: [str(root / "c.md")] in calls, 1, "events from the new folder")
        write_corpus(tmp_path / "aside", {"d.md": document(n=4)})
        time.sleep(0.3)
        assert not any(paths and any(p.endswith("d.md") for p in paths) for paths in calls)
    finally:
        watcher.stop()


def test_rm_rf_of_the_whole_root_under_event_watching_unpublishes_nothing(tmp_path: Path) -> None:
    """`rm -rf` deletes every file before the root itself; inotify reports each deletion. Read as they
    come, most documents were gone (1,900 of 2,000 here) before the root was: a memory would have
    tombstoned them. One deleted file still leaves the feeds within the bound."""
    from feeds.corpus import ContentDir
    from feeds.watch import Watcher

    root = write_corpus(tmp_path / "content", {f"{n % 20}/d{n}.md": document(n=n) for n in range(2000)})
    content = ContentDir(root)
    content.refresh()
    watcher = Watcher(
        root, content.refresh, mode="auto", rescan_seconds=3600, on_settled=content.settle_deletions
    )
    watcher.start()
    try:
        if watcher.using != "events":
            pytest.skip("no inotify here")
        (root / "7" / "d7.md").unlink()  # an author's deletion: its burst goes quiet, so it stands
        eventually(lambda: len(content.corpus.articles) == 1999, LIVE_SECONDS, "one deletion applied")
        shutil.rmtree(root)
        eventually(lambda: content.problems != (), LIVE_SECONDS, "the root is missed")
        time.sleep(0.5)
        assert len(content.corpus.articles) == 1999
        assert [p.reason for p in content.problems] == ["does not exist; serving the last good corpus"]
    finally:
        watcher.stop()


def test_a_document_written_again_during_a_deletion_burst_is_read_at_once(tmp_path: Path) -> None:
    """Deletions wait for their burst to end, but a file written again inside the burst is there to
    read, so it is read at once. Held back with the deletions, the edit that broke it a moment later
    was all that was read, and the version from before the deletion came back (the soak found this)."""
    from feeds.corpus import ContentDir
    from feeds.watch import BURST_MAX, Watcher

    docs = {f"d{n}.md": document(n=n) for n in range(40)}
    root = write_corpus(tmp_path / "content", {**docs, "story.md": document(n=99, title="First version")})
    content = ContentDir(root)
    content.refresh()
    watcher = Watcher(root, content.refresh, mode="auto", rescan_seconds=3600)
    watcher.start()

    def titles() -> set[str]:
        return {article.title for article in content.corpus.articles}

    try:
        if watcher.using != "events":
            pytest.skip("no inotify here")
        story = root / "story.md"
        story.unlink()
        write_corpus(root, {"story.md": document(n=99, title="Second version")})
        deadline = time.monotonic() + BURST_MAX * 0.6
        for n in range(40):  # a burst of deletions around it, an event every 20 ms
            (root / f"d{n}.md").unlink()
            time.sleep(0.02)
            if "Second version" in titles() or time.monotonic() > deadline:
                break
        assert "Second version" in titles(), "the rewritten file waited for the deletions"
        story.write_text("---\ntitle: [broken\n---\n")
        eventually(lambda: content.corpus.stale != (), LIVE_SECONDS, "the broken edit is read")
        assert "Second version" in titles()
        assert "First version" not in titles()
        assert [rejected.problem.path for _, rejected in content.corpus.stale] == ["story.md"]
    finally:
        watcher.stop()


FILLERS = 30  # documents a long `rm -rf` unlinks one by one before the four news documents


@pytest.mark.slow
@pytest.mark.parametrize("watch", ["auto", "poll"])
def test_a_long_rm_rf_of_the_root_seen_midway_serves_every_document_it_had(
    news: Path, tmp_path: Path, unprivileged: None, watch: str
) -> None:
    """An `rm -rf` of a big folder, slowed down: a file unlinked every 0.1 s for 3 s, then the rest.
    Events keep coming, so the watcher reads the burst at its longest (1.5 s), and polls fall in the
    middle: the workers serve fewer documents for a while. Once the folder is gone, every document
    of the corpus from before the run serves again, with no tombstone."""
    write_corpus(news, {f"archive/{n}.md": document(n=100 + n, title=f"Archive {n}") for n in range(FILLERS)})
    total = 4 + FILLERS
    for site in serve(news, tmp_path, watch):
        least = total
        for n in range(FILLERS):
            (news / "archive" / f"{n}.md").unlink()
            least = min(least, *(int(body["articles"]) for _, body in site.healthz()[:2]))
            time.sleep(0.1)
        assert least < total  # the deletions were read midway: that is what this test is about
        shutil.rmtree(news)
        eventually(site.all_sick, LIVE_SECONDS, "every worker's /healthz says 503")
        for _, body in site.healthz():
            assert body["articles"] == total
            assert body["problems"] == ["content directory: does not exist; serving the last good corpus"]
        eventually(
            functools.partial(serves_all, site),
            LIVE_SECONDS,
            "every document from before the run, no tombstone",
        )


def serves_all(site: Site) -> bool:
    """Every worker's `/all.atom` has a news document and the first filler, and no tombstone."""
    bodies = [r.body for r in site.everywhere("/all.atom")]
    return all(b"Ferry strike ends" in b and b"Archive 0<" in b and b"deleted-entry" not in b for b in bodies)


@pytest.mark.slow
def test_an_empty_folder_in_place_of_the_root_serves_the_last_good_corpus_with_503(
    site: Site, news: Path, tmp_path: Path
) -> None:
    """A volume unmounted from the content folder's path leaves its empty mount point behind: another
    folder, holding nothing. No worker reads that as every article withdrawn."""
    before = site.get("/all.atom").body
    news.rename(tmp_path / "volume")
    news.mkdir()
    eventually(site.all_sick, SWAP_SECONDS, "every worker's /healthz says 503")
    for _, body in site.healthz():
        assert body["articles"] == 4
        assert body["problems"] == [
            "content directory: holds no file where documents were (unmounted? emptied by a sync?);"
            " serving the last good corpus"
        ]
    assert same_feed(site, before)
    news.rmdir()
    (tmp_path / "volume").rename(news)  # mounted again
    eventually(site.all_well, SWAP_SECONDS, "every worker's /healthz says 200 again")
    assert same_feed(site, before)


@pytest.mark.slow
def test_a_document_unpublished_while_unreadable_goes_once_it_can_be_read(site: Site, news: Path) -> None:
    """An author saves `published: false` into a file the service cannot read (another user's umask,
    `chmod 000`), then makes it readable: the unpublishing reaches every worker then, though the file's
    size, mtime and inode are those it had when it could not be read. Until then its last good
    version serves, listed as stale; a new file that starts unreadable appears once it can be read."""
    headline = b"Harbour wind farm approved"
    path = news / "a.md"
    path.chmod(0)
    write_corpus(news, {"a.md": document(n=1, title="Harbour wind farm approved", published=False)})
    added = news / "2025" / "e.md"
    added.touch(mode=0)
    write_corpus(news, {"2025/e.md": document(n=5, title="Night buses return")})
    eventually(
        lambda: all(any(s.get("path") == "a.md" for s in body["stale"]) for _, body in site.healthz()),
        LIVE_SECONDS,
        "every worker lists a.md as stale",
    )
    assert all(headline in r.body for r in site.everywhere("/all.atom"))  # its last good version
    path.chmod(0o644)
    added.chmod(0o644)
    eventually(
        lambda: all(
            headline not in r.body and b"Night buses" in r.body for r in site.everywhere("/all.atom")
        ),
        LIVE_SECONDS,
        "the unpublishing and the new document reach every worker",
    )


@pytest.mark.slow
@pytest.mark.parametrize("watch", ["auto", "poll"])
def test_a_content_folder_reached_by_a_symlink_is_followed_at_once(tmp_path: Path, watch: str) -> None:
    """`FEEDS_CONTENT_DIR` a link to a release folder (a deploy's `current`): an unpublishing at its top
    and one below it reach every worker within the contract's bound, and so does a new release the
    link is swapped to (`ln -sfn`, as Capistrano does), which is then followed too."""
    first = write_corpus(
        tmp_path / "releases" / "1",
        {
            "top.md": document(n=1, title="Harbour wind farm approved"),
            "2025/sub.md": document(n=2, title="Ferry strike ends"),
        },
    )
    link = tmp_path / "current"
    link.symlink_to(first)
    served = serve(link, tmp_path, watch)
    site = next(served)

    def shown() -> list[bytes]:
        return [r.body for r in site.everywhere("/all.atom")]

    try:
        write_corpus(first, {"top.md": document(n=1, title="Harbour wind farm approved", published=False)})
        eventually(lambda: all(b"Harbour wind" not in b for b in shown()), LIVE_SECONDS, "the top file")
        write_corpus(first, {"2025/sub.md": document(n=2, title="Ferry strike ends", published=False)})
        write_corpus(first, {"2025/new.md": document(n=3, title="Night buses return")})
        eventually(
            lambda: all(b"Ferry strike" not in b and b"Night buses" in b for b in shown()), LIVE_SECONDS
        )
        second = write_corpus(
            tmp_path / "releases" / "2",
            {
                "top.md": document(n=4, title="Old quay reopens"),
                "2025/sub.md": document(n=5, title="Tram line opens"),
            },
        )
        swapped = tmp_path / "current.new"
        swapped.symlink_to(second)
        os.replace(swapped, link)  # `ln -sfn`: one rename
        eventually(lambda: all(b"Tram line" in b and b"Night buses" not in b for b in shown()), SWAP_SECONDS)
        write_corpus(second, {"top.md": document(n=4, title="Old quay reopens", published=False)})
        eventually(
            lambda: all(b"Old quay" not in b for b in shown()), LIVE_SECONDS, "the new release's top file"
        )
    finally:
        served.close()
