"""The persistent parse cache: a restart parses only what changed, and a bad cache only costs time."""

from __future__ import annotations

import json
import os
import pickle
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds import bulkread, codestamp, parsecache
from feeds.feedkeys import ALL
from feeds.httppolicy import Format
from feeds.model import Article, Image, Problem, Provider, Related, Topic, Withheld
from feeds.parse import FieldWarning, Reading, Rejected
from feeds.service import FeedService
from feeds.settings import Settings

from .helpers import REAL, document, front_matter, write_corpus

FORMATS: tuple[Format, ...] = ("atom", "rss", "json")


def start(root: Path, cache: Path | None, processes: int = 1) -> FeedService:
    service = FeedService(
        Settings(content_dir=root, watch="off", parse_cache=cache, parse_processes=processes)
    )
    service.index()
    return service


def served(service: FeedService) -> dict[str, bytes]:

    return {
        fmt: service.body(service.feed(ALL, fmt, "https://feeds.example")) for fmt in ("atom", "rss", "json")
    }


def snapshot(service: FeedService) -> tuple[object, ...]:
    c = service.corpus
    return (c.articles, [str(r.problem) for r in c.rejected], c.warnings, c.ignored)


@pytest.fixture
def real_corpus(tmp_path: Path) -> Path:
    """The real sample (entities, nulls, duplicates, rejected files) plus one broken document."""
    root = tmp_path / "content"
    shutil.copytree(REAL, root)
    write_corpus(root, {"broken.md": "---\ntitle: [unclosed\n---\n", "notes.md": "no front matter"})
    return root


