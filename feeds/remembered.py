"""What a content folder's reads leave for the next start (`parsecache.ParseCache`): the whole cache,
written after a full scan once enough files were read since (a cold start, a large sync, a hundredth
of the files edited one by one), and, between those, what each file read since serves, written
after each change. So a start takes every unchanged file's read from the cache, and keeps serving
the last good version of a file that broke, whether it broke while a process ran or while none did.
"""

from __future__ import annotations

from collections.abc import Mapping

from .filestate import FileState, cached_states, served_content
from .model import PathContent
from .parse import Reading
from .parsecache import ParseCache
from .scan import UNREADABLE, Signature


class Remembered:
    """One content folder's parse cache, and what was read since it was written. Not thread-safe: its
    `ContentDir` calls it under its lock."""

    def __init__(self, cache: ParseCache | None) -> None:
        self.cache = cache
        self.unsaved = 0  # files read since the cache was last written
        # what they serve as the index sees it (`served_content`: an article, a rejected file's URLs and
        # headline, None for nothing); None before the first scan
        self._recent: dict[str, PathContent] | None = None
        self._changed = False
        self.knew = False  # whether the cache held documents of the folder when first read: it was served

    def reads(self, wanted: Mapping[str, Signature]) -> tuple[dict[str, Reading], dict[str, FileState]]:
        """The cached reads of `wanted` files still valid, and what each file served last where its
        read now may not give it (`filestate.cached_states`). A cache written by other reading code, or
        with another time zone or size limit (`ParseCache.load_any`), gives no read, only the latter: an
        upgrade rereads every file, and one broken keeps serving its last good version."""
        if self.cache is None:
            return {}, {}
        cached, current = self.cache.load_any()
        recent = self.cache.load_recent(any_stamp=True)
        self.knew = self.knew or bool(cached) or bool(recent)
        reads, earlier = cached_states(cached, wanted, recent)
        return (reads if current else {}), earlier

    def read(self, count: int = 1) -> None:
        """`count` files were read from disk."""
        self.unsaved += count

    def served(self, rel: str, state: FileState | None) -> None:
        """What the file at `rel` serves now, after the first full scan (before it, the cache is being
        read or written whole)."""
        if self._recent is not None:
            self._recent[rel] = served_content(state)
            self._changed = True

    def scanned(self, files: Mapping[str, FileState]) -> None:
        """A full scan ended: the whole cache written if a hundredth of the files or more were read
        since it last was; what was read since is kept from now on."""
        if self._recent is None:
            self._recent = {}
        if self.cache is None or self.unsaved < max(1, len(files) // 100):
            return
        try:
            self.cache.save(
                (rel, state.signature, state.read, state.served if state.stale else None)
                for rel, state in files.items()
                if state.signature != UNREADABLE
            )
            self.unsaved, self._recent, self._changed = 0, {}, False
        except OSError:
            pass  # a read-only or full disk: the next start parses again, nothing else is lost

    def flush(self) -> None:
        """Write what files read since the cache serve, if that changed (`ParseCache.save_recent`)."""
        if self.cache is not None and self._recent is not None and self._changed:
            try:
                self.cache.save_recent(self._recent)
                self._changed = False
            except OSError:
                pass  # as for the cache: a start then knows less, and serves the cache's versions
