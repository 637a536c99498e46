"""HTTP caching rules (issue "HTTP citizen"): validators, 304s, gzip, Cache-Control, queries, bounds."""

from __future__ import annotations

import datetime as dt
import email.utils
import gzip
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from feeds import representation
from feeds.model import Article
from feeds.render import FeedMeta
from feeds.render.fragments import Fragments

from .helpers import AppFactory, document, write_corpus

ATOM = "{http://www.w3.org/2005/Atom}"
GZIP = {"Accept-Encoding": "gzip, deflate, br"}


def ids(body: bytes) -> list[str]:
    return [e.findtext(f"{ATOM}id") or "" for e in etree.fromstring(body).iter(f"{ATOM}entry")]


@pytest.fixture
def many(make_app: AppFactory, tmp_path: Path) -> FlaskClient:
    """60 visible documents with varied quality and heat (some without either)."""
    docs = {
        f"d{n:02}.md": document(n=n, quality=n, heat=(n % 7) - 1 if n % 5 else None) for n in range(1, 61)
    }
    return make_app(write_corpus(tmp_path / "many", docs)).test_client()


# --- ETags: exactly when the bytes change ----------------------------------------------------------


def test_etag_ignores_fields_the_feed_does_not_show_and_follows_those_it_does(
    make_app: AppFactory, tmp_path: Path
) -> None:
    def serve(name: str, **fields: object) -> tuple[str, bytes]:
        with make_app(write_corpus(tmp_path / name, {"a.md": document(n=1, **fields)})).test_client() as c:
            response = c.get("/all.atom")
            return response.headers["ETag"], response.data

    base = serve("base")
    assert serve("quality", quality=99, heat=99) == base  # not rendered: same bytes, same ETag
    edited = serve("title", title="A corrected title")
    assert edited[0] != base[0]
    assert edited[1] != base[1]


