"""The content folder on disk: which `*.md` files are there, their signatures, their bytes.

The only file I/O of the core, confined to the content root: symlinked folders are not followed, a
link to outside the root is not read, a FIFO named `*.md` never hangs a reader.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from .errors import ConfigError, DocumentError, TooLargeError
from .model import Problem

Share = tuple[int, int]  # (k, n): the k-th of n shares of the files (`in_share`)
# size, ctime in ns, inode: a file whose signature is unchanged is not read. The ctime, not the mtime:
# any write or change of the file sets it, and no tool can set it back (`touch -r` and `cp -p` of an
# edit made elsewhere put the mtime back, and a same-size edit would go unseen). The inode is negative for
# a linked file (a symbolic link, or a name of a file with other hard links): an edit made through
# another name changes it without an event for this one (`linked`)
# On a file system that keeps no change time (`CHANGELESS`), the middle field is a 60-bit hash of the
# file's bytes instead (`content_hash`): there a copy that puts the mtime back puts the ctime back.
Signature = tuple[int, int, int]
UNREADABLE: Signature = (-1, -1, -1)
DEFAULT_MAX_BYTES = 1024 * 1024  # FEEDS_MAX_DOCUMENT_BYTES: larger files are rejected
# File systems whose ctime is not known to be a change time: FAT's and exFAT's is the mtime (or the
# creation time), set back with it; a FUSE file system's is whatever it says (exfat-fuse, ntfs-3g, and
# bindfs or mergerfs over exFAT pass exFAT's through). Fail closed: every look hashes their files.
CHANGELESS = frozenset({"vfat", "msdos", "exfat", "fuseblk", "fuse"})


def prefixes(root: str, paths: Iterable[str]) -> list[str]:
    """Changed absolute paths as root-relative prefixes to rescan, outermost only; '' is the root."""
    prefixes: set[str] = set()
    for path in paths:
        rel = os.path.relpath(os.path.abspath(path), root).replace(os.sep, "/")
        if rel == "." or rel.startswith("../") or rel == "..":
            return [""]
        prefixes.add(rel)
    ordered = sorted(prefixes)
    kept: list[str] = []
    for rel in ordered:
        if not any(rel.startswith(k + "/") for k in kept):
            kept.append(rel)
    return kept


def scan(
    root: str, prefix: str, share: Share | None = None
) -> tuple[dict[str, Signature | Problem], list[Problem]]:
    """Signatures of `*.md` files at or under `prefix` (symlinked folders are not followed), and the
    folders that could not be listed (`Problem(path, "folder", reason)`): files under those are not
    known to be gone. Nothing found and no problem: `prefix` is not there (deleted or moved away).
    With a `share` (k, n), only the files `in_share` k of n: every folder is still listed (and each
    one that cannot be is reported), but only those files are looked at."""
    found: dict[str, Signature | Problem] = {}
    problems: list[Problem] = []
    start = os.path.join(root, prefix) if prefix else root
    try:
        info = os.stat(start, follow_symlinks=False)
    except (FileNotFoundError, NotADirectoryError):
        return found, problems  # vanished: everything known under it is dropped
    except OSError as exc:  # a folder above it cannot be searched: what is known under it stays
        folder = os.path.dirname(prefix) or "."
        return found, [Problem(folder, "folder", f"cannot be read: {exc.strerror or type(exc).__name__}")]
    if stat.S_ISDIR(info.st_mode):
        for rel, result in _walk(root, start, share):
            if isinstance(result, Problem) and result.field == "folder":
                problems.append(result)
            else:
                found[rel] = result
    elif is_document_name(prefix.rpartition("/")[2]) and (share is None or in_share(prefix, share)):
        found[prefix] = signature(root, prefix)
    return found, problems


LOCK_PREFIX = ".#"  # Emacs's lock files (`.#story.md`): a link to `user@host.pid:boot`, never a document


def is_document_name(name: str) -> bool:
    """Whether a file named `name` may be a document: `*.md`, not an editor's lock file (`.#story.md`,
    a dangling link Emacs makes while a file is edited: read as a document, it could not be read, and
    the export would refuse to run for as long as the file is open)."""
    return name.endswith(".md") and not name.startswith(LOCK_PREFIX)


def in_share(rel: str, share: Share) -> bool:
    """Whether the file at `rel` is in share k of n (by the hash of its path: the same in every fork of
    one process, and about as many files in each)."""
    return hash(rel) % share[1] == share[0]


def _walk(root: str, start: str, share: Share | None) -> Iterator[tuple[str, Signature | Problem]]:
    prefix = os.path.relpath(start, root).replace(os.sep, "/")
    stack = [("" if prefix == "." else prefix + "/", start)]
    changeless: dict[int, bool] = {}  # by device: a folder may be a mount point of another kind
    while stack:
        rel_folder, folder = stack.pop()
        try:  # not followed if it became a link since it was listed: the walk stays under the root
            fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        except OSError as exc:
            rel = rel_folder.rstrip("/") or "."
            yield rel, Problem(rel, "folder", f"cannot be read: {exc.strerror or type(exc).__name__}")
            continue
        try:
            dev = os.fstat(fd).st_dev
            if (hashed := changeless.get(dev)) is None:
                hashed = changeless[dev] = keeps_no_change_time(dev)
            yield from _folder(root, rel_folder, folder, fd, stack, share, hashed)
        finally:
            os.close(fd)


def _folder(
    root: str,
    rel_folder: str,
    folder: str,
    fd: int,
    stack: list[tuple[str, str]],
    share: Share | None,
    hashed: bool,
) -> Iterator[tuple[str, Signature | Problem]]:
    """One folder's `*.md` files, by the folder's descriptor: a file's `stat` resolves one name, not
    its whole path again (a third less time at a million files); its sub-folders go on `stack`.
    `hashed`: the folder's file system keeps no change time (`content_hash` for the ctime)."""
    try:
        with os.scandir(fd) as listing:
            entries = list(listing)
    except OSError as exc:
        rel = rel_folder.rstrip("/") or "."
        yield rel, Problem(rel, "folder", f"cannot be read: {exc.strerror or type(exc).__name__}")
        return
    for entry in entries:
        name = entry.name
        if entry.is_dir(follow_symlinks=False):
            stack.append((rel_folder + name + "/", os.path.join(folder, name)))
        elif name.endswith(".md") and not name.startswith(LOCK_PREFIX):  # `is_document_name`, inline
            rel = rel_folder + name
            if share is not None and hash(rel) % share[1] != share[0]:  # `in_share`, without a call
                continue
            if entry.is_symlink():  # may point anywhere: the careful way
                yield rel, signature(root, rel)
                continue
            try:
                info = os.stat(name, dir_fd=fd, follow_symlinks=False)
            except OSError as exc:  # gone between listing and stat
                yield rel, Problem(rel, "file", f"cannot be read: {exc.strerror or type(exc).__name__}")
                continue
            inode = info.st_ino if info.st_nlink < 2 else -info.st_ino
            if hashed:
                yield rel, (info.st_size, content_hash(name, fd), inode)
            else:
                yield rel, (info.st_size, info.st_ctime_ns, inode)


