"""The files of an export folder: the manifest of what an export made, writes that never leave half a
file, and the removal of files (and folders) an earlier export made that are no longer produced.

The manifest (`.feeds/manifest`) has one line per file, `name TAB etag TAB size TAB mtime_ns TAB
crc32`: what the file holds (the ETag of its representation), how the export left it, so the next
export can skip it unrendered, and the CRC-32 of its bytes, so that a file no longer made is removed
only while its bytes are what an export wrote (`remove_unmade`). A line of another shape names a file
that is compared by its bytes before it is overwritten, and never removed.

Beside it, `.feeds/content` says which content folder the export was made from (`Source`), so that
an export from another folder is not taken for the next version of the same site.

While an export runs, `.feeds/journal` gets the line of each file before the file is put in place
(`write_journaled`), and temporary files are written in `.feeds/writing/PID/` (one folder per writing
process: two processes creating files in one folder wait for each other); the manifest replaces the
journal when the export ends. An export that is killed or fails midway leaves its journal, so the next
one knows every file it wrote, and removes those it does not make (`remove_unmade`) as it removes
the previous export's.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from zlib_ng import zlib_ng

META = ".feeds"  # the export's own folder: the manifest and the nginx config; never served
JOURNAL = f"{META}/journal"
TEMPORARY = f"{META}/writing"  # temporary files, while they are written: a folder per process
_CRC = re.compile(r"[0-9a-f]{8}")
_WRITES = itertools.count()  # this process's temporary files, numbered


@dataclass(frozen=True)
class Record:
    """A file the export made, as the manifest keeps it: what it holds (the ETag of its
    representation), how it was left (size in bytes, mtime in nanoseconds) and the CRC-32 of its
    bytes (-1: not known, a manifest of an older export; size -1: a line of another shape)."""

    name: str
    etag: str
    size: int
    mtime_ns: int
    crc: int = -1

    def line(self) -> str:
        return f"{self.name}\t{self.etag}\t{self.size}\t{self.mtime_ns}\t{self.crc:08x}"


def read_manifest(out: Path) -> dict[str, Record]:
    """The records of the export in `out` by file name ({} when there is none)."""
    try:
        lines = (out / META / "manifest").read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return {}
    records = {}
    for line in lines:
        fields = line.split("\t")
        if len(fields) in (4, 5) and fields[2].isdigit() and fields[3].isdigit():
            crc = int(fields[4], 16) if len(fields) == 5 and _CRC.fullmatch(fields[4]) else -1
            records[fields[0]] = Record(fields[0], fields[1], int(fields[2]), int(fields[3]), crc)
        elif fields[0]:
            records[fields[0]] = Record(fields[0], "", -1, -1)  # known to be ours: compared by bytes
    return records


@dataclass(frozen=True)
class Source:
    """The content folder an export was made from: as named (absolute, symlinks kept: a folder behind
    a symlink swapped at each deploy keeps its name) and as resolved (`os.path.realpath`: the same
    folder named another way)."""

    path: str
    real: str

    @classmethod
    def of(cls, root: str | os.PathLike[str]) -> Source:
        return cls(os.path.abspath(root), os.path.realpath(root))

    def same_folder(self, other: Source) -> bool:
        """Whether `other` names the same content folder, by either spelling."""
        return self.path == other.path or self.real == other.real


def read_source(out: Path) -> Source | None:
    """The content folder the export in `out` was made from (`.feeds/content`, JSON `{"path", "real"}`);
    None when it does not say (no export, or one made before it was recorded) or cannot be parsed."""
    try:
        data = json.loads((out / META / "content").read_bytes())
        return Source(str(data["path"]), str(data["real"]))
    except FileNotFoundError:
        return None
    except (ValueError, TypeError, KeyError):
        return None


def write_source(out: Path, source: Source) -> None:
    """Record `source` as the content folder of the export in `out` (`read_source`). Paths that are not
    UTF-8 are kept as their surrogate escapes (`os.fsdecode`), which JSON writes as `\\udcXX`."""
    text = json.dumps({"path": source.path, "real": source.real}, ensure_ascii=True)
    write_if_changed(out / META / "content", (text + "\n").encode("ascii"))


def write_manifest(out: Path, records: list[Record]) -> None:
    """The manifest of the export that ends: it now holds what the journal told (`read_journal`)."""
    write_if_changed(out / META / "manifest", "".join(r.line() + "\n" for r in records).encode())
    with contextlib.suppress(FileNotFoundError):
        os.unlink(out / JOURNAL)
    with contextlib.suppress(OSError):  # empty when every write ended
        for folder in os.scandir(out / TEMPORARY):
            os.rmdir(folder.path)
        os.rmdir(out / TEMPORARY)


def read_journal(out: Path) -> dict[str, list[Record]]:
    """Each file an export that did not end wrote or was about to write (`write_journaled`), with every
    record of it ({} when every export ended). Its temporary files are removed."""
    shutil.rmtree(out / TEMPORARY, ignore_errors=True)
    try:
        lines = (out / JOURNAL).read_bytes().decode("utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return {}
    records: dict[str, list[Record]] = {}
    for line in lines:
        fields = line.split("\t")
        if len(fields) == 5 and fields[2].isdigit() and _CRC.fullmatch(fields[4]):  # a whole line
            records.setdefault(fields[0], []).append(
                Record(fields[0], fields[1], int(fields[2]), 0, int(fields[4], 16))
            )
    return records


def write_journaled(out: Path, name: str, etag: str, data: bytes) -> tuple[Record, bool]:
    """`write_if_changed` for a file of the export under way, told to the journal first (`read_journal`),
    its temporary file in `.feeds/writing/PID/`: a kill at any moment leaves nothing the next export does not
    know of. The file's record as it is now (`record`), and whether it was written."""
    path, crc = out / name, zlib_ng.crc32(data)
    written = not _holds(path, data)
    if written:
        line = Record(name, etag, len(data), 0, crc).line() + "\n"
        descriptor = os.open(out / JOURNAL, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o666)
        try:
            os.write(descriptor, line.encode())  # one write of one line (O_APPEND): lines never interleave
        finally:
            os.close(descriptor)
        info = _replace_with(path, data, out / TEMPORARY / str(os.getpid()))
        return Record(name, etag, info.st_size, info.st_mtime_ns, crc), True  # a rename keeps the mtime
    return _as_now(out, name, etag, crc), False


