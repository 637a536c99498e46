"""What `check` says about a corpus: its problems as lines an editor can act on, in two groups.

Problems of documents that would be served (visible now or scheduled, or whose intent is unknown)
come apart from those of documents that never would (`published: false`, or a rejected document
whose text says so): only the first group fails `check`, unless it is strict. Unreadable files and
folders always count. Related items are named by position and URL, documents that share an article
URL are named together, and related links that feeds leave out are counted by why.

Pure: everything it says comes from the corpus as read and the index.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from .hiddenlinks import HiddenLinks
from .index import Index
from .model import Article
from .parse import FieldWarning, Rejected
from .snapshot import Corpus
from .urlkeys import url_key
from .vocabulary import PUBLISHED

Where = Callable[[str], str]  # how a path under the root is printed

_DROPPED_BECAUSE = {
    "hidden": "they point at hidden documents",
    "rejected": "they point at rejected documents",
    "spelling": "their URLs could be hidden documents' URLs",
    "headline": "their titles carry hidden documents' headlines",
    "self": "they point at the article itself",
}


# What a line of the report counts as: a rejected document, an unreadable file or folder, a warning;
# `note` (documents that share an article URL) is printed and counted as none of them.
Category = Literal["rejected", "unreadable", "warning", "note"]


@dataclass(frozen=True, slots=True)
class ProblemGroup:
    """The problems of one group of documents (served or hidden): printed lines, and how many of each
    category."""

    lines: tuple[str, ...] = ()
    rejected: int = 0
    unreadable: int = 0
    warnings: int = 0

    @property
    def fails(self) -> bool:
        """A rejected document or an unreadable file or folder (warnings never fail)."""
        return bool(self.rejected or self.unreadable)

    def counts(self) -> str:
        return f"{self.rejected} rejected, {self.unreadable} unreadable, {self.warnings} warnings"


@dataclass(frozen=True, slots=True)
class Report:
    """`served`: documents that are or would be served, and unreadable files and folders; `hidden`:
    documents that never would be. `dropped`: related links left out of visible articles, by why
    (`hidden`, `rejected`, `self`)."""

    served: ProblemGroup
    hidden: ProblemGroup
    dropped: Counter[str]

    def fails(self, strict: bool) -> bool:
        """Whether `check` exits with status 1: the served group fails (or, strict, either does)."""
        return self.served.fails or (strict and self.hidden.fails)

    def lines(self, strict: bool) -> Iterator[str]:
        """Both groups under their headings (served first, an empty group not at all), then the
        dropped related links (when any were)."""
        if self.served.lines:
            yield f"served or scheduled documents, and unreadable files: {self.served.counts()}"
            yield from self.served.lines
        if self.hidden.lines:
            counted = "counted (--strict)" if strict else "not counted without --strict"
            yield f"hidden documents (published: false), {counted}: {self.hidden.counts()}"
            yield from self.hidden.lines
        if self.dropped:
            yield dropped_line(self.dropped)


def build_report(corpus: Corpus, index: Index, where: Where) -> Report:
    """The report of a corpus and its index (at the index's clock)."""
    served: _Builder = _Builder()
    hidden: _Builder = _Builder()
    for problem in corpus.problems:
        served.add(f"{where(problem.path)}: {problem.field}: {problem.reason}", "unreadable")
    for rejected in corpus.rejected:
        problem = rejected.problem
        builder = hidden if _withheld(rejected) else served
        builder.add(f"{where(problem.path)}: {problem.field}: {problem.reason}", "rejected")
    for article, rejected in corpus.stale:  # broken since it was read (a running server, the parse cache)
        problem, builder = rejected.problem, served if article.publish else hidden
        meanwhile = "(its last good version serves meanwhile)"
        builder.add(f"{where(problem.path)}: {problem.field}: {problem.reason} {meanwhile}", "rejected")
    by_path = {article.path: article for article in corpus.articles}
    warned: dict[str, list[FieldWarning]] = defaultdict(list)
    for rel, warning in corpus.warnings:
        warned[rel].append(warning)
    for rel, warnings in warned.items():
        builder = hidden if _hidden_on_purpose(by_path.get(rel), warnings) else served
        for warning in warnings:
            builder.add(f"{where(rel)}: {warning.field}: {warning.reason} (warning)", "warning")
    for rel in corpus.ignored:
        served.add(f"{where(rel)}: file: no front matter, not a document; ignored (warning)", "warning")
    for url, paths, shown in shared_urls(corpus.articles, index):
        listed = ", ".join(where(p) for p in paths)
        showing = f"{where(shown)} is shown" if shown is not None else "none is visible yet"
        served.add(f"{listed} share {url}; {showing}", "note")
    return Report(served.build(), hidden.build(), dropped_related(corpus, index))


class _Builder:
    """A `ProblemGroup` in the making."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.categories: Counter[Category] = Counter()

    def add(self, line: str, category: Category) -> None:
        self.lines.append(line)
        self.categories[category] += 1

    def build(self) -> ProblemGroup:
        counted = self.categories
        return ProblemGroup(tuple(self.lines), counted["rejected"], counted["unreadable"], counted["warning"])


def _withheld(rejected: Rejected) -> bool:
    """A rejected document whose text says it is not to be shown (`parse.Rejected.said_false`). An
    unreadable file, or a text that says nothing, is not."""
    return rejected.problem.field != "file" and rejected.said_false


def _hidden_on_purpose(article: Article | None, warnings: Iterable[FieldWarning]) -> bool:
    """A document hidden because its author said so: `publish` is false, and not because its
    `published` was unclear (then its intent is unknown)."""
    if article is None or article.publish:
        return False
    return not any(w.field == PUBLISHED for w in warnings)


def shared_urls(articles: Iterable[Article], index: Index) -> list[tuple[str, tuple[str, ...], str | None]]:
    """URLs (compared by `urlkeys.url_key`) that two or more documents meant to be served share
    (`published` true: visible now or scheduled), as `(url, paths, shown)`: the URL as the shown (else
    the first) document spells it, their paths in order, and the path feeds show for it (None while
    none is visible yet). Sorted by URL."""
    groups: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        if article.publish:
            groups[url_key(article.url)].append(article)
    found = []
    for members in groups.values():
        if len(members) > 1:
            shown = next((a for a in members if index.shows(a)), None)
            url = (shown or members[0]).url
            found.append((url, tuple(sorted(a.path for a in members)), shown.path if shown else None))
    return sorted(found)


def dropped_related(corpus: Corpus, index: Index) -> Counter[str]:
    """Related links of the visible articles that feeds leave out (contract: a hidden document leaves
    no trace), counted by why, as `HiddenLinks.why_dropped` decides: `self` (the article's own
    URL), `hidden` (a document that is not visible now has that URL: unpublished, scheduled or a
    duplicate's URL is never hidden), `rejected` (only rejected documents have it), `spelling` (it
    could be such a URL, or another URL such a document gives for itself: `urlkeys.loose_key`) and
    `headline` (its title carries a hidden headline)."""
    shown = [a for a in corpus.articles if index.shows(a)]
    visible = {url_key(a.url): a for a in shown}
    hidden = {url_key(a.url) for a in corpus.articles} - visible.keys()
    rejected = {url_key(r.url) for r in corpus.rejected if r.url} - visible.keys() - hidden
    blocked = HiddenLinks()
    for key in hidden | rejected:
        blocked.block(key, True)
    for article in corpus.articles:
        if not (article.publish and article.date_published <= index.now):
            blocked.hide_titles((article.title, *article.other_titles), True)
            blocked.hide_urls(map(url_key, article.other_urls), True)
    for rejection in corpus.rejected:
        blocked.hide_titles((rejection.title, *rejection.other_titles), True)
        blocked.hide_urls(map(url_key, rejection.other_urls), True)
    dropped: Counter[str] = Counter()
    for article in shown:
        own = url_key(article.url)
        for related in article.related:
            why = blocked.why_dropped(related, own, visible.get)
            if why == "hidden" and url_key(related.url) in rejected:
                why = "rejected"
            if why is not None:
                dropped[why] += 1
    return dropped


def dropped_line(dropped: Counter[str]) -> str:
    """`related links: 1,204 dropped because they point at hidden documents, 3 because …`."""
    parts = [f"{dropped[why]:,} because {_DROPPED_BECAUSE[why]}" for why in _DROPPED_BECAUSE if dropped[why]]
    return "related links: " + ", ".join(parts).replace(" because", " dropped because", 1)
