"""Reading the content directory: the only file I/O of the core, confined to the content root.

`ContentDir` remembers what it read per file (with the file's size, mtime and inode), so a refresh
re-reads only files that changed: picking up one edit costs one parse, at 100 documents or 100,000.
A document that was valid and then breaks (bad YAML, a removed field, a truncated or emptied file)
keeps serving its last good version, reported as stale, until it is fixed or deleted.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import stat
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from .errors import DocumentError
from .model import Article, Value
from .parse import FieldWarning, Read, Rejected, read_text
from .parsecache import ParseCache

DEFAULT_MAX_BYTES = 1024 * 1024
Signature = tuple[int, int, int]  # size, mtime in ns, inode: a file whose signature is unchanged is not read
_UNREADABLE: Signature = (-1, -1, -1)
IN_FLUX_SECONDS = 0.5  # a file written this recently that fails to read may be half-written: read again
# … but one refresh waits that long at most in all, however many such files it meets (a fresh checkout
# with broken files must not stall start-up for half a second each).
PARALLEL_MIN = 2000  # files to read at once before it pays to start processes for it
PARALLEL_CHUNK = 500  # files per task handed to a reading process
Progress = Callable[[int, int], None]  # (files read so far, files to read)


@dataclass(frozen=True, slots=True)
class FileState(Value):
    signature: Signature
    read: Read
    served: Article | None  # the fresh article, or the last good one while the file is broken

    @property
    def stale(self) -> bool:
        return self.served is not None and self.served is not self.read.article


@dataclass(frozen=True, slots=True)
class Corpus:
    """Everything read from one content directory at one time."""

    articles: tuple[Article, ...] = ()
    rejected: tuple[Rejected, ...] = ()  # never valid, or not valid now and never served
    stale: tuple[tuple[Article, Rejected], ...] = ()  # broken now, last good version still served
    warnings: tuple[tuple[str, FieldWarning], ...] = ()  # (path, warning)
    ignored: tuple[str, ...] = ()  # *.md files that are not documents
    problems: tuple[DocumentError, ...] = ()  # unreadable folders, a missing content directory


Change = Article | str | None  # what is now at a path: an article, a hidden rejected file's URL, nothing


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
    ) -> None:
        self.root = Path(root)
        self.tz = tz
        self.max_bytes = max_bytes
        self.cache = cache  # parsed documents kept between restarts (`parsecache`)
        self.processes = processes  # reading many files at once (a cold start) uses this many
        self.progress = progress
        self.read_from_disk = 0  # files parsed, as opposed to taken from the cache (for tests and benchmarks)
        self._unsaved = 0  # files parsed since the cache was last written
        self._scanned = False  # a full scan has been made (the parse cache is consulted before it)
        self._files: dict[str, FileState] = {}
        self._problems: tuple[DocumentError, ...] = ()
        self._lock = threading.Lock()
        # Kept up to date file by file, so reporting costs what there is to report, not the corpus size.
        self.rejected: dict[str, Rejected] = {}
        self.stale: dict[str, tuple[Article, Rejected]] = {}
        self._touched = False
        self._flux_deadline = 0.0

    @property
    def problems(self) -> tuple[DocumentError, ...]:
        return self._problems

    def __len__(self) -> int:
        """Files read (documents, rejected files and other *.md files)."""
        return len(self._files)

    def refresh(self, paths: Iterable[str] | None = None) -> dict[str, Change] | None:
        """Read what changed: everything (`paths=None`), or the given absolute paths and folders.

        Returns what is now at each path whose served state changed (empty when only reports
        changed, e.g. a document broke and its last good version still serves), or None when no file
        changed at all.
        """
        with self._lock:
            first = not self._scanned and paths is None
            if first and self.cache is not None:
                with self.cache.exclusive():  # another worker may be reading cold: wait, then use its cache
                    return self._refresh(None)
            return self._refresh(paths)

    def _refresh(self, paths: Iterable[str] | None) -> dict[str, Change] | None:
        root = os.path.realpath(self.root)
        changes: dict[str, Change] = {}
        self._touched = False
        self._flux_deadline = time.monotonic() + IN_FLUX_SECONDS
        problems: tuple[DocumentError, ...]
        if not os.path.isdir(root):
            # Briefly missing (a deploy swapping folders, an unmounted volume): keep serving.
            problems = (DocumentError(".", "content directory", "missing; serving the last good corpus"),)
        else:
            problems = tuple(p for p in self._problems if p.field == "folder" and paths is not None)
            for prefix in [""] if paths is None else _relative(root, paths):
                found, folder_problems = _scan(root, prefix)
                cached = paths is None and not self._scanned  # the parse cache: on the first full scan
                self._apply(root, found, prefix, changes, self._bulk_read(root, found, cached))
                problems += tuple(folder_problems) if prefix == "" else ()
            if paths is None:
                self._scanned = True
                self._save_cache()
        problems_changed = [str(p) for p in problems] != [str(p) for p in self._problems]
        self._problems = problems
        return changes if self._touched or problems_changed else None

    def _bulk_read(
        self, root: str, found: dict[str, Signature | DocumentError], use_cache: bool
    ) -> dict[str, Read]:
        """Reads of the changed files among `found`, taken from the parse cache when it has them, and
        made by several processes when there are many (a cold start)."""
        wanted: dict[str, Signature] = {}
        for rel, signature in found.items():
            current = self._files.get(rel)
            changed = current is None or current.signature != signature
            if changed and not isinstance(signature, DocumentError):
                wanted[rel] = signature
        if len(wanted) < 2:
            return {}
        reads: dict[str, Read] = {}
        if self.cache is not None and use_cache:
            for rel, (signature, read) in self.cache.load().items():
                if wanted.get(rel) == signature:
                    reads[rel] = read
        missing = [rel for rel in wanted if rel not in reads]
        self.read_from_disk += len(missing)
        self._unsaved += len(missing)
        reads.update(read_many(Path(root), missing, self.tz, self.max_bytes, self.processes, self.progress))
        return reads

    def _save_cache(self) -> None:
        """After a full scan that parsed many files (a cold start, a large sync): keep them for next time."""
        if self.cache is None or self._unsaved < max(1, len(self._files) // 100):
            return
        try:
            self.cache.save(
                (rel, state.signature, state.read)
                for rel, state in self._files.items()
                if state.signature != _UNREADABLE
            )
            self._unsaved = 0
        except OSError:
            pass  # a read-only or full disk: the next start parses again, nothing else is lost

    def _apply(
        self,
        root: str,
        found: dict[str, Signature | DocumentError],
        prefix: str,
        changes: dict[str, Change],
        reads: dict[str, Read],
    ) -> None:
        """Re-read files under `prefix` ('' is everything) whose signature changed; drop vanished ones."""
        for rel, signature in found.items():
            current = self._files.get(rel)
            if isinstance(signature, DocumentError):
                if (
                    current is not None
                    and current.signature == _UNREADABLE
                    and _same(current.read, signature)
                ):
                    continue
                read, signature = Read(rejected=Rejected(signature)), _UNREADABLE
            elif current is not None and current.signature == signature:
                continue
            else:
                read = reads.get(rel) or read_document(Path(root), rel, self.tz, self.max_bytes)
                if read.article is None and (current is None or current.served is None):
                    signature, read = self._settled_read(root, rel, signature, read)
            self._store(rel, _settle(signature, read, current), changes)
        if prefix in self._files or prefix in found:
            known = [prefix]  # one file: O(1), however many documents there are
        else:  # a folder (created, moved or deleted) or everything: look through what we know
            known = [r for r in self._files if not prefix or r.startswith(prefix + "/")]
        for rel in known:
            if rel not in found and rel in self._files:
                self._store(rel, None, changes)

    def _store(self, rel: str, state: FileState | None, changes: dict[str, Change]) -> None:
        self._touched = True
        old = self._files.pop(rel, None)
        self.rejected.pop(rel, None)
        self.stale.pop(rel, None)
        if state is not None:
            self._files[rel] = state
            problem = state.read.rejected
            if state.stale:
                self.stale[rel] = (state.served, problem or _not_a_document(rel))  # type: ignore[assignment]
            elif state.served is None and problem is not None:
                self.rejected[rel] = problem
        now_there, before = _change(state), _change(old)
        if now_there is not before and now_there != before:
            changes[rel] = now_there

    def _settled_read(self, root: str, rel: str, signature: Signature, read: Read) -> tuple[Signature, Read]:
        """A file with no good version yet that fails to read while it was written a moment ago is
        probably still being written (a worker starting mid-save has no last good version to fall
        back on): read it again a few times before calling it broken."""
        while (
            time.time_ns() - signature[1] < IN_FLUX_SECONDS * 1e9 and time.monotonic() < self._flux_deadline
        ):
            time.sleep(0.02)
            now = _signature(root, rel)
            if isinstance(now, DocumentError):
                break
            signature, read = now, read_document(Path(root), rel, self.tz, self.max_bytes)
            if read.article is not None:
                break
        return signature, read

    @property
    def corpus(self) -> Corpus:
        """Everything as one snapshot, in path order (O(n): for `check` and for tests)."""
        with self._lock:
            files = dict(self._files)
            problems = self._problems
        articles: list[Article] = []
        warnings: list[tuple[str, FieldWarning]] = []
        ignored: list[str] = []
        for rel in sorted(files):
            state = files[rel]
            if state.served is not None:
                articles.append(state.served)
            elif state.read.rejected is None:
                ignored.append(rel)
            warnings.extend((rel, w) for w in state.read.warnings)
        return Corpus(
            tuple(articles),
            tuple(self.rejected[r] for r in sorted(self.rejected)),
            tuple(self.stale[r] for r in sorted(self.stale)),
            tuple(warnings),
            tuple(ignored),
            problems,
        )


def load_corpus(
    root: str | os.PathLike[str], tz: dt.tzinfo = dt.UTC, max_bytes: int = DEFAULT_MAX_BYTES
) -> Corpus:
    """Read every document under `root` once. Never raises for a bad file: it is rejected with its reason."""
    content = ContentDir(root, tz, max_bytes)
    content.refresh()
    return content.corpus


def _change(state: FileState | None) -> Change:
    """What the index must know of a file: its served article, or a hidden rejected file's URL."""
    if state is None:
        return None
    if state.served is not None:
        return state.served
    rejected = state.read.rejected
    return rejected.url if rejected is not None and rejected.hidden and rejected.url else None