def record(out: Path, name: str, etag: str, data: bytes) -> Record:
    """The record of the file `name` under `out`, which holds `data`, as it is now."""
    return _as_now(out, name, etag, zlib_ng.crc32(data))


def _as_now(out: Path, name: str, etag: str, crc: int) -> Record:
    info = (out / name).stat()
    return Record(name, etag, info.st_size, info.st_mtime_ns, crc)


def as_left(path: Path, kept: Record) -> bool:
    """Whether the file at `path` is as the export that recorded `kept` left it (size and mtime)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return False
    return info.st_size == kept.size and info.st_mtime_ns == kept.mtime_ns


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write `data` at `path` unless it holds those bytes already; whether it wrote. The bytes go to a
    temporary file first, then replace the file: a reader (nginx, a sync) never sees half a file."""
    if _holds(path, data):
        return False
    _replace_with(path, data, path.parent)
    return True


def _holds(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except FileNotFoundError:
        return False


def _replace_with(path: Path, data: bytes, folder: Path) -> os.stat_result:
    """Write `data` to a temporary file in `folder`, then put it at `path` (atomic on POSIX); the file's
    status as written. Folders are made only when missing (a mkdir per file cost as much as the write)."""
    temporary = folder / f".feeds-{os.getpid()}-{next(_WRITES)}.tmp"  # short: `path`'s name may be long
    try:
        info = _write_new(temporary, data)
    except FileNotFoundError:
        folder.mkdir(parents=True, exist_ok=True)
        info = _write_new(temporary, data)
    try:
        os.replace(temporary, path)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temporary, path)
    return info


def _write_new(path: Path, data: bytes) -> os.stat_result:
    """Write `data` to a new file at `path`, never through a link or into a file already there (one
    left by a crash, or planted: it is removed first, the link itself, not what it names); its status
    once written."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        descriptor = os.open(path, flags, 0o666)
    except FileExistsError:
        path.unlink()
        descriptor = os.open(path, flags, 0o666)
    with open(descriptor, "wb") as handle:
        handle.write(data)
        handle.flush()
        return os.fstat(descriptor)


def remove_unmade(
    out: Path, previous: dict[str, Record], made: set[str], journaled: dict[str, list[Record]] | None = None
) -> tuple[int, list[str]]:
    """Remove the files of the `previous` export in `out`, and those an export that did not end wrote
    (`journaled`: `read_journal`), that this one did not make (`made`), and the folders that leaves
    empty, nothing else: only a plain path inside `out` (`removable`) whose file still holds what an
    export wrote there (`as_written`, by any of its records). How many files were removed, and the
    names of those kept because they hold something else (edited since, or named in the manifest by
    hand): a person's file is never removed for a line in the manifest."""
    records = {name: [record] for name, record in previous.items()}
    for name, more in (journaled or {}).items():
        records.setdefault(name, []).extend(more)
    removed, kept = 0, []
    for name, known in records.items():
        if name not in made and removable(name):
            if not any(as_written(out / name, record) for record in known):
                if (out / name).exists():
                    kept.append(name)
                continue
            try:
                (out / name).unlink()
                removed += 1
            except FileNotFoundError:
                pass
            _remove_empty_folders(out, name)
    return removed, kept


def kept_text(out: Path, name: str) -> str:
    """What the export says of a file it no longer makes and did not remove (`remove_unmade`)."""
    return (
        f"{out / name}: kept: it no longer belongs to the site, but it does not hold what an export wrote"
        " there (edited since, or named in the manifest by hand); remove it if it should not be served"
    )


def as_written(path: Path, kept: Record) -> bool:
    """Whether the file at `path` holds what the export that recorded `kept` wrote there: its size and
    CRC-32 (whatever its mtime: copied, touched); with no CRC recorded (an older export), as that
    export left it (`as_left`); never for a line of another shape."""
    if kept.crc < 0:
        return kept.size >= 0 and as_left(path, kept)
    try:
        if path.stat().st_size != kept.size:
            return False
        return zlib_ng.crc32(path.read_bytes()) == kept.crc
    except OSError:
        return False


def removable(name: str) -> bool:
    """A manifest line names a file this export may remove: a plain path inside the output folder."""
    parts = name.split("/")
    return not name.startswith("/") and parts[0] != META and all(p not in ("", ".", "..") for p in parts)


def _remove_empty_folders(out: Path, name: str) -> None:
    """Remove the folders above `name` (a removed file) that it left empty, up to `out` itself."""
    folder = (out / name).parent
    while folder != out:
        try:
            folder.rmdir()
        except FileNotFoundError:
            pass
        except OSError:  # not empty: neither are the folders above it
            return
        folder = folder.parent
