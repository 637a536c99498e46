"""Text, names and URLs as readers meet them: plain text that keeps what the author wrote, a slug for
every topic in any script, and document URLs written as URIs (RFC 3986/3987) that compare as one
article whatever their spelling."""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import idna
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rfc3986 import abnf_regexp, misc, uri_reference, validators

from feeds.slugs import slugify
from feeds.text import clean_text
from feeds.urlkeys import url_key
from feeds.urls import host_name, http_url, url_problem

from .helpers import AppFactory, document, write_corpus

# --- plain text -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("A field guide to the &lt;head&gt; element", "A field guide to the <head> element"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;Safe", "<script>alert(1)</script>Safe"),
        ("Use &amp;lt;br&amp;gt; for a line break", "Use <br> for a line break"),
        ("It&amp;#39;s", "It's"),
        ("&amp;quot;Quoted&amp;quot;", '"Quoted"'),
        ("Fish &amp;amp; chips", "Fish & chips"),
        ("<b>&amp;#39;</b>bold", "'bold"),
        ("AT&T <b>wins</b>", "AT&T wins"),
        ("<p>One</p><p>two</p>", "One two"),
        ("Before<script>if (a < b) steal()</script> after", "Before after"),
        ("<style>p { color: red }</style>Styled", "Styled"),
        ("Visible<!-- hidden <b>note</b> -->text", "Visibletext"),
        ('<a href="https://x.example/?a=1&amp;b=2" onclick="bad()">link</a>', "link"),
        ("&#x3C;i&#x3E; is the italic tag", "<i> is the italic tag"),
        ("a\x00b\x1fc\ud800d", "abcd"),
        ("&nbsp;padded&nbsp;", "padded"),
        ("Price < 5 and 7 > 3", "Price < 5 and 7 > 3"),
    ],
)
def test_text_keeps_entity_characters_and_drops_only_real_markup(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


NAMED = {"<": "lt", ">": "gt", "&": "amp", '"': "quot", "'": "apos", "é": "eacute", "’": "rsquo", "©": "copy"}
VISIBLE = st.characters(categories=["L", "N", "P", "S"])  # no whitespace, controls or surrogates
TAGS = [
    "<b>",
    "</b>",
    "<i>",
    "</i>",
    '<a href="https://x.example/?a=1&amp;b=2" title="&lt;x&gt;">',
    "</a>",
    "<br/>",
    "<p>",
    "</p>",
    "<span class='x'>",
    "<!-- a <b>comment</b> -->",
    "<script>alert('<b>x</b>')</script>",
    "<style>p { color: red }</style>",
    "<img src=x onerror=alert(1)>",
]


@st.composite
def encoded(draw: st.DrawFn, chars: st.SearchStrategy[str]) -> tuple[str, str]:
    """(how the source writes it, the character): named, decimal or hex; single or double encoded."""
    char = draw(chars)
    forms = [f"&#{ord(char)};", f"&#x{ord(char):x};", f"&#X{ord(char):X};"]
    if char in NAMED:
        forms.append(f"&{NAMED[char]};")
    written = draw(st.sampled_from(forms))
    if draw(st.booleans()):
        written = "&amp;" + written[1:]
    return written, char


@st.composite
def encoded_tag(draw: st.DrawFn) -> tuple[str, str]:
    """Markup the author wrote as text (`&lt;head&gt;`): its characters, never a tag."""
    inside = draw(st.sampled_from(["head", "script", "/script", "b", "img src=x onerror=alert(1)", "br/"]))
    (lt, _), (gt, _) = draw(encoded(st.just("<"))), draw(encoded(st.just(">")))
    return lt + inside + gt, f"<{inside}>"


plain_word = st.text(VISIBLE.filter(lambda c: c not in "<>&"), min_size=1, max_size=8)
token = (
    plain_word.map(lambda w: (w, w))
    | encoded(st.sampled_from(sorted(NAMED)) | VISIBLE)
    | encoded_tag()
    | st.sampled_from(TAGS).map(lambda t: (t, ""))
)


@given(st.lists(token, min_size=1, max_size=12))
@settings(max_examples=300, deadline=None)
def test_entity_characters_survive_and_real_tags_vanish(tokens: list[tuple[str, str]]) -> None:
    source = " ".join(written for written, _ in tokens)
    expected = " ".join(char for _, char in tokens if char)
    assert clean_text(source) == expected


# --- slugs ----------------------------------------------------------------------------------------------

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Computer Vision", "computer-vision"),
        ("Économie", "economie"),
        ("AI", "ai"),
        ("C++ / C#", "c-c"),
        ("Россия", "rossiya"),
        ("Ελλάδα", "ellada"),
        ("北京", "beijing"),
        ("Straße", "strasse"),
        ("हिन्दी", "hindi"),
        ("  Climate — Change!  ", "climate-change"),
    ],
)
def test_every_script_gets_a_readable_slug(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_a_script_without_transliteration_gets_a_stable_hash_slug() -> None:
    cuneiform, other = "\U00012000", "\U00012001"  # letters (Lo) that anyascii has no table for
    assert slugify(cuneiform) == hashlib.sha256(cuneiform.encode()).hexdigest()[:12]
    assert slugify(other) != slugify(cuneiform)
    rare_ideograph = "\U00020000"  # CJK extension B
    assert SLUG.match(slugify(rare_ideograph))


@pytest.mark.parametrize("name", ["", "   ", "—", "★ ✦", "!!!", "…"])
def test_names_without_letters_or_digits_may_have_no_slug(name: str) -> None:
    assert slugify(name) == ""


@given(st.text(max_size=10), st.characters(categories=["L", "N"]), st.text(max_size=10))
@settings(max_examples=300, deadline=None)
def test_a_name_with_a_letter_or_digit_has_a_stable_slug(before: str, letter: str, after: str) -> None:
    name = before + letter + after
    slug = slugify(name)
    assert SLUG.match(slug), (name, slug)
    assert slugify(unicodedata.normalize("NFD", name)) == slug
    assert slugify(unicodedata.normalize("NFC", name)) == slug


# --- URLs: reading --------------------------------------------------------------------------------------


def is_uri(text: str) -> bool:
    """An absolute URI with a host by RFC 3986's grammar, as the rfc3986 package writes it."""
    base, _, fragment = text.partition("#")
    checker = validators.Validator().require_presence_of("scheme", "host")
    try:
        checker.check_validity_of("scheme", "userinfo", "host", "port").validate(uri_reference(text))
    except Exception:
        return False
    return (
        text.isascii()
        and misc.ABSOLUTE_URI_MATCHER.fullmatch(base) is not None
        and re.fullmatch(abnf_regexp.FRAGMENT_RE, fragment) is not None
    )


@pytest.mark.parametrize(
    ("value", "uri"),
    [
        (
            "https://news.example.org/kultur/bücher-café",
            "https://news.example.org/kultur/b%C3%BCcher-caf%C3%A9",
        ),
        ("https://bücher.de/", "https://xn--bcher-kva.de/"),
        ("https://Bücher.DE/Ä?q=ß#ö", "https://xn--bcher-kva.de/%C3%84?q=%C3%9F#%C3%B6"),
        ("https://пример.рф/путь", "https://xn--e1afmkfd.xn--p1ai/%D0%BF%D1%83%D1%82%D1%8C"),
        ("https://example.com/a b?c d#e f", "https://example.com/a%20b?c%20d#e%20f"),
        ('https://example.com/x"<>\\^`{|}', "https://example.com/x%22%3C%3E%5C%5E%60%7B%7C%7D"),
        ("https://example.com/[1]#a#b", "https://example.com/%5B1%5D#a%23b"),
        ("https://example.com/100%-off/%C3%BC-ü", "https://example.com/100%25-off/%C3%BC-%C3%BC"),
        ("  https://example.com/trimmed \n", "https://example.com/trimmed"),
        ("http://[2001:db8::1]:8080/ü", "http://[2001:db8::1]:8080/%C3%BC"),
        ("https://a@b:ü@example.com/", "https://a%40b:%C3%BC@example.com/"),
        ("https://☃.net/", "https://xn--n3h.net/"),
    ],
)
def test_iris_are_written_as_uris(value: str, uri: str) -> None:
    assert http_url(value) == uri
    assert url_problem(value) is None
    assert is_uri(uri)


@pytest.mark.parametrize(
    "uri",
    [
        "HTTPS://Example.COM:8080/Path?Q='x'&y=(1)#Frag",
        "https://example.com/%c3%bc?%7e=%7E",
        "https://example.com?only=query",
        "https://user:pass@example.com/",
        "http://example.com:/empty-port",
        "https://xn--bcher-kva.de/b%C3%BCcher",
        "http://[::1]:65535/",
        "https://my_host.example.com./trailing-dot",
        "http://localhost:8000",
        "https://example.com/a/./b/../c;p=1,2:@!$*+",
    ],
)
def test_valid_uris_are_kept_byte_for_byte(uri: str) -> None:
    assert http_url(uri) == uri


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (None, "not text"),
        (42, "not text"),
        ("", "empty"),
        (" \t ", "empty"),
        ("/relative/path", "not an absolute URL (no scheme)"),
        ("//evil.example/x", "not an absolute URL (no scheme)"),
        ("ftp://example.com/file", "scheme 'ftp' is not http or https"),
        ("javascript:alert(1)", "scheme 'javascript' is not http or https"),
        ("https://", "no host"),
        ("https:/example.com/", "no host"),
        ("https://:80/", "no host"),
        ("https://xn--zz.example/", "host 'xn--zz.example' is not a valid domain name"),
        ("http:// spaced.example/", "host ' spaced.example' is not a valid domain name"),
        ("https://a..b/", "host 'a..b' is not a valid domain name"),
        ("https://-lead.example/", "host '-lead.example' is not a valid domain name"),
        ("https://[::g]/", "host '[::g]' is not a valid IP address"),
        ("https://example.com:99999/", "port '99999' is not a number from 0 to 65535"),
        ("https://example.com/a\u2028b", "contains a line break (U+2028) at character 22"),
        ("  https://example.com/a\nb", "contains a line break (U+000A) at character 24"),
        ("https://example.com/a\tb", "contains a control character (U+0009) at character 22"),
        ("https://example.com/\x85x", "contains a line break (U+0085) at character 21"),
    ],
)
def test_unusable_urls_say_why(value: object, problem: str) -> None:
    assert url_problem(value) == problem
    assert http_url(value) is None


