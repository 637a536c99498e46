"""A persistent cache of parsed documents, so that a restart parses only the files that changed.

One file per content directory (a stream of pickles: a stamp, then chunks of entries), each entry a
document's relative path, its signature (size, ctime in ns, inode), what reading it gave and, while
the file is broken, the last good article it serves (so that a restart keeps serving it). An
entry's read is used only while the file's signature is unchanged, and only while the stamp is this
process's: the same content directory, time zone and size limit, and the same version of the code
that reads documents (`codestamp`: a hash of those modules' source, noted in `code.json` beside
it). A cache whose stamp differs
only in those last three (an upgrade, another `FEEDS_TIMEZONE`) is read for what each file served
(`load_any`): every file is read again, and one that then fails to read still serves its last good
version, as the process that wrote the cache served it. A cache whose values have other fields
(`shapes`), or of another folder, is ignored. It is
written to a temporary file and renamed into place, so readers never see half of one, any number of
workers may share it, and deleting it at any time only costs the next start a full parse. An
exclusive lock beside it lets one process parse a cold corpus while the others wait and then read
what it wrote.

Pickles can name any class to build; this one is read with an unpickler that builds only the value
types of this package and `datetime`, and refuses anything else (the whole cache is then ignored).
Its folder is created private to the service's user (mode 0700) all the same.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import fcntl
import hashlib
import importlib
import os
import pickle
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from . import codestamp

if TYPE_CHECKING:
    from .model import Article, PathContent
    from .parse import Reading
    from .scan import Signature

FORMAT = 3  # 3: the stamp holds `shapes()`, and other code's caches are read for what files served
CHUNK = 5000  # entries per pickle: loading streams, so a large cache is never all in memory as bytes
Entry = tuple[str, "Signature", "Reading", "Article | None"]  # the last: a broken file's last good article
Cached = tuple["Signature", "Reading", "Article | None"]


class ParseCache:
    def __init__(self, folder: Path, root: Path, tz: dt.tzinfo, max_bytes: int, lean: bool = False) -> None:
        real = os.path.realpath(root)
        name = hashlib.sha256(real.encode()).hexdigest()[:16]
        self.path = folder / f"parsed-{name}{'-lean' if lean else ''}.pickle"  # `check` reads whole
        self._recent = self.path.with_name(self.path.stem + "-recent.pickle")  # `save_recent`
        # what the values are and whose folder they are of, then what gave each read
        self.values: tuple[Any, ...] = (FORMAT, shapes(), real)
        self.stamp: tuple[Any, ...] = (*self.values, codestamp.code_for(folder), str(tz), max_bytes)
        self._held, self._depth = threading.RLock(), 0  # `exclusive`: this process's holder, how deep

    def load(self) -> dict[str, Cached]:
        """What the cache holds by path: signature, read, and a broken file's last good article (else
        None); empty when it is missing, unreadable, damaged, from elsewhere, or written with another
        stamp (its reads do not stand: `load_any`)."""
        entries, current = self.load_any()
        return entries if current else {}

    def load_any(self) -> tuple[dict[str, Cached], bool]:
        """`load`'s entries and True; else, when the cache was written by another version of the code
        that reads, or with another time zone or size limit, its entries and False: no read of it
        stands now, but what each file served then does (`filestate.cached_states`). Empty (and
        False) when it is missing, unreadable, damaged, of another folder or of other values."""
        entries: dict[str, Cached] = {}
        try:
            with open(self.path, "rb") as handle:
                stamp = _Unpickler(handle).load()  # one unpickler per pickle: each has its memo
                if not self._ours(stamp):
                    return {}, False
                while chunk := _Unpickler(handle).load():
                    for rel, signature, read, last_good in chunk:
                        entries[rel] = (signature, read, last_good)
        except FileNotFoundError:
            return {}, False
        except Exception:  # a damaged or foreign cache only costs a slower start: never fatal
            return {}, False
        return entries, stamp == self.stamp

    def _ours(self, stamp: object) -> bool:
        """Whether a file with this stamp holds this folder's values, as this code builds them."""
        if not isinstance(stamp, tuple) or len(stamp) != len(self.stamp):
            return False
        return stamp[0] == FORMAT and stamp[2] == self.values[2] and built_alike(stamp[1])

    def save(self, entries: Iterable[Entry]) -> None:
        """Write all entries to a temporary file and rename it into place (atomic on POSIX)."""

        def dump(handle: BinaryIO) -> None:
            chunk: list[Entry] = []
            for entry in entries:
                chunk.append(entry)
                if len(chunk) == CHUNK:
                    pickle.dump(chunk, handle, protocol=pickle.HIGHEST_PROTOCOL)
                    chunk = []
            if chunk:
                pickle.dump(chunk, handle, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.dump([], handle)  # the end: a truncated file fails to load instead

        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._replace(self.path, dump)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._recent)  # the cache now holds all of it

    def load_recent(self, any_stamp: bool = False) -> dict[str, PathContent]:
        """What files served after the cache was last written (`save_recent`), by path: an article; the
        URLs and headline a file rejected with no last good version keeps out of related links
        (`Withheld`); or None for a file that then served nothing (deleted). Empty when there are none
        or they are from elsewhere: another stamp, or with `any_stamp` one `load_any` reads."""
        try:
            with open(self._recent, "rb") as handle:
                stamp = _Unpickler(handle).load()
                if not (stamp == self.stamp or (any_stamp and self._ours(stamp))):
                    return {}
                recent = _Unpickler(handle).load()
                return recent if isinstance(recent, dict) else {}
        except Exception:  # missing, damaged: the cache alone, as before
            return {}

    def save_recent(self, served: dict[str, PathContent]) -> None:
        """What each file read since `save` serves (an edit, a new file, the last good version of one
        that broke): small, written after each change so that a start serves what a running process
        served. Removed by `save`, which holds it all."""
        self._replace(self._recent, lambda handle: pickle.dump(served, handle, pickle.HIGHEST_PROTOCOL))

    def _replace(self, path: Path, dump: Callable[[BinaryIO], None]) -> None:
        """`path` replaced by a file of the stamp and what `dump` writes after it, written to a temporary
        file and renamed into place (atomic on POSIX): a reader never sees half of one."""
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        try:
            with open(temporary, "wb") as handle:
                pickle.dump(self.stamp, handle, protocol=pickle.HIGHEST_PROTOCOL)
                dump(handle)
            os.replace(temporary, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """Held while a process reads the corpus cold and records what it serves, so the others wait
        and then use its cache. Re-entrant in the thread that holds it. Where the folder cannot be
        made or written (a read-only home), it is not held: each process then parses for itself, as
        with no cache."""
        with self._held:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            try:
                self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                lock = open(self.path.with_name(self.path.name + ".lock"), "a")  # noqa: SIM115
            except OSError:
                yield
                return
            with lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                self._depth = 1
                try:
                    yield
                finally:
                    self._depth = 0
                    fcntl.flock(lock, fcntl.LOCK_UN)


# The only classes a cache may build: what `parse.Reading` is made of.
ALLOWED = {
    "feeds.model": {"Article", "Image", "Problem", "Provider", "Related", "Topic", "Withheld"},
    "feeds.parse": {"Reading", "Rejected"},
    "feeds.describe": {"FieldWarning"},
    "datetime": {"datetime", "timezone", "timedelta"},
}


_SHAPES: tuple[Any, ...] | None = None


def shapes() -> tuple[Any, ...]:
    """Each class of this package a cache may build (`ALLOWED`), with its fields' names and annotations
    in order: a value is pickled as its fields by position (`model.Value`), so a cache written for other
    fields would build other values from them. Computed once per process."""
    global _SHAPES
    if _SHAPES is None:
        _SHAPES = tuple(
            (module, name, tuple((f.name, str(f.type)) for f in dataclasses.fields(kind)))
            for module, names in sorted(ALLOWED.items())
            if module.startswith("feeds.")
            for name in sorted(names)
            if dataclasses.is_dataclass(kind := getattr(importlib.import_module(module), name))
        )
    return _SHAPES


def built_alike(older: object) -> bool:
    """Whether values pickled when the classes had the fields `older` (`shapes`) build as this code's:
    each class's fields then are the first of its fields now, and those it has gained since have
    defaults (a value is built from its fields by position: `model.Value`). So an upgrade that adds a
    field keeps what a cache says files served."""
    if older == shapes():
        return True
    try:
        before = {(module, name): tuple(fields) for module, name, fields in older}  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        return False
    for module, name, fields in shapes():
        if (was := before.get((module, name))) is None:
            continue  # a class none of those values was
        gained = dataclasses.fields(getattr(importlib.import_module(module), name))[len(was) :]
        if fields[: len(was)] != was or any(
            f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING for f in gained
        ):
            return False
    return True


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if name in ALLOWED.get(module, ()):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not a value a parse cache holds")
