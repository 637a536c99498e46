"""Anything a client can send gets a 2xx, 3xx or 4xx: never a 5xx, never a stack trace."""

from __future__ import annotations

import codecs
import re
from urllib.parse import quote, urlsplit

import idna
import pytest
from flask import Flask
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from rfc3986 import uri_reference, validators
from werkzeug.test import create_environ

from .helpers import DEMO, AppFactory

METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND", "BREW"]
ROUTES = [
    "/",
    "/all.{fmt}",
    "/topics/{slug}.{fmt}",
    "/providers/{slug}.{fmt}",
    "/topics/{slug}",
    "/providers/{slug}",
    "/feeds.opml",
    "/healthz",
    "/static/{slug}",
    "/{slug}",
]
nasty = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "..",
            "../../etc/passwd",
            "%00",
            "%ZZ",
            "%",
            "\x00",
            "a/b",
            "ai",
            "economie",
            "valley-courier.example",
            "x" * 10_000,
            "é",
            "🦆",
            "%2e%2e%2f",
            "\ud800",
        ]
    ),
)
numbers = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from(["", "1e9", "0x10", "NaN", "-0", " 5", "5 ", "٣", "9" * 400]),
)
queries = st.lists(
    st.tuples(
        st.sampled_from(["limit", "page", "min_quality", "min_heat", "utm_source", "", "limit[]"]),
        st.one_of(numbers, st.text(max_size=10)),
    ),
    max_size=6,
)
headers = st.dictionaries(
    st.sampled_from(
        [
            "If-None-Match",
            "If-Modified-Since",
            "Accept-Encoding",
            "X-Forwarded-Host",
            "X-Forwarded-Proto",
            "X-Forwarded-For",
            "Range",
            "Accept",
            "Host",
        ]
    ),
    st.one_of(
        st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60),
        st.sampled_from(
            [
                "*",
                'W/"x"',
                '"a", W/"b", *',
                "Mon, 99 Foo 9999 99:99:99 GMT",
                "Thu, 01 Jan 1970 00:00:00 GMT",
                "gzip;q=abc",
                "bytes=0-10",
                "x" * 8000,
            ]
        ),
    ),
    max_size=4,
)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    from feeds import create_app

    return create_app(
        {
            "TESTING": False,
            "CONTENT_DIR": str(DEMO),
            "BASE_URL": "",
            "WATCH": "off",
            "PROXY_HOPS": 1,
            "CACHE_BYTES": 2_000_000,
        }
    )


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.sampled_from(METHODS),
    st.sampled_from(ROUTES),
    nasty,
    st.sampled_from(["atom", "rss", "json", "xml", ""]),
    queries,
    headers,
    st.booleans(),
)
def test_no_request_gets_a_server_error(
    app: Flask,
    method: str,
    route: str,
    slug: str,
    fmt: str,
    query: list[tuple[str, str]],
    header: dict[str, str],
    raw: bool,
) -> None:
    client = app.test_client()
    try:
        path = route.format(slug=slug if raw else quote(slug, safe=""), fmt=fmt)
        qs = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in query)
        response = client.open(path, method=method, query_string=qs, headers=header)
    except (UnicodeError, ValueError):
        return  # no HTTP client can send it (lone surrogates): nothing reaches the app
    event(f"status {response.status_code // 100}xx")
    assert response.status_code < 500, (method, path, qs, header, response.data[:200])
    assert b"Traceback" not in response.data
    response.close()


def test_a_known_good_request_still_works_after_the_fuzzing(app: Flask, make_app: AppFactory) -> None:
    response = app.test_client().get("/all.atom")
    assert response.status_code == 200


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(ROUTES), nasty, st.sampled_from(["atom", "rss", "json", "xml", ""]), queries)
def test_options_answers_as_get_decides(
    app: Flask, route: str, slug: str, fmt: str, query: list[tuple[str, str]]
) -> None:
    """OPTIONS on a URL that does not exist (an unknown feed, page or format) or with a bad query is
    the GET's 4xx, same bytes; on one that exists, a 200 with `Allow` and no body."""
    client = app.test_client()
    try:
        path = route.format(slug=quote(slug, safe=""), fmt=fmt)
        qs = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in query)
    except UnicodeError:
        return  # no HTTP client can send it (lone surrogates)
    got, options = client.get(path, query_string=qs), client.options(path, query_string=qs)
    if got.status_code == 200:
        assert options.status_code == 200, (path, qs)
        assert set(options.headers["Allow"].split(", ")) >= {"GET", "HEAD", "OPTIONS"}
        assert options.data == b""
    elif got.status_code >= 400:
        assert (options.status_code, options.data) == (got.status_code, got.data), (path, qs)
    got.close()
    options.close()


