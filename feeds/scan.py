"""The content folder on disk: which `*.md` files are there, their signatures, their bytes.

The only file I/O of the core, confined to the content root: symlinked folders are not followed, a
link to outside the root is not read, a FIFO named `*.md` never hangs a reader.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from .errors import DocumentError

Signature = tuple[int, int, int]  # size, mtime in ns, inode: a file whose signature is unchanged is not read
UNREADABLE: Signature = (-1, -1, -1)


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


def scan(root: str, prefix: str) -> tuple[dict[str, Signature | DocumentError], list[DocumentError]]:
    """Signatures of `*.md` files at or under `prefix`; symlinked folders are not followed."""
    found: dict[str, Signature | DocumentError] = {}
    problems: list[DocumentError] = []
    start = os.path.join(root, prefix) if prefix else root
    try:
        info = os.stat(start, follow_symlinks=False)
    except OSError:
        return found, problems  # vanished: everything known under it is dropped
    if stat.S_ISDIR(info.st_mode):
        for rel, result in _walk(root, start):
            if isinstance(result, DocumentError) and result.field == "folder":
                problems.append(result)
            else:
                found[rel] = result
    elif prefix.endswith(".md"):
        found[prefix] = signature(root, prefix)
    return found, problems


def _walk(root: str, start: str) -> Iterator[tuple[str, Signature | DocumentError]]:
    prefix = os.path.relpath(start, root).replace(os.sep, "/")
    stack = [("" if prefix == "." else prefix + "/", start)]
    while stack:
        rel_folder, folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as exc:
            rel = rel_folder.rstrip("/") or "."
            yield rel, DocumentError(rel, "folder", f"cannot be read: {exc.strerror or type(exc).__name__}")
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                stack.append((rel_folder + entry.name + "/", entry.path))
            elif entry.name.endswith(".md"):
                rel = rel_folder + entry.name
                if entry.is_symlink():  # may point anywhere: the careful way
                    yield rel, signature(root, rel)
                    continue
                try:
                    info = entry.stat(follow_symlinks=False)
                except OSError as exc:  # gone between listing and stat
                    reason = f"cannot be read: {exc.strerror or type(exc).__name__}"
                    yield rel, DocumentError(rel, "file", reason)
                    continue
                yield rel, (info.st_size, info.st_mtime_ns, info.st_ino)


def signature(root: str, rel: str) -> Signature | DocumentError:
    full = os.path.join(root, rel)
    try:
        real = os.path.realpath(full)
        if os.path.commonpath([root, real]) != root:
            return DocumentError(rel, "file", "a link to outside the content directory; not read")
        info = os.stat(full)
    except OSError as exc:  # a dangling link, a link loop, a file gone between listing and stat
        return DocumentError(rel, "file", f"cannot be read: {exc.strerror or type(exc).__name__}")
    except ValueError:  # commonpath across drives
        return DocumentError(rel, "file", "a link to outside the content directory; not read")
    return (info.st_size, info.st_mtime_ns, info.st_ino)


def read_bytes(path: Path, max_bytes: int) -> bytes:
    # O_NONBLOCK: a FIFO named *.md must not hang the reader; regular files ignore the flag.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise DocumentError("", "file", "not a regular file")
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise DocumentError("", "file", f"larger than the {max_bytes}-byte limit (FEEDS_MAX_DOCUMENT_BYTES)")
    return data