def _same(read: Read, error: DocumentError) -> bool:
    return read.rejected is not None and str(read.rejected.error) == str(error)


def _settle(signature: Signature, read: Read, previous: FileState | None) -> FileState:
    """A broken read of a file that served before keeps the last good article (never a hidden one's
    successor: an edit that unpublishes is a valid read and takes effect at once), unless the broken
    text withdraws it (a duplicate key, a `published` that does not say true: fail closed)."""
    withdrawn = read.rejected is not None and read.rejected.withdrawn
    if read.article is None and not withdrawn and previous is not None and previous.served is not None:
        return FileState(signature, read, previous.served)
    return FileState(signature, read, read.article)


def _not_a_document(rel: str) -> Rejected:
    return Rejected(
        DocumentError(rel, "front matter", "missing: the file no longer starts with a '---' line")
    )


def read_document(base: Path, rel: str, tz: dt.tzinfo, max_bytes: int) -> Read:
    """One file: its article and warnings, its rejection, or an empty `Read` when it is not a document."""
    try:
        raw = _read_bytes(base / rel, max_bytes)
        text = raw.decode("utf-8")
    except DocumentError as exc:
        return Read(rejected=Rejected(DocumentError(rel, exc.field, exc.reason)))
    except UnicodeDecodeError as exc:
        return Read(rejected=Rejected(DocumentError(rel, "file", f"not UTF-8 text (byte {exc.start})")))
    except OSError as exc:
        reason = f"cannot be read: {exc.strerror or type(exc).__name__}"
        return Read(rejected=Rejected(DocumentError(rel, "file", reason)))
    return read_text(text, rel, tz)


