"""Atom 1.0 and RSS 2.0 with feedgen: the only module that imports it.

Determinism (and so honest strong ETags) needs three things feedgen does not do by default: dates
from the data, never "now" (feed `updated`/`lastBuildDate` and every entry's `updated`); entries
appended in our order (`order="append"`); nothing that varies between runs in the output.

Validity whatever a document lacks (RFC 4287 §4.1.1, §4.1.2; RSS 2.0): the Atom feed always has an
author, the site, so entries without a provider are covered; an element with nothing to say (Atom
`content` and `summary`, RSS `description`) is left out rather than written empty; every Atom entry
has its `rel="alternate"` link, which RFC 4287 requires when there is no `content`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from feedgen.feed import FeedGenerator

from ..model import Article
from .body import entry_html
from .feedgen_ext import NAME, FeedsEntryExtension, FeedsExtension
from .fragments import Fragments, split_between
from .meta import EPOCH, FeedMeta

GENERATOR = "feeds"


Whole = Callable[[FeedMeta, Sequence[Article], Sequence[Article]], bytes]  # (meta, feed's articles, entries)


def render_atom(meta: FeedMeta, articles: Sequence[Article], fragments: Fragments | None = None) -> bytes:
    """The Atom feed; with `fragments`, entries rendered before are reused (the same bytes)."""
    return _assembled("atom", _atom, b"<entry>", b"</feed>", meta, articles, fragments)


def render_rss(meta: FeedMeta, articles: Sequence[Article], fragments: Fragments | None = None) -> bytes:
    """The RSS feed; with `fragments`, items rendered before are reused (the same bytes)."""
    return _assembled("rss", _rss, b"<item>", b"</channel></rss>", meta, articles, fragments)


def _assembled(
    fmt: str,
    whole: Whole,
    opening: bytes,
    closing: bytes,
    meta: FeedMeta,
    articles: Sequence[Article],
    fragments: Fragments | None,
) -> bytes:
    """The feed rendered whole, or its header (the feed with no entries) with its entries' bytes
    before `closing`: feedgen writes entries last, so the two are the same bytes."""
    if fragments is None:
        return whole(meta, articles, articles)
    entries = fragments.entries(
        (fmt, meta.base_url), articles, lambda some: split_between(whole(meta, some, some), opening, closing)
    )
    return whole(meta, articles, ())[: -len(closing)] + b"".join(entries) + closing


def _atom(meta: FeedMeta, articles: Sequence[Article], entries: Sequence[Article]) -> bytes:
    """The feed of `articles` (its date is the newest one's) with the entries of `entries`."""
    fg = _feed(meta, articles)
    fg.id(meta.feed_url)
    fg.link(href=meta.self_link, rel="self", type="application/atom+xml")
    fg.link(href=meta.page_url, rel="alternate", type="text/html")
    fg.author(name=meta.site_name, uri=meta.site_url)
    for article in entries:
        fe = _entry(fg, article)
        fe.id(article.url)
        fe.link(href=article.url, rel="alternate", type="text/html")  # written by FeedsEntryExtension
        if article.provider is not None:
            fe.author(name=article.provider.name, uri=article.provider.uri)
        if article.excerpt:
            fe.summary(article.excerpt, type="text")
        body = entry_html(article)
        if body:
            fe.content(body, type="html")
        fe.published(article.date_published)
        for topic in article.topics:
            fe.category(term=topic.slug, label=topic.name, scheme=meta.topic_scheme)
    result: bytes = fg.atom_str(pretty=False, encoding="UTF-8")
    return result


def _rss(meta: FeedMeta, articles: Sequence[Article], entries: Sequence[Article]) -> bytes:
    fg = _feed(meta, articles)
    fg.generator(f"{GENERATOR} {meta.generator_version}")  # RSS 2.0 <generator> is text only
    fg.link(href=meta.self_link, rel="self", type="application/rss+xml")
    fg.link(href=meta.page_url, rel="alternate")  # RSS <link> is the last link set: the HTML page
    for article in entries:
        fe = _entry(fg, article)
        fe.guid(article.url, permalink=True)
        fe.link(href=article.url)
        fe.pubDate(article.date_published)
        body = entry_html(article)
        if body:
            fe.description(body)
        if article.provider is not None:
            fe.source(url=meta.provider_feed(article.provider.slug), title=article.provider.name)
        for topic in article.topics:
            fe.category(term=topic.slug, label=topic.name, scheme=meta.topic_scheme)
    result: bytes = fg.rss_str(pretty=False, encoding="UTF-8")
    return result


def _feed(meta: FeedMeta, articles: Sequence[Article]) -> Any:
    fg = FeedGenerator()
    fg.register_extension(NAME, FeedsExtension, FeedsEntryExtension, atom=True, rss=True)
    ours = getattr(fg, NAME)
    ours.paging, ours.hubs, ours.tombstones = meta.paging, meta.hubs, meta.tombstones
    fg.title(meta.title)
    fg.subtitle(meta.subtitle)
    fg.generator(GENERATOR, version=meta.generator_version)  # RFC 4287 §4.2.4
    # also RSS lastBuildDate; never "now": when the memory says the feed changed, else its newest date
    fg.updated(meta.updated or (articles[0].date_published if articles else EPOCH))
    return fg


def _entry(fg: Any, article: Article) -> Any:
    fe = fg.add_entry(order="append")
    fe.title(article.title)
    fe.updated(article.date_modified or article.date_published)
    getattr(fe, NAME).article = article
    return fe
