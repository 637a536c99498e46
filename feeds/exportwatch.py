"""`export --watch`: after a first export, keep the output folder current, in this process, as the
content folder changes (only what changed is rendered, only files whose bytes changed are written)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from .errors import ExportRefusedError
from .export import export, page_counts, pages
from .exportfiles import kept_text
from .feedkeys import FeedKey
from .httppolicy import Caching
from .service import FeedService
from .watch import Mode


def follow(
    service: FeedService,
    out: Path,
    base_url: str,
    caching: Caching,
    report: Callable[[str], None],
    stop: threading.Event,
    allow_empty: bool = False,
    poll_seconds: float = 0.05,
    watch: Mode = "auto",
    holds: tuple[int, Mapping[FeedKey, int]] | None = None,
) -> None:
    """`export --watch`: after a first export, keep `out` current until `stop` is set. The service
    follows the content folder (its watcher: `FEEDS_WATCH`); each new corpus version is exported again
    in this process, which renders only what changed (the render cache keeps each entry's bytes, the
    manifest each file's ETag) and writes only files whose bytes changed. `report` gets one line per
    export (what changed, how long it took), or the reason an export was refused, which changes nothing
    (`check_target`): then the next version is tried again. `watch`: how to follow the folder
    (`FEEDS_WATCH`; `off` follows it as `auto` does). `holds`: the index version `out` holds and
    each feed's page count in it (`page_counts`), taken in the snapshot its export was made in
    (`FeedService.snapshot`); by default, the service's now."""
    # What `out` holds: the version of the first export, before the service follows the folder, which
    # reads what changed since (an edit made while the first export ran, or a scheduled article that
    # came due meanwhile, is exported next, not taken as done)
    with service.snapshot() as index:
        version, counted = holds if holds is not None else (index.version, page_counts(service))
    tried = exported = version  # the last version tried, and the last one in `out`
    counts = dict(counted)  # each feed's page count in `out` now
    service.follow(watch)
    while not stop.wait(poll_seconds):
        # index(): also shows scheduled articles whose time has come; the watcher's refreshes wait while
        # the files are listed and made (`FeedService.snapshot`)
        with service.snapshot() as index:
            version = index.version
            if version == tried:
                continue
            tried = version
            start = time.perf_counter()
            trial = dict(counts)
            try:
                jobs = list(pages(service, base_url, index.changed_since(exported), trial))
                result = export(service, out, jobs, caching, allow_empty=allow_empty)
            except ExportRefusedError as error:
                report(f"not exported: {error}")
                continue
        exported, counts = version, trial
        took = (time.perf_counter() - start) * 1000
        for name in result.kept:
            report(kept_text(out, name))
        report(
            f"{out}: {result.written} written, {result.unchanged} unchanged, {result.removed} removed"
            f" in {took:.0f} ms"
        )
