"""Edits whose signature (size, ctime, inode) does not move, seen all the same.

- On a file system that keeps no change time (exFAT, FAT: the ctime is the mtime, or the creation
  time), a same-size edit whose mtime is put back (`touch -r`, `cp -p`, an rsync of an edit made
  elsewhere) puts the ctime back too. The scan hashes such a file's bytes instead (`scan.CHANGELESS`).
  Before, the unpublishing kept the article up, in a running server and after a restart.
- A write through a shared memory mapping stamps the ctime at the page's first write only; a second
  write to the same page, after the service looked, moved nothing. A file the watcher names (it was
  written and closed) is now read whatever its signature.

exFAT is a real one: an image mounted by exfat-fuse (root, `mkfs.exfat` and `mount.exfat-fuse`
needed; `.ci/run` installs them; skipped with the reason elsewhere)."""

from __future__ import annotations

import datetime as dt
import mmap
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.corpus import ContentDir
from feeds.parsecache import ParseCache
from feeds.scan import DEFAULT_MAX_BYTES

from .helpers import AppFactory
from .mounted import image_mounted
from .servers import eventually
from .test_racy import LOOKS, SHOWN, fresh, look_at, opened, shown, text


@pytest.fixture(scope="module", params=["exFAT", "bindfs over exFAT"])
def exfat(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder on an exFAT file system (an image on a loop device, mounted by exfat-fuse), or seen
    through bindfs (a FUSE file system of type `fuse` that passes exFAT's times through, as mergerfs
    does)."""
    base = tmp_path_factory.mktemp("exfat")
    with image_mounted(base, 32, ["mkfs.exfat"], ["mount.exfat-fuse"]) as folder:
        if request.param == "exFAT":
            yield folder
            return
        if shutil.which("bindfs") is None:
            pytest.skip("bindfs is not installed (apt: bindfs)")
        (folder / "inner").mkdir()
        bound = base / "bound"
        bound.mkdir()
        subprocess.run(["bindfs", str(folder / "inner"), str(bound)], capture_output=True, check=True)
        try:
            yield bound
        finally:
            subprocess.run(["umount", str(bound)], check=False, timeout=60)


def in_place_mtime_back(story: Path, body: str, elsewhere: Path) -> None:
    """An editor saving in place, then `touch -r` of a copy kept from before."""
    before = os.stat(story)
    with open(story, "r+", encoding="utf-8") as file:
        file.write(body)
    os.utime(story, ns=(before.st_atime_ns, before.st_mtime_ns))


def copy_keeping_mtime(story: Path, body: str, elsewhere: Path) -> None:
    """An edit made elsewhere with the file's mtime, copied over it as `cp -p` does (copy2)."""
    before = os.stat(story)
    elsewhere.write_text(body, encoding="utf-8")
    os.utime(elsewhere, ns=(before.st_atime_ns, before.st_mtime_ns))
    shutil.copy2(elsewhere, story)


TOOLS = {
    "in place, mtime put back": in_place_mtime_back,
    "cp -p of an edit made elsewhere": copy_keeping_mtime,
}
counter = iter(range(1_000_000))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    first=st.sampled_from(sorted(SHOWN)),
    then=st.lists(
        st.tuples(st.sampled_from(sorted(SHOWN)), st.sampled_from(sorted(TOOLS)), st.sampled_from(LOOKS)),
        min_size=1,
        max_size=3,
    ),
)
def test_an_edit_with_its_mtime_put_back_is_seen_where_no_change_time_is_kept(
    exfat: Path, first: str, then: list[tuple[str, str, str]]
) -> None:
    root, story, cache = fresh(exfat, f"case{next(counter)}")
    story.write_text(text(first), encoding="utf-8")
    an_hour_ago = time.time_ns() - 3600 * 10**9  # dated back: the read is not within its tick (`racy`)
    os.utime(story, ns=(an_hour_ago, an_hour_ago))
    content = opened(root, cache)
    content.refresh()
    for state, tool, look in then:
        before = os.stat(story)
        TOOLS[tool](story, text(state), exfat / f"elsewhere{next(counter)}.txt")
        after = os.stat(story)
        assert (after.st_size, after.st_ctime_ns) == (before.st_size, before.st_ctime_ns)  # as exFAT keeps
        content = look_at(content, look, story, cache)
        assert shown(content) == SHOWN[state], (first, then)


def mapped_edit(story: Path, between: object) -> None:
    """Two writes to one page through a shared mapping (a headline's case, then the unpublishing),
    `between()` called after the first; then flushed and closed, as a writer by mmap does."""
    fd = os.open(story, os.O_RDWR)
    try:
        with mmap.mmap(fd, 0, mmap.MAP_SHARED) as mapped:
            data = bytes(mapped)
            at = data.index(b"Harbour wind")
            mapped[at : at + 7] = b"HARBOUR"  # the page's first write: the ctime is stamped
            time.sleep(0.05)
            between()  # type: ignore[operator]
            at = data.index(b"published: true ")
            mapped[at : at + 16] = b"published: false"  # the same page: no ctime moves
            mapped.flush()
    finally:
        os.close(fd)


def test_a_second_write_through_a_mapping_is_read_when_the_watcher_names_the_file(tmp_path: Path) -> None:
    root, story, cache = fresh(tmp_path, "mapped")
    story.write_text(text("shown"), encoding="utf-8")
    content = ContentDir(root, cache=ParseCache(cache, root, dt.UTC, DEFAULT_MAX_BYTES))
    content.refresh()
    mapped_edit(story, lambda: content.refresh([str(story)]))  # the watcher's look after the first write
    assert shown(content) == ["HARBOUR wind farm approved"]  # still shown: the second write comes after
    content.refresh([str(story)])  # the watcher, told of the file closed
    assert shown(content) == []


def test_a_second_write_through_a_mapping_reaches_a_watching_server(
    tmp_path: Path, make_app: AppFactory
) -> None:
    root, story, _ = fresh(tmp_path, "served")
    story.write_text(text("shown"), encoding="utf-8")
    app = make_app(root, WATCH="auto")
    client = app.test_client()
    service = app.extensions["feeds"]

    def headlines() -> list[str]:
        return sorted(e["title"] for e in client.get("/all.json").get_json()["items"])

    try:
        assert "Harbour wind farm approved" in headlines()
        mapped_edit(story, lambda: service.refresh(None))  # the watcher's rescan, between the writes
        eventually(lambda: "HARBOUR wind farm approved" not in headlines(), 5, "the unpublishing")
        assert headlines() == ["Ferry timetable"]
    finally:
        service.stop()
