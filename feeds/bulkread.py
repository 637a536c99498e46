"""Files into `Reading`s: one file, or many at once with a process per core (a cold start).

Many files are read in order with the kernel asked to read ahead of the reader
(`posix_fadvise(POSIX_FADV_WILLNEED)`, `READ_AHEAD` files ahead) once a read is seen waiting for the
disk: files not in the page cache (a first start, an export after the machine was idle) are then
fetched from the disk while the ones before them are parsed, instead of one at a time in between.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterator
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
SLOW_READ_S = 0.001  # a file's read that took longer waited for the disk: not in the page cache
READ_AHEAD = 64  # files the kernel is asked to read ahead of the reader, once reads wait for the disk
SMALL_FILE_BYTES = 1 << 16  # a file this small, cached, is read in some microseconds: only its read counts


def read_document(
    base: str | os.PathLike[str], rel: str, tz: dt.tzinfo, max_bytes: int, lean: bool = False
) -> Reading:
    """One file: its article and warnings, its rejection, or an empty `Reading` when it is not a document."""
    raw = _fetch(base, rel, max_bytes)
    return raw if isinstance(raw, Reading) else _reading(raw, rel, tz, lean)


def _fetch(base: str | os.PathLike[str], rel: str, max_bytes: int) -> bytes | Reading:
    """A file's bytes, or the `Reading` of a file that could not be read whole."""
    try:
        return read_bytes(os.path.join(base, rel), max_bytes)
    except TooLargeError as exc:  # what its first bytes say still counts (`read_unreadable`)
        return read_unreadable(Problem(rel, exc.field, exc.reason), exc.head, exc.complete)
    except DocumentError as exc:
        return Reading(rejected=Rejected(Problem(rel, exc.field, exc.reason)))
    except OSError as exc:
        reason = f"cannot be read: {exc.strerror or type(exc).__name__}"
        return Reading(rejected=Rejected(Problem(rel, "file", reason), unread=True))


def _reading(raw: bytes, rel: str, tz: dt.tzinfo, lean: bool) -> Reading:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return read_unreadable(Problem(rel, "file", f"not UTF-8 text (byte {exc.start})"), raw)
    return read_text(text, rel, tz, lean)


def read_in_order(
    base: str, rels: list[str], tz: dt.tzinfo, max_bytes: int, lean: bool = False
) -> Iterator[tuple[str, Reading]]:
    """`read_document` of each of `rels`, in that order. Once the read of a file of at most
    `SMALL_FILE_BYTES` takes longer than `SLOW_READ_S` (it waited for the disk), the kernel is asked to
    read the next `READ_AHEAD` files (their first `max_bytes` + 1 bytes, all `read_bytes` reads of a
    file within the limit) ahead of the reader, and kept asked for the rest. Files in the page cache
    are not asked for, unless such a read was slow for another reason (the process was made to wait
    for a core): then each costs about 5 µs more, a twentieth of a hidden document's read."""
    asked = 0  # rels[:asked] asked for; 0 while no read has waited for the disk
    for n, rel in enumerate(rels):
        if asked and n >= asked - READ_AHEAD // 2:
            asked = _ask_ahead(base, rels, asked, n + READ_AHEAD, max_bytes + 1)
        started = time.perf_counter()
        raw = _fetch(base, rel, max_bytes)
        slow = time.perf_counter() - started > SLOW_READ_S
        if slow and not asked and isinstance(raw, bytes) and len(raw) <= SMALL_FILE_BYTES:
            asked = _ask_ahead(base, rels, n + 1, n + 1 + READ_AHEAD, max_bytes + 1)
        yield rel, raw if isinstance(raw, Reading) else _reading(raw, rel, tz, lean)


def _ask_ahead(base: str, rels: list[str], start: int, end: int, length: int) -> int:
    """Ask the kernel to read `rels[start:end]` into the page cache (the first `length` bytes of
    each), without waiting for it; what cannot be opened or asked for (gone, a FIFO, no
    `posix_fadvise` on this system) is left to the read. Returns `end`."""
    for rel in rels[start:end] if hasattr(os, "posix_fadvise") else ():
        try:
            fd = os.open(os.path.join(base, rel), os.O_RDONLY | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            os.posix_fadvise(fd, 0, length, os.POSIX_FADV_WILLNEED)
        except OSError:
            pass
        finally:
            os.close(fd)
    return end


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
    for n, (rel, read) in enumerate(
        read_in_order(folder, [r for r in rels if r not in reads], tz, max_bytes, lean)
    ):
        reads[rel] = read
        if progress is not None and n % 1000 == 999:
            progress(len(reads), len(rels))
    return reads


def _read_chunk(
    base: str, rels: list[str], tz: dt.tzinfo, max_bytes: int, lean: bool
) -> list[tuple[str, Reading]]:
    return list(read_in_order(base, rels, tz, max_bytes, lean))
