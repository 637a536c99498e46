"""Reading a content directory that changes: incremental reads, last good versions, filesystem faults."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from lxml import etree

from feeds import bulkread
from feeds.corpus import ContentDir
from feeds.snapshot import Corpus

from .helpers import AppFactory, document, front_matter, write_corpus
from .servers import ROOT, eventually

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """The files (relative to `tmp_path`) `ContentDir` actually opens to read, in order."""
    seen: list[str] = []
    real = bulkread.read_bytes

    def counting(path: str, max_bytes: int) -> bytes:
        seen.append(os.path.relpath(path, tmp_path))
        return real(path, max_bytes)

    monkeypatch.setattr(bulkread, "read_bytes", counting)  # one file, or many at once (in this process)
    return seen


def refreshed(content: ContentDir, paths: list[str] | None = None) -> Corpus:
    """Refresh, insist that something changed, and return the corpus as it is now."""
    assert content.refresh(paths) is not None
    return content.corpus


def titles(corpus: Corpus) -> list[str]:
    return sorted(a.title for a in corpus.articles)


def test_only_changed_files_are_read_again(tmp_path: Path, reads: list[str]) -> None:
    write_corpus(tmp_path, {f"{n // 10}/d{n}.md": document(n=n) for n in range(40)})
    content = ContentDir(tmp_path)
    assert len(titles(refreshed(content))) == 40
    assert len(reads) == 40
    reads.clear()
    assert content.refresh() is None  # nothing changed: nothing read, nothing rebuilt
    assert reads == []
    write_corpus(tmp_path, {"1/d13.md": document(n=13, title="Edited")})
    assert "Edited" in titles(refreshed(content))
    assert reads == ["1/d13.md"]
    reads.clear()
    write_corpus(tmp_path, {"2/d21.md": document(n=21, title="Edited again")})
    assert "Edited again" in titles(refreshed(content, [str(tmp_path / "2" / "d21.md")]))
    assert reads == ["2/d21.md"]


def test_add_rename_and_delete_at_any_depth_including_whole_folders(tmp_path: Path) -> None:
    write_corpus(tmp_path, {"a.md": document(n=1), "x/y/z/b.md": document(n=2)})
    content = ContentDir(tmp_path)
    assert titles(refreshed(content)) == ["Article number 1", "Article number 2"]
    write_corpus(tmp_path, {"x/y/c.md": document(n=3)})
    assert titles(refreshed(content, [str(tmp_path / "x" / "y" / "c.md")])) == [
        "Article number 1",
        "Article number 2",
        "Article number 3",
    ]
    os.rename(tmp_path / "x" / "y", tmp_path / "moved")
    moved = refreshed(content, [str(tmp_path / "x" / "y"), str(tmp_path / "moved")])
    assert sorted(a.path for a in moved.articles) == ["a.md", "moved/c.md", "moved/z/b.md"]
    (tmp_path / "a.md").unlink()
    assert titles(refreshed(content, [str(tmp_path / "a.md")])) == ["Article number 2", "Article number 3"]


BREAKAGES = {
    "bad-yaml": lambda text: text.replace("title:", "title: [unclosed", 1),
    "removed-title": lambda text: text.replace("title:", "headline:", 1),
    "truncated": lambda text: text[: len(text) // 3],
    "emptied": lambda text: "",
    "not-utf8": lambda text: (
        text.replace("Article", "Artícle").encode("latin-1").decode("latin-1") + "\udcff"
    ),
}


@pytest.mark.parametrize("kind", sorted(BREAKAGES))
def test_a_valid_document_that_breaks_keeps_serving_its_last_good_version(tmp_path: Path, kind: str) -> None:
    write_corpus(tmp_path, {"a.md": document(n=1, title="Good version"), "b.md": document(n=2)})
    content = ContentDir(tmp_path)
    content.refresh()
    text = (tmp_path / "a.md").read_text(encoding="utf-8")
    broken = BREAKAGES[kind](text)
    (tmp_path / "a.md").write_bytes(broken.encode("utf-8", errors="surrogateescape"))
    corpus = refreshed(content)
    assert titles(corpus) == ["Article number 2", "Good version"]
    assert [(a.title, r.problem.path) for a, r in corpus.stale] == [("Good version", "a.md")]
    assert corpus.rejected == ()
    write_corpus(tmp_path, {"a.md": document(n=1, title="Repaired version")})
    repaired = refreshed(content)
    assert titles(repaired) == ["Article number 2", "Repaired version"]
    assert repaired.stale == ()
    (tmp_path / "a.md").write_bytes(broken.encode("utf-8", errors="surrogateescape"))
    content.refresh()
    (tmp_path / "a.md").unlink()
    assert titles(refreshed(content)) == ["Article number 2"]  # deleting removes even the last good version


def test_fresh_broken_files_cost_one_short_wait_in_all_not_one_each(tmp_path: Path) -> None:
    """Files just written that fail to read are read again for a moment (they may be mid-write), but
    a refresh that meets many of them (a fresh checkout with broken files) waits once, not per file."""
    write_corpus(tmp_path, {f"broken{n}.md": "---\ntitle: [unclosed\n---\n" for n in range(30)})
    start = time.monotonic()
    corpus = refreshed(ContentDir(tmp_path))
    assert time.monotonic() - start < 2  # 30 × 0.5 s if each file waited on its own
    assert len(corpus.rejected) == 30


def test_a_document_never_valid_is_simply_rejected(tmp_path: Path) -> None:
    write_corpus(tmp_path, {"a.md": "---\ntitle: no url, no date\n---\n"})
    corpus = refreshed(ContentDir(tmp_path))
    assert corpus.articles == ()
    assert [r.problem.field for r in corpus.rejected] == ["webUrl"]


def test_unpublishing_takes_effect_at_once_not_as_a_breakage(tmp_path: Path, make_app: AppFactory) -> None:
    write_corpus(tmp_path, {"a.md": document(n=1, title="Soon withdrawn"), "b.md": document(n=2)})
    app = make_app(tmp_path)
    svc = app.extensions["feeds"]
    with app.test_client() as c:
        assert b"Soon withdrawn" in c.get("/all.atom").data
        write_corpus(tmp_path, {"a.md": document(n=1, title="Soon withdrawn", published=False)})
        assert svc.refresh()
        for url in ("/all.atom", "/all.rss", "/topics/ai.atom", "/", "/healthz"):
            assert b"Soon withdrawn" not in c.get(url).data


def test_a_missing_content_directory_keeps_the_last_good_corpus(tmp_path: Path, make_app: AppFactory) -> None:
    root = write_corpus(tmp_path / "content", {"a.md": document(n=1)})
    app = make_app(root)
    svc = app.extensions["feeds"]
    with app.test_client() as c:
        before = c.get("/all.atom")
        root.rename(tmp_path / "elsewhere")
        assert svc.refresh()
        during = c.get("/all.atom")
        assert (during.status_code, during.data) == (200, before.data)
        health = c.get("/healthz").get_json()
        assert health["ok"] is False
        assert health["problems"] == ["content directory: does not exist; serving the last good corpus"]
        (tmp_path / "elsewhere").rename(root)
        write_corpus(root, {"b.md": document(n=2)})
        assert svc.refresh()
        assert c.get("/healthz").get_json()["ok"] is True
        assert len(etree.fromstring(c.get("/all.atom").data).findall(f"{ATOM}entry")) == 2


def test_stale_documents_are_reported_by_healthz(tmp_path: Path, make_app: AppFactory) -> None:
    write_corpus(tmp_path, {"a.md": document(n=1), "hidden.md": document(n=2, published=False)})
    app = make_app(tmp_path)
    svc = app.extensions["feeds"]
    with app.test_client() as c:
        c.get("/healthz")
        for name in ("a.md", "hidden.md"):
            text = (tmp_path / name).read_text(encoding="utf-8")
            (tmp_path / name).write_text(text.replace("title:", "headline:"), encoding="utf-8")
        svc.refresh()
        health = c.get("/healthz").get_json()
    assert health["stale"] == [{"path": "a.md", "field": "title", "reason": "missing"}]
    assert health["articles"] == 1


@pytest.mark.parametrize("before", ["touched", "written again unchanged", "renamed away and back"])
def test_a_stale_document_stays_reported_after_its_file_was_read_again_unchanged(
    tmp_path: Path, make_app: AppFactory, before: str
) -> None:
    """A file read again with the same text (a `touch`, a `git checkout` round trip) gives an equal
    article, not the index's own: `/healthz` still lists it as stale once it breaks."""
    write_corpus(tmp_path, {"a.md": document(n=1), "b.md": document(n=2)})
    app = make_app(tmp_path)
    svc = app.extensions["feeds"]
    with app.test_client() as c:
        c.get("/healthz")
        path, text = tmp_path / "a.md", (tmp_path / "a.md").read_text(encoding="utf-8")
        if before == "touched":
            os.utime(path, (1_700_000_000, 1_700_000_000))
        elif before == "written again unchanged":
            path.write_text(text, encoding="utf-8")
        else:
            path.rename(tmp_path / "a.away")
            svc.refresh()
            (tmp_path / "a.away").rename(path)
        svc.refresh()
        path.write_text(text[:120], encoding="utf-8")  # cut off half-way
        svc.refresh()
        health = c.get("/healthz").get_json()
    assert [s["path"] for s in health["stale"]] == ["a.md"], before
    assert health["articles"] == 2


