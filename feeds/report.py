"""What `check` says about a corpus: its problems as lines an editor can act on, in two groups.

Problems of documents that would be served (visible now or scheduled, or whose intent is unknown)
come apart from those of documents that never would (`published: false`, or a rejected document
whose text says so): only the first group fails `check`, unless it is strict. Unreadable files and
folders always count. Related items are named by position and URL, documents that share an article
URL are named together, and related links that feeds leave out are counted by why.

Pure: the few file texts it needs (rejected documents, documents with related warnings) come from
the caller's `text_of`.
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from yaml.nodes import MappingNode, Node, SequenceNode

from . import frontmatter
from .corpus import Corpus
from .errors import FeedsError, YamlValueError
from .fields import MAX_RELATED, show, text_of
from .index import Index
from .model import Article
from .parse import FieldWarning, Rejected
from .urlkeys import url_key as _url_key
from .urls import http_url, url_problem
from .vocabulary import PUBLISHED, Flag, flag_of, misspelt
from .yamlvalues import build

url_key = functools.lru_cache(maxsize=1 << 16)(_url_key)  # one URL is compared many times
TextOf = Callable[[str], str | None]  # a document's text by its path under the root; None if unreadable
Where = Callable[[str], str]  # how a path under the root is printed

_UNUSABLE_RELATED = re.compile(r"^\d+ related article\(s\) without an http\(s\) webUrl or a title")
_RELATED_ITEM = re.compile(r"^related\[(\d+)\](?:\.(.+))?$")
_RELATED_BLOCK = re.compile(r"^related[ \t]*:.*\n(?:(?:[ \t#-].*|)\n)*", re.M)  # to the next top-level key
_TOP_LEVEL_PAIR = re.compile(r"""^["']?([^\s:"'#][^:"'#]*?)["']?[ \t]*:(?:[ \t]+(.*))?$""", re.M)
_DROPPED_BECAUSE = {
    "hidden": "they point at hidden documents",
    "rejected": "they point at rejected documents",
    "self": "they point at the article itself",
}


@dataclass(frozen=True, slots=True)
class Group:
    """The problems of one group of documents: printed lines, and how many of each kind."""

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

    served: Group
    hidden: Group
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


def build_report(corpus: Corpus, index: Index, text_of: TextOf, where: Where) -> Report:
    """The report of a corpus and its index (at the index's clock). `text_of` is asked only for
    rejected documents and documents with a warning about a related item."""
    served: _Builder = _Builder()
    hidden: _Builder = _Builder()
    for problem in corpus.problems:
        served.add(f"{where(problem.path)}: {problem.field}: {problem.reason}", "unreadable")
    for rejected in corpus.rejected:
        problem = rejected.problem
        group = hidden if _withheld(rejected, text_of) else served
        group.add(f"{where(problem.path)}: {problem.field}: {problem.reason}", "rejected")
    by_path = {article.path: article for article in corpus.articles}
    warned: dict[str, list[FieldWarning]] = defaultdict(list)
    for rel, warning in corpus.warnings:
        warned[rel].append(warning)
    for rel, warnings in warned.items():
        group = hidden if _hidden_on_purpose(by_path.get(rel), warnings) else served
        for field, reason in _named(warnings, functools.partial(_items_of, text_of, rel)):
            group.add(f"{where(rel)}: {field}: {reason} (warning)", "warning")
    for rel in corpus.ignored:
        served.add(f"{where(rel)}: file: no front matter, not a document; ignored (warning)", "warning")
    for url, paths, shown in shared_urls(corpus.articles, index):
        listed = ", ".join(where(p) for p in paths)
        showing = f"{where(shown)} is shown" if shown is not None else "none is visible yet"
        served.add(f"{listed} share {url}; {showing}", "")
    return Report(served.group(), hidden.group(), dropped_related(corpus, index))


class _Builder:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.kinds: Counter[str] = Counter()

    def add(self, line: str, kind: str) -> None:
        self.lines.append(line)
        self.kinds[kind] += 1

    def group(self) -> Group:
        k = self.kinds
        return Group(tuple(self.lines), k["rejected"], k["unreadable"], k["warning"])


def _withheld(rejected: Rejected, text_of: TextOf) -> bool:
    """A rejected document whose text says it is not to be shown (a top-level `published`, or a near
    miss of it, that says false). An unreadable file, or a text that says nothing, is not."""
    if rejected.problem.field == "file":
        return False
    text = text_of(rejected.problem.path)
    return text is not None and says_false(_head(text))


def _head(text: str) -> str:
    """The front matter of a document's text, or all of it after the first line when it is not closed."""
    try:
        yaml_text = frontmatter.split(text)
    except FeedsError:
        return ""
    return yaml_text if yaml_text is not None else text.partition("\n")[2]


def says_false(yaml_text: str) -> bool:
    """Whether front matter text clearly withholds its document: a top-level `published` line (or a
    near miss of it) says false (in any spelling the contract accepts: `false`, `no`, `0`, …) and
    none says true (a `published: false` and a `published: true` leave the intent unknown)."""
    flags = []
    for match in _TOP_LEVEL_PAIR.finditer(yaml_text):
        key, value = match.group(1), (match.group(2) or "").split(" #")[0].strip().strip("\"'")
        if key == PUBLISHED or misspelt(key) == PUBLISHED:
            flags.append(flag_of(value))
    return Flag.FALSE in flags and Flag.TRUE not in flags


def _hidden_on_purpose(article: Article | None, warnings: Iterable[FieldWarning]) -> bool:
    """A document hidden because its author said so: `publish` is false, and not because its
    `published` was unclear (then its intent is unknown)."""
    if article is None or article.publish:
        return False
    return not any(w.field == PUBLISHED for w in warnings)


def _named(
    warnings: Iterable[FieldWarning], items: Callable[[], list[Any] | None]
) -> Iterator[tuple[str, str]]:
    """Each warning as `(field, reason)`, with related items named by position and URL:
    `related[3] (https://…)`, and the count of unusable related items as one line per item."""
    raw: list[Any] | None = None
    loaded = False
    for warning in warnings:
        about_item = _RELATED_ITEM.match(warning.field)
        unusable = warning.field == "related" and _UNUSABLE_RELATED.match(warning.reason)
        if (about_item or unusable) and not loaded:
            raw, loaded = items(), True
        if about_item and raw is not None:
            n, rest = int(about_item.group(1)), about_item.group(2)
            item = raw[n] if n < len(raw) else None
            yield _item_name(n, item), f"{rest}: {warning.reason}" if rest else warning.reason
        elif unusable and raw is not None and (found := list(_unusable(raw))):
            yield from found
        else:
            yield warning.field, warning.reason


def _item_name(n: int, item: object) -> str:
    """`related[n] (its webUrl)`, else `related[n] ('its title')`, else `related[n]`."""
    url = item.get("webUrl") if isinstance(item, dict) else None
    if isinstance(url, str) and url.strip():
        return f"related[{n}] ({url.strip()})"
    title = text_of(item.get("title")) if isinstance(item, dict) else ""
    return f"related[{n}] ({show(title)})" if title else f"related[{n}]"


def _unusable(raw: list[Any]) -> Iterator[tuple[str, str]]:
    """The related items that `fields.read_related` leaves out for want of an http(s) `webUrl` or a
    title, each as `(related[n] (url), reason)`."""
    kept: set[str] = set()
    for n, item in enumerate(raw):
        if len(kept) >= MAX_RELATED:
            return
        if not isinstance(item, dict):
            yield f"related[{n}]", "not a mapping with a webUrl and a title; left out"
            continue
        url = http_url(item.get("webUrl"))
        if url is None:
            given = item.get("webUrl")
            why = "missing" if given is None else url_problem(given) or "not usable"
            yield _item_name(n, item), f"webUrl: {why}; left out"
        elif not text_of(item.get("title")):
            yield _item_name(n, item), "title: missing or empty; left out"
        else:
            kept.add(url_key(url))


def _items_of(text_of: TextOf, rel: str) -> list[Any] | None:
    return _related_items(text_of(rel))


def _related_items(text: str | None) -> list[Any] | None:
    """The document's `related` items as written, each a mapping of its `webUrl` and `title` (or
    None when it is not a mapping); None when the list cannot be read again. Its own lines are read
    alone when they stand alone (half the cost of the whole front matter), the whole front matter
    otherwise (an alias, a merge, a flow list closed at the margin)."""
    if text is None:
        return None
    try:
        yaml_text = frontmatter.split(text)
    except FeedsError:
        return None
    if yaml_text is None:
        return None
    block = _RELATED_BLOCK.search(yaml_text)
    for source in ([block.group(0)] if block else []) + [yaml_text]:
        try:
            for key, node, _line in frontmatter.fields(frontmatter.compose(source)):
                if key == "related":
                    return _items(node) if isinstance(node, SequenceNode) else None
        except FeedsError:
            continue
    return None


def _items(node: SequenceNode) -> list[Any]:
    """Only what naming an item needs: building whole items cost more than reading them."""
    items: list[Any] = []
    for item in node.value:
        if not isinstance(item, MappingNode):
            items.append(None)
            continue
        wanted = {key: value for key, value, _line in frontmatter.fields(item) if key in ("webUrl", "title")}
        items.append({key: _built(value, key) for key, value in wanted.items()})
    return items


def _built(node: Node, key: str) -> object:
    try:
        return build(node, key)
    except YamlValueError:
        return None


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
    no trace), counted by why: `self` (the article's own URL), `hidden` (a document that is not
    visible now has that URL: unpublished, scheduled or a duplicate's URL is never hidden), and
    `rejected` (only rejected documents have it)."""
    shown = [a for a in corpus.articles if index.shows(a)]
    visible = {url_key(a.url) for a in shown}
    hidden = {url_key(a.url) for a in corpus.articles} - visible
    rejected = {url_key(r.url) for r in corpus.rejected if r.url} - visible - hidden
    dropped: Counter[str] = Counter()
    for article in shown:
        own = url_key(article.url)
        for related in article.related:
            key = url_key(related.url)
            if key == own:
                dropped["self"] += 1
            elif key in hidden:
                dropped["hidden"] += 1
            elif key in rejected:
                dropped["rejected"] += 1
    return dropped


def dropped_line(dropped: Counter[str]) -> str:
    """`related links: 1,204 dropped because they point at hidden documents, 3 because …`."""
    parts = [f"{dropped[why]:,} because {_DROPPED_BECAUSE[why]}" for why in _DROPPED_BECAUSE if dropped[why]]
    return "related links: " + ", ".join(parts).replace(" because", " dropped because", 1)