HOST_PIECES = [
    "a",
    "z",
    "0",
    "9",
    "-",
    ".",
    ":",
    "8",
    "xn--",
    "xn--zz",
    "[",
    "]",
    "::1",
    " ",
    '"',
    "<",
    "ü",
    "例",
    "_",
    "@",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.sampled_from(HOST_PIECES), max_size=8).map("".join),
    st.sampled_from(["/all.atom", "/all.json", "/"]),
)
def test_any_host_header_gives_absolute_links_or_a_400(app: Flask, host: str, path: str) -> None:
    """With no FEEDS_BASE_URL, links are built from the Host header: whatever a client sends there, the
    answer is never a 5xx, and a 200 links only absolute http URIs on that host, in ASCII."""
    client = app.test_client()
    try:
        response = client.get(path, environ_overrides={"HTTP_HOST": host})
    except UnicodeError:  # the test client itself cannot decode it (`xn--`): tests/test_wsgi_servers.py
        return
    assert response.status_code in (200, 400), (host, response.status_code)
    body = response.get_data(as_text=True)
    if response.status_code == 400:
        assert body.startswith("Bad Request: the Host header is not a host name"), body
        return
    site = re.findall(r"([a-z]+:/*[^\"<>\s]*?)/(?:all\.(?:atom|rss|json)|feeds\.opml\.xml)\b", body)
    assert site, body[:300]  # the site's own links: self, alternate, OPML
    for base in site:
        parts = urlsplit(base + "/")
        assert parts.scheme == "http", (host, base)
        assert parts.netloc == host.lower().removesuffix(":80"), (host, base)  # http's own port: left out
        assert base.isascii(), (host, base)
        valid = validators.Validator().require_presence_of("scheme", "host")
        valid.validate(uri_reference(base + "/"))  # raises for anything that is no URI
    response.close()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.sampled_from(["limit", "min_quality", "min_heat"]),
    st.text(
        st.sampled_from(["5", "0", "1", "+", "-", " ", "\t", "\uff15", "\u0665", "\u0e55", "\u00b2", "_"]),
        min_size=1,
        max_size=5,
    ),
)
def test_a_number_parameter_is_ascii_digits_or_a_400(app: Flask, name: str, raw: str) -> None:
    """`?limit=` and the filters take a whole number written in ASCII digits with an optional sign;
    any other spelling (full-width or Arabic-Indic digits, spaces, a superscript) is a 400 naming it."""
    response = app.test_client().get("/all.atom", query_string={name: raw})
    plain = re.fullmatch(r"[+-]?[0-9]+", raw)
    low = 1 if name == "limit" else -(10**18) + 1  # the filters: any value a document may state
    high = 500 if name == "limit" else 10**18 - 1
    if plain and low <= int(raw) <= high:
        assert response.status_code == 200, (name, raw)
    else:
        assert response.status_code == 400, (name, raw)
        assert response.get_data(as_text=True).startswith(f"Bad query parameter {name}: "), raw


