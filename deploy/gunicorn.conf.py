"""gunicorn settings for feeds: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Every value can be overridden on the command line or with GUNICORN_CMD_ARGS.
"""

import multiprocessing
import os

bind = os.environ.get("FEEDS_BIND", "127.0.0.1:8000")
# Requests are cheap once a feed is rendered: one worker per core, a few threads each for slow clients.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
worker_class = "gthread"
threads = 4
keepalive = 5  # seconds; nginx keeps upstream connections open (see nginx/feeds.conf)
graceful_timeout = 10
timeout = 30
accesslog = "-"
errorlog = "-"
