"""`gunicorn wsgi:app` (or granian): settings come from `FEEDS_*` environment variables (see README).

A bad setting or an unusable content folder ends the process with one line on stderr and exit
status 4 (`feeds.app.serve`), which stops gunicorn instead of having it restart workers forever."""

from feeds.app import serve

app = serve()  # the corpus is read now, so a worker's first request is not the slow one