def signature(root: str, rel: str) -> Signature | Problem:
    """The signature of the file at `rel` (a link followed, within the root), or why it cannot be read."""
    full = os.path.join(root, rel)
    try:
        real = os.path.realpath(full)
        if os.path.commonpath([root, real]) != root:
            return Problem(rel, "file", "a link to outside the content directory; not read")
        info = os.stat(full)
        link = os.path.islink(full)
    except OSError as exc:  # a dangling link, a link loop, a file gone between listing and stat
        return Problem(rel, "file", f"cannot be read: {exc.strerror or type(exc).__name__}")
    except ValueError:  # commonpath across drives
        return Problem(rel, "file", "a link to outside the content directory; not read")
    inode = -info.st_ino if link or info.st_nlink > 1 else info.st_ino
    changed = content_hash(full) if keeps_no_change_time(info.st_dev) else info.st_ctime_ns
    return (info.st_size, changed, inode)


def keeps_no_change_time(dev: int) -> bool:
    """Whether the file system on device `dev` (`st_dev`) is one of `CHANGELESS`, by the mount table
    (`/proc/self/mountinfo`; a type's subtype after a dot ignored). False where it cannot be read."""
    wanted = f"{os.major(dev)}:{os.minor(dev)}"
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as table:
            for line in table:  # ID PARENT MAJOR:MINOR ROOT POINT OPTIONS [TAGS] - TYPE SOURCE OPTIONS
                fields = line.split()
                if len(fields) > 2 and fields[2] == wanted and "-" in fields:
                    kind = fields[fields.index("-") + 1 :][:1] or [""]  # after the separator, if any
                    return kind[0].partition(".")[0] in CHANGELESS
    except OSError:
        pass
    return False


