"""The visibility rule, de-duplication, canonical names and scheduling: one place, tested here."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.errors import UnknownFeedError
from feeds.feedkeys import FeedKey, FeedQuery
from feeds.index import Index
from feeds.model import Article, Provider, Related, Topic, Withheld
from feeds.slugs import slugify

from .helpers import make_article

NOW = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC)


def at(day: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(2025, 5, day, hour, tzinfo=dt.UTC)


def index_of(*articles: Article, withheld: dict[str, str] | None = None, now: dt.datetime = NOW) -> Index:
    """An index of these articles; ones left with make_article's default path get a path of their own."""
    unique = [
        a if a.path != "a.md" or n == 0 else replace(a, path=f"doc-{n}.md") for n, a in enumerate(articles)
    ]
    return Index.of(unique, now, {path: Withheld(url) for path, url in (withheld or {}).items()})


def urls(articles: tuple[Article, ...]) -> list[str]:
    return [a.url for a in articles]


def test_newest_first_ties_broken_by_id_ascending() -> None:
    index = index_of(
        make_article(url="https://x.example/b", date_published=at(2), path="1.md"),
        make_article(url="https://x.example/c", date_published=at(3), path="2.md"),
        make_article(url="https://x.example/a", date_published=at(2), path="3.md"),
    )
    assert urls(index.articles) == ["https://x.example/c", "https://x.example/a", "https://x.example/b"]


def test_unpublished_and_future_documents_are_not_visible() -> None:
    index = index_of(
        make_article(url="https://x.example/shown", date_published=at(1)),
        make_article(url="https://x.example/off", date_published=at(2), publish=False),
        make_article(url="https://x.example/later", date_published=NOW + dt.timedelta(seconds=1)),
    )
    assert urls(index.articles) == ["https://x.example/shown"]
    assert index.hidden_count == 2


def test_a_scheduled_article_sets_when_the_index_expires_and_shows_from_then_on() -> None:
    due = NOW + dt.timedelta(hours=3)
    articles = (
        make_article(url="https://x.example/a", date_published=at(1)),
        make_article(url="https://x.example/b", date_published=due),
        make_article(url="https://x.example/c", date_published=NOW + dt.timedelta(days=9)),
        make_article(url="https://x.example/d", date_published=NOW + dt.timedelta(hours=1), publish=False),
    )
    before = index_of(*articles)
    assert before.valid_until == due  # the unpublished one is never due
    assert urls(before.articles) == ["https://x.example/a"]
    after = index_of(*articles, now=due)
    assert urls(after.articles) == ["https://x.example/b", "https://x.example/a"]
    assert after.valid_until == NOW + dt.timedelta(days=9)


def test_duplicate_urls_keep_the_later_date_then_the_later_path() -> None:
    url = "https://x.example/same"
    index = index_of(
        make_article(url=url, title="old", date_published=at(1), path="z.md"),
        make_article(url=url, title="new", date_published=at(2), path="a.md"),
        make_article(url="https://x.example/tie", title="first path", date_published=at(3), path="t1.md"),
        make_article(url="https://x.example/tie", title="second path", date_published=at(3), path="t2.md"),
    )
    assert {a.url: a.title for a in index.articles} == {url: "new", "https://x.example/tie": "second path"}


def test_a_hidden_copy_never_suppresses_a_visible_one() -> None:
    url = "https://x.example/same"
    index = index_of(
        make_article(url=url, title="visible", date_published=at(1)),
        make_article(url=url, title="newer but unpublished", date_published=at(2), publish=False),
    )
    assert [a.title for a in index.articles] == ["visible"]


def test_related_links_to_hidden_documents_are_left_out_unless_a_visible_copy_exists() -> None:
    hidden = "https://x.example/hidden"
    both = "https://x.example/both"
    scheduled = "https://x.example/scheduled"
    rejected_hidden = "https://x.example/broken-unpublished"
    rejected_visible = "https://x.example/broken-published"
    outside = "https://elsewhere.example/story"
    related = tuple(
        Related(u, f"about {u}")
        for u in (hidden, both, scheduled, rejected_hidden, rejected_visible, outside)
    )
    index = index_of(
        make_article(url="https://x.example/main", related=related, date_published=at(3)),
        make_article(url=hidden, date_published=at(1), publish=False),
        make_article(url=both, date_published=at(1), publish=False, path="1.md"),
        make_article(url=both, date_published=at(1), path="2.md"),
        make_article(url=scheduled, date_published=NOW + dt.timedelta(days=1)),
        withheld={"r1.md": rejected_hidden},  # a rejected file that said published: false
    )
    main = index.articles[0]
    assert [r.url for r in main.related] == [both, rejected_visible, outside]


def test_topics_and_providers_exist_only_through_visible_articles() -> None:
    index = index_of(
        make_article(url="https://x.example/1", topics=(Topic("ai", "AI"),), date_published=at(1)),
        make_article(
            url="https://x.example/2",
            topics=(Topic("secret", "Secret"),),
            provider=Provider("hidden.example", "Hidden Co", "hidden.example"),
            publish=False,
        ),
    )
    assert [g.key.slug for g in index.summaries("topics")] == ["ai"]
    assert [g.key.slug for g in index.summaries("providers")] == ["news.example"]
    for key in (FeedKey("topics", "secret"), FeedKey("providers", "hidden.example")):
        with pytest.raises(UnknownFeedError):
            index.select(key)


