"""The whole site as files, for static hosting and CDNs: byte-identical to what the server answers.

Layout (URL → file), so that every link in every file resolves on any static host, by path alone:
`/` → `index.html`; `/feeds.opml` and `/feeds.opml.xml` (the one the pages link: hosts know `.xml`);
`/all.atom` (and every feed, in every format) → the same path; `/topics/ai` (an HTML page) →
`topics/ai/index.html` (a static host redirects `/topics/ai` to `/topics/ai/` and serves it); page
N > 1 of a feed → `topics/ai/page/N.atom`, of an HTML page → `topics/ai/page/N/index.html`: the path
form of page URLs (`presentation.page_path`) that the server's RFC 5005 links use too. Beside each
file, its gzip variant (`.gz`, the very bytes the server sends to clients that accept gzip).
`.feeds/nginx.conf` serves the folder as the server would (content types, `?page=`, gzip, caching
headers); `.feeds/manifest` lists the files the export made, so the next export removes the ones no
longer produced (and the folders that leaves empty) and nothing else.

A file whose bytes did not change is not written again (its mtime stays, so an rsync or an object
store sync after a small edit moves only what changed).

Each entry is rendered once per format, though an article is in several feeds: the pages of the
feed of all articles, which holds each shown article once, are made first, shared out among the
exporting processes, which hand back the entries they rendered (`Fragments.recording`); the other
pages are then made by processes forked with every entry in hand, so they render only feed headers.

An export refuses to write where it could destroy what it should not (`exportcheck.check_target`).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from .errors import ExportRefusedError
from .exportcheck import check_folders, check_target
from .exportfiles import (
    META,
    Record,
    Source,
    as_left,
    read_journal,
    read_manifest,
    read_source,
    removable,
    remove_unmade,
    write_if_changed,
    write_journaled,
    write_manifest,
    write_source,
)
from .exportnginx import nginx_conf
from .feedkeys import ALL, FeedKey, FeedQuery
from .forks import helper_pool
from .httppolicy import CONTENT_TYPES, Caching, cache_control
from .presentation import page_path
from .render.fragments import Entry
from .representation import Representation
from .service import FeedService

STATIC = Path(__file__).resolve().parent / "static"
Progress = Callable[[int], None]  # called with how many more pages are done


@dataclass
class Exported:
    written: int = 0  # files whose bytes changed (or are new)
    unchanged: int = 0
    removed: int = 0
    kept: list[str] = field(default_factory=list)  # unmade, not removed: not as written

    @property
    def files(self) -> int:
        return self.written + self.unchanged


class Job(NamedTuple):
    """A file of the site: its path under the output folder; what makes it (called by the exporting
    processes, which share the work); whether it may have changed since the last export (`pages`'
    `changed`: one that did not is made only when the file is not as that export left it); whether
    it is a page of the feed of all articles in a feed format (made first: those hold every entry)."""

    path: str
    make: Callable[[], Representation]
    changed: bool
    first: bool = False


CHUNK = 64  # pages per task
ENTRY_BYTES = 512 << 20  # rendered entries an export holds (`Fragments.grow`): 24 MB at 3,000 shown
# Each chunk's records (one list per job: the file and its .gz), files written, entries rendered
Outcome = tuple[list[list[Record]], int, list[Entry]]


@dataclass
class _Work:
    """What the exporting processes inherit when they are forked (a service does not pickle)."""

    service: FeedService
    out: Path
    jobs: list[Job]
    previous: dict[str, Record]


_WORK: _Work | None = None


def pages(
    service: FeedService,
    base_url: str,
    changed: Mapping[FeedKey, int] | None = None,
    counts: dict[FeedKey, int] | None = None,
) -> Iterator[Job]:
    """Every file of the site as a `Job` (its path, what makes it, whether it may have changed), in a
    stable order (layout: above).

    For an export into a folder that holds the export of an earlier version of the same index:
    `changed` (`Index.changed_since` that version: feed → the first rank that may have changed) and
    `counts` (each feed's page count then; updated here). The pages before a changed feed's first
    changed rank, and every page of an unchanged feed, are marked unchanged (made only if the file
    is not as left); unless the feed's page count changed, which changes every page's `last` link.
    Nothing is rendered here: the exporting processes call the functions."""
    limit = service.settings.feed_limit
    yield Job("index.html", functools.partial(service.home_page, base_url), True)
    for name in ("feeds.opml", "feeds.opml.xml"):
        yield Job(name, functools.partial(service.outline, base_url), True)
    for key, count in page_counts(service).items():
        before = counts.get(key) if counts is not None else None
        if counts is not None:
            counts[key] = count
        if changed is None or before != count:
            first = 1  # every page made again
        else:
            first = changed[key] // limit + 1 if key in changed else count + 1
        for n in range(1, count + 1):
            query = FeedQuery(limit=limit, page=n)
            for fmt in CONTENT_TYPES:
                feed = functools.partial(service.feed, key, fmt, base_url, query)
                yield Job(page_path(key.path, n, fmt), feed, n >= first, key == ALL)
            if key != ALL:
                page = functools.partial(service.feed_page, key, base_url, query)
                yield Job(page_path(key.path, n, None).rstrip("/") + "/index.html", page, n >= first)


def page_counts(service: FeedService) -> dict[FeedKey, int]:
    """How many pages each feed has now (for `pages`' `counts`), all first, then topics and providers
    by slug: counted as `Selection.pages` counts them, without selecting a page."""
    index = service.index()
    limit = service.settings.feed_limit
    sizes = {ALL: index.count()}
    sizes.update((s.key, s.count) for family in ("topics", "providers") for s in index.summaries(family))
    return {key: max(1, -(-size // limit)) for key, size in sizes.items()}


def export(
    service: FeedService,
    out: Path,
    jobs: list[Job],
    caching: Caching,
    progress: Progress | None = None,
    processes: int = 1,
    allow_empty: bool = False,
    other_source: bool = False,
) -> Exported:
    """Write the site's `jobs` (from `pages`) under `out`, and `.feeds/nginx.conf` with `caching`'s
    `Cache-Control` (the server's). `ExportRefusedError` when `check_target` finds it unsafe; then
    nothing changes.

    A file whose representation has the ETag the manifest recorded for it, and which is still as the
    export left it, is not even rendered; any other file is rendered and written only if its bytes
    changed. Files of the previous export that are no longer produced are removed; nothing else is.
    With `processes` > 1, forked processes share the rendering (the service must not be watching: its
    thread would not survive the fork): first the pages of the feed of all articles, whose entries
    they hand back; then the rest, by processes forked with every entry in hand. All of them render
    one version of the index (`FeedService.snapshot`: `jobs` should be listed in the same one). The service's
    entry cache is grown to `ENTRY_BYTES` for it (and stays so). `.feeds/content` then names the
    content folder it came from (as first named: another name of the same folder leaves it as it is).
    `allow_empty`, `other_source`: as `check_target`'s."""
    with service.snapshot():  # what is checked is what is exported
        check_target(service, out, allow_empty, other_source)
        (out / META).mkdir(parents=True, exist_ok=True)  # marks the folder as an export from the start
        with exclusive(out):
            return _export(service, out, jobs, caching, progress, processes)


@contextlib.contextmanager
def exclusive(out: Path) -> Iterator[None]:
    """Held while an export writes into `out` (`.feeds/lock`): another export into it at the same time
    (a cron job overlapping `--watch`) is refused (`ExportRefusedError`), changing nothing."""
    with open(out / META / "lock", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ExportRefusedError(
                f"{out}: another export is writing into it; nothing was exported (try again when it ends)"
            ) from None
        yield


def _export(
    service: FeedService,
    out: Path,
    jobs: list[Job],
    caching: Caching,
    progress: Progress | None,
    processes: int,
) -> Exported:
    global _WORK
    previous = read_manifest(out)
    journaled = read_journal(out)  # what an export that did not end wrote
    assets = {f"static/{asset.name}": asset for asset in sorted(STATIC.iterdir())}  # as Flask serves them
    names = [job.path for job in jobs] + [f"{META}/manifest", *assets]  # and their folders
    check_folders(out, [*names, *(name for name in [*previous, *journaled] if removable(name))])
    _WORK = _Work(service, out, jobs, previous)
    service.fragments.grow(ENTRY_BYTES)
    first = [i for i, job in enumerate(jobs) if job.first]
    rest = [i for i, job in enumerate(jobs) if not job.first]
    made: dict[int, list[Record]] = {}
    result = Exported()
    try:
        # The first chunks are small: their pages render every entry; the processes should end together
        small = max(1, min(CHUNK, -(-len(first) // (processes * 4))))
        for part, size, share in ((first, small, True), (rest, CHUNK, False)):
            chunks = [part[i : i + size] for i in range(0, len(part), size)]
            outcomes = _run(chunks, processes, share)
            for chunk, (done, written, entries) in zip(chunks, outcomes, strict=True):
                made.update(zip(chunk, done, strict=True))
                result.written += written
                service.fragments.keep(entries)
                if progress is not None:
                    progress(len(chunk))
    finally:
        _WORK = None
    records = [r for i in range(len(jobs)) for r in made[i]]  # in the jobs' order: a stable manifest
    result.unchanged += len(records) - result.written
    for name, asset in assets.items():  # the pages' stylesheet, at /static/
        data = asset.read_bytes()
        made_now, written = write_journaled(out, name, hashlib.sha256(data).hexdigest()[:32], data)
        result.written += written
        result.unchanged += not written
        records.append(made_now)
    result.removed, result.kept = remove_unmade(out, previous, {r.name for r in records}, journaled)
    write_manifest(out, records)
    made_from, now = read_source(out), Source.of(service.settings.content_dir)
    if made_from is None or not made_from.same_folder(now):  # the same folder named another way: kept
        write_source(out, now)
    write_if_changed(
        out / META / "nginx.conf", nginx_conf(out, cache_control(caching, None, service.now()), META).encode()
    )
    return result


def _run(chunks: list[list[int]], processes: int, share: bool) -> Iterator[Outcome]:
    """Each chunk of jobs' `Outcome`, in order: made by `processes` forked processes (which hand back
    the entries they render if `share`) or, with one, here."""
    if processes < 2 or len(chunks) < 2:
        yield from (_export_chunk(chunk, False) for chunk in chunks)
        return
    with helper_pool(processes) as pool:
        tasks = [pool.submit(_export_chunk, chunk, share) for chunk in chunks]
        yield from (task.result() for task in tasks)


def _export_chunk(chunk: list[int], share: bool) -> Outcome:
    """The jobs at `chunk` of the current export: their records, how many files were written, and
    (if `share`) the entries rendered for them."""
    if _WORK is None:
        raise RuntimeError("no export in progress")
    service, out, previous = _WORK.service, _WORK.out, _WORK.previous
    chunk_records: list[list[Record]] = []
    written = 0
    recording: contextlib.AbstractContextManager[list[Entry]] = (
        service.fragments.recording() if share else contextlib.nullcontext([])
    )
    with recording as entries:
        for rel, make, changed, _ in (_WORK.jobs[i] for i in chunk):
            records: list[Record] = []
            chunk_records.append(records)
            if not changed:  # unchanged since the last export: kept as it was left, if it was
                kept = [previous.get(name) for name in (rel, rel + ".gz")]
                if all(old is not None and as_left(out / old.name, old) for old in kept):
                    records.extend(old for old in kept if old is not None)
                    continue
            rep = make()
            for name, etag, gzipped in ((rel, rep.etag, False), (rel + ".gz", rep.etag + "-gzip", True)):
                old = previous.get(name)
                if old is not None and old.etag == etag and as_left(out / name, old):
                    records.append(old)
                    continue
                now, wrote = write_journaled(out, name, etag, service.body(rep, gzipped))
                written += wrote
                records.append(now)
    return chunk_records, written, entries
