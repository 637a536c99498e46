"""gunicorn settings for feeds from a checkout: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

The same settings as the installed `gunicorn -c python:feeds.gunicorn_conf` (`feeds serve`), which
are the ones to change: `FEEDS_BIND`, `WEB_CONCURRENCY`, the access log.
"""

from feeds.gunicorn_conf import *  # noqa: F403
