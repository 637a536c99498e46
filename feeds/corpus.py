"""Reading the content directory: the only file I/O of the core, confined to the content root.

`ContentDir` remembers what it read per file (with the file's size, ctime and inode), so a refresh
re-reads only files that changed: picking up one edit costs one parse, at 100 documents or 100,000.
A document that was valid and then breaks (bad YAML, a removed field, a truncated or emptied file)
keeps serving its last good version, reported as stale, until it is fixed or deleted.

Only a file gone from a folder that can be listed is deleted. Documents under a folder that cannot be
listed (permissions, a failing mount) keep serving as they were, and a content root that is gone,
moved away, replaced by a file or unreadable keeps the whole corpus serving (`last_good_from_cache`: the
parse cache's) as a problem, until it is back; then it is read in full (another folder: a new corpus).
A folder renamed or deleted inside a readable root is the author's act: its documents are gone,
unless the root goes within seconds (`deletionrun`: `rm -rf` of the root, looked at midway).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from . import racy
from .bulkread import Progress, read_document, read_many
from .deletionrun import DeletionRun
from .filestate import FileState, fallback_states, not_a_document, served_content, settle
from .model import ROOT_FIELD, Article, PathContent, Problem
from .parse import Reading, Rejected
from .parsecache import ParseCache
from .remembered import Remembered
from .rescan import Difference, difference, full_rescan, left_nothing, problem_lines, under
from .scan import DEFAULT_MAX_BYTES, UNREADABLE, Signature, content_dir_problem, in_flux, linked, prefixes
from .scan import signature as signature_of
from .snapshot import Corpus, snapshot
from .watch import Identity, folder_identity

IN_FLUX_SECONDS = 0.5  # a file written this recently that fails to read may be half-written: read again
EMPTIED = "holds no file where documents were (unmounted? emptied by a sync?)"


class ContentDir:
    """The documents under one root, read incrementally. Thread-safe: one refresh at a time."""

    def __init__(
        self,
        root: str | os.PathLike[str],
        tz: dt.tzinfo = dt.UTC,
        max_bytes: int = DEFAULT_MAX_BYTES,
        *,
        cache: ParseCache | None = None,
        processes: int = 1,
        progress: Progress | None = None,
        lean: bool = False,
    ) -> None:
        self.root = Path(root)
        self.lean = lean  # read documents that are not shown only as far as the index needs (`parse`)
        self.tz, self.max_bytes = tz, max_bytes
        self.cache = cache  # parsed documents kept between restarts (`parsecache`)
        self.processes = processes  # reading many files at once (a cold start) uses this many
        self.progress = progress
        self.last_good_from_cache = False  # a root unusable at the first read: serve the parse cache
        self.serving_cache = False  # serving what the parse cache held, not what was read: record none of it
        self.read_from_disk = 0  # files parsed, as opposed to taken from the cache (for tests and benchmarks)
        self.remembered = Remembered(cache)  # the cache, and what was read since it was written
        self._scanned = False  # a full scan has been made (the parse cache is consulted before it)
        self._files: dict[str, FileState] = {}
        self._problems: tuple[Problem, ...] = ()
        self._folders: dict[str, Problem] = {}  # folders under the root that cannot be listed, by path
        self._links: set[str] = set()  # files reached by another name too (`scan.linked`), by path
        self._root: Identity | None = None  # the root folder last read, while it can be read
        self._lock = threading.Lock()
        self.rejected: dict[str, Rejected] = {}  # these two kept file by file: reporting costs no O(n)
        self.stale: dict[str, tuple[Article, Rejected]] = {}
        # _new_link: a file found linked (`ln a.md b.md` made after the last full scan): the other
        # name, with the same inode, is linked too, but no event said so; a full scan finds it
        self._touched, self._flux_deadline, self._new_link = False, 0.0, False
        self.deletions = DeletionRun()  # given back if the root goes right after them (`rm -rf` of it)
        # A full rescan of a large folder by forked processes (`rescan.full_rescan`); off in a process
        # that serves nothing and whose forks cost (a gunicorn master: `feeds.gunicorn_conf`)
        self.fork_rescans = True

    @property
    def problems(self) -> tuple[Problem, ...]:
        return self._problems

    def problem_lines(self) -> list[str]:
        """What `/healthz` says of each problem (`rescan.problem_lines`)."""
        return problem_lines(self._problems, self._files)

    def __len__(self) -> int:  # files read: documents, rejected files and other *.md files
        return len(self._files)

    def refresh(self, paths: Iterable[str] | None = None) -> dict[str, PathContent] | None:
        """Read what changed: everything (`paths=None`), or the given absolute paths and folders
        (folders that could not be listed are looked at again each time; `[]` looks only at those and
        at the root).

        Returns what is now at each path whose served state changed (empty when only reports
        changed, e.g. a document broke and its last good version still serves), or None when no file
        changed at all.
        """
        with self.first_read(paths), self._lock:  # `first_read` first: in the order the service takes them
            return self._refresh(paths)

    def first_read(self, paths: Iterable[str] | None = None) -> contextlib.AbstractContextManager[None]:
        """To hold around the first full read (`refresh(None)`) and whatever the caller records of it
        (the memory of what was published): the parse cache's lock (`ParseCache.exclusive`), so a
        process starting beside this one waits, then finds the cache and that record both written."""
        if self._scanned or paths is not None or self.cache is None:
            return contextlib.nullcontext()
        return self.cache.exclusive()

    def _refresh(self, paths: Iterable[str] | None) -> dict[str, PathContent] | None:
        root = os.path.realpath(self.root)
        started = self.deletions.clock()
        changes: dict[str, PathContent] = {}
        self._touched = False
        self._flux_deadline = time.monotonic() + IN_FLUX_SECONDS
        why = content_dir_problem(Path(root))
        identity = folder_identity(root) if why is None else None
        if identity is None:  # moved away, deleted, unmounted, unreadable: no author deleted documents
            problems = self._unusable(why or "does not exist", changes, self.last_good_from_cache)
        else:
            new_root = identity != self._root
            if new_root:  # back, or another folder at that path: read it all
                paths, self._root = None, identity
            listed = self._folders  # folders that could not be listed are looked at on every refresh
            again = [*listed, *self._links]  # and so are linked files: edited through another name
            wanted = None if paths is None else [*paths, *(os.path.join(root, f) for f in again)]
            told = set() if paths is None else set(prefixes(root, paths))  # read whatever their signature
            looks = [""] if wanted is None else prefixes(root, wanted)
            found = [(p, self._difference(root, p, p in told)) for p in looks]
            cached = paths is None and not self._scanned  # the parse cache: on the first full scan
            if left_nothing(self._files, found) and (  # an unmounted volume, a sync from an empty source
                self._files or (cached and self.cache is not None and self.cache.load_any()[0])  # had some
            ):
                return self._returned(changes, self._unusable(EMPTIED, changes, cached))
            for prefix, diff in found:
                self._apply(root, diff, prefix, changes, cached)
            if wanted is not None and self._new_link:  # its other names are known only to a full scan
                self._apply(root, self._difference(root, ""), "", changes, False)
            self._new_link = False
            if new_root:
                self.serving_cache = False
                self.deletions.end()  # a corpus read anew: what it lacks of the last one is not given back
            self.deletions.looked(started)
            if paths is None:
                self._scanned = True
                self.remembered.scanned(self._files)
            self.remembered.flush()
            problems = tuple(self._folders[f] for f in sorted(self._folders))
        return self._returned(changes, problems)

    def _returned(
        self, changes: dict[str, PathContent], problems: tuple[Problem, ...]
    ) -> dict[str, PathContent] | None:
        problems_changed = [str(p) for p in problems] != [str(p) for p in self._problems]
        self._problems = problems
        return changes if self._touched or problems_changed else None

    def _unusable(
        self, reason: str, changes: dict[str, PathContent], from_cache: bool
    ) -> tuple[Problem, ...]:
        """The root cannot be used (gone, unreadable, emptied): what it served keeps serving, with a
        deletion run that led up to it given back (`deletionrun`); a process that holds nothing of it
        serves the parse cache's corpus, if `from_cache`. The root is read in full once usable."""
        self._root = None
        for rel, state in self.deletions.give_back().items():
            if rel not in self._files:
                self._store(rel, state, changes)
        if from_cache and self.cache is not None and not (self._scanned or self._files):
            recent = self.cache.load_recent(any_stamp=True)  # what any process recorded since: fail closed
            for rel, state in fallback_states(self.cache.load(), recent).items():
                self._store(rel, state, changes)
            self.serving_cache = True
        self.remembered.flush()  # what it gave back serves: so it does for a worker started meanwhile
        return (Problem(".", ROOT_FIELD, f"{reason}; serving the last good corpus"),)

    def _difference(self, root: str, prefix: str, told: bool = False) -> Difference:
        """What changed under `prefix` (`told`: a watcher named it); once loaded, all: `full_rescan`."""
        if not prefix and self._scanned and self.fork_rescans:
            return full_rescan(self._files, root, self.processes)
        return difference(self._files, root, prefix, told)

    def _bulk_read(
        self, root: str, changed: dict[str, Signature | Problem], use_cache: bool
    ) -> tuple[dict[str, Reading], dict[str, FileState], int]:
        """Reads of the `changed` files, taken from the parse cache when it has them, and made by
        several processes when there are many (a cold start); what the cache says they served
        before (`Remembered.reads`); and the time the reads from disk began (`racy.wait_out`)."""
        wanted = {rel: sig for rel, sig in changed.items() if not isinstance(sig, Problem)}
        reads, earlier = self.remembered.reads(wanted) if use_cache else ({}, {})
        if len(wanted) < 2:
            return {}, earlier, racy.wait_out(wanted.values())
        missing = [rel for rel in wanted if rel not in reads]
        read_from = racy.wait_out(wanted[rel] for rel in missing)
        self.read_from_disk += len(missing)
        self.remembered.read(len(missing))
        reads.update(
            read_many(Path(root), missing, self.tz, self.max_bytes, self.processes, self.progress, self.lean)
        )
        return reads, earlier, read_from

    def _apply(
        self, root: str, diff: Difference, prefix: str, changes: dict[str, PathContent], use_cache: bool
    ) -> None:
        """Re-read the files `diff` says changed under `prefix` ('' is everything; from the parse cache
        if `use_cache`), and drop those it says vanished."""
        reads, earlier, read_from = self._bulk_read(root, diff.changed, use_cache)
        for folder in [f for f in self._folders if under(f, prefix)]:
            del self._folders[folder]
        self._folders.update((p.path, p) for p in diff.unlisted)
        for rel, signature in diff.changed.items():
            current = self._files.get(rel) or earlier.get(rel)
            if isinstance(signature, Problem):
                read, signature = Reading(rejected=Rejected(signature)), UNREADABLE
            else:
                read = reads.get(rel) or read_document(Path(root), rel, self.tz, self.max_bytes, self.lean)
                if rel not in reads:  # one file read by itself: it counts towards the next cache write
                    self.remembered.read()
                if read.article is None and (current is None or current.served is None):
                    signature, read = self._settled_read(root, rel, signature, read)
                if read.rejected is not None and read.rejected.unread:
                    signature = UNREADABLE  # no signature matches: read again at every look (`differs`)
                elif signature[1] > read_from - racy.LONGEST_NS:  # may share a tick with an edit since
                    signature = racy.kept(signature, read_from)
            self._store(rel, settle(signature, read, current), changes)
        for rel in diff.vanished:
            self._store(rel, None, changes)

    def _store(self, rel: str, state: FileState | None, changes: dict[str, PathContent]) -> None:
        self._touched = True
        old = self._files.pop(rel, None)
        if state is None and old is not None:
            self.deletions.deleted(rel, old)
        else:
            self.deletions.written(rel)
        self.rejected.pop(rel, None)
        self.stale.pop(rel, None)
        was_linked = rel in self._links
        self._links.discard(rel)
        self.remembered.served(rel, state)
        if state is not None:
            if linked(state.signature):
                self._new_link = self._new_link or not was_linked
                self._links.add(rel)
            if state.served is not None and state.served.path == rel:
                rel = state.served.path  # one copy of the path, not the scan's and the article's
            self._files[rel] = state
            problem = state.read.rejected
            if state.stale:
                self.stale[rel] = (state.served, problem or not_a_document(rel))  # type: ignore[assignment]
            elif state.served is None and problem is not None:
                self.rejected[rel] = problem
        now_there, before = served_content(state), served_content(old)
        if now_there is not before and now_there != before:
            changes[rel] = now_there

    def _settled_read(
        self, root: str, rel: str, signature: Signature, read: Reading
    ) -> tuple[Signature, Reading]:
        """A file with no good version yet that fails to read while it was written a moment ago is
        probably still being written (a worker starting mid-save has no last good version to fall
        back on): read it again a few times before calling it broken."""
        while in_flux(root, rel, IN_FLUX_SECONDS) and time.monotonic() < self._flux_deadline:
            time.sleep(0.02)
            now = signature_of(root, rel)
            if isinstance(now, Problem):
                break
            signature, read = now, read_document(Path(root), rel, self.tz, self.max_bytes, self.lean)
            if read.article is not None:
                break
        return signature, read

    def settle_deletions(self) -> None:
        """The deletions read last were a burst that ended (the watcher says): they stand
        (`deletionrun`). Takes no lock (settling is one assignment): the watcher's thread calls it
        outside the service's refresh, and a fork must never catch this process holding a lock."""
        self.deletions.settle()

    @property
    def corpus(self) -> Corpus:
        """Everything as one snapshot, in path order (O(n): for `check` and for tests)."""
        with self._lock:
            files, rejected, stale = dict(self._files), dict(self.rejected), dict(self.stale)
            problems = self._problems
        return snapshot(files, rejected, stale, problems)


def load_corpus(
    root: str | os.PathLike[str], tz: dt.tzinfo = dt.UTC, max_bytes: int = DEFAULT_MAX_BYTES
) -> Corpus:
    """Read every document under `root` once. Never raises for a bad file: it is rejected with its reason."""
    content = ContentDir(root, tz, max_bytes)
    content.refresh()
    return content.corpus