# --- filesystem faults: reported, never a 5xx ------------------------------------------------------------


def faulty_corpus(root: Path, max_bytes: int) -> dict[str, str]:
    """Files that go wrong in every way a filesystem allows; returns name → expected reason fragment."""
    write_corpus(root, {"good.md": document(n=1)})
    (root / "latin1.md").write_bytes(front_matter(document(n=2, title="Caf\u00e9")).encode("latin-1"))
    (root / "empty.md").write_bytes(b"")
    (root / "huge.md").write_text(front_matter(document(n=3, excerpt="x" * max_bytes)), encoding="utf-8")
    os.symlink("loop-b.md", root / "loop-a.md")
    os.symlink("loop-a.md", root / "loop-b.md")
    os.symlink("missing.md", root / "dangling.md")
    os.mkfifo(root / "pipe.md")
    (root / "bom.md").write_bytes(b"\xef\xbb\xbf" + front_matter(document(n=4)).encode())
    (root / "nul.md").write_bytes(front_matter(document(n=5, title="Nul\x00byte")).encode())
    outside = root.parent / "outside.md"
    outside.write_text(front_matter(document(n=6)), encoding="utf-8")
    os.symlink(outside, root / "escape.md")
    return {
        "latin1.md": "not UTF-8 text",
        "huge.md": "larger than the",
        "loop-a.md": "cannot be read",
        "loop-b.md": "cannot be read",
        "dangling.md": "cannot be read",
        "pipe.md": "not a regular file",
        "escape.md": "outside the content directory",
    }


