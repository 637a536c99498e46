"""The index's related-link blocking with the looser URL form and the headline rule (brief V, issue 10
§2), tested on the index itself, where many generated corpora are cheap: a link that could be a
hidden document's URL, or that carries its headline, goes; two visible articles whose URLs differ
(exactly compared) stay two, and a link to a visible article stays, whatever the hidden documents
around it. Expectations are written from the rules, not computed by `feeds.urlkeys`."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.hiddenlinks import HiddenLinks
from feeds.index import Index
from feeds.indexchanges import RANKED_CHANGES
from feeds.model import Article, Related, Topic, Withheld

from .helpers import make_article

NOW = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC)
BASE = ("https", "news.example.org", ("sport", "stadium-sale"))


def written(scheme: str, host: str, segments: tuple[str, ...], query: str = "") -> str:
    return f"{scheme}://{host}/{'/'.join(segments)}{query}"


# Each turns the base into a URL that is a different resource under exact comparison (RFC 3986 and
# the contract's steps), but that could be the same article: a hidden one at any of them is blocked.
LOOSE_VARIANTS = {
    "path case": lambda s, h, p: written(s, h, tuple(x.title() for x in p)),
    "upper path": lambda s, h, p: written(s, h, tuple(x.upper() for x in p)),
    "index.html": lambda s, h, p: written(s, h, (*p, "index.html")),
    "index.php": lambda s, h, p: written(s, h, (*p, "index.php")),
    ".html": lambda s, h, p: written(s, h, (*p[:-1], p[-1] + ".html")),
    ".htm": lambda s, h, p: written(s, h, (*p[:-1], p[-1] + ".htm")),
    "params": lambda s, h, p: written(s, h, (*p[:-1], p[-1] + ";jsessionid=1")),
    "empty segment": lambda s, h, p: written(s, h, (p[0], "", *p[1:])),
    "?amp": lambda s, h, p: written(s, h, p, "?amp"),
    "?ref=rss": lambda s, h, p: written(s, h, p, "?ref=rss"),
    "?page=2": lambda s, h, p: written(s, h, p, "?page=2"),
    "%2F": lambda s, h, p: written(s, h, ("%2F".join(p),)),
    "amp host": lambda s, h, p: written(s, "amp." + h, p),
    "m host": lambda s, h, p: written(s, "m." + h, p),
    "mobile host": lambda s, h, p: written(s, "mobile." + h, p),
    "amp last": lambda s, h, p: written(s, h, (*p, "amp")),
    "amp first": lambda s, h, p: written(s, h, ("amp", *p)),
    ".amp": lambda s, h, p: written(s, h, (*p[:-1], p[-1] + ".amp")),
    ".amp.html": lambda s, h, p: written(s, h, (*p[:-1], p[-1] + ".amp.html")),
    "print": lambda s, h, p: written(s, h, (*p, "print")),
    "%20": lambda s, h, p: written(s, h, (*p[:-1], p[-1] + "%20")),
    # `..` cancels the last decoded segment: the part of the last written one after its last `%2F`
    "dot segment escaped": lambda s, h, p: written(s, h, (*p, "..%2F" + p[-1].rsplit("%2F", 1)[-1])),
}
# An address that wraps the URL (applied last: the wrapper's own path is not the article's).
WRAPPERS = {
    "amp cache": lambda s, h, p: written("https", "news-example-org.cdn.ampproject.org", ("c", "s", h, *p)),
    "amp cache viewer": lambda s, h, p: written("https", "x.cdn.ampproject.org", ("v", "s", h, *p)),
    "amp cache http": lambda s, h, p: written("https", "x.cdn.ampproject.org", ("c", h, *p)),
    "wayback": lambda s, h, p: written("https", "web.archive.org", ("web", "2025", f"{s}:", "", h, *p)),
    "wayback bare": lambda s, h, p: written("https", "web.archive.org", ("web", "20250101000000id_", h, *p)),
}


def variant(kinds: list[str]) -> str:
    """The base URL with these loose changes, applied one after another on its parts (a wrapper
    last, when there is one)."""
    scheme, host, segments = BASE
    url = written(scheme, host, segments)
    for kind in sorted(kinds, key=lambda k: k in WRAPPERS):
        url = {**LOOSE_VARIANTS, **WRAPPERS}[kind](*split(url))
    return url


def split(url: str) -> tuple[str, str, tuple[str, ...]]:
    scheme, _, rest = url.partition("://")
    host, _, path = rest.partition("/")
    return scheme, host, tuple(path.split("/"))


def article(n: int, url: str, publish: bool = True, related: tuple[Related, ...] = ()) -> Article:
    return make_article(
        path=f"doc-{n}.md",
        url=url,
        title=f"Story {n}",
        date_published=dt.datetime(2025, 5, 1, tzinfo=dt.UTC) + dt.timedelta(hours=n),
        publish=publish,
        related=related,
    )


kinds = st.one_of(
    st.lists(st.sampled_from(sorted(LOOSE_VARIANTS)), min_size=1, max_size=3, unique=True),
    st.tuples(
        st.sampled_from(sorted(WRAPPERS)),
        st.lists(st.sampled_from(sorted(LOOSE_VARIANTS)), max_size=2, unique=True),
    ).map(lambda t: [*t[1], t[0]]),
)


@settings(max_examples=300, deadline=None)
@given(kinds, kinds, st.sampled_from(["Link text", "Story 1", "story  1", "ＳＴＯＲＹ 1"]))
def test_a_link_that_could_be_a_hidden_url_or_carries_its_headline_is_left_out(
    hidden_at: list[str], linked_at: list[str], link_title: str
) -> None:
    hidden = article(1, variant(hidden_at), publish=False)
    linker = article(
        2, "https://elsewhere.example/linker", related=(Related(variant(linked_at), link_title),)
    )
    index = Index.of([hidden, linker], NOW)
    (shown,) = index.articles
    assert shown.related == ()


@settings(max_examples=300, deadline=None)
@given(st.lists(kinds, min_size=2, max_size=4), st.lists(kinds, max_size=2), st.data())
def test_visible_articles_at_loosely_equal_urls_stay_apart_and_links_to_them_stay(
    visible_at: list[list[str]], hidden_at: list[list[str]], data: st.DataObject
) -> None:
    urls = list(dict.fromkeys(variant(k) for k in visible_at))  # distinct as written: distinct exactly
    hidden = [article(100 + n, variant(k), publish=False) for n, k in enumerate(hidden_at)]
    hidden = [h for h in hidden if h.url not in urls]
    links = tuple(Related(url, f"Link to {url}") for url in urls)
    visible = [article(n, url, related=data.draw(st.permutations(links))) for n, url in enumerate(urls)]
    index = Index.of([*visible, *hidden], NOW)
    shown = {a.url: a for a in index.articles}
    assert sorted(shown) == sorted(urls)  # never merged, never hidden
    for url, a in shown.items():
        assert sorted(r.url for r in a.related) == sorted(u for u in urls if u != url)


# --- headlines: a hidden one under trivial variants, inside a longer title ------------------------

WORDS = ["council", "sells", "apex", "stadium", "£5m", "deal", "harbour", "mayor", "quietly", "agrees"]
OTHER_WORDS = ["weather", "traffic", "budget", "school", "river", "market"]
# Quotes, and markup a title shows as text (its source escaped it: `&lt;b&gt;`), around a word
QUOTES = [
    ("“", "”"),
    ('"', '"'),
    ("‘", "’"),
    ("'", "'"),
    ("«", "»"),
    ("„", "“"),
    ("<b>", "</b>"),
    ("<em>", "</em>"),
]
DASHES = ["–", "—", "-", "--", "−", "‒"]
INVISIBLE = ["\u200b", "\u00ad", "\u2060", "\ufeff", "\u200d", "<b></b>", "<!-- -->", "<br/>"]
# Spaces, and letters drawn as blank space: the Hangul fillers and the blank Braille pattern
SPACES = [" ", "  ", "\u00a0", "\u2009", "\u3000", "\u3164", "\uffa0", "\u115f", "\u1160", "\u2800"]
# Cyrillic and Greek letters drawn as Latin ones (written out: а е о р с х у і ѕ ј; Α Ε Ο Ρ Τ Κ; ο ν)
LOOKALIKES = dict(
    zip(
        "aeopcxyisjAEOPTKov",
        "\u0430\u0435\u043e\u0440\u0441\u0445\u0443\u0456\u0455\u0458"
        "\u0391\u0395\u039f\u03a1\u03a4\u039a\u03bf\u03bd",
        strict=True,
    )
)


@st.composite
def headline_variants(draw: st.DrawFn, words: list[str]) -> str:
    """The headline `words` written another way: a word quoted (any quote style), a dash between
    two words, other spaces, invisible characters between or inside words, another case, trailing
    punctuation, a prefix (`EXCLUSIVE: `) or a suffix (` | News Example`)."""
    out = list(words)
    if draw(st.booleans()):
        at, (left, right) = draw(st.integers(0, len(out) - 1)), draw(st.sampled_from(QUOTES))
        out[at] = f"{left}{out[at]}{right}"
    if draw(st.booleans()):
        out.insert(draw(st.integers(1, len(out) - 1)), draw(st.sampled_from(DASHES)))
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(out) - 1))
        cut = draw(st.integers(0, len(out[at])))
        out[at] = out[at][:cut] + draw(st.sampled_from(INVISIBLE)) + out[at][cut:]
    text = ""
    for n, word in enumerate(out):
        text += (draw(st.sampled_from(SPACES)) if n else "") + word
    case = draw(st.sampled_from([str, str.upper, str.title, str.lower]))
    text = case(text)
    for _ in range(draw(st.integers(0, 3))):  # a letter drawn alike in another script
        at = draw(st.integers(0, len(text) - 1))
        text = text[:at] + LOOKALIKES.get(text[at], text[at]) + text[at + 1 :]
    text += draw(st.sampled_from(["", ".", "!", "…", "?!", " ."]))
    prefix = draw(st.sampled_from(["", "EXCLUSIVE: ", "Breaking — ", "Live: "]))
    suffix = draw(st.sampled_from(["", " | News Example", " - Example Times", " (video)"]))
    return prefix + text + suffix


def titled(n: int, title: str, publish: bool = True, related: tuple[Related, ...] = ()) -> Article:
    return make_article(
        path=f"doc-{n}.md",
        url=f"https://news.example.org/story-{n}",
        title=title,
        date_published=dt.datetime(2025, 5, 1, tzinfo=dt.UTC) + dt.timedelta(hours=n),
        publish=publish,
        related=related,
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=4, max_size=8, unique=True), st.data())
def test_a_related_title_carrying_a_hidden_headline_in_any_spelling_is_left_out(
    words: list[str], data: st.DataObject
) -> None:
    headline = " ".join(words).capitalize()
    link = Related("https://elsewhere.example/any/story", data.draw(headline_variants(words)))
    index = Index.of([titled(1, headline, publish=False), titled(2, "Linker", related=(link,))], NOW)
    (shown,) = index.articles
    assert shown.related == ()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=2, max_size=8, unique=True), st.data())
def test_a_related_title_sharing_only_some_words_with_a_hidden_headline_stays(
    words: list[str], data: st.DataObject
) -> None:
    """Fewer words of the headline than it has, in order, among other words; or the whole of a
    headline of three words or fewer inside a longer title."""
    if len(words) <= 3:
        shared = words
    else:
        start = data.draw(st.integers(0, len(words) - 1))
        shared = words[start : start + data.draw(st.integers(1, len(words) - 1))]
    others = data.draw(st.lists(st.sampled_from(OTHER_WORDS), min_size=1, max_size=3))
    title = " ".join(data.draw(st.permutations([" ".join(shared), *others]))).capitalize()
    link = Related("https://elsewhere.example/any/story", title)
    hidden = titled(1, " ".join(words).capitalize(), publish=False)
    index = Index.of([hidden, titled(2, "Linker", related=(link,))], NOW)
    (shown,) = index.articles
    assert shown.related == (link,)


FEW = ["council", "sells", "apex", "stadium", "deal"]  # few words: headlines overlap and repeat


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.booleans(), st.lists(st.sampled_from(FEW), min_size=1, max_size=7)),
        max_size=12,
    ),
    st.data(),
)
def test_a_title_carries_a_hidden_headline_exactly_while_one_is_hidden_that_it_contains(
    steps: list[tuple[bool, list[str]]], data: st.DataObject
) -> None:
    """Hidden documents come and go with headlines of every length: a title is blocked while it is a
    hidden headline, or holds one of four words or more in a row, and only then."""
    hidden = HiddenLinks()
    live: list[tuple[str, ...]] = []
    around = st.lists(st.sampled_from([*FEW, "weather"]), max_size=3)
    for add, words in steps:
        headline = tuple(words)
        if add:
            live.append(headline)
        elif headline in live:
            live.remove(headline)
        else:
            continue
        hidden.hide_title(" ".join(words).title() + "!", add)
        for inner in [*(list(h) for h in steps_headlines(steps)), *data.draw(st.lists(around, max_size=2))]:
            title = [*data.draw(around), *inner, *data.draw(around)]
            whole = any(h == tuple(title) for h in live)
            inside = any(
                len(h) >= 4 and any(tuple(title[i : i + len(h)]) == h for i in range(len(title)))
                for h in live
            )
            assert hidden.carries_headline(f"“{' '.join(title)}”") == (whole or inside), (live, title)


def steps_headlines(steps: list[tuple[bool, list[str]]]) -> set[tuple[str, ...]]:
    """Every headline the steps hide at some point: titles are made around them."""
    return {tuple(words) for _, words in steps}


# --- the memory's times: an entry re-dated keeps what it shows, and nothing else ----------------

STEPS = st.lists(
    st.tuples(st.sampled_from(["time", "hide", "show", "rename"]), st.integers(0, 3), st.integers(0, 4)),
    max_size=8,
)


@settings(max_examples=200, deadline=None)
@given(STEPS)
def test_each_entry_shows_what_a_fresh_index_with_the_same_documents_and_times_shows(
    steps: list[tuple[str, int, int]],
) -> None:
    """The memory gives entries their `updated` after the index showed them (each start, each
    change), and what an entry shows is kept between calls: whatever came in between (new times,
    documents hidden and shown again, a topic renamed), each entry as shown is the one an index
    built afresh from the same documents and times shows."""
    base = "https://news.example.org/story-"
    links = tuple(Related(f"{base}{n}", f"Link to {n}") for n in range(4))
    docs = {
        n: make_article(
            path=f"doc-{n}.md",
            url=f"{base}{n}",
            title=f"Story {n}",
            date_published=dt.datetime(2025, 5, 1, tzinfo=dt.UTC) + dt.timedelta(hours=n),
            related=tuple(link for link in links if link.url != f"{base}{n}"),
        )
        for n in range(4)
    }
    times: dict[str, dt.datetime] = {}
    index = Index.of(list(docs.values()), NOW)
    for action, n, hours in steps:
        index.articles  # noqa: B018 - what is shown now is kept, as each render keeps it
        if action == "time":
            times[docs[n].url] = NOW + dt.timedelta(hours=hours)
            index.annotate({docs[n].url: times[docs[n].url]}, {}, {})
        else:
            if docs[n].publish:  # a shown entry that changes waits for the memory to say its time again
                times.pop(docs[n].url, None)
            publish = action != "hide" if action != "rename" else docs[n].publish
            topics = (Topic("ai", f"AI {hours}"),) if action == "rename" else docs[n].topics
            docs[n] = replace(docs[n], publish=publish, topics=topics)
            index.apply({docs[n].path: docs[n]})
        fresh = Index.of(list(docs.values()), NOW)
        fresh.annotate(times, {}, {})
        assert index.articles == fresh.articles


# Headlines several documents and links may share: a link to a visible article under that article's
# own title stays though a hidden document has the same headline; under any other, it goes. URLs a
# document may move between: its own, and one a hidden document there could be (`/amp`)
HEADLINES = ["Harbour plan approved", "Ferry timetable changes", "Harbour plan approved in full vote"]
ACTIONS = ["hide", "show", "retitle", "withhold", "move", "schedule", "time"]
SHARED = st.lists(
    st.tuples(st.sampled_from(ACTIONS), st.integers(0, 3), st.sampled_from(HEADLINES), st.booleans()),
    min_size=1,
    max_size=8,
)
FILLERS = [  # re-read with a change of many documents: over `RANKED_CHANGES` at once
    make_article(path=f"filler-{n}.md", url=f"https://news.example.org/filler-{n}", title=f"Filler {n}")
    for n in range(RANKED_CHANGES + 4)
]


@settings(max_examples=200, deadline=None)
@given(titles=st.lists(st.sampled_from(HEADLINES), min_size=8, max_size=8), steps=SHARED)
def test_links_under_shared_headlines_show_as_a_fresh_index_shows_them_after_any_changes(
    titles: list[str], steps: list[tuple[str, int, str, bool]]
) -> None:
    """Documents hidden, shown, retitled, rejected (withheld, with a headline), moved to a URL a link
    to another could loosely be, or scheduled, and time passing, one change at a time or within a
    change of many documents, while others link to them under headlines they share: after each
    change every entry shows the related links an index built afresh from the same documents and
    time shows. (A document shown at a linked URL under its own title, while a hidden one has that
    headline, left the link out until the linking entry changed.)"""
    base = "https://news.example.org/story-"
    links = tuple(Related(f"{base}{n}", titles[4 + n]) for n in range(4))
    docs: dict[int, Article | Withheld] = {
        n: make_article(
            path=f"doc-{n}.md",
            url=f"{base}{n}",
            title=titles[n],
            date_published=dt.datetime(2025, 5, 1, tzinfo=dt.UTC) + dt.timedelta(hours=n),
            related=tuple(link for link in links if link.url != f"{base}{n}"),
        )
        for n in range(4)
    }
    now, fillers = NOW, FILLERS

    def fresh() -> Index:
        articles = [*fillers, *(d for d in docs.values() if isinstance(d, Article))]
        return Index.of(articles, now, {f"doc-{n}.md": d for n, d in docs.items() if isinstance(d, Withheld)})

    index = fresh()
    for action, n, headline, many in steps:
        index.articles  # noqa: B018 - what is shown now is kept, as each render keeps it
        doc = docs[n]
        article = doc if isinstance(doc, Article) else make_article(path=f"doc-{n}.md", url=f"{base}{n}")
        if action == "time":
            now += dt.timedelta(hours=2)
            index.advance(now)
        else:
            if action == "withhold":
                docs[n] = Withheld(f"{base}{n}", headline)
            elif action == "move":
                moved = f"{base}{n}/amp" if article.url == f"{base}{n}" else f"{base}{n}"
                docs[n] = replace(article, url=moved)
            elif action == "schedule":
                docs[n] = replace(article, date_published=now + dt.timedelta(hours=1))
            else:
                title = headline if action == "retitle" else article.title
                docs[n] = replace(article, publish=action != "hide", title=title)
            changes: dict[str, Article | Withheld | None] = {f"doc-{n}.md": docs[n]}
            if many:  # the fillers read again, as a sync or a large rescan does
                fillers = [replace(f, excerpt=f"{f.excerpt} again") for f in fillers]
                changes.update((f.path, f) for f in fillers)
            index.apply(changes)
        assert index.articles == fresh().articles, (action, n, headline, many)


def test_an_edit_that_keeps_the_title_a_hidden_one_shares_shows_no_other_entry_again() -> None:
    """Each entry shown again is a look by the memory of what was published at every entry and a
    full re-export by `export --watch`: an edit of the article that keeps its title changes no link
    to it, so it changes that entry alone; a new title does change them."""
    title, url = "Harbour plan approved", "https://news.example.org/harbour"
    visible = make_article(path="v.md", url=url, title=title)
    hidden = make_article(path="h.md", url="https://news.example.org/draft", title=title, publish=False)
    link = Related(url, title)
    linker = make_article(path="l.md", url="https://news.example.org/l", title="Linker", related=(link,))
    index = Index.of([visible, hidden, linker], NOW)

    def linked() -> list[str]:
        return [r.title for a in index.articles if a.title == "Linker" for r in a.related]

    assert linked() == [title]  # to the visible article, under its own title
    version = index.version
    index.apply({"v.md": replace(visible, excerpt="Corrected.")})
    assert index.changed_since(version) is not None
    assert linked() == [title]
    index.apply({"v.md": replace(visible, title="Harbour plan revised")})
    assert index.changed_since(version) is None  # every entry may show otherwise now
    assert linked() == []  # the hidden headline, no longer the article's own
