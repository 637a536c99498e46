"""Atom 1.0 and RSS 2.0 with feedgen: the only module that imports it.

Determinism (and so honest strong ETags) needs three things feedgen does not do by default: dates
from the data, never "now" (feed `updated`/`lastBuildDate` and every entry's `updated`); entries
appended in our order (`order="append"`); nothing that varies between runs in the output.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from feedgen.feed import FeedGenerator

from ..model import Article
from .body import entry_html
from .feedgen_ext import NAME, FeedsEntryExtension, FeedsExtension
from .fragments import Fragments, split_between
from .meta import EPOCH, FeedMeta

GENERATOR = "feeds"


ATOM_END, RSS_END = b"</feed>", b"</channel></rss>"


def render_atom(meta: FeedMeta, articles: Sequence[Article], fragments: Fragments | None = None) -> bytes:
    """The Atom feed; with `fragments`, entries rendered before are reused (the same bytes)."""
    if fragments is None:
        return _atom(meta, articles, articles)
    entries = fragments.entries(
        ("atom", meta.base_url),
        articles,
        lambda some: split_between(_atom(meta, some, some), b"<entry>", ATOM_END),
    )
    return _atom(meta, articles, ())[: -len(ATOM_END)] + b"".join(entries) + ATOM_END


def render_rss(meta: FeedMeta, articles: Sequence[Article], fragments: Fragments | None = None) -> bytes:
    """The RSS feed; with `fragments`, items rendered before are reused (the same bytes)."""
    if fragments is None:
        return _rss(meta, articles, articles)
    items = fragments.entries(
        ("rss", meta.base_url),
        articles,
        lambda some: split_between(_rss(meta, some, some), b"<item>", RSS_END),
    )
    return _rss(meta, articles, ())[: -len(RSS_END)] + b"".join(items) + RSS_END


def _atom(meta: FeedMeta, articles: Sequence[Article], entries: Sequence[Article]) -> bytes:
    """The feed of `articles` (its date is the newest one's) with the entries of `entries`."""
    fg = _feed(meta, articles)
    fg.id(meta.feed_url)
    fg.link(href=meta.self_link, rel="self", type="application/atom+xml")
    fg.link(href=meta.page_url, rel="alternate", type="text/html")
    for article in entries:
        fe = _entry(fg, article)
        fe.id(article.url)
        if article.provider is not None:
            fe.author(name=article.provider.name, uri=article.provider.uri)
        if article.excerpt:
            fe.summary(article.excerpt, type="text")
        fe.content(entry_html(article), type="html")
        fe.published(article.published)
        for topic in article.topics:
            fe.category(term=topic.slug, label=topic.name, scheme=meta.topic_scheme)
    result: bytes = fg.atom_str(pretty=False, encoding="UTF-8")
    return result


def _rss(meta: FeedMeta, articles: Sequence[Article], entries: Sequence[Article]) -> bytes:
    fg = _feed(meta, articles)
    fg.link(href=meta.self_link, rel="self", type="application/rss+xml")
    fg.link(href=meta.page_url, rel="alternate")  # RSS <link> is the last link set: the HTML page
    for article in entries:
        fe = _entry(fg, article)
        fe.guid(article.url, permalink=True)
        fe.link(href=article.url)
        fe.pubDate(article.published)
        fe.description(entry_html(article))
        if article.provider is not None:
            fe.source(url=meta.provider_feed(article.provider.slug), title=article.provider.name)
        for topic in article.topics:
            fe.category(term=topic.slug, label=topic.name, scheme=meta.topic_scheme)
    result: bytes = fg.rss_str(pretty=False, encoding="UTF-8")
    return result


def _feed(meta: FeedMeta, articles: Sequence[Article]) -> Any:
    fg = FeedGenerator()
    fg.register_extension(NAME, FeedsExtension, FeedsEntryExtension, atom=True, rss=True)
    getattr(fg, NAME).paging = meta.paging
    fg.title(meta.title)
    fg.subtitle(meta.subtitle)
    fg.generator(GENERATOR)
    fg.updated(articles[0].published if articles else EPOCH)  # also RSS lastBuildDate; never "now"
    return fg


def _entry(fg: Any, article: Article) -> Any:
    fe = fg.add_entry(order="append")
    fe.title(article.title)
    fe.updated(article.published)
    getattr(fe, NAME).article = article
    return fe
