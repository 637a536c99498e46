"""A hostile corpus: every document is cleaned or rejected with a reason, loading never crashes or
stalls, and no output carries raw markup or a URL that is not absolute http(s)."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lxml_html

from feeds.corpus import load_corpus
from feeds.parse import parse_document

from .helpers import document, front_matter, write_corpus

GOOD = 'title: "Good"\nwebUrl: "https://good.example/a"\npublishedDateTime: 2024-01-01T00:00:00Z\n'
BAD_URLS = [
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "/relative/path",
    "//evil.example/x",
    "vbscript:msgbox",
    "https://",
    "http:// spaced.example/",
]
MARKUP = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&amp;lt;iframe src=x&amp;gt;",
]


def bomb(levels: int) -> str:
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"l{n}: &l{n} [{','.join([f'*l{n - 1}'] * 9)}]" for n in range(1, levels)]
    return "\n".join(lines) + "\n"


# name → (file bytes, expected: "rejected:<field>" | "ignored" | "served")
CASES: dict[str, tuple[bytes, str]] = {
    "python-object-tag": (
        b"---\n" + GOOD.encode() + b"excerpt: !!python/object/apply:os.system ['id']\n---\n",
        "served",
    ),
    "python-name-tag": (
        b"---\n" + GOOD.encode() + b"x: !!python/name:os.system\n---\n",
        "served",
    ),
    "alias-bomb-in-ignored-field": (("---\n" + bomb(9) + GOOD + "---\n").encode(), "served"),
    "alias-bomb-in-date": (
        ("---\n" + bomb(9) + GOOD.replace("2024-01-01T00:00:00Z", "*l8") + "---\n").encode(),
        "rejected:publishedDateTime",
    ),
    "alias-bomb-in-related": (("---\n" + bomb(9) + GOOD + "related: *l8\n---\n").encode(), "served"),
    "nested-20000-deep": (  # libyaml (PyYAML 6.0.4's wheels) refuses nesting over 1000 levels
        ("---\n" + GOOD + "topics: " + "[" * 20000 + "]" * 20000 + "\n---\n").encode(),
        "rejected:front matter",
    ),
    "binary-garbage": (bytes(range(256)) * 40, "rejected:file"),
    "non-utf8": (("---\n" + GOOD.replace("Good", "Caf\u00e9") + "---\n").encode("latin-1"), "rejected:file"),
    "bom": (b"\xef\xbb\xbf---\n" + GOOD.encode() + b"---\n", "served"),
    "crlf": (("---\n" + GOOD + "---\n").replace("\n", "\r\n").encode(), "served"),
    "nul-and-controls": (
        ("---\n" + GOOD.replace('"Good"', '"Go\\x00o\\x1b[31md\\x07"') + "---\n").encode(),
        "served",
    ),
    "raw-nul-byte": (
        ("---\n" + GOOD + "---\n").encode().replace(b"Good", b"Go\x00od"),
        "rejected:front matter",
    ),
    "lone-surrogate-escape": (  # read as U+FFFD, with a warning (contract: JSON's escapes)
        ("---\n" + GOOD.replace('"Good"', '"Good \\ud800"') + "---\n").encode(),
        "served",
    ),
    "year-1": (
        ("---\n" + GOOD.replace("2024-01-01T00:00:00Z", "0001-01-01T00:00:00Z") + "---\n").encode(),
        "rejected:publishedDateTime",  # a placeholder, not news (contract: Dates)
    ),
    "year-9999": (
        ("---\n" + GOOD.replace("2024-01-01T00:00:00Z", "9999-12-31T23:59:59Z") + "---\n").encode(),
        "rejected:publishedDateTime",
    ),  # a placeholder, not a schedule
    "duplicate-keys": (("---\n" + GOOD + 'title: "Second title"\n---\n').encode(), "rejected:title"),
    "empty": (b"", "ignored"),
    "only-dashes": (b"---\n---\n", "rejected:front matter"),
    "not-a-mapping": (b"---\n42\n---\n", "rejected:front matter"),
}
for field in ("title", "webUrl", "publishedDateTime"):
    for value in ("[1, 2]", "{a: 1}", "true", "null", "3.5"):
        CASES[f"wrong-type-{field}-{value}"] = (
            ("---\n" + re.sub(rf"^{field}: .*$", f"{field}: {value}", GOOD, flags=re.M) + "---\n").encode(),
            "served" if (field, value) in (("title", "3.5"), ("title", "true")) else f"rejected:{field}",
        )
for field in ("excerpt", "provider", "topics", "images", "related", "quality", "heat", "published", "type"):
    for value in ("[1, [2]]", "{a: {b: 1}}", "true", "-7.5", "!!binary aGk="):
        CASES[f"wrong-type-{field}-{value}"] = (
            ("---\n" + GOOD + f"{field}: {value}\n---\n").encode(),
            "served",
        )


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    for n, (name, (data, _)) in enumerate(CASES.items()):
        (root / f"{n:03}-{re.sub(r'[^a-z0-9]+', '-', name.lower())}.md").write_bytes(data)
    settled(root)
    urls: dict[str, Any] = {
        "webUrl": "https://good.example/urls",
        "images": [{"url": u} for u in BAD_URLS],
        "related": [{"title": f"R{n}", "webUrl": u} for n, u in enumerate(BAD_URLS)],
        "provider": {"name": "Bad domain", "domain": "javascript:alert(1)"},
    }
    markup = {
        "webUrl": "https://good.example/markup",
        "title": " ".join(MARKUP) + " Markup title",
        "excerpt": " ".join(MARKUP) + " Markup excerpt",
        "provider": {"name": MARKUP[1] + "Evil Co", "domain": "evil.example"},
        "topics": [MARKUP[0] + "Topic"],
        "related": [
            {"title": m + " related", "webUrl": f"https://r.example/{n}"} for n, m in enumerate(MARKUP)
        ],
    }
    write_corpus(root, {"900-urls.md": document(n=900, **urls), "901-markup.md": document(n=901, **markup)})
    (root / "902-huge.md").write_bytes(
        b"---\n" + GOOD.encode() + b"excerpt: '" + b"x" * (50 * 1024 * 1024) + b"'\n---\n"
    )
    big_related = "related:\n" + "".join(
        f'  - {{title: "R{i}", webUrl: "https://r.example/{i}"}}\n' for i in range(100_000)
    )
    (root / "903-related-100k.md").write_text("---\n" + GOOD.replace("/a", "/many") + big_related + "---\n")
    return root


def outcome_of(root: Path) -> dict[str, str]:
    corpus = load_corpus(root, max_bytes=8 * 1024 * 1024)
    outcomes = {a.path: "served" for a in corpus.articles}
    outcomes.update({r.problem.path: f"rejected:{r.problem.field}" for r in corpus.rejected})
    outcomes.update({p: "ignored" for p in corpus.ignored})
    return outcomes


def test_each_hostile_document_is_cleaned_or_rejected_as_expected(hostile: Path) -> None:
    start = time.perf_counter()
    outcomes = outcome_of(hostile)
    elapsed = time.perf_counter() - start
    for n, (name, (_, expected)) in enumerate(CASES.items()):
        path = f"{n:03}-{re.sub(r'[^a-z0-9]+', '-', name.lower())}.md"
        assert outcomes[path] == expected, name
    assert outcomes["902-huge.md"] == "rejected:file"  # 50 MB: over the limit, not read past it
    assert outcomes["903-related-100k.md"] == "served"
    assert elapsed < 60  # a generous bound against a stall, not a speed test


def test_loading_time_grows_with_size_not_with_expansion() -> None:
    start = time.perf_counter()
    with pytest.raises(Exception, match="publishedDateTime"):
        parse_document("---\n" + bomb(10) + GOOD.replace("2024-01-01T00:00:00Z", "*l9") + "---\n", "bomb.md")
    assert time.perf_counter() - start < 1  # 9^10 elements if anything expanded it


@pytest.fixture(scope="module")
def served(hostile: Path) -> dict[str, bytes]:
    from feeds import create_app

    app = create_app(
        {
            "TESTING": True,
            "CONTENT_DIR": str(hostile),
            "BASE_URL": "https://feeds.example",
            "WATCH": "off",
            "MAX_DOCUMENT_BYTES": 8 * 1024 * 1024,
        }
    )
    client: FlaskClient = app.test_client()
    index = app.extensions["feeds"].index()
    paths = ["all"] + [s.key.path for kind in ("topics", "providers") for s in index.summaries(kind)]
    out = {}
    for path in paths:
        for suffix in (".atom", ".rss", ".json", "") if path != "all" else (".atom", ".rss", ".json"):
            response = client.get(f"/{path}{suffix}?limit=500")
            assert response.status_code == 200, path + suffix
            out[path + suffix] = response.data
    out["/"] = client.get("/").data
    out["opml"] = client.get("/feeds.opml").data
    return out


def _no_document_markup(tree: etree._Element, where: str) -> None:
    """No element or attribute a document's markup could have put there (text that merely names a
    tag, written as entities by its author, is text: it is escaped, not markup)."""
    for element in tree.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        local = etree.QName(tag).localname.lower() if tag else ""
        assert local not in {"script", "iframe", "object", "embed"}, where
        assert not any(name.lower().startswith("on") for name in element.attrib), where
        if local == "img":  # the service's own thumbnails: an http(s) image, nothing else
            assert re.match(r"https?://", element.get("src", "")), where


def test_no_output_carries_raw_markup(served: dict[str, bytes]) -> None:
    for name, body in served.items():
        if name.endswith((".atom", ".rss")) or name == "opml":
            feed = etree.fromstring(body)  # well-formed: document text is escaped once
            _no_document_markup(feed, name)
            for holder in feed.iter("{*}content", "description"):  # the HTML the service wrote
                if holder.text:
                    _no_document_markup(lxml_html.fragment_fromstring(holder.text, create_parent="div"), name)
        elif name.endswith(".json"):
            for item in json.loads(body)["items"]:
                if item.get("content_html"):
                    fragment = lxml_html.fragment_fromstring(item["content_html"], create_parent="div")
                    _no_document_markup(fragment, name)
        else:
            _no_document_markup(lxml_html.document_fromstring(body), name)


URL_ATTRIBUTES = re.compile(
    r'(?:href|src|url|uri|xmlUrl|htmlUrl)="([^"]*)"|"(?:url|id|image|feed_url|home_page_url|next_url)":"([^"]*)"'
)


def test_every_url_in_every_output_is_absolute_http(served: dict[str, bytes]) -> None:
    for name, body in served.items():
        for a, b in URL_ATTRIBUTES.findall(body.decode("utf-8")):
            url = a or b
            if name.endswith(("", "/")) and url.startswith("https://feeds.example/static/"):
                continue
            assert re.match(r"^https?://[^/\s]+", url), (name, url)
    everything = b"".join(served.values())
    for bad in (b"javascript:", b"data:text", b"vbscript:"):
        assert bad not in everything


# --- arbitrary documents ---------------------------------------------------------------------------------

yaml_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True)
    | st.text(max_size=40)
    | st.datetimes(timezones=st.just(None))
    | st.dates(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = [
    "title",
    "excerpt",
    "publishedDateTime",
    "webUrl",
    "originalUrl",
    "published",
    "provider",
    "topics",
    "images",
    "related",
    "quality",
    "heat",
    "type",
]
documents = st.fixed_dictionaries({}, optional={f: yaml_values for f in FIELDS})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(documents, min_size=1, max_size=5), st.sampled_from(["atom", "rss", "json"]))
def test_arbitrary_documents_never_break_loading_or_output(docs: list[dict[str, Any]], fmt: str) -> None:
    import tempfile

    from feeds import create_app

    with tempfile.TemporaryDirectory() as tmp:
        write_corpus(Path(tmp), {f"d{n}.md": _dump(d) for n, d in enumerate(docs)})
        settled(Path(tmp))
        app = create_app(
            {"TESTING": True, "CONTENT_DIR": tmp, "BASE_URL": "https://feeds.example", "WATCH": "off"}
        )
        client = app.test_client()
        for url in (f"/all.{fmt}", "/", "/feeds.opml", "/healthz"):
            response = client.get(url)
            assert response.status_code == 200, url
            if url.endswith((".atom", ".rss", ".opml")):
                etree.fromstring(response.data)
            elif url.endswith(".json"):
                json.loads(response.data)


def settled(root: Path) -> None:
    """Date the files an hour back: not files caught mid-write, which are read again for up to 0.5 s."""
    past = time.time() - 3600
    for path in root.rglob("*.md"):
        os.utime(path, (past, past))


def _dump(data: dict[str, Any]) -> str:
    """YAML front matter for any value Hypothesis makes (naive datetimes included)."""
    try:
        return front_matter(data)
    except Exception:  # a value PyYAML's safe dumper cannot write: the document is its repr, as text
        return f"---\ntitle: {json.dumps(repr(data))}\n---\n"
