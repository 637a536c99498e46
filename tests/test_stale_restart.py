"""A broken document's last good version survives a restart (contract: "Which articles are visible"):
the parse cache keeps what each file served, so a worker started after an edit broke a document, or
over a cache written while one was broken, serves what the running server served, and so does an
export. A broken edit that withdraws the article still takes it down, restart or not."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.service import FeedService

from .helpers import AppFactory, document, front_matter, service_over, write_corpus
from .test_broken_withdrawal import BREAKS, edit, unpublishing_edits
from .test_embargo import aged

TITLES = {"a.md": "Harbour plan approved", "b.md": "Ferry timetable changes", "c.md": "Bridge reopens"}
# Ways an edit leaves a document that was valid broken, saying nothing about publishing
BROKEN = {
    **{
        name: "---\ntitle: {title}\n" + extra + (f"{closing}\n" if closing else "")
        for name, (extra, closing) in BREAKS.items()
    },
    "emptied": "",
    "its title removed": "---\nwebUrl: https://news.example.org/{n}\n---\n",
    "cut off half-way": "---\ntitle: {title}\nwebUrl: https://news.exa",
    "no longer front matter": "{title}\n",
}


def corpus(root: Path) -> Path:
    docs = {
        name: document(n=n, title=title, topics=["Harbour"])
        for n, (name, title) in enumerate(TITLES.items(), 1)
    }
    return aged(write_corpus(root, docs))


def broken(kind: str, name: str) -> str:
    return BROKEN[kind].format(title=TITLES[name], n=name)


def serve(root: Path, cache: bool = True) -> FeedService:
    return service_over(root, FEEDS_PARSE_CACHE=str(root.parent / "cache") if cache else "off")


def titles(service: FeedService) -> list[str]:
    return sorted(a.title for a in service.index().articles)


def broken_while_running(root: Path, kind: str) -> Path:
    """The corpus at `root`, served, then `a.md` and `b.md` broken (`kind`) and read by the running
    server, two at once so that its rescan writes the parse cache while they are broken; they serve
    their last good versions."""
    corpus(root)
    running = serve(root)
    assert titles(running) == sorted(TITLES.values())
    for name in ("a.md", "b.md"):
        edit(root / name, broken(kind, name))
    running.refresh(None)
    assert titles(running) == sorted(TITLES.values())
    return root


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(while_running=st.sampled_from(sorted(BROKEN)), while_down=st.sampled_from(sorted(BROKEN)))
def test_a_broken_documents_last_good_version_serves_after_a_restart(
    while_running: str, while_down: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = broken_while_running(Path(tmp) / "content", while_running)
        edit(root / "c.md", broken(while_down, "c.md"))  # the server is down: nobody read it broken
        restarted = serve(root)
        assert titles(restarted) == sorted(TITLES.values()), (while_running, while_down)
        assert sorted(restarted.content.stale) == ["a.md", "b.md", "c.md"]
        assert serve(root, cache=False).index().count() == 0  # with no parse cache, nothing remembers


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(withdrawing=unpublishing_edits(), first_broken=st.sampled_from(sorted(BROKEN)))
def test_a_broken_edit_that_withdraws_takes_the_article_down_after_a_restart_too(
    withdrawing: str, first_broken: str
) -> None:
    """Withdrawn while the server was down, from a good version or from a broken one it kept."""
    with tempfile.TemporaryDirectory() as tmp:
        root = broken_while_running(Path(tmp) / "content", first_broken)
        edit(root / "a.md", withdrawing.replace("Harbour plan approved", TITLES["a.md"]))
        edit(root / "c.md", withdrawing.replace("Harbour plan approved", TITLES["c.md"]))
        restarted = serve(root)
        assert titles(restarted) == [TITLES["b.md"]], withdrawing
        assert sorted(restarted.content.stale) == ["b.md"]


@pytest.mark.parametrize("kind", ["emptied", "a YAML syntax error"])
def test_an_export_made_after_a_break_keeps_the_last_good_version(
    tmp_path: Path, kind: str, make_app: AppFactory
) -> None:
    root = corpus(tmp_path / "content")
    app = make_app(root, PARSE_CACHE=str(tmp_path / "cache"))
    assert app.test_client().get("/all.atom").status_code == 200  # the parse cache is written
    edit(root / "a.md", broken(kind, "a.md"))
    out = tmp_path / "site"
    result = app.test_cli_runner().invoke(args=["export", str(out)])
    assert result.exit_code == 0, result.output
    assert TITLES["a.md"].encode() in (out / "all.atom").read_bytes()


# --- a document added or edited while the server runs ------------------------------------------------

OPS = ["edit", "break"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    running=st.lists(st.sampled_from(OPS), max_size=4),
    down=st.sampled_from(["nothing", "break", "edit", "delete"]),
    kind=st.sampled_from(sorted(BROKEN)),
)
def test_a_restart_serves_what_the_running_server_served_for_a_document_added_since_it_started(
    running: list[str], down: str, kind: str
) -> None:
    """`b.md` is added while the server runs (after the parse cache was written), then edited or broken,
    one change at a time; then, while nothing runs, broken, edited, deleted or left. A restart, and an
    export, serve the version a server running all along would: the last good one."""
    with tempfile.TemporaryDirectory() as tmp:
        root = corpus(Path(tmp) / "content")
        server = serve(root)
        assert len(titles(server)) == 3
        version = 1
        good: str | None = f"Added story, version {version}"
        edit(root / "b2.md", front_matter(document(n=9, title=good)))
        server.refresh([str(root / "b2.md")])
        for op in running:
            if op == "edit":
                version += 1
                good = f"Added story, version {version}"
                edit(root / "b2.md", front_matter(document(n=9, title=good)))
            else:
                edit(root / "b2.md", BROKEN[kind].format(title="Added story", n="b2.md"))
            server.refresh([str(root / "b2.md")])
            assert good in titles(server)
        if down == "delete":
            (root / "b2.md").unlink()
            good = None
        elif down == "edit":
            good = "Added story, edited while down"
            edit(root / "b2.md", front_matter(document(n=9, title=good)))
        elif down == "break":
            edit(root / "b2.md", BROKEN[kind].format(title="Added story", n="b2.md"))
        restarted = titles(serve(root))
        assert sorted(t for t in restarted if t.startswith("Added")) == ([good] if good else []), (
            running,
            down,
        )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    changes=st.lists(
        st.tuples(
            st.sampled_from(["unpublish", "delete", "retitle", "break", "add"]),
            st.sampled_from(sorted(TITLES)),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_a_start_over_an_emptied_folder_serves_what_the_running_server_last_served(
    changes: list[tuple[str, str]],
) -> None:
    """Documents unpublished, deleted, retitled, broken or added while a server ran (after its parse
    cache was written whole: a few edits among 300 documents are kept beside it, `save_recent`), then
    the content folder empty at the next start (an unmounted volume, a folder swapped away): that
    start serves the last good corpus as the running server last served it, never a version from
    before an unpublishing or a deletion."""
    with tempfile.TemporaryDirectory() as tmp:
        root = corpus(Path(tmp) / "content")
        hidden = {f"old/{n}.md": document(n=100 + n, published=False) for n in range(300)}
        write_corpus(root, hidden)
        running = serve(root)
        assert titles(running) == sorted(TITLES.values())
        for what, name in changes:
            n = sorted(TITLES).index(name) + 1
            if what == "unpublish":
                edit(root / name, front_matter(document(n=n, title=TITLES[name], published=False)))
            elif what == "delete":
                (root / name).unlink(missing_ok=True)
            elif what == "retitle":
                edit(root / name, front_matter(document(n=n, title=f"{TITLES[name]}, retitled")))
            elif what == "break":
                edit(root / name, BROKEN["cut off half-way"].format(title=TITLES[name], n=name))
            else:
                edit(root / f"new-{name}", front_matter(document(n=n + 10, title=f"New {name}")))
            running.refresh(None)
        served = titles(running)
        root.rename(root.with_name("away"))
        root.mkdir()
        assert titles(serve(root)) == served, changes