def read_many(
    base: Path, rels: list[str], tz: dt.tzinfo, max_bytes: int, processes: int, progress: Progress | None
) -> dict[str, Read]:
    """`read_document` for each file; many files are shared out to `processes` reading processes."""
    reads: dict[str, Read] = {}
    if processes > 1 and len(rels) >= PARALLEL_MIN:
        chunks = [rels[i : i + PARALLEL_CHUNK] for i in range(0, len(rels), PARALLEL_CHUNK)]
        # Forked: the children only parse files, so the threads a server or watcher may have in this
        # process (and the locks they might hold) do not matter to them; spawning would re-import
        # the server's main module in each.
        try:
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(processes, mp_context=context) as pool:
                tasks = [pool.submit(_read_chunk, base, chunk, tz, max_bytes) for chunk in chunks]
                for task in as_completed(tasks):
                    reads.update(task.result())
                    if progress is not None:
                        progress(len(reads), len(rels))
        except (OSError, RuntimeError):  # no processes here (a sandbox, a broken pool): read in this one
            pass
    for n, rel in enumerate(r for r in rels if r not in reads):
        reads[rel] = read_document(base, rel, tz, max_bytes)
        if progress is not None and n % 1000 == 999:
            progress(len(reads), len(rels))
    return reads


def _read_chunk(base: Path, rels: list[str], tz: dt.tzinfo, max_bytes: int) -> list[tuple[str, Read]]:
    return [(rel, read_document(base, rel, tz, max_bytes)) for rel in rels]


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    # O_NONBLOCK: a FIFO named *.md must not hang the reader; regular files ignore the flag.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise DocumentError("", "file", "not a regular file")
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise DocumentError("", "file", f"larger than the {max_bytes}-byte limit (FEEDS_MAX_DOCUMENT_BYTES)")
    return data


def _relative(root: str, paths: Iterable[str]) -> list[str]:
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


def _scan(root: str, prefix: str) -> tuple[dict[str, Signature | DocumentError], list[DocumentError]]:
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
        found[prefix] = _signature(root, prefix)
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
                    yield rel, _signature(root, rel)
                    continue
                try:
                    info = entry.stat(follow_symlinks=False)
                except OSError as exc:  # gone between listing and stat
                    reason = f"cannot be read: {exc.strerror or type(exc).__name__}"
                    yield rel, DocumentError(rel, "file", reason)
                    continue
                yield rel, (info.st_size, info.st_mtime_ns, info.st_ino)


def _signature(root: str, rel: str) -> Signature | DocumentError:
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