def content_hash(path: str, dir_fd: int | None = None) -> int:
    """A 60-bit hash (BLAKE2b) of the file's first `LOOK_BYTES` bytes, for a signature on a file system
    that keeps no change time; -1 when it cannot be read. Below 2**60 ns (2006): never within a clock's
    tick of a read (`racy`), so it is taken as settled. A FIFO is not waited for (`O_NONBLOCK`); by a
    folder's descriptor (`dir_fd`), a link put there since it was listed is not followed."""
    try:
        nofollow = os.O_NOFOLLOW if dir_fd is not None else 0
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | nofollow, dir_fd=dir_fd)
    except OSError:
        return -1
    try:
        digest, size = hashlib.blake2b(digest_size=8), 0
        while size < LOOK_BYTES and (chunk := os.read(fd, 1 << 20)):
            digest.update(chunk)
            size += len(chunk)
    except OSError:
        return -1
    finally:
        os.close(fd)
    return int.from_bytes(digest.digest(), "big") >> 4


def in_flux(root: str, rel: str, seconds: float) -> bool:
    """Whether the file at `rel` was written less than `seconds` ago (its mtime; a link's own): it may
    be half-written. Not the ctime of its signature, which also moves when a writer sets the mtime
    back on purpose (a copy that keeps it). False when it cannot be looked at."""
    try:
        written = os.stat(os.path.join(root, rel), follow_symlinks=False).st_mtime_ns
    except OSError:
        return False
    return time.time_ns() - written < seconds * 1e9


def linked(signature: Signature) -> bool:
    """Whether a file is reached by another name too (a symbolic link, or a file with hard links): an
    edit made through that name gives no event for this one, so it is looked at on every refresh."""
    return signature[2] < 0 and signature != UNREADABLE


LOOK_BYTES = 16 << 20  # how much of a file over the limit is read to look for an unpublishing key


def read_bytes(path: str | os.PathLike[str], max_bytes: int) -> bytes:
    """A regular file's bytes, read to its end; `DocumentError` (field `file`) for anything else,
    `TooLargeError` for more than `max_bytes` (with its bytes, up to `LOOK_BYTES` or the limit if more:
    what it says of publishing is looked for in all of them), `OSError` when it cannot be opened or
    read."""
    # O_NONBLOCK: a FIFO named *.md must not hang the reader; regular files ignore the flag.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise DocumentError("", "file", "not a regular file")
        # Asking for the size it has, not the limit: a buffer of the limit's size costs more than
        # the read. A file that grew since is read on, to one byte past the limit.
        chunks: list[bytes] = []
        size, want = 0, min(info.st_size, max_bytes) + 1
        while size <= max_bytes:
            chunk = os.read(fd, want - size if size < want else max_bytes + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        complete = size <= max_bytes
        while not complete and size < max(LOOK_BYTES, 2 * max_bytes):  # read on, to look through it
            chunk = os.read(fd, 1 << 20)
            chunks.append(chunk)
            size += len(chunk)
            complete = not chunk
    finally:
        os.close(fd)
    if size > max_bytes:
        reason = f"larger than the {max_bytes}-byte limit (FEEDS_MAX_DOCUMENT_BYTES)"
        raise TooLargeError("", "file", reason, b"".join(chunks), complete)
    return b"".join(chunks)


def content_dir_problem(path: Path) -> str | None:
    """Why `path` cannot be read as a content folder ("does not exist", "is not a folder",
    "cannot be read (Permission denied)"), or None when it is a folder whose entries can be listed
    and looked at. It tries, rather than trusting mode bits: root, ACLs and mounts decide too."""
    try:
        if not stat.S_ISDIR(os.stat(path).st_mode):
            return "is not a folder"
        with os.scandir(path) as entries:
            first = next(entries, None)
        if first is not None:
            os.lstat(first.path)  # needs search (x) permission on the folder, not only read
    except FileNotFoundError as exc:
        if exc.filename is None or os.fspath(exc.filename) == os.fspath(path):
            return "does not exist"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or type(exc).__name__})"
    return None


def require_content_dir(path: Path, source: str = "FEEDS_CONTENT_DIR") -> None:
    """`ConfigError` naming the folder (absolute), the reason and where the path came from, when
    `content_dir_problem` finds one."""
    problem = content_dir_problem(path)
    if problem is not None:
        raise ConfigError(f"content folder {os.path.abspath(path)} {problem} ({source})")
