"""A document reached by two names (a symbolic link to it, or a hard link) follows every edit made
through either name at once: the watcher reports the name that was written, and the other is looked at
on every refresh. Unpublishing through one name never leaves the other serving until a full rescan."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.service import FeedService

from .helpers import document, front_matter, service_over, write_corpus

LINKS = [
    "symlink, relative",
    "symlink, absolute",
    "symlink in another folder",
    "symlink to a symlink",
    "hard link",
]
EDITS = ["in place", "replaced (a new file renamed over it)"]


def serve(root: Path) -> FeedService:
    return service_over(root)


def link(root: Path, kind: str) -> Path:
    """A second name for `story.md`, as `kind` makes it; the second name."""
    target = root / "story.md"
    if kind == "hard link":
        os.link(target, root / "latest.md")
        return root / "latest.md"
    if kind == "symlink, absolute":
        (root / "latest.md").symlink_to(target)
    elif kind == "symlink in another folder":
        (root / "front").mkdir()
        (root / "front" / "latest.md").symlink_to(Path("..") / "story.md")
        return root / "front" / "latest.md"
    elif kind == "symlink to a symlink":
        (root / "first.md").symlink_to("story.md")
        (root / "latest.md").symlink_to("first.md")
    else:
        (root / "latest.md").symlink_to("story.md")
    return root / "latest.md"


def edit(path: Path, text: str, how: str) -> None:
    if how == "in place":
        with open(path, "r+") as handle:
            handle.truncate(0)
            handle.write(text)
    else:
        new = path.with_name(".story.md.new")
        new.write_text(text)
        os.replace(new, path)
    an_hour_ago = time.time() - 3600
    os.utime(path, (an_hour_ago, an_hour_ago))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(LINKS), how=st.sampled_from(EDITS), value=st.sampled_from(["false", "no", "maybe"])
)
def test_unpublishing_a_document_through_one_name_takes_down_every_name_at_once(
    kind: str, how: str, value: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        served = document(n=1, title="Harbour plan approved")
        root = write_corpus(Path(tmp) / "content", {"story.md": served, "other.md": document(n=2)})
        second = link(root, kind)
        old = time.time() - 7200
        for path in (root / "story.md", second):
            os.utime(path, (old, old), follow_symlinks=True)
        service = serve(root)
        assert "Harbour plan approved" in [a.title for a in service.index().articles]
        edit(root / "story.md", front_matter({**served, "published": value}), how)
        service.refresh([str(root / "story.md")])  # what the watcher reports: the name written
        titles = [a.title for a in service.index().articles]
        if how == "replaced (a new file renamed over it)" and kind == "hard link":
            assert "Harbour plan approved" in titles  # `latest.md` is a file of its own now, unchanged
        else:
            assert "Harbour plan approved" not in titles, (kind, how)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    folder=st.sampled_from(["", "front/", "2025/06/"]),
    through=st.sampled_from(["new name", "old name"]),
    value=st.sampled_from(["false", "no", "maybe"]),
)
def test_a_hard_link_made_while_it_runs_follows_edits_through_either_name(
    folder: str, through: str, value: str
) -> None:
    """`ln story.md latest.md` made after the folder was read: the watcher reports only the new name
    (no event says the old one gained a link), and an edit in place through either name then reaches
    both at once, not at the next full rescan."""
    with tempfile.TemporaryDirectory() as tmp:
        served = document(n=1, title="Harbour plan approved")
        root = write_corpus(Path(tmp) / "content", {"story.md": served, "other.md": document(n=2)})
        service = serve(root)
        assert "Harbour plan approved" in [a.title for a in service.index().articles]
        (root / folder).mkdir(parents=True, exist_ok=True)
        second = root / folder / "latest.md"
        os.link(root / "story.md", second)
        service.refresh([str(second)])  # the watcher's event: the new name
        name = second if through == "new name" else root / "story.md"
        edit(name, front_matter({**served, "published": value}), "in place")
        service.refresh([str(name)])
        titles = [a.title for a in service.index().articles]
        assert "Harbour plan approved" not in titles, (folder, through)
