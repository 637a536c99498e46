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

An export never destroys on the strength of a corpus it could not read or of a folder it did not
make (`check_target`): it refuses, changing nothing, when the content folder or a folder under it
cannot be read, when the output folder holds files but no `.feeds/` (not a previous export), and,
unless told otherwise, when the output folder holds the export of another content folder
(`.feeds/content`: a wrong folder would remove every page it does not make) or when no article is
visible while it holds a previous export (which would lose every feed).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import multiprocessing
import os
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .errors import EmptyCorpusError, ExportRefusedError
from .exportfiles import (
    META,
    Record,
    Source,
    as_left,
    read_manifest,
    read_source,
    record,
    remove_unmade,
    write_if_changed,
    write_manifest,
    write_source,
)
from .exportnginx import nginx_conf
from .feedkeys import ALL, FeedKey, FeedQuery
from .httppolicy import CONTENT_TYPES, Caching, cache_control
from .model import Problem
from .presentation import page_path
from .representation import Representation
from .scan import content_dir_problem
from .service import FeedService

UNTOUCHED = "nothing was exported or removed"
STATIC = Path(__file__).resolve().parent / "static"
Progress = Callable[[int], None]  # called with how many more pages are done


class OtherSourceError(ExportRefusedError):
    """The output folder holds the export of another content folder (`check_target`)."""


@dataclass
class Exported:
    written: int = 0  # files whose bytes changed (or are new)
    unchanged: int = 0
    removed: int = 0

    @property
    def files(self) -> int:
        return self.written + self.unchanged


# A file, a function that makes what it holds (called by the exporting processes, which share the
# work), and whether it may have changed since the last export (`pages`' `changed`); one that did not
# is made only when the file is not as that export left it.
Job = tuple[str, Callable[[], Representation], bool]
CHUNK = 64  # pages per task


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
    yield "index.html", functools.partial(service.home_page, base_url), True
    for name in ("feeds.opml", "feeds.opml.xml"):
        yield name, functools.partial(service.outline, base_url), True
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
                yield page_path(key.path, n, fmt), feed, n >= first
            if key != ALL:
                page = functools.partial(service.feed_page, key, base_url, query)
                yield page_path(key.path, n, None).rstrip("/") + "/index.html", page, n >= first


