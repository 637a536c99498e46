"""Workers forked from a process that already read the corpus (`gunicorn --preload`): they serve only
what the folder says when they start, and a fork never catches the service in the middle of a change."""

from __future__ import annotations

import os
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds import forks, rescan
from feeds.corpus import ContentDir
from feeds.feedkeys import ALL, FeedQuery
from feeds.index import Index
from feeds.service import FeedService
from feeds.settings import Settings

from .helpers import document, front_matter, write_corpus

CHILD_SECONDS = 10  # a child that is stuck (a lock no thread of it will release) is killed by then


def service_of(root: Path) -> FeedService:
    """A service that reads once and does not follow the folder: only the fork's own reading can
    show a change made after its load."""
    service = FeedService(Settings(content_dir=root, watch="off", parse_cache=None, data_dir=None))
    service.index()
    return service


def shown(service: FeedService) -> set[str]:
    return {a.url for a in service._index.select(ALL, FeedQuery(limit=100)).articles}


def in_child(check: Callable[[], bool]) -> tuple[int | None, float]:
    """Fork; the child runs `check` and exits 0 when it holds, 1 when it does not, and is killed when it
    hangs. The child's exit status (None when it was killed), and how long `os.fork` took here."""
    start = time.monotonic()
    with warnings.catch_warnings():  # Python 3.12+ warns of forking a process that has threads
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: never back into pytest
        try:
            threading.Timer(CHILD_SECONDS, os._exit, (2,)).start()
            os._exit(0 if check() else 1)
        finally:
            os._exit(3)
    took = time.monotonic() - start
    _, status = os.waitpid(pid, 0)
    return (os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else None), took


def test_a_worker_forked_after_the_load_reads_what_changed_before_it_serves(tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "content", {f"{n}.md": document(n=n) for n in (1, 2)})
    service = service_of(root)
    (root / "2.md").write_text(front_matter(document(n=2, published=False)), encoding="utf-8")
    assert shown(service) == {"https://news.example/story-1", "https://news.example/story-2"}  # not followed

    status, _ = in_child(lambda: shown_by_index(service) == {"https://news.example/story-1"})

    assert status == 0  # the fork's first answer already leaves the unpublished article out


def shown_by_index(service: FeedService) -> set[str]:
    return {a.url for a in service.index().select(ALL, FeedQuery(limit=100)).articles}


def test_a_fork_during_a_change_waits_for_it_and_the_child_serves_all_of_it(tmp_path: Path) -> None:
    """The change is held inside the index for half a second while another thread forks: the fork
    waits for the change to end, and the child has it whole (its document unpublished in the index
    as well as read), with every lock free."""
    root = write_corpus(tmp_path / "content", {f"{n}.md": document(n=n) for n in (1, 2)})
    service = service_of(root)
    (root / "2.md").write_text(front_matter(document(n=2, published=False)), encoding="utf-8")
    inside, release = threading.Event(), threading.Event()
    apply = Index.apply

    def slow_apply(index: Index, changes: object) -> None:
        if changes:
            inside.set()
            release.wait(5)
        apply(index, changes)  # type: ignore[arg-type]

    with mock.patch.object(Index, "apply", slow_apply):
        refresher = threading.Thread(target=service.refresh, args=(None,))
        refresher.start()
        assert inside.wait(5)
        threading.Timer(0.5, release.set).start()

        def child() -> bool:
            return shown(service) == {"https://news.example/story-1"} and service.content.refresh([]) is None

        status, took = in_child(child)
        refresher.join(5)

    assert status == 0
    assert took >= 0.4  # it waited for the change
    assert shown(service) == {"https://news.example/story-1"}


def test_every_thread_of_a_forked_worker_waits_for_its_first_reading(tmp_path: Path) -> None:
    """A threaded worker's first requests arrive together: none of them is answered from the master's
    corpus while one thread reads what changed (the reading is made slow here)."""
    root = write_corpus(tmp_path / "content", {f"{n}.md": document(n=n) for n in (1, 2)})
    service = service_of(root)
    (root / "2.md").write_text(front_matter(document(n=2, published=False)), encoding="utf-8")
    refresh = ContentDir.refresh

    def slow_refresh(content: ContentDir, paths: object = None) -> object:
        time.sleep(0.3)
        return refresh(content, paths)  # type: ignore[arg-type]

    def child() -> bool:
        seen: list[set[str]] = []
        threads = [threading.Thread(target=lambda: seen.append(shown_by_index(service))) for _ in range(4)]
        for thread in threads:
            thread.start()
            time.sleep(0.05)
        for thread in threads:
            thread.join(5)
        return seen == [{"https://news.example/story-1"}] * 4

    with mock.patch.object(ContentDir, "refresh", slow_refresh):
        status, _ = in_child(child)
    assert status == 0


