"""A topic or provider whose slug would be long (a 240-letter topic, 70 CJK characters that
transliterate to 420 letters, a 253-character domain) is served and exported like any other: its slug
is shortened, stably (contract: Slugs), so every file of the export has a name a disk can hold (255
bytes), and the export's files are the server's answers at the same URLs."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.slugs import MAX_SLUG, short, slugify

from .helpers import BASE, AppFactory, document, write_corpus

LABEL = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=63).filter(
    lambda label: label[0] != "-"
)
LONG_DOMAINS = st.lists(LABEL, min_size=2, max_size=6).map(".".join).filter(lambda d: len(d) <= 253)
LONG_NAMES = st.one_of(
    st.text("abcdefghij ", min_size=150, max_size=400),
    st.text("北京東京서울", min_size=20, max_size=120),
    st.text("Éçüß-–", min_size=100, max_size=300),
)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(LONG_NAMES, LONG_DOMAINS)
def test_a_long_topic_or_domain_is_exported_and_served_at_a_name_a_disk_holds(
    make_app: AppFactory, topic: str, domain: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = write_corpus(
            Path(tmp) / "c",
            {"a.md": document(n=1, topics=[topic, "Short"], provider={"name": "P", "domain": domain})},
        )
        app = make_app(root, DATA_DIR=str(Path(tmp) / "data"))
        out = Path(tmp) / "site"
        result = app.test_cli_runner().invoke(args=["export", str(out)])
        assert result.exit_code == 0, result.output
        assert all(len(p.name.encode()) <= 255 for p in out.rglob("*"))
        client = app.test_client()
        for family, name in (("topics", topic), ("providers", domain)):
            slug = slugify(name) if family == "topics" else short(domain)
            if not slug:
                continue
            assert len(slug) <= MAX_SLUG
            for fmt in ("atom", "rss", "json"):
                answered = client.get(f"/{family}/{slug}.{fmt}")
                assert answered.status_code == 200, (family, slug)
                assert (out / family / f"{slug}.{fmt}").read_bytes() == answered.get_data()
            page = client.get(f"/{family}/{slug}/")
            assert page.status_code == 200
            assert (out / family / slug / "index.html").read_bytes() == page.get_data()
            assert f"{BASE}/{family}/{slug}.rss".encode() in (out / "feeds.opml.xml").read_bytes()


@given(st.text("abc-", min_size=MAX_SLUG - 20, max_size=600))
def test_a_shortened_slug_is_stable_short_and_tells_long_ones_apart(tail: str) -> None:
    """Two slugs that share their first 200 characters stay two; a short one is unchanged."""
    first, second = "x" * MAX_SLUG + tail, "x" * MAX_SLUG + tail + "y"
    assert short(first) == short(first)
    assert len(short(first)) <= MAX_SLUG
    assert short(first) != short(second)
    assert short("ai") == "ai"
    assert short("x" * MAX_SLUG) == "x" * MAX_SLUG
