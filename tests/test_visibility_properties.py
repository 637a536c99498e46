"""Property-based tests over generated corpora: nothing hidden ever appears, everything visible does.

The expectation is computed here from the generated documents and the contract's rules, written
out independently of `feeds.index`.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from feeds import create_app

from .helpers import BASE, front_matter, write_corpus

A = "{http://www.w3.org/2005/Atom}"
NOW = dt.datetime.now(dt.UTC)
FLAGS: list[Any] = [True, False, None, "no", "Off", 0, "yes", "FALSE"]  # None: no `published` key
HIDING = {False, "no", "Off", "FALSE"}
TOPICS = {
    "AI": "ai",
    "ai": "ai",
    "Économie": "economie",
    "Computer Vision": "computer-vision",
    "Sport": "sport",
}
PROVIDERS = [
    ("Daily Mail", "www.dailymail.co.uk"),
    ("Mail Online", "dailymail.co.uk"),
    ("BBC", "bbc.co.uk"),
    ("Wire", "wire.example"),
]
URLS = [f"https://site.example/story-{n}" for n in range(8)]  # few, so that duplicates happen


@dataclass
class Doc:
    name: str
    url: str
    title: str
    when: dt.datetime
    flag: Any
    topics: list[str | None]
    provider: tuple[str, str]
    related: list[str]

    @property
    def visible(self) -> bool:
        return self.flag not in HIDING and self.when <= NOW

    def fields(self, secret: str) -> dict[str, Any]:
        data: dict[str, Any] = {
            "title": self.title,
            "excerpt": f"About {self.title}.",
            "publishedDateTime": self.when,
            "webUrl": self.url,
            "provider": {"name": self.provider[0], "domain": self.provider[1]},
            "topics": self.topics,
            "secured": secret,
            "related": [{"title": f"Related to {u}", "webUrl": u} for u in self.related],
        }
        if self.flag is not None:
            data["published"] = self.flag
        return data


@st.composite
def corpora(draw: st.DrawFn) -> list[Doc]:
    count = draw(st.integers(1, 30))
    docs = []
    for n in range(count):
        future = draw(st.booleans()) and draw(st.booleans())  # about a quarter
        when = (
            NOW + dt.timedelta(days=draw(st.integers(1, 3000)))
            if future
            else dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
            + dt.timedelta(hours=draw(st.integers(0, 24 * 365 * 25)) // 6 * 6)
        )
        docs.append(
            Doc(
                name=f"{draw(st.sampled_from(['', 'a/', 'a/b/']))}doc{n}.md",
                url=draw(st.sampled_from(URLS)),
                title=f"Headline {n} {draw(st.text('qxzjkw', min_size=6, max_size=6))}",
                when=when,
                flag=draw(st.sampled_from(FLAGS)),
                topics=draw(st.lists(st.sampled_from([*TOPICS, None]), max_size=3)),
                provider=draw(st.sampled_from(PROVIDERS)),
                related=draw(
                    st.lists(st.sampled_from([*URLS, "https://elsewhere.example/x"]), max_size=3, unique=True)
                ),
            )
        )
    return docs


def expected(docs: list[Doc]) -> tuple[list[Doc], set[str]]:
    """The contract's rules: visible documents, one per URL (later date, then later path), newest
    first with ties by URL; and the URLs that must never appear (hidden, with no visible copy)."""
    best: dict[str, Doc] = {}
    for d in docs:
        if d.visible and (d.url not in best or (d.when, d.name) > (best[d.url].when, best[d.url].name)):
            best[d.url] = d
    shown = sorted(best.values(), key=lambda d: (-d.when.timestamp(), d.url))
    hidden_urls = {d.url for d in docs if not d.visible} - set(best)
    return shown, hidden_urls


def provider_slug(domain: str) -> str:
    return domain.removeprefix("www.")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corpora())
def test_generated_corpora_show_exactly_the_visible_documents(docs: list[Doc]) -> None:
    blob = "U0VDUkVULUJMT0ItVEhBVC1NVVNULU5FVkVSLUFQUEVBUg=="
    shown, hidden_urls = expected(docs)
    hidden_titles = {d.title for d in docs if d not in shown}
    with tempfile.TemporaryDirectory() as tmp:
        root = write_corpus(Path(tmp), {d.name: front_matter(d.fields(blob)) for d in docs})
        app = create_app({"TESTING": True, "CONTENT_DIR": str(root), "BASE_URL": BASE, "WATCH": "off"})
        client = app.test_client()
        bodies: list[bytes] = []

        def get(url: str) -> bytes:
            response = client.get(url)
            assert response.status_code < 500, url
            bodies.append(response.data)
            return response.data if response.status_code == 200 else b""

        # /all.atom: the newest 50 visible documents, in order, and nothing else
        feed = etree.fromstring(get("/all.atom"))
        assert [e.findtext(f"{A}id") for e in feed.iter(f"{A}entry")] == [d.url for d in shown[:50]]
        assert [e.findtext(f"{A}title") for e in feed.iter(f"{A}entry")] == [d.title for d in shown[:50]]
        get("/all.rss")
        get("/")
        get("/healthz")

        # every topic and provider any document names: a feed of its visible documents, or a 404
        for slug in set(TOPICS.values()):
            members = [d.url for d in shown if slug in {TOPICS[t] for t in d.topics if t}]
            for fmt in ("atom", "rss"):
                response = client.get(f"/topics/{slug}.{fmt}")
                bodies.append(response.data)
                assert response.status_code == (200 if members else 404)
                if fmt == "atom" and members:
                    ids = [e.findtext(f"{A}id") for e in etree.fromstring(response.data).iter(f"{A}entry")]
                    assert ids == members[:50]
        for slug in {provider_slug(p[1]) for p in PROVIDERS}:
            members = [d.url for d in shown if provider_slug(d.provider[1]) == slug]
            response = client.get(f"/providers/{slug}.rss")
            bodies.append(response.data)
            assert response.status_code == (200 if members else 404)
            if members:
                assert [i.findtext("guid") for i in etree.fromstring(response.data).iter("item")] == members[
                    :50
                ]
                get(f"/providers/{slug}")

    everything = b"\n".join(bodies).decode()
    assert blob not in everything
    for url in hidden_urls:
        assert f'"{url}"' not in everything, url
        assert f">{url}<" not in everything, url
    for title in hidden_titles:
        assert title not in everything, title
