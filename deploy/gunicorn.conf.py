"""gunicorn settings for feeds: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Every value can be overridden on the command line or with GUNICORN_CMD_ARGS.
"""

import multiprocessing
import os

bind = os.environ.get("FEEDS_BIND", "127.0.0.1:8000")
# Sync workers, one per core: a cached feed costs microseconds of CPU, and nginx in front buffers slow
# clients (gunicorn's own advice for sync workers). Measured: sync answers 2.3x the requests of
# gthread (4 threads) on 2 cores; see docs/performance.md.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
worker_class = "sync"
graceful_timeout = 10
timeout = 30
accesslog = None  # nginx in front logs every request; a second log here costs CPU per hit
errorlog = "-"


def on_starting(server: object) -> None:
    """Settings and the content folder are checked once, in the master, before any worker starts: a
    problem is one line on stderr and exit status 4 (`feeds.app.checked_app`), not one per worker."""
    from feeds.app import checked_app

    checked_app()
