"""What a hidden document must not reveal through another document's related list: its URL, in any
spelling, and its headline (contract: "Which articles are visible"). Kept by `feeds.index.Index`.

Two URL forms are used. `urlkeys.url_key` decides whether a link is a hidden document's URL; a looser
one (`urlkeys.loose_key`: no query, path case-folded, no `index.html`, no `amp`) catches spellings
that could be either, and is only computed for hidden documents and for related links, never to
merge or drop visible articles: a link that is exactly a visible article's URL is kept unless its
title is a hidden headline that is not that article's own.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Callable

from .model import Article, Related
from .urlkeys import loose_key, url_key


def headline(title: str) -> str:
    """A title in the form headlines are compared: NFKC, case-folded, white space collapsed."""
    return " ".join(unicodedata.normalize("NFKC", title).casefold().split())


class HiddenLinks:
    """The URLs (`url_key`) of hidden documents that no visible document shares, their loose keys,
    and the headlines of every hidden document. `changed` says that what is blocked changed since
    the owner last reset it."""

    def __init__(self) -> None:
        self.urls: set[str] = set()
        self._loose: Counter[int] = Counter()  # by the hash of each loose key: a collision only blocks
        self._titles: Counter[int] = Counter()  # by the hash of each headline (`headline`)
        self.changed = False

    def block(self, key: str, blocked: bool) -> bool:
        """Block or unblock a URL (`url_key`); True when that changed anything."""
        if blocked == (key in self.urls):
            return False
        loose = hash(loose_key(key))
        if blocked:
            self.urls.add(key)
            self._loose[loose] += 1
        else:
            self.urls.discard(key)
            self._loose[loose] -= 1
            if not self._loose[loose]:
                del self._loose[loose]
        self.changed = True
        return True

    def hide_title(self, title: str, hidden: bool) -> None:
        """A hidden document with this title came (`hidden`) or went."""
        key = hash(headline(title))
        if hidden:
            self._titles[key] += 1
            self.changed = self.changed or self._titles[key] == 1
        else:
            self._titles[key] -= 1
            if not self._titles[key]:
                del self._titles[key]
                self.changed = True

    def kept(
        self, related: tuple[Related, ...], own: str, shown: Callable[[str], Article | None]
    ) -> tuple[Related, ...]:
        """The related links an article (its own `url_key`: `own`) may show: none to itself, none to a
        hidden URL in any spelling, none titled with a hidden headline. `shown`: the visible article
        for a `url_key`, or None."""
        return tuple(r for r in related if self._keeps(r, own, shown))

    def _keeps(self, link: Related, own: str, shown: Callable[[str], Article | None]) -> bool:
        key = url_key(link.url)
        if key == own or key in self.urls:
            return False
        secret = bool(self._titles) and hash(headline(link.title)) in self._titles
        target = shown(key)
        if target is not None:
            return not secret or headline(target.title) == headline(link.title)
        return not secret and not (self._loose and hash(loose_key(key)) in self._loose)
