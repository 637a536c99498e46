"""A start over an emptied content folder (an unmounted volume, a folder swapped away) serves the parse
cache's last good corpus: with every related link the running server left out still left out. A
document withdrawn by a broken edit (a second `published`), or added broken, names a URL and a headline
that no related link may show (fail closed: its author's intent is unknown); the record of what each
file served since the cache was written (`save_recent`) keeps them, not only the articles."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.service import FeedService

from .helpers import document, front_matter, write_corpus
from .test_broken_withdrawal import edit
from .test_embargo import aged
from .test_stale_restart import serve

NAMES = ["a.md", "b.md", "new.md"]
DATE = "2024-01-01T00:00:00Z"


def url(name: str) -> str:
    return f"https://news.example/{name.removesuffix('.md')}"


def text(name: str, how: str) -> str:
    """The document at `name` as an edit (`how`) leaves it; each keeps its own URL and headline."""
    n = NAMES.index(name) + 1
    fields = document(n=n, title=f"Headline of {name}", webUrl=url(name))
    if how == "valid":
        return front_matter(fields)
    if how == "unpublished":
        return front_matter({**fields, "published": False})
    if how == "withdrawn":  # a second `published`: the document is hidden until it is fixed
        return front_matter(fields).replace("published: true\n", "published: true\npublished: false\n")
    if how == "broken":  # no title: rejected, saying nothing about publishing
        return front_matter({**fields, "title": None})
    raise AssertionError(how)


def related_shown(service: FeedService) -> dict[str, list[str]]:
    return {a.title: [r.url for r in a.related] for a in service.index().articles}


CHANGES = st.lists(
    st.tuples(
        st.sampled_from(NAMES), st.sampled_from(["valid", "unpublished", "withdrawn", "broken", "deleted"])
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CHANGES)
def test_a_start_over_an_emptied_folder_leaves_out_the_related_links_the_server_left_out(
    changes: list[tuple[str, str]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "content"
        related = [
            {"title": f"Headline of {name}", "webUrl": url(name), "publishedDateTime": DATE} for name in NAMES
        ]
        hub = document(n=9, title="The hub story", webUrl="https://news.example/hub", related=related)
        write_corpus(root, {"hub.md": hub, "a.md": text("a.md", "valid"), "b.md": text("b.md", "valid")})
        write_corpus(root, {f"old/{n}.md": document(n=100 + n, published=False) for n in range(300)})
        running = serve(aged(root))
        assert related_shown(running)["The hub story"] == [url("a.md"), url("b.md"), url("new.md")]
        for name, how in changes:
            if how == "deleted":
                (root / name).unlink(missing_ok=True)
            else:
                edit(root / name, text(name, how))
            running.refresh(None)
        shown = related_shown(running)
        root.rename(root.with_name("away"))
        root.mkdir()
        assert related_shown(serve(root)) == shown, changes