def test_a_conditional_hit_renders_nothing(
    make_app: AppFactory, corpus_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    etag = make_app(corpus_dir).test_client().get("/all.atom").headers["ETag"]  # another process, same corpus
    calls: list[str] = []

    def counting(fmt: str) -> Callable[[FeedMeta, Sequence[Article], Fragments | None], bytes]:
        real = representation.RENDERERS[fmt]  # type: ignore[index]

        def render(meta: FeedMeta, articles: Sequence[Article], fragments: Fragments | None) -> bytes:
            calls.append(fmt)
            return real(meta, articles, fragments)

        return render

    monkeypatch.setattr(representation, "RENDERERS", {f: counting(f) for f in ("atom", "rss")})
    with make_app(corpus_dir).test_client() as c:
        assert c.get("/all.atom", headers={"If-None-Match": etag}).status_code == 304
        assert calls == []
        assert c.get("/all.atom").status_code == 200
        assert c.get("/all.atom").status_code == 200
        assert calls == ["atom"]  # rendered once, then served from the cache


def test_if_none_match_decides_over_if_modified_since(client: FlaskClient) -> None:
    first = client.get("/all.atom")
    stale_tag_fresh_date = {
        "If-None-Match": '"something-else"',
        "If-Modified-Since": first.headers["Last-Modified"],
    }
    assert client.get("/all.atom", headers=stale_tag_fresh_date).status_code == 200
    fresh_tag_old_date = {
        "If-None-Match": first.headers["ETag"],
        "If-Modified-Since": "Sat, 01 Jan 2000 00:00:00 GMT",
    }
    assert client.get("/all.atom", headers=fresh_tag_old_date).status_code == 304


@pytest.mark.parametrize("value", ["yesterday", "", "Mon, 99 Foo 2020 99:99:99 GMT", "9" * 500])
def test_unreadable_if_modified_since_is_ignored(client: FlaskClient, value: str) -> None:
    assert client.get("/all.atom", headers={"If-Modified-Since": value}).status_code == 200


def test_a_304_carries_what_rfc_9110_requires_of_it(client: FlaskClient) -> None:
    first = client.get("/all.rss")
    hit = client.get("/all.rss", headers={"If-None-Match": first.headers["ETag"]})
    assert hit.status_code == 304
    assert hit.data == b""
    for name in ("ETag", "Cache-Control", "Vary"):  # §15.4.5: what a 200 would have sent
        assert hit.headers[name] == first.headers[name]


# --- gzip ------------------------------------------------------------------------------------------


def test_gzip_for_clients_that_accept_it_with_its_own_etag(client: FlaskClient) -> None:
    plain, packed = client.get("/all.atom"), client.get("/all.atom", headers=GZIP)
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == plain.data
    assert packed.headers["ETag"] != plain.headers["ETag"]
    assert packed.get_etag() == (plain.get_etag()[0] + "-gzip", False)
    assert int(packed.headers["Content-Length"]) == len(packed.data) < len(plain.data)
    assert (
        client.get("/all.atom", headers={**GZIP, "If-None-Match": packed.headers["ETag"]}).status_code == 304
    )


def test_gzip_bytes_are_the_same_on_every_request_and_restart(make_app: AppFactory, corpus_dir: Path) -> None:
    one = make_app(corpus_dir).test_client().get("/topics/ai.rss", headers=GZIP)
    two = make_app(corpus_dir).test_client().get("/topics/ai.rss", headers=GZIP)
    assert one.data == two.data
    assert one.headers["ETag"] == two.headers["ETag"]


def test_gzip_is_one_plain_member_as_small_as_zlibs_default(many: FlaskClient) -> None:
    """What any client can read (RFC 1952: one member, deflate, no name or mtime), compressed about
    as well as zlib's default level does, so a change of compressor or level cannot quietly make
    every reader download more."""
    plain, packed = many.get("/all.atom?limit=60"), many.get("/all.atom?limit=60", headers=GZIP)
    header = packed.data[:10]
    assert header[:3] == b"\x1f\x8b\x08"  # gzip, deflate
    assert header[3] == 0  # no FNAME, FEXTRA or FCOMMENT
    assert header[4:8] == b"\0\0\0\0"  # no modification time: the same bytes on every machine
    reader = zlib.decompressobj(wbits=31)
    assert reader.decompress(packed.data) == plain.data
    assert reader.eof
    assert reader.unused_data == b""
    zlibs_default = len(gzip.compress(plain.data, compresslevel=6, mtime=0))
    assert len(packed.data) <= zlibs_default * 1.03, (len(packed.data), zlibs_default)


@pytest.mark.parametrize("accept", ["gzip;q=0", "identity", "br", "*;q=0"])
def test_no_gzip_unless_the_client_accepts_it(client: FlaskClient, accept: str) -> None:
    assert "Content-Encoding" not in client.get("/all.atom", headers={"Accept-Encoding": accept}).headers


def test_head_with_gzip_matches_get(client: FlaskClient) -> None:
    get, head = client.get("/all.rss", headers=GZIP), client.head("/all.rss", headers=GZIP)
    assert head.data == b""
    for name in ("ETag", "Content-Length", "Content-Encoding", "Content-Type", "Last-Modified"):
        assert head.headers[name] == get.headers[name]


# --- Cache-Control ---------------------------------------------------------------------------------


def test_cache_control_from_settings(make_app: AppFactory, corpus_dir: Path) -> None:
    with make_app(corpus_dir, MAX_AGE=600, STALE_WHILE_REVALIDATE=30).test_client() as c:
        response = c.get("/providers/news.example.rss")
    assert response.headers["Cache-Control"] == "public, max-age=600, stale-while-revalidate=30"
    assert response.headers["Vary"] == "Accept-Encoding, Sec-Fetch-Dest"


def test_max_age_ends_when_the_next_scheduled_article_is_due(make_app: AppFactory, tmp_path: Path) -> None:
    now = dt.datetime(2030, 1, 1, 9, tzinfo=dt.UTC)
    due = now + dt.timedelta(seconds=100)
    app = make_app(
        write_corpus(tmp_path, {"a.md": document(n=1), "b.md": document(n=2, publishedDateTime=due)}),
        clock=lambda: now,
    )
    response = app.test_client().get("/all.atom")
    assert response.headers["Cache-Control"] == "public, max-age=100, stale-while-revalidate=60"


TOPICS = ["Energy", "Transport", "Finance"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    scheduled=st.lists(
        st.tuples(
            st.integers(10, 250),
            st.sampled_from(TOPICS),
            st.sampled_from(["first.example", "second.example"]),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_a_scheduled_article_shortens_the_max_age_of_the_feeds_it_enters_only(
    make_app: AppFactory, tmp_path_factory: pytest.TempPathFactory, scheduled: list[tuple[int, str, str]]
) -> None:
    """A scheduled article ends `max-age` at its time in the feeds it will be in (all, its topic, its
    provider, and their pages), never in another feed, the home page or the OPML: a hidden document
    leaves no trace there, not even when it will appear. Asked twice, the second from the fast path."""
    now = dt.datetime(2030, 1, 1, 9, tzinfo=dt.UTC)
    docs = {
        f"v{n}.md": document(n=n, topics=[topic], provider={"name": "P", "domain": f"{domain}"})
        for n, (topic, domain) in enumerate(
            [(t, d) for t in TOPICS for d in ("first.example", "second.example")], 1
        )
    }
    for n, (seconds, topic, domain) in enumerate(scheduled, 50):
        when = now + dt.timedelta(seconds=seconds)
        docs[f"s{n}.md"] = document(
            n=n, topics=[topic], provider={"name": "P", "domain": domain}, publishedDateTime=when
        )
    root = write_corpus(tmp_path_factory.mktemp("content"), docs)
    client = make_app(root, clock=lambda: now).test_client()
    urls = {"/all.atom": None, "/feeds.opml": None, "/": None}
    for topic in TOPICS:
        urls[f"/topics/{topic.lower()}.rss"] = ("topic", topic)
        urls[f"/topics/{topic.lower()}/"] = ("topic", topic)
    for domain in ("first.example", "second.example"):
        urls[f"/providers/{domain}.json"] = ("provider", domain)
    for url, feed in urls.items():
        if url == "/all.atom":
            due = [s for s, _, _ in scheduled]
        elif feed is None:
            due = []
        else:
            due = [s for s, t, d in scheduled if (t if feed[0] == "topic" else d) == feed[1]]
        expected = min([300, *due])
        for _ in range(2):
            control = client.get(url).headers["Cache-Control"]
            assert control == f"public, max-age={expected}, stale-while-revalidate={min(60, expected)}", url


# --- query parameters ------------------------------------------------------------------------------


def test_limit_and_its_default(many: FlaskClient) -> None:
    assert len(ids(many.get("/all.atom").data)) == 50
    assert len(ids(many.get("/all.atom?limit=5").data)) == 5
    assert len(ids(many.get("/all.atom?limit=500").data)) == 60
    assert ids(many.get("/all.atom?limit=3").data) == ids(many.get("/all.atom").data)[:3]


def test_min_quality_and_min_heat_filter(many: FlaskClient) -> None:
    quality = ids(many.get("/all.atom?min_quality=55").data)
    assert quality == [f"https://news.example/story-{n}" for n in range(60, 54, -1)]
    heat = ids(many.get("/all.atom?min_heat=5&limit=500").data)
    # heat = (n % 7) - 1 >= 5  ⇔  n % 7 == 6; documents with n % 5 == 0 have no heat and are left out
    assert heat == [f"https://news.example/story-{n}" for n in range(60, 0, -1) if n % 7 == 6 and n % 5]


# Values documents may state (`quality`, `heat`: ±(10**18 - 1)), at and around every bound a filter had
STATED = [-(10**18) + 1, -(10**12), -1001, -5, -1, 0, 1, 2, 10**9, 10**9 + 1, 10**12, 10**18 - 1]


@pytest.fixture(scope="module")
def stated(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    """One visible document per value in `STATED`, as its quality and its heat; and one with neither."""
    from feeds.app import create_app

    docs = {f"d{n:02}.md": document(n=n, quality=v, heat=v) for n, v in enumerate(STATED)}
    docs["none.md"] = document(n=99, quality=None, heat=None)
    root = write_corpus(tmp_path_factory.mktemp("stated"), docs)
    config = {"TESTING": True, "CONTENT_DIR": str(root), "BASE_URL": "http://feeds.test", "WATCH": "off"}
    return create_app({**config, "PARSE_CACHE": "off", "DATA_DIR": str(root.parent / "data")}).test_client()


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.sampled_from(["min_quality", "min_heat"]),
    st.one_of(
        st.sampled_from(STATED),
        st.sampled_from(STATED).map(lambda v: v + 1),
        st.integers(-(10**18) + 1, 10**18 - 1),
    ),
    st.sampled_from(["", "%2B", "0"]),  # `+` itself is a space in a query string
)
def test_a_filter_can_ask_for_any_value_a_document_may_state(
    stated: FlaskClient, name: str, least: int, spelling: str
) -> None:
    """`?min_quality=N` and `?min_heat=N` take every value a document may state: the feed lists exactly
    the documents stating at least N, the one stating neither never."""
    if least > 10**18 - 1:
        return
    written = f"{spelling}{least}" if least >= 0 else str(least)
    response = stated.get(f"/all.atom?{name}={written}&limit=500")
    assert response.status_code == 200, response.get_data(as_text=True)
    expected = sorted(f"https://news.example/story-{n}" for n, v in enumerate(STATED) if v >= least)
    assert sorted(ids(response.data)) == expected


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=501",
        "limit=abc",
        "limit=1.5",
        "limit=",
        "limit=1e3",
        "min_quality=high",
        "min_heat=1000000000000000000",  # past any value a document may state (10**18 - 1)
        "min_quality=-1000000000000000000",
        "min_heat=" + "9" * 41,
        "limit=5&limit=6",
        "min_heat=%00",
    ],
)
def test_malformed_parameters_are_a_400_naming_the_parameter(many: FlaskClient, query: str) -> None:
    response = many.get(f"/all.atom?{query}")
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    name = query.split("=")[0]
    assert f"Bad query parameter {name}:" in response.get_data(as_text=True)


def test_equivalent_queries_share_one_cache_entry_and_etag(many: FlaskClient) -> None:
    svc = many.application.extensions["feeds"]
    urls = [
        "/all.atom",
        "/all.atom?limit=50",
        "/all.atom?limit=050",
        "/all.atom?utm_source=x&limit=50",
        "/all.atom?limit=50&limit=50",
        "/all.atom?fbclid=1&ref=2",
    ]
    tags = {many.get(u).headers["ETag"] for u in urls}
    assert len(tags) == 1
    assert len(svc.cache) == 1
    many.get("/all.atom?min_heat=1&min_quality=2")
    many.get("/all.atom?min_quality=2&min_heat=1&junk=3")
    assert len(svc.cache) == 2


def test_the_render_cache_stays_within_its_byte_bound(make_app: AppFactory, tmp_path: Path) -> None:
    docs = {f"d{n:02}.md": document(n=n, quality=n) for n in range(1, 40)}
    bound = 200_000
    app = make_app(write_corpus(tmp_path, docs), CACHE_BYTES=bound)
    svc = app.extensions["feeds"]
    with app.test_client() as c:
        for limit in range(1, 200):
            assert c.get(f"/all.atom?limit={limit}", headers=GZIP if limit % 2 else {}).status_code == 200
            assert svc.cache.bytes <= bound
    assert 0 < len(svc.cache) < 199


# --- where absolute URLs come from -----------------------------------------------------------------


FORWARDED = {
    "X-Forwarded-Host": "news.example.org",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-For": "203.0.113.9",
}


def test_forwarded_headers_are_trusted_only_with_proxy_hops(make_app: AppFactory, corpus_dir: Path) -> None:
    direct = make_app(corpus_dir, BASE_URL="").test_client()
    proxied = make_app(corpus_dir, BASE_URL="", PROXY_HOPS=1).test_client()
    feed_id = f"{ATOM}id"
    assert (
        etree.fromstring(direct.get("/all.atom", headers=FORWARDED).data).findtext(feed_id)
        == "http://localhost/all.atom"
    )
    assert (
        etree.fromstring(proxied.get("/all.atom", headers=FORWARDED).data).findtext(feed_id)
        == "https://news.example.org/all.atom"
    )


@pytest.mark.parametrize(
    ("name", "value"), [("MAX_AGE", "-1"), ("PROXY_HOPS", "many"), ("BASE_URL", "ftp://x")]
)
def test_bad_settings_stop_start_up_naming_the_setting(
    make_app: AppFactory, corpus_dir: Path, name: str, value: str
) -> None:
    with pytest.raises(Exception, match=f"FEEDS_{name}"):
        make_app(corpus_dir, **{name: value})


# --- preconditions: If-Match and If-Unmodified-Since (RFC 9110 §13.1.1, §13.1.4, §13.2.2) ----------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    match=st.one_of(
        st.none(),
        st.just(["*"]),  # `*` stands alone (RFC 9110 §13.1.1: "*" / #entity-tag)
        st.lists(st.sampled_from(["this", "weak", "gzip", "other", "garbage"]), min_size=1, max_size=3),
    ),
    since=st.sampled_from([None, -3600, -1, 0, 1, 3600, "garbage"]),
    gzipped=st.booleans(),
    none_match=st.booleans(),
)
def test_a_precondition_that_does_not_hold_is_a_412_whichever_path_answers(
    client: FlaskClient, match: list[str] | None, since: int | str | None, gzipped: bool, none_match: bool
) -> None:
    """`If-Match` (strong comparison; `*` matches) decides when sent, else `If-Unmodified-Since`; a
    failing one is a 412 before `If-None-Match` is looked at, the second time too (the fast path
    answers repeats)."""
    encoding = {"Accept-Encoding": "gzip" if gzipped else "identity"}
    plain = client.get("/all.atom", headers=encoding)
    etag, modified = plain.headers["ETag"], email.utils.parsedate_to_datetime(plain.headers["Last-Modified"])
    headers = dict(encoding)
    spelt = {"this": etag, "weak": f"W/{etag}", "gzip": etag.replace('"', "") + "x", "other": '"nope"'}
    if match is not None:
        headers["If-Match"] = ", ".join(
            '"' + spelt[m].strip('"') + '"' if m == "gzip" else spelt.get(m, m) for m in match
        )
    if since is not None:
        when = "garbage" if since == "garbage" else modified + dt.timedelta(seconds=int(since))
        headers["If-Unmodified-Since"] = (
            when if isinstance(when, str) else email.utils.format_datetime(when, True)
        )
    if none_match:
        headers["If-None-Match"] = etag
    if match is not None:  # written out from RFC 9110: a strong match of this ETag, or `*`
        fails = not ("*" in match or "this" in match)
    else:
        fails = isinstance(since, int) and since < 0
    for _ in range(2):
        got = client.get("/all.atom", headers=headers)
        expected = 412 if fails else 304 if none_match else 200
        assert got.status_code == expected, headers
        if fails:
            assert got.get_data(as_text=True).startswith("Precondition Failed: ")
