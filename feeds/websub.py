"""WebSub publishing (W3C WebSub §7): telling hubs that a feed changed, off every request's path.

`Announcer.announce` queues feed URLs and returns at once; one daemon thread per process sends,
`SETTLE` seconds later, `hub.mode=publish` to every hub, one POST per URL, with both `hub.topic`
(the name most hubs read) and `hub.url` (the older name, which some hubs still take). A hub that does not
answer 2xx is tried again with exponential backoff (`FIRST_RETRY` seconds, doubling, `ATTEMPTS` in
all), then given up with a warning in the log. A URL queued again while it waits is sent once.

Which process announces a change is the memory's business (`feeds.memory`): the one that recorded
it, so a change is announced once across workers and machines.
"""

from __future__ import annotations

import heapq
import logging
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable

from .forks import hold_across_fork

log = logging.getLogger("feeds")

ATTEMPTS = 8  # 1 + 2 + 4 + … + 64 s: a hub that is down for two minutes still hears of the change
FIRST_RETRY = 1.0
# Seconds between recording a change and telling the hubs. The hub fetches the feed at once, maybe
# from another worker or machine behind the load balancer; by then every one has the change (each
# picks up an edit within about a second, docs/performance.md).
SETTLE = 2.0
TIMEOUT = 10.0  # seconds for one POST


class Announcer:
    def __init__(
        self,
        hubs: Iterable[str],
        first_retry: float = FIRST_RETRY,
        attempts: int = ATTEMPTS,
        settle: float = SETTLE,
    ) -> None:
        self.hubs = tuple(hubs)
        self._settle = settle
        self._first_retry = first_retry
        self._attempts = attempts
        self._lock = threading.Condition()
        self._due: list[tuple[float, int, str, str]] = []  # (when, attempt, hub, url), a heap
        self._waiting: set[tuple[str, str]] = set()  # (hub, url) queued and not yet sent
        self._pid = 0
        self.sent = 0  # notifications hubs accepted, for /healthz and tests
        hold_across_fork(self, lambda announcer: (announcer._lock,))  # not held by a thread a child lacks

    def announce(self, urls: Iterable[str]) -> None:
        """Queue a publish notification of each URL to every hub; returns at once."""
        with self._lock:
            if self._pid != os.getpid():  # a thread does not survive a fork: one per process
                self._pid = os.getpid()
                self._due, self._waiting = [], set()
                threading.Thread(target=self._run, name="feeds-websub", daemon=True).start()
            now = time.monotonic() + self._settle
            for url in urls:
                for hub in self.hubs:
                    if (hub, url) not in self._waiting:
                        self._waiting.add((hub, url))
                        heapq.heappush(self._due, (now, 0, hub, url))
            self._lock.notify()

    def pending(self) -> int:
        with self._lock:
            return len(self._due)

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._due or self._due[0][0] > time.monotonic():
                    self._lock.wait(self._due[0][0] - time.monotonic() if self._due else None)
                _, attempt, hub, url = heapq.heappop(self._due)
                self._waiting.discard((hub, url))
            error = publish(hub, url)
            with self._lock:
                if error is None:
                    self.sent += 1
                elif attempt + 1 < self._attempts and (hub, url) not in self._waiting:
                    delay = self._first_retry * 2**attempt
                    log.info("WebSub: %s did not take %s (%s); again in %.0f s", hub, url, error, delay)
                    self._waiting.add((hub, url))
                    heapq.heappush(self._due, (time.monotonic() + delay, attempt + 1, hub, url))
                elif (hub, url) not in self._waiting:  # queued again meanwhile: that one is sent
                    log.warning("WebSub: %s did not take %s after %d tries: %s", hub, url, attempt + 1, error)


def publish(hub: str, url: str) -> str | None:
    """One publish notification (WebSub §7); None when the hub accepted it (2xx), else why not."""
    form = urllib.parse.urlencode({"hub.mode": "publish", "hub.topic": url, "hub.url": url}).encode()
    request = urllib.request.Request(hub, data=form, method="POST")  # noqa: S310 - settings allow http(s) only
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 - http(s) only
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except (OSError, ValueError) as error:
        return str(getattr(error, "reason", error))
    return None if 200 <= status < 300 else f"HTTP {status}"