HOST_LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789äöüßéñçøåæабвгдежзиклмнопрстуфхцчшщыэюя北京東京中文"
IRI_CHARS = st.characters(
    categories=["L", "M", "N", "P", "S", "Zs", "Co", "Cf"], exclude_characters="/?#%\ufeff"
)
label = st.text(HOST_LETTERS, min_size=1, max_size=10)


@st.composite
def iris(draw: st.DrawFn) -> tuple[str, str, str, str, str]:
    """(IRI, host, path, query, fragment) with unicode hosts, paths, queries, fragments and spaces."""
    host = ".".join(draw(st.lists(label, min_size=1, max_size=3))) + draw(st.sampled_from([".de", ".рф"]))
    path = "".join("/" + s for s in draw(st.lists(st.text(IRI_CHARS, max_size=8), max_size=4)))
    query = draw(st.text(IRI_CHARS | st.sampled_from("/?=&"), max_size=12))
    fragment = draw(st.text(IRI_CHARS | st.sampled_from("/?#"), max_size=8))
    scheme = draw(st.sampled_from(["http", "https"]))
    return f"{scheme}://{host}{path or '/'}?{query}#{fragment}", host, path or "/", query, fragment


@given(iris())
@settings(max_examples=300, deadline=None)
def test_any_iri_becomes_a_uri_of_the_same_resource(iri: tuple[str, str, str, str, str]) -> None:
    value, host, path, query, fragment = iri
    if value != value.strip():
        return  # surrounding whitespace is trimmed, not part of the resource
    uri = http_url(value)
    assert uri is not None, url_problem(value)
    assert is_uri(uri), uri
    parts = urlsplit(uri)
    assert idna.decode(parts.hostname or "") == host
    assert (unquote(parts.path), unquote(parts.query), unquote(parts.fragment)) == (path, query, fragment)
    assert http_url(uri) == uri