STATES = st.sampled_from(["absent", "published", "unpublished"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    before=st.lists(STATES, min_size=4, max_size=4),
    after=st.lists(STATES, min_size=4, max_size=4),
    refreshing=st.booleans(),
    slow=st.floats(0, 0.1),
    fork_after=st.floats(0, 0.1),
)
def test_a_forked_worker_serves_what_the_folder_says_however_the_fork_meets_a_change(
    tmp_path_factory: pytest.TempPathFactory,
    before: list[str],
    after: list[str],
    refreshing: bool,
    slow: float,
    fork_after: float,
) -> None:
    """Documents appear, go and are unpublished after the master read; the master may be applying
    that change (slowly) in another thread when it forks, at any moment. The child's first answer is
    the folder as it is now, whatever the master held (a folder left with no file keeps the last good
    corpus)."""
    root = tmp_path_factory.mktemp("content")

    def write(states: list[str]) -> set[str]:
        for n, state in enumerate(states, 1):
            path = root / f"{n}.md"
            if state == "absent":
                path.unlink(missing_ok=True)
            else:
                path.write_text(front_matter(document(n=n, published=state == "published")), encoding="utf-8")
        return {
            f"https://news.example/story-{n}" for n, state in enumerate(states, 1) if state == "published"
        }

    was = write(before)
    service = service_of(root)
    now = write(after)
    if all(state == "absent" for state in after) and not all(state == "absent" for state in before):
        now = was  # a folder emptied is an outage: the last good corpus (tests/test_emptied_folder.py)
    apply = Index.apply

    def slow_apply(index: Index, changes: object) -> None:
        time.sleep(slow)
        apply(index, changes)  # type: ignore[arg-type]

    with mock.patch.object(Index, "apply", slow_apply):
        refresher = threading.Thread(target=service.refresh, args=(None,))
        if refreshing:
            refresher.start()
            time.sleep(fork_after)
        status, _ = in_child(lambda: shown_by_index(service) == now)
        if refreshing:
            refresher.join(5)
    assert status == 0


def test_a_rescan_forking_its_helpers_never_waits_for_another_threads_fork(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`gunicorn --preload`: the master's watcher rescans by forked helpers (holding the refresh lock)
    while the master forks a worker, whose fork takes the WebSub announcer's lock and then waits for
    the refresh lock. The helpers' fork waited for the announcer's lock: the master hung with no
    worker. Helpers wait for no lock (`forks.helper_forks`). Run in a child: a hang is killed."""
    docs = {f"{year}/{n}.md": document(n=n + 10 * year) for year in range(2019, 2023) for n in range(3)}
    root = write_corpus(tmp_path / "content", docs)
    monkeypatch.setattr(rescan, "FORKED_MIN", 0)

    def scenario() -> bool:
        service = service_of(root)
        announcer = mock.Mock(lock=threading.Lock())  # registered after the service: its lock is taken first
        forks.hold_across_fork(announcer, lambda held: (held.lock,))
        inside, forking = threading.Event(), threading.Event()
        helpers = rescan.in_forks

        def slow_helpers(*args: object) -> object:
            inside.set()  # the refresh lock is held from here
            forking.wait(5)
            time.sleep(0.3)  # the other thread's fork now holds the announcer's lock
            return helpers(*args)  # type: ignore[arg-type]

        rescan.in_forks = slow_helpers  # type: ignore[assignment]
        (root / "2020" / "1.md").unlink()
        rescanning = threading.Thread(target=service.refresh, args=(None,), daemon=True)
        rescanning.start()
        inside.wait(5)
        statuses: list[int] = []

        def fork_a_worker() -> None:
            forking.set()
            pid = os.fork()
            if pid == 0:
                os._exit(0)
            statuses.append(os.waitpid(pid, 0)[1])

        worker = threading.Thread(target=fork_a_worker, daemon=True)
        worker.start()
        rescanning.join(5)
        worker.join(5)
        gone = "2020/1.md" not in {a.path for a in service.content.corpus.articles}
        return not rescanning.is_alive() and statuses == [0] and gone

    status, _ = in_child(scenario)
    assert status == 0