def test_filesystem_faults_are_reported_and_the_rest_serves(tmp_path: Path, make_app: AppFactory) -> None:
    root = tmp_path / "content"
    root.mkdir()
    expected = faulty_corpus(root, max_bytes=4096)
    app = make_app(root, MAX_DOCUMENT_BYTES=4096)
    with app.test_client() as c:
        feed = c.get("/all.atom")
        assert feed.status_code == 200
        assert sorted(
            e.findtext(f"{ATOM}title") or "" for e in etree.fromstring(feed.data).iter(f"{ATOM}entry")
        ) == ["Article number 1", "Article number 4", "Nulbyte"]
        assert c.get("/healthz").get_json()["rejected"] == len(expected)
    reasons = {r.problem.path: r.problem.reason for r in app.extensions["feeds"].corpus.rejected}
    for name, fragment in expected.items():
        assert fragment in reasons[name], name
    assert app.extensions["feeds"].corpus.ignored == ("empty.md",)
    result = app.test_cli_runner().invoke(args=["check", str(root)])
    assert result.exit_code == 1
    assert f"{root / 'pipe.md'}: file: not a regular file" in result.output


def test_permission_denied_is_reported_and_the_rest_serves(tmp_path: Path) -> None:
    """Root reads any file, so as root the reader runs without the capabilities that allow that."""
    write_corpus(tmp_path, {"a.md": document(n=1), "locked.md": document(n=2)})
    (tmp_path / "locked.md").chmod(0)
    code = (
        "import sys; from feeds.corpus import load_corpus; c = load_corpus(sys.argv[1]);"
        "print([a.title for a in c.articles]);"
        "print([(r.problem.path, r.problem.reason) for r in c.rejected])"
    )
    unprivileged = (
        ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
    )
    if unprivileged and shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv (util-linux) to drop the capability to read any file")
    command = [*unprivileged, sys.executable, "-c", code, str(tmp_path)]
    out = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT, timeout=60)
    assert out.stdout.splitlines() == [
        "['Article number 1']",
        "[('locked.md', 'cannot be read: Permission denied')]",
    ]