FORWARDED_PIECES = ["/", "//", "x", "news", "%2F", "%zz", "#", "?", "<b>", ":", "@", " ", "é", ".", "..", "~"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.one_of(st.none(), st.sampled_from(["http", "https", "HTTPS", "gopher", "javascript", "", "http://x"])),
    st.one_of(st.none(), st.lists(st.sampled_from(FORWARDED_PIECES), max_size=6).map("".join)),
    st.sampled_from(["/all.atom", "/all.json", "/"]),
)
def test_any_forwarded_scheme_or_prefix_gives_absolute_links_or_a_400(
    app: Flask, proto: str | None, prefix: str | None, path: str
) -> None:
    """Behind a trusted proxy (FEEDS_PROXY_HOPS) with no FEEDS_BASE_URL, links start with its
    X-Forwarded-Proto and X-Forwarded-Prefix: whatever they say, the answer is a 200 whose site links
    are absolute http(s) URIs under that prefix, or a 400 naming the header; never another scheme or
    a link that leaves the path (`//host`, `#`, markup)."""
    headers = {"X-Forwarded-Host": "news.example.org"}
    if proto is not None:
        headers["X-Forwarded-Proto"] = proto
    if prefix is not None:
        headers["X-Forwarded-Prefix"] = prefix
    response = app.test_client().get(path, headers=headers)
    body = response.get_data(as_text=True)
    proto, prefix = (v.strip() or None if v is not None else None for v in (proto, prefix))  # as sent
    pchar = r"(?:[A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2})+"
    good_proto = proto in (None, "http", "https")
    good_prefix = prefix is None or re.fullmatch(rf"(?:/{pchar})*", prefix.rstrip("/")) is not None
    if not (good_proto and good_prefix):
        assert response.status_code == 400, (proto, prefix)
        assert re.fullmatch(r"Bad Request: the X-Forwarded-(Proto|Prefix) header is not .*\n", body), body
        return
    assert response.status_code == 200, (proto, prefix, body[:200])
    site = re.findall(r"([a-z]+:/*[^\"<>\s]*?)/(?:all\.(?:atom|rss|json)|feeds\.opml\.xml)\b", body)
    assert site, body[:300]
    for base in site:
        parts = urlsplit(base + "/")
        assert parts.scheme == (proto or "http"), (proto, base)
        assert parts.netloc == "news.example.org", (prefix, base)
        assert parts.path.rstrip("/") == (prefix or "").rstrip("/"), (prefix, base)
        valid = validators.Validator().require_presence_of("scheme", "host")
        valid.validate(uri_reference(base + "/"))
    response.close()


PUNYCODE = "abcdefghijklmnopqrstuvwxyz0123456789-"


def wsgi_get(app: Flask, path: str, host: str) -> tuple[str, bytes]:
    """GET `path` with this raw Host, through the whole WSGI app, as a WSGI server hands it over (the
    test client decodes `xn--` hosts itself, and fails on those it cannot)."""
    environ = create_environ(path, "http://localhost/")
    environ["HTTP_HOST"] = host
    status: list[str] = []
    body = b"".join(app(environ, lambda s, headers, exc_info=None: status.append(s)))  # type: ignore[arg-type]
    return status[0], body


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.one_of(
        st.text(st.characters(min_codepoint=0xC0, max_codepoint=0x24F), min_size=1, max_size=8).map(
            lambda text: ("good", idna.alabel(text).decode()) if _idna2008(text) else ("skip", "")
        ),
        st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=8).map(
            lambda t: ("any", f"xn--{t}")
        ),
        st.sampled_from([("bad", "xn--zz"), ("bad", "xn--a"), ("bad", "xn--abc-"), ("good", "xn--n3h")]),
        st.just(("good", "xn--zca")),  # ß under IDNA 2008 (IDNA 2003 maps it to ss)
    ),
    st.sampled_from(["", ".example", ".example:8080"]),
)
def test_an_idna_label_in_the_host_is_an_a_label_or_a_400(
    app: Flask, label: tuple[str, str], rest: str
) -> None:
    """An `xn--` label of the Host header makes links only when it is an A-label: valid punycode of a
    label that IDNA gives back as it (RFC 3490 ToASCII). `xn--zz` (incomplete punycode) and `xn--a`
    (a control character) answered 200 with links on them; now a 400."""
    kind, text = label
    if kind == "skip":
        return
    status, body = wsgi_get(app, "/all.atom", text + rest)
    if kind == "any":
        kind = "good" if _round_trips(text) else "bad"
    if kind == "good":
        assert status.startswith("200"), (text, status)
        assert f"http://{text}{rest}/all.atom".encode() in body
    else:
        assert status.startswith("400"), (text, status)
        assert body.startswith(b"Bad Request: the Host header is not a host name")


def _idna2008(text: str) -> bool:
    try:
        idna.alabel(text)
    except idna.IDNAError:
        return False
    return True


def _round_trips(label: str) -> bool:
    """RFC 5891 (IDNA 2008) takes it as an A-label, or RFC 3490's: the label decodes as punycode to
    non-ASCII text whose ToASCII is the label again."""
    try:
        idna.ulabel(label)
        return True
    except (idna.IDNAError, UnicodeError):
        pass
    try:
        decoded = codecs.decode(label[4:].encode(), "punycode")
        return not decoded.isascii() and decoded.encode("idna").decode().lower() == label.lower()
    except UnicodeError:
        return False