UNRESERVED = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~"
PCHAR = st.sampled_from(UNRESERVED + "!$&'()*+,;=:@") | st.tuples(
    st.sampled_from("0123456789abcdefABCDEF"), st.sampled_from("0123456789abcdefABCDEF")
).map(lambda h: "%" + "".join(h))
ascii_label = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9-]{0,8}[A-Za-z0-9])?", fullmatch=True)


@st.composite
def uris(draw: st.DrawFn) -> str:
    """Absolute http(s) URIs by RFC 3986's grammar, in any case and with any valid escapes."""
    scheme = draw(st.sampled_from(["http", "https", "HTTP", "hTTpS"]))
    host = draw(
        st.lists(ascii_label, min_size=1, max_size=3).map(".".join)
        | st.sampled_from(["[::1]", "[2001:DB8::a]", "127.0.0.1", "xn--bcher-kva.de"])
    )
    port = draw(st.sampled_from(["", ":", ":0", ":80", ":8080", ":65535"]))
    userinfo = draw(st.sampled_from(["", "user@", "u:p%40@"]))
    path = "".join("/" + "".join(s) for s in draw(st.lists(st.lists(PCHAR, max_size=6), max_size=4)))
    query = draw(st.none() | st.lists(PCHAR | st.sampled_from("/?"), max_size=10).map("".join))
    fragment = draw(st.none() | st.lists(PCHAR | st.sampled_from("/?"), max_size=10).map("".join))
    return (
        f"{scheme}://{userinfo}{host}{port}{path}"
        + ("" if query is None else "?" + query)
        + ("" if fragment is None else "#" + fragment)
    )


