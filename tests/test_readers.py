"""Every feed of the demo corpus and of the real sample, read by feedparser as a feed reader would."""

from __future__ import annotations

import re
from pathlib import Path

import feedparser
import pytest
from flask.testing import FlaskClient
from lxml import etree, html

from .helpers import DEMO, REAL, AppFactory

A = "{http://www.w3.org/2005/Atom}"
ZONED = re.compile(r"(Z|[+-]\d\d:?\d\d|GMT|UT)$")


def all_feeds(client: FlaskClient) -> list[str]:
    index = client.application.extensions["feeds"].index()
    paths = ["all"] + [s.key.path for kind in ("topics", "providers") for s in index.summaries(kind)]
    return [f"/{path}.{fmt}" for path in paths for fmt in ("atom", "rss")]


@pytest.mark.parametrize("corpus", [DEMO, REAL], ids=["demo", "real"])
def test_feedparser_reads_every_feed_cleanly(make_app: AppFactory, corpus: Path) -> None:
    client = make_app(corpus).test_client()
    urls = all_feeds(client)
    feeds_in_corpus = 1 + 8 + 6 if corpus == DEMO else 1 + 18 + 32  # all, topics, providers
    assert len(urls) == 2 * feeds_in_corpus
    entries = 0
    for url in urls:
        body = client.get(url).data
        parsed = feedparser.parse(body)
        assert parsed.bozo == 0, (url, parsed.get("bozo_exception"))
        assert parsed.entries, url
        raw = etree.fromstring(body)
        raw_links = [x.get("href") for x in raw.iter(f"{A}link") if x.getparent().tag == f"{A}entry"]
        raw_links += [x.text for x in raw.iter("link") if x.getparent().tag == "item"]
        assert all(re.match(r"https?://[^/\s]+", link or "") for link in raw_links), (
            url
        )  # absolute in the XML
        raw_dates = [x.text or "" for x in raw.iter(f"{A}published", f"{A}updated", "pubDate")]
        assert all(ZONED.search(d) for d in raw_dates), url
        for entry in parsed.entries:
            assert entry.id, url
            assert entry.title, url
            assert re.match(r"https?://", entry.link), url
            assert entry.get("published_parsed") or entry.get("updated_parsed"), url
            summary = entry.get("summary", "")
            if url.endswith(".rss"):  # RSS description is HTML: what a reader shows is its text
                summary = html.fromstring(f"<div>{summary}</div>").text_content()
            text = f"{entry.title} {summary}"
            assert not re.search(r"&(#\d+|#x[0-9a-fA-F]+|amp|quot|nbsp|lt|gt);", text), (url, text)
            assert not re.search(r"</?[a-zA-Z][^>]*>", text), (url, text)
        entries += len(parsed.entries)
    assert entries > len(urls)
