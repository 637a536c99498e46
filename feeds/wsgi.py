"""The WSGI app as servers load it: `gunicorn feeds.wsgi:app`, `granian --interface wsgi feeds.wsgi:app`.

Settings come from `FEEDS_*` environment variables (see README). A bad setting or an unusable
content folder ends the process with one line on stderr and exit status 4 (`feeds.app.serve`),
which stops gunicorn instead of having it restart workers forever; except that a worker replacing
another of a running server serves the last good corpus with `/healthz` 503 (`feeds.standby.replacement`).
"""

from __future__ import annotations

from .app import serve

app = serve()  # the corpus is read now, so a worker's first request is not the slow one