@given(uris())
@settings(max_examples=200, deadline=None)
def test_any_valid_uri_is_returned_unchanged(uri: str) -> None:
    assert is_uri(uri)
    assert http_url(uri) == uri
    assert url_problem(uri) is None


# --- URLs: one article, many spellings ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://example.com/a", "HTTP://EXAMPLE.COM/a"),
        ("https://example.com/a", "https://www.example.com/a"),
        ("https://example.com/a", "https://example.com:443/a/"),
        ("http://example.com", "http://example.com:80/"),
        ("https://example.com/a/c", "https://example.com/a/./b/../c"),
        ("https://example.com/~x/%C3%BC", "https://example.com/%7ex/%c3%bc"),
        ("https://example.com/ü", "https://example.com/%C3%BC"),
        ("https://bücher.de/x", "https://xn--bcher-kva.de/x#chapter-2"),
        ("https://example.com/a?b=2&a=1", "https://example.com/a?a=1&utm_source=rss&b=2&fbclid=xyz"),
        ("https://example.com/a?x=1", "https://example.com/a?UTM_Medium=e&x=1&gclid=1&_ga=2&ref_src=t"),
        ("https://example.com/a?q=a b", "https://example.com/a?q=a+b"),
        ("https://example.com/a", "https://example.com/a?utm_campaign=spring"),
    ],
)
def test_spellings_of_one_article_share_a_key(a: str, b: str) -> None:
    assert url_key(a) == url_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://example.com/a", "https://example.com/A"),
        ("https://example.com/a", "https://example.com/b"),
        ("https://example.com/a?id=1", "https://example.com/a?id=2"),
        ("https://example.com/a?id=1", "https://example.com/a"),
        ("https://example.com/a%2Fb", "https://example.com/a/b"),
        ("https://example.com/a?q=%2B", "https://example.com/a?q=+"),
        ("https://example.com/a", "https://example.org/a"),
        ("https://example.com:8443/a", "https://example.com/a"),
        ("https://news.example.com/a", "https://example.com/a"),
    ],
)
def test_different_articles_have_different_keys(a: str, b: str) -> None:
    assert url_key(a) != url_key(b)


