"""What a scan of the content folder finds that differs from what was read (`Difference`): under one
path, in this process; or the whole folder again, by forked processes (`full_rescan`).

A full rescan of a loaded folder (a worker forked from a loaded master catching up, the periodic
rescan that catches what events missed) compares every file's signature with what is known. In this
process that would touch every file's state: CPython writes reference counts into the objects it
reads, so a worker forked from a loaded master would copy every page that holds one, and hold its
private copy of what it could have shared; and the comparison holds the GIL for seconds while the
worker's requests wait. Forked processes (`forks.in_forks`) each list every folder, look at a share
of the files (by the hash of their paths) and compare it with their copy of what is known, and hand
back only what differs: the cost here is what changed, not the corpus size.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .filestate import FileState, differs
from .forks import in_forks
from .model import Problem
from .scan import Share, Signature, in_share, scan

FORKED_MIN = 20_000  # files known before a full rescan is done by forked processes


@dataclass(slots=True)
class Difference:
    changed: dict[str, Signature | Problem] = field(default_factory=dict)  # new, or to read again
    vanished: list[str] = field(default_factory=list)  # known, not found, not under an `unlisted` folder
    unlisted: list[Problem] = field(default_factory=list)  # folders that could not be listed


def difference(files: Mapping[str, FileState], root: str, prefix: str) -> Difference:
    """What `scan(root, prefix)` finds that differs from `files` (by relative path): files new or
    changed (`filestate.differs`: a new signature, or a new reason it cannot be read), and files
    known at or under `prefix` that are gone, except under a folder that could not be listed."""
    found, unlisted = scan(root, prefix)
    if prefix in files or prefix in found:
        known: list[str] | set[str] = [prefix]  # one file: O(1), however many documents there are
    elif not prefix:  # everything: what is known and was not found, as one set operation
        known = files.keys() - found.keys()
    else:  # a folder (created, moved or deleted): look through what we know
        known = [r for r in files if r.startswith(prefix + "/")]
    return _difference(files, found, unlisted, known)


def full_rescan(files: Mapping[str, FileState], root: str, processes: int) -> Difference:
    """`difference(files, root, "")`: for `FORKED_MIN` files or more, worked out by `processes` forked
    processes, each looking at its share of the files (`scan.in_share`); here when they cannot."""
    if len(files) >= FORKED_MIN:
        shares = max(1, processes)
        parts = in_forks(lambda k: _share_difference(files, root, (k, shares)), shares)
        if parts is not None:
            whole = Difference()
            for part in parts:
                whole.changed.update(part.changed)
                whole.vanished.extend(part.vanished)
            unlisted = {p.path: p for part in parts for p in part.unlisted}  # each fork lists every folder
            whole.unlisted.extend(unlisted.values())
            return whole
    return difference(files, root, "")


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