def test_the_watcher_in_poll_mode_applies_changes(tmp_path: Path, make_app: AppFactory) -> None:
    write_corpus(tmp_path, {"a.md": document(n=1)})
    app = make_app(tmp_path, WATCH="poll", POLL_SECONDS=0.1)
    svc = app.extensions["feeds"]
    client: FlaskClient = app.test_client()
    try:
        assert client.get("/healthz").get_json()["articles"] == 1
        write_corpus(tmp_path, {"b.md": document(n=2)})
        eventually(lambda: client.get("/healthz").get_json()["articles"] == 2)
    finally:
        svc.stop()


# watchdog warns (from its own thread) when a folder made with its parent is registered twice; harmless
@pytest.mark.filterwarnings("ignore:Callback with id:RuntimeWarning")
def test_a_new_folder_is_looked_into_again_for_files_written_before_it_was_watched(tmp_path: Path) -> None:
    """A file written right after `mkdir` may land before inotify watches the folder; the watcher
    looks into every new folder again shortly after, so the file is read even if no event names it."""
    from feeds.watch import RECHECK_SECONDS, Watcher

    root = tmp_path / "content"
    root.mkdir()
    calls: list[list[str] | None] = []
    watcher = Watcher(root, calls.append, mode="auto", rescan_seconds=3600)
    watcher.start()
    try:
        if watcher.using != "events":
            pytest.skip("no inotify here: polling finds every file anyway")
        folder = str(root / "new")

        def looked() -> int:
            return sum(1 for paths in list(calls) if paths and any(p.startswith(folder) for p in paths))

        (root / "new").mkdir()
        eventually(lambda: looked() >= 1 + len(RECHECK_SECONDS), max(RECHECK_SECONDS) + 5, "rechecks")
    finally:
        watcher.stop()


def test_a_change_made_just_after_the_first_read_is_not_missed(tmp_path: Path) -> None:
    """The watcher starts before the first read, so a file rewritten just after the read (a first
    read of 100,000 documents takes seconds) is seen. Watching only after the read missed it until
    the next full rescan (5 minutes by default)."""
    from feeds.service import FeedService
    from feeds.settings import Settings

    root = write_corpus(tmp_path / "content", {f"d{n}.md": document(n=n) for n in range(1, 4)})
    refreshed: list[list[str] | None] = []

    class EditedRightAfterTheFirstRead(FeedService):
        def load(self) -> None:
            super().load()
            write_corpus(root, {"d1.md": document(n=1, title="Rewritten after the first read")})

        def refresh(self, paths: list[str] | None = None) -> bool:
            refreshed.append(paths)
            return super().refresh(paths)

    # events only: no polling and no periodic rescan that would find the edit by other means
    settings = Settings(content_dir=root, watch="auto", poll_seconds=3600, rescan_seconds=3600)
    service = EditedRightAfterTheFirstRead(settings)
    try:
        service.index()
        if service.watching != "events":
            pytest.skip("no inotify here")
        eventually(lambda: "Rewritten after the first read" in {a.title for a in service.index().articles}, 5)
        assert refreshed[0] is None  # the first read
        assert any(paths and paths[0].endswith("d1.md") for paths in refreshed[1:])  # then the event
    finally:
        service.stop()