SEGMENT_CHARS = st.characters(categories=["L", "N"]) | st.sampled_from(" -_~!$'()*,;:@")
# no space at either end: a URL's surrounding whitespace is trimmed, so it is not part of the resource
segment = st.text(SEGMENT_CHARS, min_size=1, max_size=6).filter(lambda s: s.strip() == s not in (".", ".."))
param_name = st.from_regex(r"[a-z]{1,6}", fullmatch=True).filter(
    lambda n: not n.startswith("utm") and n not in ("fbclid", "gclid", "dclid", "msclkid", "igshid")
)
param_value = st.text(SEGMENT_CHARS, max_size=6).filter(lambda s: s.strip() == s)
TRACKING = ["utm_source=feed", "utm_medium=rss", "fbclid=IwAR0x", "gclid=abc", "mc_eid=1", "_ga=2.1"]


@st.composite
def articles(draw: st.DrawFn) -> tuple[str, list[str], dict[str, str]]:
    host = draw(ascii_label).lower() + draw(st.sampled_from([".com", ".de", ".co.uk"]))
    segments = draw(st.lists(segment, min_size=1, max_size=4))
    params = draw(st.dictionaries(param_name, param_value, max_size=3))
    return host, segments, params


def canonical(host: str, segments: list[str], params: dict[str, str]) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"https://{host}/" + "/".join(segments) + (f"?{query}" if query else "")


def escaped(text: str, upper: bool, unreserved: bool) -> str:
    """The URI spelling of IRI text (RFC 3987 §3.1), unreserved characters escaped too if asked
    (RFC 3986 §2.3: equivalent), hex digits in either case."""
    if unreserved:
        text = "".join(f"%{ord(c):02X}" if c in UNRESERVED else c for c in text)
    encoded = quote(text, safe="!$&'()*+,;=:@%")
    return encoded if upper else re.sub("%[0-9A-F]{2}", lambda m: m.group().lower(), encoded)


@st.composite
def spelling(draw: st.DrawFn, host: str, segments: list[str], params: dict[str, str]) -> str:
    """Another way to write the same article's URL."""
    scheme = draw(st.sampled_from(["http", "https", "HTTP", "Https"]))
    default_port = ":80" if scheme.lower() == "http" else ":443"
    spelled_host = draw(st.sampled_from([host, "www." + host]))
    spelled_host = spelled_host.upper() if draw(st.booleans()) else spelled_host
    port = draw(st.sampled_from(["", default_port]))
    as_iri = draw(st.booleans())
    upper, unreserved = draw(st.booleans()), draw(st.booleans())
    path = "/".join(s if as_iri else escaped(s, upper, unreserved) for s in segments)
    slash = draw(st.sampled_from(["", "/"]))
    pairs = [f"{k}={v if as_iri else escaped(v, upper, unreserved)}" for k, v in params.items()]
    pairs += draw(st.lists(st.sampled_from(TRACKING), max_size=2))
    pairs = draw(st.permutations(pairs))
    query = "?" + "&".join(pairs) if pairs else ""
    fragment = draw(st.sampled_from(["", "#", "#top", "#über"]))
    return f"{scheme}://{spelled_host}{port}/{path}{slash}{query}{fragment}"


@given(st.data(), articles())
@settings(max_examples=300, deadline=None)
def test_any_spelling_of_one_article_gives_its_key(
    data: st.DataObject, article: tuple[str, list[str], dict[str, str]]
) -> None:
    host, segments, params = article
    other = data.draw(spelling(host, segments, params))
    assert url_key(other) == url_key(canonical(host, segments, params)), other


@given(articles(), st.data())
@settings(max_examples=200, deadline=None)
def test_another_path_or_query_value_is_another_article(
    article: tuple[str, list[str], dict[str, str]], data: st.DataObject
) -> None:
    host, segments, params = article
    key = url_key(canonical(host, segments, params))
    i = data.draw(st.integers(0, len(segments) - 1))
    changed = [*segments[:i], segments[i] + "x", *segments[i + 1 :]]
    assert url_key(canonical(host, changed, params)) != key
    if params:
        name = data.draw(st.sampled_from(sorted(params)))
        assert url_key(canonical(host, segments, {**params, name: params[name] + "x"})) != key


