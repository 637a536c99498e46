"""Feeds assembled from cached entries are byte for byte the feeds rendered whole."""

from __future__ import annotations

import gc
from pathlib import Path

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds import presentation
from feeds.feedkeys import ALL, FeedQuery
from feeds.httppolicy import Format
from feeds.model import Article
from feeds.render.fragments import Fragments
from feeds.representation import RENDERERS
from feeds.service import FeedService
from feeds.settings import Settings

from .helpers import DEMO, REAL, AppFactory, document, write_corpus

FORMATS: tuple[Format, ...] = ("atom", "rss", "json")
BASE_URL = "https://feeds.example"


def every_page(service: FeedService, base: str) -> list[tuple[Format, object, tuple[object, ...]]]:
    index = service.index()
    keys = [ALL] + [s.key for s in index.summaries("topics")] + [s.key for s in index.summaries("providers")]
    pages = []
    for key in keys:
        query = FeedQuery(limit=4)
        group = index.select(key, query)
        for n in range(1, group.pages + 1):
            query = FeedQuery(limit=4, page=n)
            group = index.select(key, query)
            for fmt in FORMATS:
                pages.append(
                    (fmt, presentation.feed_meta(group, fmt, base, query, service.settings), group.articles)
                )
    return pages


@pytest.mark.parametrize("root", [DEMO, REAL], ids=["demo", "real"])
def test_assembled_feeds_are_the_whole_renders(root: Path) -> None:
    service = FeedService(Settings(content_dir=root, watch="off", feed_limit=4))
    fragments = Fragments(64 * 1024 * 1024)
    pages = every_page(service, "https://feeds.example")
    assert len(pages) > 60
    for round_ in ("cold", "warm"):  # entries rendered first for one feed are reused by the others
        for fmt, meta, articles in pages:
            whole = RENDERERS[fmt](meta, articles, None)  # type: ignore[arg-type]
            assert RENDERERS[fmt](meta, articles, fragments) == whole, (round_, fmt, meta)  # type: ignore[arg-type]
    assert len(fragments) == sum(1 for _ in service.index().articles) * len(FORMATS)


def test_entries_are_kept_per_site_root_and_within_their_bound() -> None:
    service = FeedService(Settings(content_dir=DEMO, watch="off", feed_limit=4))
    fragments = Fragments(20_000)  # a few entries at a time
    for base in ("https://one.example", "https://two.example", "https://one.example"):
        for fmt, meta, articles in every_page(service, base):
            body = RENDERERS[fmt](meta, articles, fragments)  # type: ignore[arg-type]
            assert body == RENDERERS[fmt](meta, articles, None)  # type: ignore[arg-type]
            other = "two" if "one" in base else "one"
            assert f"{other}.example".encode() not in body
            if fmt != "json":
                assert feedparser.parse(body).bozo == 0
        assert len(fragments) < 40