def page_counts(service: FeedService) -> dict[FeedKey, int]:
    """How many pages each feed has now (for `pages`' `counts`), all first, then topics and providers
    by slug: counted as `Selection.pages` counts them, without selecting a page."""
    index = service.index()
    limit = service.settings.feed_limit
    sizes = {ALL: index.count()}
    sizes.update((s.key, s.count) for family in ("topics", "providers") for s in index.summaries(family))
    return {key: max(1, -(-size // limit)) for key, size in sizes.items()}


def check_target(
    service: FeedService, out: Path, allow_empty: bool = False, other_source: bool = False
) -> None:
    """Raise `ExportRefusedError` (nothing is touched) when exporting `service`'s corpus into `out`
    could destroy what it should not:

    - the content folder, a folder under it or a file in it could not be read (the export would
      remove the files of every feed that seemed gone);
    - `out` is not a folder, or holds files but no `.feeds/` (it is not a previous export: its files
      are someone else's);
    - `out` holds the export of another content folder (`OtherSourceError`), unless `other_source`; an
      export that does not say which (made before this was recorded) is taken for this folder's;
    - no article is visible and `out` holds a previous export (`EmptyCorpusError`), unless `allow_empty`.
    """
    root = service.settings.content_dir
    problem = content_dir_problem(root)
    if problem is not None:
        raise ExportRefusedError(f"content folder {os.path.abspath(root)} {problem}; {UNTOUCHED}")
    index = service.index()
    if problems := service.content.problems:
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        where = os.path.normpath(os.path.join(os.path.abspath(root), first.path))
        raise ExportRefusedError(f"{where}: {first.field}: {first.reason}{more}; {UNTOUCHED}")
    unreadable = [r.problem for r in service.content.rejected.values() if _unreadable(r.problem)]
    if unreadable:
        first = unreadable[0]
        more = f" (and {len(unreadable) - 1} more)" if len(unreadable) > 1 else ""
        where = os.path.join(os.path.abspath(root), first.path)
        raise ExportRefusedError(f"{where}: {first.field}: {first.reason}{more}; {UNTOUCHED}")
    if out.exists() and not out.is_dir():
        raise ExportRefusedError(f"{out}: not a folder; nothing was exported")
    if out.is_dir() and not (out / META).is_dir() and any(out.iterdir()):
        raise ExportRefusedError(
            f"{out} holds files but no {META}/ (it is not a previous export); nothing was exported: "
            "export into a new or empty folder"
        )
    made_from, now = read_source(out), Source.of(root)
    if made_from is not None and not made_from.same_folder(now) and not other_source:
        raise OtherSourceError(
            f"{out} holds the export of the content folder {made_from.path}, not of {now.path}; {UNTOUCHED}"
        )
    previous = len(read_manifest(out))
    if index.count() == 0 and previous and not allow_empty:
        raise EmptyCorpusError(
            f"no visible article in {os.path.abspath(root)}: the export would replace the {previous} "
            f"files of the previous export in {out} with an empty site; nothing was exported or removed"
        )


def _unreadable(problem: Problem) -> bool:
    """A file that could not be read at all (permissions, I/O): what it holds is unknown, so its
    absence from the export would be a guess."""
    return problem.field == "file" and problem.reason.startswith("cannot be read")


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
    thread would not survive the fork). `.feeds/content` then names the content folder it came from
    (as first named: another name of the same folder leaves it as it is).
    `allow_empty`, `other_source`: as `check_target`'s."""
    global _WORK
    check_target(service, out, allow_empty, other_source)
    previous = read_manifest(out)
    (out / META).mkdir(parents=True, exist_ok=True)  # marks the folder as an export from the start
    _WORK = _Work(service, out, jobs, previous)
    chunks = [(i, min(i + CHUNK, len(jobs))) for i in range(0, len(jobs), CHUNK)]
    outcomes: list[tuple[list[Record], int]] = []
    try:
        with contextlib.ExitStack() as stack:
            results: Iterator[tuple[list[Record], int]]
            if processes > 1 and len(chunks) > 1:
                pool = stack.enter_context(
                    ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork"))
                )
                tasks = [pool.submit(_export_chunk, a, b) for a, b in chunks]
                results = (task.result() for task in tasks)  # in order: a stable manifest
            else:
                results = (_export_chunk(a, b) for a, b in chunks)
            for (a, b), outcome in zip(chunks, results, strict=True):
                outcomes.append(outcome)
                if progress is not None:
                    progress(b - a)
    finally:
        _WORK = None
    result, records = Exported(), []
    for chunk_records, written in outcomes:
        records.extend(chunk_records)
        result.written += written
        result.unchanged += len(chunk_records) - written
    for asset in sorted(STATIC.iterdir()):  # the pages' stylesheet, as Flask serves it at /static/
        name, data = f"static/{asset.name}", asset.read_bytes()
        written = write_if_changed(out / name, data)
        result.written += written
        result.unchanged += not written
        records.append(record(out, name, hashlib.sha256(data).hexdigest()[:32]))
    result.removed = remove_unmade(out, previous, {r.name for r in records})
    write_manifest(out, records)
    made_from, now = read_source(out), Source.of(service.settings.content_dir)
    if made_from is None or not made_from.same_folder(now):  # the same folder named another way: kept
        write_source(out, now)
    write_if_changed(
        out / META / "nginx.conf", nginx_conf(out, cache_control(caching, None, service.now()), META).encode()
    )
    return result


def _export_chunk(start: int, stop: int) -> tuple[list[Record], int]:
    """Jobs `start` to `stop` of the current export: their records, and how many files were written."""
    if _WORK is None:
        raise RuntimeError("no export in progress")
    service, out, previous = _WORK.service, _WORK.out, _WORK.previous
    records: list[Record] = []
    written = 0
    for rel, make, fresh in _WORK.jobs[start:stop]:
        if not fresh:  # unchanged since the last export: kept as it was left, if it was
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
            written += write_if_changed(out / name, service.body(rep, gzipped))
            records.append(record(out, name, etag))
    return records, written