# --- provider domains -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("domain", "slug"),
    [
        ("dailymail.co.uk", "dailymail.co.uk"),
        ("www.Example.COM.", "example.com"),
        ("bücher.de", "xn--bcher-kva.de"),
        ("www.BÜCHER.de", "xn--bcher-kva.de"),
        ("xn--bcher-kva.de", "xn--bcher-kva.de"),
        ("localhost", None),
        ("javascript:alert(1)", None),
        ("https://example.com/", None),
        ("xn--zz.de", None),
        ("under_score.example", None),
    ],
)
def test_provider_domains_become_ascii_slugs(domain: str, slug: str | None) -> None:
    assert host_name(domain) == slug


# --- explicit directional formatting characters (UAX #9) ------------------------------------------------

OPENERS = {"\u202a": "\u202c", "\u202b": "\u202c", "\u202d": "\u202c", "\u202e": "\u202c"}
OPENERS |= {"\u2066": "\u2069", "\u2067": "\u2069", "\u2068": "\u2069"}
CONTROLS = set(OPENERS) | {"\u202c", "\u2069"}
# each control as a character, a decimal and a hex reference, double-encoded; and text around them
bidi_pieces = st.sampled_from(
    [
        *CONTROLS,
        *(f"&#{ord(c)};" for c in CONTROLS),
        *(f"&#x{ord(c):X};" for c in CONTROLS),
        *(f"&amp;#x{ord(c):x};" for c in CONTROLS),
        "a",
        "Zeta",
        "\u05d0\u05d1",  # Hebrew
        "\u0628",  # Arabic
        " ",
        "7",
        "<b>",
        "</b>",
        "\u200f",  # a mark is not an embedding: kept as it is
    ]
)


def well_nested(text: str) -> bool:
    """Whether the controls of `text` pair up as brackets do, an opener with its own closer (checked by
    removing adjacent pairs until none is left)."""
    controls = "".join(c for c in text if c in CONTROLS)
    pair = re.compile("|".join(re.escape(o + c) for o, c in OPENERS.items()))
    while (shorter := pair.sub("", controls)) != controls:
        controls = shorter
    return controls == ""


@settings(max_examples=500)
@given(st.lists(bidi_pieces, max_size=14).map("".join))
def test_cleaned_text_opens_no_direction_it_does_not_close(raw: str) -> None:
    """A title, excerpt or name never leaves an override, embedding or isolate open (nor closes one it
    did not open), however the controls are written; its letters stay as they were, in order."""
    cleaned = clean_text(raw)
    assert well_nested(cleaned), ascii(cleaned)
    stripped = raw
    for control in CONTROLS:
        for spelling in (control, f"&#{ord(control)};", f"&#x{ord(control):X};", f"&amp;#x{ord(control):x};"):
            stripped = stripped.replace(spelling, "")
    letters = "".join(c for c in cleaned if c not in CONTROLS)
    assert letters.split() == clean_text(stripped).split()
    if cleaned:  # every opener written is kept (text made only of controls and spaces shows nothing: "")
        decoded = html.unescape(html.unescape(raw))
        assert sum(cleaned.count(o) for o in OPENERS) == sum(decoded.count(o) for o in OPENERS)


def test_a_headline_ending_in_a_right_to_left_override_is_closed_in_every_format(
    tmp_path: Path, make_app: AppFactory
) -> None:
    title = "Markets rally \u202e"
    app = make_app(write_corpus(tmp_path / "c", {"a.md": document(n=1, title=title, topics=["Money"])}))
    client = app.test_client()
    for url in ("/all.atom", "/all.rss", "/all.json", "/topics/money/"):
        text = client.get(url).get_data(as_text=True)
        assert "Markets rally \u202e\u202c" in text or "Markets rally \\u202e\\u202c" in text, url
        assert "\u202e<" not in text, url
        assert '\u202e"' not in text, url
