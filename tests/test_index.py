"""The visibility rule, de-duplication, canonical names and scheduling: one place, tested here."""

from __future__ import annotations

import datetime as dt

import pytest

from feeds.corpus import Corpus, Rejected
from feeds.errors import DocumentError, UnknownFeed
from feeds.index import FeedKey, Index
from feeds.model import Article, Provider, Related, Topic

from .conftest import make_article

NOW = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC)


def at(day: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(2025, 5, day, hour, tzinfo=dt.UTC)


def index_of(*articles: Article, rejected: tuple[Rejected, ...] = (), now: dt.datetime = NOW) -> Index:
    return Index(Corpus(articles=articles, rejected=rejected), now)


def urls(articles: tuple[Article, ...]) -> list[str]:
    return [a.url for a in articles]


def test_newest_first_ties_broken_by_id_ascending() -> None:
    index = index_of(
        make_article(url="https://x.example/b", published=at(2), path="1.md"),
        make_article(url="https://x.example/c", published=at(3), path="2.md"),
        make_article(url="https://x.example/a", published=at(2), path="3.md"),
    )
    assert urls(index.articles) == ["https://x.example/c", "https://x.example/a", "https://x.example/b"]


def test_unpublished_and_future_documents_are_not_visible() -> None:
    index = index_of(
        make_article(url="https://x.example/shown", published=at(1)),
        make_article(url="https://x.example/off", published=at(2), flagged_published=False),
        make_article(url="https://x.example/later", published=NOW + dt.timedelta(seconds=1)),
    )
    assert urls(index.articles) == ["https://x.example/shown"]
    assert index.hidden_count == 2


def test_a_scheduled_article_sets_when_the_index_expires_and_shows_from_then_on() -> None:
    due = NOW + dt.timedelta(hours=3)
    articles = (
        make_article(url="https://x.example/a", published=at(1)),
        make_article(url="https://x.example/b", published=due),
        make_article(url="https://x.example/c", published=NOW + dt.timedelta(days=9)),
        make_article(
            url="https://x.example/d", published=NOW + dt.timedelta(hours=1), flagged_published=False
        ),
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
        make_article(url=url, title="old", published=at(1), path="z.md"),
        make_article(url=url, title="new", published=at(2), path="a.md"),
        make_article(url="https://x.example/tie", title="first path", published=at(3), path="a.md"),
        make_article(url="https://x.example/tie", title="second path", published=at(3), path="b.md"),
    )
    assert {a.url: a.title for a in index.articles} == {url: "new", "https://x.example/tie": "second path"}


def test_a_hidden_copy_never_suppresses_a_visible_one() -> None:
    url = "https://x.example/same"
    index = index_of(
        make_article(url=url, title="visible", published=at(1)),
        make_article(url=url, title="newer but unpublished", published=at(2), flagged_published=False),
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
        make_article(url="https://x.example/main", related=related, published=at(3)),
        make_article(url=hidden, published=at(1), flagged_published=False),
        make_article(url=both, published=at(1), flagged_published=False, path="1.md"),
        make_article(url=both, published=at(1), path="2.md"),
        make_article(url=scheduled, published=NOW + dt.timedelta(days=1)),
        rejected=(
            Rejected(DocumentError("r1.md", "title", "missing"), rejected_hidden, hidden=True),
            Rejected(DocumentError("r2.md", "title", "missing"), rejected_visible, hidden=False),
        ),
    )
    main = index.articles[0]
    assert [r.url for r in main.related] == [both, rejected_visible, outside]


def test_topics_and_providers_exist_only_through_visible_articles() -> None:
    index = index_of(
        make_article(url="https://x.example/1", topics=(Topic("ai", "AI"),), published=at(1)),
        make_article(
            url="https://x.example/2",
            topics=(Topic("secret", "Secret"),),
            provider=Provider("hidden.example", "Hidden Co", "hidden.example"),
            flagged_published=False,
        ),
    )
    assert list(index.topics) == ["ai"]
    assert list(index.providers) == ["news.example"]
    for key in (FeedKey("topics", "secret"), FeedKey("providers", "hidden.example")):
        with pytest.raises(UnknownFeed):
            index.group(key)


def test_display_names_are_the_most_frequent_visible_spelling_ties_alphabetical() -> None:
    def article(n: int, topic: str, provider: str, shown: bool = True) -> Article:
        return make_article(
            url=f"https://x.example/{n}",
            published=at(n),
            topics=(Topic("machine-learning", topic),),
            provider=Provider("mail.example", provider, "mail.example"),
            flagged_published=shown,
        )

    index = index_of(
        article(1, "machine learning", "The Mail"),
        article(2, "Machine Learning", "Mail"),
        article(3, "Machine Learning", "The Mail"),
        article(4, "MACHINE LEARNING", "Mail"),
        article(5, "MACHINE LEARNING", "Zed", shown=False),
        article(6, "MACHINE LEARNING", "Zed", shown=False),
    )
    assert index.topics["machine-learning"].name == "Machine Learning"
    assert index.providers["mail.example"].name == "Mail"  # 2 v 2: alphabetical; hidden "Zed" does not count
    names = {a.provider.name for a in index.articles if a.provider}
    assert names == {"Mail"}  # every entry carries the canonical name
    assert {t.name for a in index.articles for t in a.topics} == {"Machine Learning"}
