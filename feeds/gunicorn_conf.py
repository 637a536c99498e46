"""gunicorn settings for feeds, installed with the package: `gunicorn -c python:feeds.gunicorn_conf`
(the app, `feeds.wsgi:app`, is named here too; `feeds serve` runs exactly this).

`FEEDS_BIND` (default `127.0.0.1:8000`; read by `feeds.settings.server_bind`) is the address,
`WEB_CONCURRENCY` (default: one per core) the number of workers. Every value can be overridden on
the command line or with GUNICORN_CMD_ARGS.
"""

from __future__ import annotations

import os
import sys

from feeds.errors import ConfigError
from feeds.settings import cannot_start, server_bind, server_workers

wsgi_app = "feeds.wsgi:app"
bind = [server_bind()]
# Sync workers, one per core: a cached feed costs microseconds of CPU, and nginx in front buffers slow
# clients (gunicorn's own advice for sync workers). Measured: sync answers 2.3x the requests of
# gthread (4 threads) on 2 cores; see docs/performance.md.
try:
    workers = server_workers()
except ConfigError as error:
    cannot_start(error)
worker_class = "sync"
limit_request_line = 8190  # gunicorn's most (4094 by default), as nginx takes about 8 KB
graceful_timeout = 10
timeout = 30
# The access log on stdout in the combined format (client, time, request line, status, bytes,
# referrer, user agent), so an operator sees which readers poll and how often.
accesslog = "-"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'
errorlog = "-"


def on_starting(server: object) -> None:
    """Settings and the content folder are checked once, in the master, before any worker starts: a
    problem is one line on stderr and exit status 4 (`feeds.app.checked_app`), not one per worker.
    Then the master marks itself started (`feeds.standby.STARTED`, inherited by its workers): a worker
    started later while the folder is unusable serves the last good corpus instead of exiting 4,
    which would stop the whole server."""
    from feeds.app import checked_app
    from feeds.standby import STARTED

    checked_app()
    os.environ[STARTED] = str(os.getpid())


def when_ready(server: object) -> None:
    """With `--preload`, the master rescans the folder in its own process (`ContentDir.fork_rescans`):
    it serves no request whose GIL a rescan would hold, its pages are its own, and each fork of it
    stops and starts gunicorn's control socket."""
    loaded = sys.modules.get("feeds.wsgi")
    if loaded is not None:
        loaded.app.extensions["feeds"].content.fork_rescans = False


def post_fork(server: object, worker: object) -> None:
    """With `--preload` (the app, and so the corpus, loaded in the master before the fork), the worker
    reads what changed since the master read (`FeedService.index`) before it takes a connection: the
    other workers answer meanwhile, where the first request to this one would otherwise wait for it.
    Its rescans are made by forked processes again (`when_ready`), so that it touches only what
    changed. Without `--preload` nothing is loaded yet: the worker reads the corpus as it loads the app."""
    loaded = sys.modules.get("feeds.wsgi")
    if loaded is not None:
        service = loaded.app.extensions["feeds"]
        service.content.fork_rescans = True
        service.index()