def test_a_warm_start_parses_nothing_and_serves_the_same_bytes(real_corpus: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cold = start(real_corpus, cache)
    assert cold.content.read_from_disk == len(cold.content) > 100
    warm = start(real_corpus, cache)
    assert warm.content.read_from_disk == 0
    assert served(warm) == served(cold)
    assert snapshot(warm) == snapshot(cold)  # rejections, warnings and ignored files too
    assert any("broken.md" in r for r in snapshot(warm)[1])  # type: ignore[union-attr]


def test_only_changed_added_and_removed_files_are_read_again(real_corpus: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    start(real_corpus, cache)
    changed = sorted(real_corpus.glob("*.md"))[0]
    changed.write_text(changed.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # another size
    write_corpus(real_corpus, {"new/added.md": document(n=7, title="Added while stopped")})
    gone = sorted(real_corpus.glob("*.md"))[-1]
    gone.unlink()
    warm = start(real_corpus, cache)
    assert warm.content.read_from_disk == 2
    fresh = start(real_corpus, None)
    assert served(warm) == served(fresh)
    assert b"Added while stopped" in served(warm)["atom"]


def test_same_size_rewrite_with_a_new_mtime_is_read_again(tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "c", {"a.md": document(n=1, title="Version A"), "b.md": document(n=2)})
    cache = tmp_path / "cache"
    start(root, cache)
    path = root / "a.md"
    stamp = path.stat().st_mtime_ns
    path.write_text(front_matter(document(n=1, title="Version B")), encoding="utf-8")  # same length
    os.utime(path, ns=(stamp + 1_000_000_000, stamp + 1_000_000_000))
    assert b"Version B" in served(start(root, cache))["atom"]


@pytest.mark.parametrize(
    "damage",
    ["truncated", "garbage", "empty", "foreign", "deleted"],
)
def test_a_damaged_or_missing_cache_only_costs_a_full_parse(
    real_corpus: Path, tmp_path: Path, damage: str
) -> None:
    cache = tmp_path / "cache"
    cold = start(real_corpus, cache)
    [file] = cache.glob("parsed-*.pickle")
    marker = tmp_path / "pwned"
    if damage == "truncated":
        file.write_bytes(file.read_bytes()[: file.stat().st_size // 2])
    elif damage == "garbage":
        file.write_bytes(os.urandom(4096))
    elif damage == "empty":
        file.write_bytes(b"")
    elif damage == "foreign":  # a pickle that would run a command if it were loaded blindly
        with file.open("rb") as handle:
            stamp = pickle.load(handle)  # noqa: S301 — our own file, to copy its stamp

        class Payload:
            def __reduce__(self) -> tuple[object, ...]:
                return (os.system, (f"touch {marker}",))

        file.write_bytes(pickle.dumps(stamp) + pickle.dumps([Payload()]) + pickle.dumps([]))
    else:
        file.unlink()
    again = start(real_corpus, cache)
    assert again.content.read_from_disk == len(again.content)
    assert served(again) == served(cold)
    assert not marker.exists()
    assert start(real_corpus, cache).content.read_from_disk == 0  # and it was written anew


def test_a_cache_folder_that_cannot_be_made_only_costs_the_cache(real_corpus: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    first = start(real_corpus, blocker / "cache")
    assert first.content.read_from_disk == len(first.content) > 100
    assert served(first) == served(start(real_corpus, None))
    assert start(real_corpus, blocker / "cache").content.read_from_disk == len(first.content)


def test_another_version_of_the_reading_code_ignores_the_cache(
    real_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    start(real_corpus, cache)
    monkeypatch.setattr("feeds.codestamp.CODE", "another-version")
    assert start(real_corpus, cache).content.read_from_disk > 100


def test_reading_with_several_processes_gives_the_same_corpus(
    real_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulkread, "PARALLEL_MIN", 10)
    monkeypatch.setattr(bulkread, "PARALLEL_CHUNK", 7)
    progress: list[tuple[int, int]] = []
    service = FeedService(Settings(content_dir=real_corpus, watch="off", parse_processes=2))
    service.content.progress = lambda done, total: progress.append((done, total))
    service.index()
    one = start(real_corpus, None, processes=1)
    assert snapshot(service) == snapshot(one)
    assert served(service) == served(one)
    assert progress[-1] == (len(service.content), len(service.content))  # progress reached the end
    assert len(progress) > 3


@pytest.mark.slow
def test_two_workers_starting_cold_parse_once_and_restarts_parse_nothing(tmp_path: Path) -> None:
    """One gunicorn worker parses (with a pool of processes: over PARALLEL_MIN files) while the other
    waits on the cache's lock and then reads what it wrote; a restart parses nothing at all."""
    from bench.generate import generate

    from .servers import fetch, gunicorn

    root = generate(tmp_path / "content", bulkread.PARALLEL_MIN + 500)
    # one public URL for both runs (each listens on its own port): the same site, the same bytes
    public = "https://feeds.example"
    env = {
        "FEEDS_PARSE_CACHE": str(tmp_path / "cache"),
        "FEEDS_PARSE_PROCESSES": "2",
        "FEEDS_BASE_URL": public,
    }

    def parsed_by_worker(base: str) -> dict[int, int]:
        seen: dict[int, int] = {}
        with ThreadPoolExecutor(4) as pool:
            for _ in range(200):
                for health in pool.map(lambda _: json.loads(fetch(f"{base}/healthz").body), range(4)):
                    seen[health["pid"]] = health["parsed"]
                if len(seen) == 2:
                    return seen
        raise AssertionError(f"only saw workers {seen}")

    with gunicorn(root, workers=2, env=env, startup_seconds=120) as server:
        cold = parsed_by_worker(server.base)
        feed = fetch(f"{server.base}/all.atom").body
    files = sum(1 for _ in root.rglob("*.md"))
    assert sorted(cold.values()) == [0, files]
    with gunicorn(root, workers=2, env=env, startup_seconds=120) as server:
        assert list(parsed_by_worker(server.base).values()) == [0, 0]
        assert fetch(f"{server.base}/all.atom").body == feed


def test_only_an_edit_to_the_code_that_reads_documents_throws_the_cache_away(tmp_path: Path) -> None:
    """A million-document cache costs minutes to make again: an upgrade that changes only how feeds
    are served keeps it, one that changes how a file reads (however deep the import) does not."""
    package = tmp_path / "feeds"
    shutil.copytree(Path(parsecache.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    before = codestamp.code_hash(package)
    for serving in ("web.py", "service.py", "index.py", "render/syndication.py"):
        (package / serving).write_text((package / serving).read_text() + "\n# served differently\n")
    assert codestamp.code_hash(package) == before
    deep = package / "keywords.py"  # imported by vocabulary, imported by parse
    deep.write_text(deep.read_text() + "\nEXTRA = 1\n")
    assert codestamp.code_hash(package) != before
    edited = codestamp.code_hash(package)
    (package / "newrule.py").write_text("RULE = 1\n")  # a module a reading module starts to import
    assert codestamp.code_hash(package) == edited
    text = package / "text.py"
    text.write_text("from .newrule import RULE\n" + text.read_text())
    changed = codestamp.code_hash(package)
    (package / "newrule.py").write_text("RULE = 2\n")
    assert codestamp.code_hash(package) != changed


def test_the_code_stamp_is_remembered_until_a_module_or_a_library_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A start reads the stamp from a note beside the cache instead of parsing the reading modules; the
    note gives way to any change of the package's files or of a library's version."""
    package, folder = tmp_path / "feeds", tmp_path / "cache"
    shutil.copytree(Path(parsecache.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    truth = codestamp.code_hash(package)
    assert codestamp.current_code(folder, package) == truth
    note = folder / "code.json"
    remembered = json.loads(note.read_text())
    note.write_text(json.dumps({**remembered, "hash": "from-the-note"}))
    assert codestamp.current_code(folder, package) == "from-the-note"  # read, not computed

    deep = package / "keywords.py"  # a reading module: the same size, another time
    os.utime(deep, ns=(deep.stat().st_atime_ns, deep.stat().st_mtime_ns + 1))
    assert codestamp.current_code(folder, package) == truth
    deep.write_text(deep.read_text().replace("_WORD", "_WRD"))  # shorter: another stamp
    edited = codestamp.code_hash(package)
    assert edited != truth
    assert codestamp.current_code(folder, package) == edited
    (package / "render" / "extra.py").write_text("X = 1\n")  # any new module: looked at again
    note.write_text(json.dumps({**json.loads(note.read_text()), "hash": "stale"}))
    assert codestamp.current_code(folder, package) == edited

    versions = codestamp._library_versions()
    monkeypatch.setattr(codestamp, "_library_versions", lambda: [*versions[:-1], ("idna", "99.0")])
    note.write_text(json.dumps({**json.loads(note.read_text()), "hash": "stale"}))
    upgraded = codestamp.current_code(folder, package)
    assert upgraded not in {"stale", edited}
    assert upgraded == codestamp.code_hash(package)

    note.write_text("{not json")
    assert codestamp.current_code(folder, package) == upgraded
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert codestamp.current_code(blocker / "cache", package) == upgraded  # cannot be noted: computed


VALUES = st.sampled_from(
    [Problem, Image, Provider, Topic, Related, Withheld, Article, FieldWarning, Rejected, Reading]
)


@settings(max_examples=200, deadline=None)
@given(VALUES.flatmap(st.from_type))
def test_every_value_a_cache_or_a_reading_process_hands_on_comes_back_the_same(value: object) -> None:
    """What a reading process sends its parent and what the parse cache keeps are pickled values:
    each comes back equal, field for field (a value with one field too)."""
    back = pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))  # noqa: S301 - our own bytes
    assert type(back) is type(value)
    assert back == value
