"""What a scan of the content folder finds that differs from what was read (`Difference`): under one
path, in this process; or the whole folder again, by forked processes (`full_rescan`).

A full rescan of a loaded folder (a worker forked from a loaded master catching up, the periodic
rescan that catches what events missed) compares every file's signature with what is known. In this
process that would touch every file's state: CPython writes reference counts into the objects it
reads, so a worker forked from a loaded master would copy every page that holds one, and hold its
private copy of what it could have shared; and the comparison holds the GIL for seconds while the
worker's requests wait. Forked processes (`forks.in_forks`) each scan whole folders of the tree (or,
in a tree too shallow to share out that way, a share of the files by the hash of their paths), compare
what they find with their copy of what is known, and hand back only what differs: the cost here is
what changed, not the corpus size.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .filestate import FileState, differs
from .forks import in_forks
from .model import Problem
from .scan import Share, Signature, in_share, is_document_name, scan

FORKED_MIN = 20_000  # files known before a full rescan is done by forked processes
FOLDERS_PER_FORK = 4  # folders of one level of the tree, per fork, before forks take whole folders


@dataclass(slots=True)
class Difference:
    changed: dict[str, Signature | Problem] = field(default_factory=dict)  # new, or to read again
    vanished: list[str] = field(default_factory=list)  # known, not found, not under an `unlisted` folder
    unlisted: list[Problem] = field(default_factory=list)  # folders that could not be listed


def left_nothing(known: Iterable[str], found: list[tuple[str, Difference]]) -> bool:
    """Whether a look that `found` these differences (each prefix with its `Difference`) leaves none
    of the `known` files (relative paths), and found no other file nor a folder it could not list."""
    if any(diff.changed or diff.unlisted for _, diff in found):
        return False
    return {rel for _, diff in found for rel in diff.vanished}.issuperset(known)


def difference(files: Mapping[str, FileState], root: str, prefix: str, told: bool = False) -> Difference:
    """What `scan(root, prefix)` finds that differs from `files` (by relative path): files new or
    changed (`filestate.differs`: a new signature, or a new reason it cannot be read), and files
    known at or under `prefix` that are gone, except under a folder that could not be listed.
    `told`: a watcher said the file at `prefix` was written; it is read whatever its signature (a
    write through a shared mapping moves no ctime after the page's first; a file system that keeps
    no change time, FAT and exFAT, lets a copy put the ctime back with the mtime)."""
    found, unlisted = scan(root, prefix)
    if told and isinstance(now := found.get(prefix), tuple) and prefix in files:
        return Difference({prefix: now}, [], unlisted)
    if prefix in files or prefix in found:
        known: list[str] | set[str] = [prefix]  # one file: O(1), however many documents there are
    elif not prefix:  # everything: what is known and was not found, as one set operation
        known = files.keys() - found.keys()
    else:  # a folder (created, moved or deleted): look through what we know
        known = [r for r in files if r.startswith(prefix + "/")]
    return _difference(files, found, unlisted, known)


def full_rescan(files: Mapping[str, FileState], root: str, processes: int) -> Difference:
    """`difference(files, root, "")`: for `FORKED_MIN` files or more, worked out by `processes` forked
    processes; here when they cannot. Each fork takes whole folders of the first level of the tree
    that has `FOLDERS_PER_FORK` folders a fork or more (`_split`: every folder listed once), or where
    there is none, a share of the files (`scan.in_share`: every fork lists every folder)."""
    if len(files) < FORKED_MIN:
        return difference(files, root, "")
    shares = max(1, processes)
    split = _split(root, shares * FOLDERS_PER_FORK) if shares > 1 else None
    if split is not None:
        parts = in_forks(lambda k: _split_difference(files, root, split, (k, shares)), shares)
    else:
        parts = in_forks(lambda k: _share_difference(files, root, (k, shares)), shares)
    if parts is None:
        return difference(files, root, "")
    whole = Difference()
    for part in parts:
        whole.changed.update(part.changed)
        whole.vanished.extend(part.vanished)
    unlisted = {p.path: p for part in parts for p in part.unlisted}  # forks may list the same folder
    whole.unlisted.extend(unlisted.values())
    return whole


@dataclass(frozen=True, slots=True)
class _Split:
    folders: list[str]  # every folder at `depth` (relative paths, sorted): each handed out whole
    files: list[str]  # the `*.md` entries of the folders above them
    depth: int  # how many parts the folders' paths have


def _split(root: str, wanted: int) -> _Split | None:
    """The first level of the tree with `wanted` folders or more, listed level by level as the scan
    lists (links to folders not followed); None when the tree has no such level, or a folder above it
    cannot be listed: then the forks share files, and the scan reports that folder."""
    level, files, depth = [""], [], 0
    while len(level) < wanted:
        below: list[str] = []
        for folder in level:
            try:
                fd = os.open(os.path.join(root, folder), os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
            except OSError:
                return None
            try:
                with os.scandir(fd) as listing:
                    for entry in listing:
                        rel = f"{folder}/{entry.name}" if folder else entry.name
                        if entry.is_dir(follow_symlinks=False):
                            below.append(rel)
                        elif is_document_name(entry.name):
                            files.append(rel)
            except OSError:
                return None
            finally:
                os.close(fd)
        if not below:
            return None
        level, depth = below, depth + 1
    return _Split(sorted(level), files, depth)


def _split_difference(files: Mapping[str, FileState], root: str, split: _Split, share: Share) -> Difference:
    """One fork's part of a `_split` rescan: its folders (every `share[1]`-th), and for the first fork
    the files above them; what is known is each fork's by the folder it is under (the first's if none)."""
    k, shares = share
    found: dict[str, Signature | Problem] = {}
    unlisted: list[Problem] = []
    for folder in split.folders[k::shares]:
        part, problems = scan(root, folder)
        found.update(part)
        unlisted.extend(problems)
    if k == 0:
        for rel in split.files:
            found.update(scan(root, rel)[0])
    owner = {folder: n % shares for n, folder in enumerate(split.folders)}
    depth = split.depth
    known = [r for r in files if owner.get("/".join(r.split("/", depth)[:depth]), 0) == k and r not in found]
    return _difference(files, found, unlisted, known)


def _share_difference(files: Mapping[str, FileState], root: str, share: Share) -> Difference:
    found, unlisted = scan(root, "", share)
    known = [r for r in files if in_share(r, share) and r not in found]
    return _difference(files, found, unlisted, known)


def _difference(
    files: Mapping[str, FileState],
    found: dict[str, Signature | Problem],
    unlisted: list[Problem],
    known: list[str] | set[str],
) -> Difference:
    changed = {  # the usual case (the same signature) without a call per file
        r: now
        for r, now in found.items()
        if (s := files.get(r)) is None or (s.signature != now and differs(s, now))
    }
    vanished = [
        rel
        for rel in known
        if rel not in found and rel in files and not any(under(rel, p.path) for p in unlisted)
    ]
    return Difference(changed, vanished, unlisted)


def under(rel: str, folder: str) -> bool:
    """`rel` is `folder` or under it ('' and '.' are the root)."""
    return folder in ("", ".") or rel == folder or rel.startswith(folder + "/")


def problem_lines(problems: tuple[Problem, ...], files: Mapping[str, FileState]) -> list[str]:
    """What `/healthz` says of each problem, one line each, naming folders, never documents:
    `content directory: REASON` or `folder PATH: REASON; N documents serve as last read` (counting
    takes O(n) while a folder cannot be listed, O(1) otherwise)."""
    lines = [f"{p.field}: {p.reason}" for p in problems if p.field != "folder"]
    for problem in (p for p in problems if p.field == "folder"):
        kept = sum(1 for rel, s in list(files.items()) if s.served and under(rel, problem.path))
        lines.append(f"folder {problem.path}: {problem.reason}; {kept} documents serve as last read")
    return lines
