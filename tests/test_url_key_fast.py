"""`url_key` reads the common shape of URL (a lower-case domain, a plain path) by one regex; every
other URL takes the general reading. The two must give the same key for every value, or a hidden
article could come back through a spelling that one reading merges and the other does not."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from feeds.urlkeys import _PLAIN_KEY, _general_key, url_key

fresh_key = url_key.__wrapped__  # not the memo: each example is worked out

LABEL_ALPHABET = "abcxyz0189-_ABCZ"
PATH_ALPHABET = "abz09._~-ABZ%2fF41/;:@!$&'()*+,=é "


labels = st.one_of(
    st.text(LABEL_ALPHABET, min_size=1, max_size=8),
    st.sampled_from(["www", "xn--bcher-kva", "XN--bcher-kva", "xn--", "m", "amp", "a" * 63, "a" * 64, ""]),
)
hosts = st.one_of(
    st.lists(labels, min_size=1, max_size=5).map(".".join),
    st.integers(30, 70).map(lambda n: ".".join(["abcd"] * n)),  # around the 253-character bound
    st.sampled_from(["[::1]", "127.0.0.1", "bücher.example", "example.com.", "WWW.Example.com"]),
)
segments = st.one_of(
    st.text(PATH_ALPHABET, max_size=6),
    st.sampled_from([".", "..", "...", ".hidden", "a.", "%41", "%7e", "%2F", "index.html"]),
)


@st.composite
def urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["https", "http", "HTTPS", "Http", "ftp", "https:", ""]))
    user = draw(st.sampled_from(["", "", "user@", "u:p@"]))
    port = draw(st.sampled_from(["", "", "", ":", ":80", ":443", ":8080", ":99999"]))
    path = "".join("/" + s for s in draw(st.lists(segments, max_size=5)))
    trailing = draw(st.sampled_from(["", "", "/", "//"]))
    query = draw(st.sampled_from(["", "", "?", "?a=1", "?utm_source=x", "?b=2&a=1"]))
    fragment = draw(st.sampled_from(["", "", "#", "#top"]))
    around = draw(st.sampled_from(["", "", " ", "\t"]))
    url = f"{scheme}://{user}{draw(hosts)}{port}{path}{trailing}{query}{fragment}"
    return around + url + around.strip(" ")


@settings(max_examples=3000)
@given(urls())
@example("https://news.example/a/b")
@example("https://www.news.example/")
@example("http://news.example")
@example("https://news.example/a/./b")
@example("https://news.example/a/../b/")
@example("https://news.example//a//")
@example("https://xn--bcher-kva.example/a")
@example("https://News.Example/A")
@example("https://news.example./a")
def test_the_plain_reading_gives_the_general_key(url: str) -> None:
    assert fresh_key(url) == _general_key(url)


@st.composite
def near_plain_urls(draw: st.DrawFn) -> str:
    """URLs of the plain shape but for their host or their dots: where the two readings part."""
    path = "".join("/" + s for s in draw(st.lists(st.text("ab09._~-", max_size=4), max_size=4)))
    return f"{draw(st.sampled_from(['https', 'http']))}://{draw(hosts)}{path}"


@settings(max_examples=1000)
@given(near_plain_urls())
def test_urls_near_the_plain_shape_give_the_general_key(url: str) -> None:
    assert fresh_key(url) == _general_key(url)


@given(st.text(max_size=40))
def test_any_text_gives_the_general_key(value: str) -> None:
    assert fresh_key(value) == _general_key(value)


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://www.news.example/world/2025/story-1/", "//news.example/world/2025/story-1"),
        ("http://news.example", "//news.example/"),
        ("https://news.example/a/b//", "//news.example/a/b"),
        ("https://news.example/A_b~c-d.e", "//news.example/A_b~c-d.e"),
    ],
)
def test_common_urls_take_the_plain_reading_and_give_their_key(url: str, key: str) -> None:
    assert _PLAIN_KEY.fullmatch(url) is not None  # the shape the fast reading is for
    assert url_key(url) == key
