"""Files into `Reading`s: one file, or many at once with a process per core (a cold start)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from concurrent.futures import as_completed
from pathlib import Path

from .errors import DocumentError, TooLargeError
from .forks import helper_forks, helper_pool
from .model import Problem
from .parse import Reading, Rejected, read_text, read_unreadable
from .scan import read_bytes

PARALLEL_MIN = 2000  # files to read at once before it pays to start processes for it
PARALLEL_CHUNK = 500  # files per task handed to a reading process
Progress = Callable[[int, int], None]  # (files read so far, files to read)


def read_document(
    base: str | os.PathLike[str], rel: str, tz: dt.tzinfo, max_bytes: int, lean: bool = False
) -> Reading:
    """One file: its article and warnings, its rejection, or an empty `Reading` when it is not a document."""
    try:
        raw = read_bytes(os.path.join(base, rel), max_bytes)
    except TooLargeError as exc:  # what its first bytes say still counts (`read_unreadable`)
        return read_unreadable(Problem(rel, exc.field, exc.reason), exc.head, exc.complete)
    except DocumentError as exc:
        return Reading(rejected=Rejected(Problem(rel, exc.field, exc.reason)))
    except OSError as exc:
        reason = f"cannot be read: {exc.strerror or type(exc).__name__}"
        return Reading(rejected=Rejected(Problem(rel, "file", reason), unread=True))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return read_unreadable(Problem(rel, "file", f"not UTF-8 text (byte {exc.start})"), raw)
    return read_text(text, rel, tz, lean)


def read_many(
    base: Path,
    rels: list[str],
    tz: dt.tzinfo,
    max_bytes: int,
    processes: int,
    progress: Progress | None,
    lean: bool = False,
) -> dict[str, Reading]:
    """`read_document` for each file; many files are shared out to `processes` reading processes."""
    reads: dict[str, Reading] = {}
    folder = os.fspath(base)
    if processes > 1 and len(rels) >= PARALLEL_MIN:
        chunks = [rels[i : i + PARALLEL_CHUNK] for i in range(0, len(rels), PARALLEL_CHUNK)]
        # Forked (`helper_pool`): the children only parse files, so the threads a server or watcher may
        # have in this process (and the locks they might hold) do not matter to them.
        try:
            with helper_forks(), helper_pool(processes) as pool:
                tasks = [pool.submit(_read_chunk, folder, chunk, tz, max_bytes, lean) for chunk in chunks]
                for task in as_completed(tasks):
                    reads.update(task.result())
                    if progress is not None:
                        progress(len(reads), len(rels))
        except (OSError, RuntimeError):  # no processes here (a sandbox, a broken pool): read in this one
            pass
    for n, rel in enumerate(r for r in rels if r not in reads):
        reads[rel] = read_document(folder, rel, tz, max_bytes, lean)
        if progress is not None and n % 1000 == 999:
            progress(len(reads), len(rels))
    return reads


def _read_chunk(
    base: str, rels: list[str], tz: dt.tzinfo, max_bytes: int, lean: bool
) -> list[tuple[str, Reading]]:
    return [(rel, read_document(base, rel, tz, max_bytes, lean)) for rel in rels]