def test_an_article_no_longer_shown_is_not_kept_alive_by_what_was_rendered_of_it(
    make_app: AppFactory, tmp_path: Path
) -> None:
    """Entries and ETag inputs are kept between renders, within their bounds; the article objects they
    came from are not. Kept by the caches, every edit left its old article behind until eviction,
    uncounted, and a worker grew by about 1.8 KB an edit (the soak measured 22% in 90 s)."""
    root = write_corpus(tmp_path / "content", {f"d{n}.md": document(n=n) for n in range(5)})
    app = make_app(root)
    client = app.test_client()
    for n in range(10):
        write_corpus(root, {"d4.md": document(n=4, title=f"Edit {n}")})
        app.extensions["feeds"].reload()
        for path in ("/all.atom", "/all.rss", "/all.json", "/topics/ai.atom", "/all.atom?limit=2"):
            assert f"Edit {n}".encode() in client.get(path).get_data()
    gc.collect()
    alive = {o.title for o in gc.get_objects() if isinstance(o, Article) and o.path == "d4.md"}
    assert alive == {"Edit 9"}


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_entries_rendered_by_another_process_serve_as_if_rendered_here(data: st.DataObject) -> None:
    """An export's processes hand each other the entries they rendered (`recording`, `keep`): a feed
    assembled from entries another process rendered is the whole render, and nothing handed over is
    rendered again. Which pages the other process made, and in which order, is generated."""
    service = FeedService(Settings(content_dir=REAL, watch="off", feed_limit=4))
    pages = every_page(service, "https://feeds.example")
    theirs = data.draw(st.lists(st.sampled_from(pages), max_size=len(pages)), label="pages made elsewhere")
    elsewhere, here = Fragments(64 * 1024 * 1024), Fragments(64 * 1024 * 1024)
    with elsewhere.recording() as handed:
        for fmt, meta, articles in theirs:
            RENDERERS[fmt](meta, articles, elsewhere)  # type: ignore[arg-type]
    assert len(handed) == len(elsewhere)  # each entry recorded once, when it was rendered
    here.keep(handed)
    had = {(fmt, a.url) for fmt, _, articles in theirs for a in articles}
    with here.recording() as rendered_here:
        for fmt, meta, articles in data.draw(st.permutations(pages), label="pages made here"):
            whole = RENDERERS[fmt](meta, articles, None)  # type: ignore[arg-type]
            assert RENDERERS[fmt](meta, articles, here) == whole  # type: ignore[arg-type]
    every = {(fmt, a.url) for fmt, _, articles in pages for a in articles}
    assert len(rendered_here) == len(every - had)  # only what was not handed over, once each


def test_a_batch_grows_the_bound_to_keep_every_entry() -> None:
    """A bound too small for a batch that shows each entry in several feeds (an export) renders entries
    again and again; grown, it keeps them all, and a smaller `grow` never shrinks it."""
    service = FeedService(Settings(content_dir=REAL, watch="off", feed_limit=4))
    pages = every_page(service, "https://feeds.example")
    every = {(fmt, a.url) for fmt, _, articles in pages for a in articles}
    for grown, expected in ((False, None), (True, len(every))):
        fragments = Fragments(20_000)  # a few entries at a time
        if grown:
            fragments.grow(64 * 1024 * 1024)
            fragments.grow(10)
        with fragments.recording() as rendered:
            for fmt, meta, articles in pages:
                RENDERERS[fmt](meta, articles, fragments)  # type: ignore[arg-type]
        if expected is None:
            assert len(rendered) > len(every)  # the same entries, rendered for each feed again
        else:
            assert len(rendered) == expected


@pytest.mark.parametrize("root", [DEMO, REAL], ids=["demo", "real"])
def test_feed_pages_assembled_from_items_rendered_before_are_the_whole_renders(root: Path) -> None:
    """The HTML page of each topic and provider, each page of it, from items rendered for other pages
    (`article.html`, kept in `Fragments`): the same bytes as the page rendered whole."""
    service = FeedService(Settings(content_dir=root, watch="off", feed_limit=4))
    index = service.index()
    keys = [s.key for family in ("topics", "providers") for s in index.summaries(family)]
    fragments = Fragments(64 * 1024 * 1024)
    settings_ = service.settings
    made = 0
    for round_ in ("cold", "warm"):
        for key in keys:
            for n in range(1, index.select(key, FeedQuery(limit=4)).pages + 1):
                query = FeedQuery(limit=4, page=n)
                whole = presentation.feed_page(index, key, BASE_URL, query, settings_, service.read_at)
                assembled = presentation.feed_page(
                    index, key, BASE_URL, query, settings_, service.read_at, fragments
                )
                assert assembled.etag == whole.etag
                assert assembled.body() == whole.body(), (round_, key, n)
                made += 1
    assert made > 40
    assert len(fragments) == index.count()  # one item per article shown, in all its pages
