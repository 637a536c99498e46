"""What changed in an index, for those who ask again later: `export --watch` (which feeds changed
after a version, and from which rank) and the memory of what was published (which URLs' shown
articles changed since it last looked). Kept by `feeds.index.Index` under its lock."""

from __future__ import annotations

from collections.abc import Mapping

from .feedkeys import FeedKey

MAX_CHANGES = 64  # changes remembered per feed (`since`); older ones are merged
RANKED_CHANGES = 256  # a change of more documents marks its feeds changed from the top, without ranks


class Changes:
    """The versions at which each feed changed, and the URLs touched since the last `drain`."""

    def __init__(self, version: int) -> None:
        self.feeds: dict[FeedKey, list[tuple[int, int]]] = {}  # (version, first rank changed)
        self.all_changed = version  # the version at which every feed may have changed
        self.dirty: dict[FeedKey, int] = {}  # during a change: the feeds it touches, from which rank
        self.ranked = True  # whether this change finds those ranks (a large one counts from the top)
        # What changed since the memory of what was published last looked (`drain`): URLs whose shown
        # article changed, and whether something changed how other entries are shown (a canonical
        # name, a related link taken out), which makes it look at every entry.
        self.touched: set[str] = set()
        self.everything = True
        self.journaling = False  # from the first `drain` on: without a memory, nothing is kept

    def begin(self, documents: int) -> None:
        """A change of this many documents starts: ranks are found unless it is large."""
        self.ranked = documents <= RANKED_CHANGES

    def changed_at(self, key: FeedKey, rank: int | None) -> None:
        """During a change: this feed changed from this rank (0: the newest entry; None: unknown)."""
        rank = rank if self.ranked and rank is not None else 0
        self.dirty[key] = min(rank, self.dirty.get(key, rank))

    def commit(self, version: int | None) -> None:
        """The change ends: at this new version (None when nothing changed)."""
        if version is not None:
            self.mark(version, self.dirty)
        self.dirty = {}

    def mark(self, version: int, ranks: Mapping[FeedKey, int]) -> None:
        """Record that these feeds changed at `version`, from these ranks (0: the newest entry) on."""
        for key, rank in ranks.items():
            changes = self.feeds.setdefault(key, [])
            changes.append((version, rank))
            if len(changes) > MAX_CHANGES:  # the oldest ones as one: the latest version, the first rank
                old = changes[: -MAX_CHANGES // 2]
                changes[: -MAX_CHANGES // 2] = [(old[-1][0], min(r for _, r in old))]

    def touch(self, url: str) -> None:
        """The article shown for this URL (`urlkeys.url_key`) changed."""
        if self.journaling:
            self.touched.add(url)

    def reshow(self, version: int | None = None) -> None:
        """Something changed how every entry is shown (at `version`, when given)."""
        self.everything = True
        if version is not None:
            self.all_changed = version

    def since(self, version: int) -> dict[FeedKey, int] | None:
        """The feeds changed after `version`, each with the first rank from which it may have; None
        when every feed may have."""
        if self.all_changed > version:
            return None
        changed: dict[FeedKey, int] = {}
        for key, changes in self.feeds.items():
            ranks = [rank for at, rank in changes if at > version]
            if ranks:
                changed[key] = min(ranks)
        return changed

    def drain(self) -> tuple[set[str], bool]:
        """The URLs touched since the last call, and whether every entry must be looked at (the first
        call; a canonical name or a related link changed)."""
        touched, everything = self.touched, self.everything or not self.journaling
        self.touched, self.everything, self.journaling = set(), False, True
        return touched, everything
