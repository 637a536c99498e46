"""A worker started after its server did, while the content folder cannot be read: how a process
knows it is one (`replacement`), the service it runs (`Standby`: the last good corpus from the parse
cache, nothing recorded), and the 503 it answers when it holds nothing of the folder (`Unavailable`).
The server's first start over such a folder still refuses (`feeds.app.checked_app`)."""

from __future__ import annotations

import dataclasses
import os
import sys
import threading
from typing import TYPE_CHECKING

from . import httppolicy as policy
from .corpus import ContentDir
from .model import ROOT_FIELD
from .service import Clock, FeedService, utc_now
from .settings import Settings

if TYPE_CHECKING:
    from collections.abc import Iterable
    from types import FrameType

    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

STARTED = "GUNICORN_FEEDS_STARTED"  # the pid of a gunicorn master that checked the settings and folder


def replacement() -> bool:
    """This process belongs to a server that already started: a gunicorn master marked `STARTED` with
    its pid after checking (`gunicorn_conf.on_starting`; this is it, or its worker); gunicorn numbers
    this worker beyond its first ones, or granian forked it to respawn one (a worker that crashed,
    was killed, timed out, reached `max_requests`, its lifetime or memory bound, or was reloaded).
    Otherwise (a first start; `--preload`; a server that starts workers some other way): False."""
    if os.environ.get(STARTED) in (str(os.getpid()), str(os.getppid())):
        return True
    base = sys.modules.get("gunicorn.workers.base")
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:  # who is loading this app: a caller up the stack (a fork keeps the parent's)
        worker = frame.f_locals.get("self")
        if base is not None and isinstance(worker, base.Worker):
            return int(getattr(worker, "age", 0)) > int(getattr(worker.cfg, "workers", 0))
        module = str(frame.f_globals.get("__name__"))
        if frame.f_code.co_name == "_respawn_workers" and module.startswith("granian."):
            return True
        frame = frame.f_back
    return False


class Standby(FeedService):
    """The service of a worker started while its content folder is unusable: it serves what the parse
    cache holds as the last good corpus (`ContentDir.last_good_from_cache`), never records it in the
    memory of what was published (it may be older than what was published: recording it would mark
    articles deleted) but shows what the memory says of it (`Recorder.recall`), and polls the
    folder (events cannot watch a folder that is not there or cannot be read). Once the folder has
    been read again in full, it records and watches as configured."""

    def __init__(self, settings: Settings, clock: Clock = utc_now) -> None:
        self._wanted = settings.watch
        super().__init__(
            dataclasses.replace(settings, watch="poll" if settings.watch != "off" else "off"), clock
        )
        self.content.last_good_from_cache = True

    def _record(self) -> None:
        if _root_unusable(self.content):
            if self.content.serving_cache:  # shown as the other workers show it, where it is the same
                self.recorder.recall(self._index, self._clock())
            return  # read in full before: what changed is recorded once the folder is back
        if self.settings.watch != self._wanted:
            self.settings = dataclasses.replace(self.settings, watch=self._wanted)
            threading.Thread(target=self._rewatch, name="feeds-rewatch", daemon=True).start()
        super()._record()

    def _rewatch(self) -> None:
        """Replace the polling watcher (whose thread may be the caller of `_record`) with the one the
        settings ask for."""
        self.stop()
        self.watch_again()


class Unavailable:
    """WSGI: while the content folder is unusable and this process holds nothing of it (no parse
    cache), every request but `/healthz` is answered `503 Service Unavailable` with `Retry-After`
    (RFC 9110 §15.6.4, §10.2.3), never an empty feed, which readers would take as every article
    withdrawn."""

    def __init__(self, app: WSGIApplication, content: ContentDir) -> None:
        self.app = app
        self.content = content

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if len(self.content) or environ.get("PATH_INFO") == "/healthz" or not _root_unusable(self.content):
            return self.app(environ, start_response)
        body = policy.plain_body(policy.UNAVAILABLE_TEXT).encode()
        headers = policy.plain_headers(body, ("Retry-After", str(policy.RETRY_AFTER)))
        start_response("503 Service Unavailable", headers)
        return [body]


def _root_unusable(content: ContentDir) -> bool:
    return any(p.field == ROOT_FIELD for p in content.problems)
