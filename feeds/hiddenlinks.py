"""What a hidden document must not reveal through another document's related list: its URL, in any
spelling, and its headline (contract: "Which articles are visible"). Kept by `feeds.index.Index`.

Two URL forms are used. `urlkeys.url_key` decides whether a link is a hidden document's URL; a looser
one (`urlkeys.loose_key`: no query, path case-folded, no `index.html`, no `amp`, AMP cache and
Wayback Machine addresses unwrapped) catches spellings that could be either, and is only computed for
hidden documents and for related links, never to merge or drop visible articles: a link that is
exactly a visible article's URL is kept unless its title carries a hidden headline that is not that
article's own.

Headlines are compared by their words (`headline_words`), so quotes, dashes, punctuation, spacing
and invisible characters do not matter; a title also carries a hidden headline of `MIN_CONTAINED`
words or more when it contains its words in a row (`EXCLUSIVE: …`, `… | News Example`).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable, Iterable

from .keywords import visible_text
from .model import Article, Related
from .urlkeys import loose_key, url_key

MIN_CONTAINED = 4  # a hidden headline of this many words is blocked inside a longer title too
_HEADLINE_WORD = re.compile(r"[^\W_]+")
_MARKUP = re.compile(r"<[^<>]*>")  # a tag or comment as a title may show it, escaped in its source
_NOT_ALNUM = bytes(c for c in range(128) if not chr(c).isalnum())
_ASCII_SEPARATORS = bytes.maketrans(_NOT_ALNUM, b" " * len(_NOT_ALNUM))  # bytes: one C loop, no dict


def headline_words(title: str) -> tuple[str, ...]:
    """A title's words as headlines are compared: NFKC, case-folded, split at anything that is not a
    letter or digit (white space, quotes, dashes, punctuation, invisible format characters), so
    `Council sells “Apex” stadium – £5m deal` is `('council', 'sells', 'apex', 'stadium', '5m',
    'deal')`, whatever its quotes, dashes or spacing; anything written as a tag (`<b>`, `</b>`,
    `<!-- -->`) left out, so that markup a title shows as text hides no word of it; letters drawn like
    Latin ones read as those (`latin_lookalikes`: `Сouncil` with a Cyrillic `С` is `council`)."""
    while "<" in title and (bare := _MARKUP.sub("", title)) != title:  # markup shown as text (`&lt;b&gt;`
        title = bare  # in the source) is not a word of it, nor what removing it leaves (`<<b>b>`)
    if title.isascii():
        return tuple(title.lower().encode().translate(_ASCII_SEPARATORS).decode().split())
    return tuple(_HEADLINE_WORD.findall(visible_text(title).translate(latin_lookalikes()).casefold()))


@functools.cache
def latin_lookalikes() -> dict[int, str]:
    """Each letter or digit drawn like a Latin letter or digit (Unicode's confusables, UTS #39, as
    `confusable_homoglyphs` has them: Cyrillic `а`, Greek `Ε`, Cherokee `Ꭺ`), mapped to it before
    case is folded (UTS #39's skeleton does the same): a hidden headline spelt with them is the same
    words. Built on first use (20 ms)."""
    from confusable_homoglyphs.confusables import confusables_data

    found: dict[int, str] = {}
    for char, glyphs in confusables_data.items():
        if len(char) != 1 or char.isascii():
            continue
        latin = sorted(
            (g["c"] for g in glyphs if len(g["c"]) == 1 and g["c"].isascii() and g["c"].isalnum()),
            key=lambda c: (c.isdigit(), c),
        )
        if latin:
            found[ord(char)] = latin[0]
    return found


def headline(title: str) -> str:
    """A title in the form two headlines are compared whole: its words (`headline_words`) run
    together, so that an invisible character between or inside words changes nothing; a title of
    no words is itself, NFKC and case-folded."""
    return _whole(headline_words(title), title)


def _whole(words: tuple[str, ...], title: str) -> str:
    """`headline(title)` from the title's `headline_words`, for callers that need both."""
    return "".join(words) or visible_text(title).casefold()


class HiddenLinks:
    """The URLs (`url_key`) of hidden documents that no visible document shares, their loose keys,
    and the headlines of every hidden document. `changed` says that what is blocked changed since
    the owner last reset it."""

    def __init__(self) -> None:
        self.urls: set[str] = set()
        self._loose: Counter[int] = Counter()  # by the hash of each loose key: a collision only blocks
        self._titles: Counter[int] = Counter()  # by the hash of each headline (`headline`)
        self._runs: Counter[int] = Counter()  # long headlines' words, by hash of `(words...)`
        self._lengths: Counter[int] = Counter()  # how many long headlines have each word count
        self._sizes: tuple[int, ...] | None = ()  # those word counts, ascending (None: to sort again)
        self._heads: Counter[int] = Counter()  # long headlines' first `MIN_CONTAINED` words, by hash
        self.changed = False

    def block(self, key: str, blocked: bool) -> bool:
        """Block or unblock a URL (`url_key`); True when that changed anything."""
        if blocked == (key in self.urls):
            return False
        if blocked:
            self.urls.add(key)
        else:
            self.urls.discard(key)
        _count(self._loose, hash(loose_key(key)), 1 if blocked else -1)
        self.changed = True
        return True

    def hide_title(self, title: str, hidden: bool) -> None:
        """A hidden document with this title came (`hidden`) or went."""
        step = 1 if hidden else -1
        words = headline_words(title)
        self.changed = _count(self._titles, hash(_whole(words, title)), step) or self.changed
        if len(words) >= MIN_CONTAINED:
            _count(self._runs, hash(words), step)
            if _count(self._lengths, len(words), step):
                self._sizes = None
            _count(self._heads, hash(words[:MIN_CONTAINED]), step)

    def hide_titles(self, titles: Iterable[str | None], hidden: bool) -> None:
        """`hide_title` for each of a hidden document's headlines that is not empty."""
        for title in titles:
            if title:
                self.hide_title(title, hidden)

    def hide_urls(self, keys: Iterable[str], hidden: bool) -> None:
        """The other URLs (`url_key`s) of a hidden document (`Article.other_urls`) came (`hidden`) or
        went: a link that could be one of them goes, as one that could be its URL does (`spelling`)."""
        step = 1 if hidden else -1
        for key in keys:
            self.changed = _count(self._loose, hash(loose_key(key)), step) or self.changed

    def kept(
        self, related: tuple[Related, ...], own: str, shown: Callable[[str], Article | None]
    ) -> tuple[Related, ...]:
        """The related links an article (its own `url_key`: `own`) may show: none to itself, none to a
        hidden URL in any spelling, none titled with a hidden headline. `shown`: the visible article
        for a `url_key`, or None."""
        return tuple(r for r in related if self._keeps(r, own, shown))

    def _keeps(self, link: Related, own: str, shown: Callable[[str], Article | None]) -> bool:
        return self.why_dropped(link, own, shown) is None

    def why_dropped(self, link: Related, own: str, shown: Callable[[str], Article | None]) -> str | None:
        """Why `kept` leaves a link out: `self` (the article's own URL), `hidden` (a hidden URL),
        `headline` (its title carries a hidden headline), `spelling` (it could be a hidden URL:
        `loose_key`), or None when it is kept."""
        key = url_key(link.url)
        if key == own:
            return "self"
        if key in self.urls:
            return "hidden"
        secret = self.carries_headline(link.title)
        target = shown(key)
        if target is not None:
            return "headline" if secret and headline(target.title) != headline(link.title) else None
        if secret:
            return "headline"
        return "spelling" if self._loose and hash(loose_key(key)) in self._loose else None

    def reshows(self, key: str, before: str | None, after: str | None) -> bool:
        """Whether the visible article at `key` changing (its title before and after; None: none)
        changes which links to `key` are kept (`why_dropped`): one came or went where a hidden URL
        could be (`spelling`), or its title changed where either carries a hidden headline (a link
        under the article's own title is kept). An edit that keeps the title changes none."""
        if before == after:
            return False
        if (before is None) != (after is None) and self._loose and hash(loose_key(key)) in self._loose:
            return True
        return any(title is not None and self.carries_headline(title) for title in (before, after))

    def carries_headline(self, title: str) -> bool:
        """Whether a title is a hidden headline, or contains the words of one of `MIN_CONTAINED`
        words or more in a row."""
        if not self._titles:
            return False
        words = headline_words(title)
        if hash(_whole(words, title)) in self._titles:
            return True
        if self._sizes is None:
            self._sizes = tuple(sorted(self._lengths))
        heads, runs, sizes, count = self._heads, self._runs, self._sizes, len(words)
        for start in range(count - MIN_CONTAINED + 1):  # one hash per word of the title, and more
            if hash(words[start : start + MIN_CONTAINED]) in heads:  # only where a headline may start
                for size in sizes:
                    if start + size > count:
                        break
                    if hash(words[start : start + size]) in runs:
                        return True
        return False


def _count(counter: Counter[int], key: int, step: int) -> bool:
    """Add `step` to a count, dropping it at zero; True when the key came or went."""
    counter[key] += step
    if not counter[key]:
        del counter[key]
        return True
    return counter[key] == 1 and step == 1
