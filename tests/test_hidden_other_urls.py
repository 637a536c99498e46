"""A hidden document's other URLs (`originalUrl` beside its `webUrl`, `ampWebUrl`, `cdnAmpWebUrl`)
never come back as another article's related link, however the link spells them (contract: "Which
articles are visible"): whether the document is unpublished (read by the skimming reader or by YAML),
scheduled, or rejected. A link exactly to a visible article's URL stays, and a scheduled document's
other URLs come back with it when its time comes. Expectations are written from the rules; the
output is read as a subscriber sees it (every format, the HTML pages)."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.docurls import OTHER_URL_FIELDS
from feeds.export import pages
from feeds.selfnames import BLOCKING
from feeds.service import FeedService
from feeds.skim import NEEDED

from .helpers import document, front_matter, service_over, write_corpus

NOW = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC)
OTHER = "https://source.example/world/2025/the-secret-report"
# The other URL as a related link may spell it: the same article under the exact comparison, or one
# the looser comparison takes for it (each a rule of "Comparing URLs").
SPELLINGS = [
    OTHER,
    OTHER.replace("https:", "http:"),
    OTHER.replace("://", "://www."),
    OTHER + "/",
    OTHER.replace("source.example", "SOURCE.Example"),
    OTHER + "?utm_source=feed",
    OTHER + "#top",
    OTHER.replace("the-secret-report", "The-Secret-Report"),
    OTHER + ".html",
    OTHER + "/amp",
    OTHER.replace("://", "://m."),
    OTHER.replace("world/2025", "world//2025"),
    OTHER.replace("https://", "https://source-example.cdn.ampproject.org/c/s/"),
    "https://web.archive.org/web/2025/" + OTHER,
]
FIELDS = ["originalUrl", "ampWebUrl", "cdnAmpWebUrl"]
WAYS = ["unpublished", "unpublished, read by YAML", "draft", "scheduled", "rejected"]
QUOTES = ['"{}"', "'{}'", "{}"]


def hidden_text(way: str, field: str, quote: str) -> str:
    """A hidden document whose `field` names `OTHER`; its own URL and headline are unlike the link's."""
    url = quote.format(OTHER)
    lines = [
        "---",
        "title: A headline nobody may read",
        "webUrl: https://feeds-site.example/a/secret",
        f"{field}: {url}",
        "publishedDateTime: 2025-05-01T10:00:00Z" if way != "scheduled" else "publishedDateTime: 2099-01-01",
    ]
    if way.startswith("unpublished"):
        lines.append("published: false")
    if way == "unpublished, read by YAML":  # a line the skimming reader declines: YAML reads it whole
        lines.append("excerpt: |\n  two\n  lines")
    if way == "draft":
        lines += ["published: true", "draft: true"]
    if way == "rejected":
        lines.append("publishedDateTime: 2025-05-02")  # a duplicate key: rejected, and hidden
    return "\n".join([*lines, "---", ""])


def visible(n: int, related: list[dict[str, str]], **fields: object) -> dict[str, object]:
    return document(n=n, related=related, publishedDateTime=NOW - dt.timedelta(days=n), **fields)


def everything(root: Path, now: dt.datetime = NOW) -> str:
    """Every feed of every format, and the HTML pages, as a subscriber fetches them."""
    settings = service_over(root, FEEDS_BASE_URL="https://feeds.example").settings
    service = FeedService(settings, lambda: now)
    index = service.index()
    bodies = [service.body(job.make()).decode() for job in pages(service, "https://feeds.example")]
    assert index.count() >= 1
    return "\n".join(bodies)


def spelled_in(text: str, url: str) -> bool:
    """Whether `url` shows in `text` as a link: as written, escaped for XML/HTML or for JSON."""
    return any(form in text for form in (url, url.replace("&", "&amp;"), json.dumps(url)[1:-1]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(WAYS),
    st.sampled_from(FIELDS),
    st.sampled_from(QUOTES),
    st.sampled_from(SPELLINGS),
    st.sampled_from(["Another title entirely", "A headline nobody may read"]),
)
def test_a_link_to_a_hidden_documents_other_url_is_left_out(
    way: str, field: str, quote: str, spelling: str, title: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "content"
        shown = visible(
            1, [{"webUrl": spelling, "title": title}, {"webUrl": "https://ok.example/x", "title": "Kept"}]
        )
        write_corpus(root, {"hidden.md": hidden_text(way, field, quote), "shown.md": shown})
        text = everything(root)
        assert "https://ok.example/x" in text  # the related list is served
        assert not spelled_in(text, spelling), (way, field, spelling)
        assert "nobody may read" not in text


def test_every_reading_keeps_every_other_url_field() -> None:
    """The skimming reader keeps the lines of the other URLs, and a rejected document's salvage reads
    them: each reading gives the index all of them (the test above, field by field)."""
    assert set(OTHER_URL_FIELDS) <= NEEDED
    assert set(OTHER_URL_FIELDS) <= set(BLOCKING)


def test_a_link_exactly_to_a_visible_article_stays_though_a_hidden_document_names_it() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "content"
        other_article = visible(2, [], webUrl=OTHER, title="The report itself")
        linking = visible(1, [{"webUrl": OTHER, "title": "The report itself"}])
        write_corpus(
            root,
            {
                "hidden.md": hidden_text("unpublished", "originalUrl", '"{}"'),
                "a.md": linking,
                "b.md": other_article,
            },
        )
        text = everything(root)
        assert f'<a href="{OTHER}">The report itself</a>' in text  # a.md's related list


def test_a_scheduled_documents_other_urls_come_back_with_it() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "content"
        linking = visible(1, [{"webUrl": OTHER + "/", "title": "Source"}])
        write_corpus(root, {"hidden.md": hidden_text("scheduled", "originalUrl", "{}"), "a.md": linking})
        assert not spelled_in(everything(root), OTHER + "/")
        later = everything(root, dt.datetime(2099, 1, 2, tzinfo=dt.UTC))
        assert spelled_in(later, OTHER + "/")  # visible now: its own sources may be linked
        assert "nobody may read" in later


def test_a_document_whose_only_url_is_its_original_url_is_unchanged() -> None:
    """`originalUrl` is the article URL when there is no `webUrl`: nothing else is kept out."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "content"
        hidden = document(n=3, webUrl=None, originalUrl=OTHER, published=False, title="Hidden one")
        linking = visible(1, [{"webUrl": "https://elsewhere.example/b", "title": "Elsewhere"}])
        write_corpus(root, {"hidden.md": front_matter(hidden), "a.md": linking})
        assert "https://elsewhere.example/b" in everything(root)