def test_display_names_are_the_most_frequent_visible_spelling_ties_alphabetical() -> None:
    def article(n: int, topic: str, provider: str, shown: bool = True) -> Article:
        return make_article(
            url=f"https://x.example/{n}",
            date_published=at(n),
            topics=(Topic("machine-learning", topic),),
            provider=Provider("mail.example", provider, "mail.example"),
            publish=shown,
        )

    index = index_of(
        article(1, "machine learning", "The Mail"),
        article(2, "Machine Learning", "Mail"),
        article(3, "Machine Learning", "The Mail"),
        article(4, "MACHINE LEARNING", "Mail"),
        article(5, "MACHINE LEARNING", "Zed", shown=False),
        article(6, "MACHINE LEARNING", "Zed", shown=False),
    )
    assert index.name(FeedKey("topics", "machine-learning")) == "Machine Learning"
    assert (
        index.name(FeedKey("providers", "mail.example")) == "Mail"
    )  # 2 v 2: alphabetical; hidden "Zed" does not count
    names = {a.provider.name for a in index.articles if a.provider}
    assert names == {"Mail"}  # every entry carries the canonical name
    assert {t.name for a in index.articles for t in a.topics} == {"Machine Learning"}


# --- incremental updates agree with building from scratch ----------------------------------------------

URLS = [f"https://x.example/{n}" for n in range(6)]  # few: duplicates and blocked related links are common
TOPIC_NAMES = ["AI", "ai", "Économie", "Sport"]
PROVIDERS = [Provider("a.example", "A"), Provider("a.example", "The A"), Provider("b.example", "B")]

article_strategy = st.builds(
    lambda url, day, hour, shown, topics, provider, related, path: make_article(
        url=url,
        path=path,
        date_published=at(day, hour),
        publish=shown,
        topics=tuple({Topic(slugify(t), t): None for t in topics}),
        provider=provider,
        related=tuple(Related(u, f"about {u}") for u in related),
    ),
    url=st.sampled_from(URLS),
    day=st.integers(1, 31),
    hour=st.sampled_from([0, 12]),
    shown=st.booleans(),
    topics=st.lists(st.sampled_from(TOPIC_NAMES), max_size=2),
    provider=st.sampled_from([*PROVIDERS, None]),
    related=st.lists(st.sampled_from(URLS), max_size=3, unique=True),
    path=st.sampled_from([f"{c}.md" for c in "abcdefgh"]),
)
edits = st.lists(
    st.one_of(
        article_strategy,
        st.tuples(
            st.sampled_from([f"{c}.md" for c in "abcdefgh"]),
            st.sampled_from([*URLS, None]).map(lambda url: Withheld(url) if url else None),
        ),
    ),
    max_size=25,
)


def observable(index: Index) -> object:
    """Everything a reader can see: every feed's entries (as shown), names and counts."""
    keys = [FeedKey("all")] + [s.key for family in ("topics", "providers") for s in index.summaries(family)]  # type: ignore[arg-type]
    return {key: (index.name(key), index.select(key, FeedQuery(limit=500)).articles) for key in keys}


@settings(max_examples=200, deadline=None)
@given(edits, st.integers(1, 31))
def test_any_sequence_of_edits_gives_the_index_a_fresh_build_would(
    steps: list[Article | tuple[str, Withheld | None]], clock_day: int
) -> None:
    now = at(15)
    live = Index(now)
    final: dict[str, Article | Withheld | None] = {}
    for step in steps:
        change = {step.path: step} if isinstance(step, Article) else {step[0]: step[1]}
        live.apply(change)
        final.update(change)
    later = at(clock_day, 6)
    live.advance(later)
    articles = [a for a in final.values() if isinstance(a, Article)]
    withheld = {p: u for p, u in final.items() if isinstance(u, Withheld)}
    fresh = Index.of(articles, max(now, later), withheld)
    assert observable(live) == observable(fresh)
    assert live.hidden_count == fresh.hidden_count
    assert live.valid_until == fresh.valid_until


@settings(max_examples=200, deadline=None)
@given(st.lists(edits, min_size=1, max_size=6))
def test_large_changes_give_what_the_same_changes_one_by_one_do(
    batches: list[list[Article | tuple[str, Withheld | None]]],
) -> None:
    """A start or a sync applies thousands of documents in one change, and sorts them into the feeds
    at its end; counted as large from two documents on here, so that every batch takes that way."""
    now = at(15)
    one_by_one, in_batches = Index(now), Index(now)
    with mock.patch("feeds.indexchanges.RANKED_CHANGES", 1):
        for batch in batches:
            change: dict[str, Article | Withheld | None] = {}
            for step in batch:
                here = {step.path: step} if isinstance(step, Article) else {step[0]: step[1]}
                one_by_one.apply(here)
                change.update(here)
            in_batches.apply(change)
            assert observable(in_batches) == observable(one_by_one)
            assert in_batches.hidden_count == one_by_one.hidden_count
            assert in_batches.count() == one_by_one.count()
