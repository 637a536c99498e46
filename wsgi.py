"""`gunicorn wsgi:app`: settings come from `FEEDS_*` environment variables (see README)."""

from feeds import create_app

app = create_app()
app.extensions["feeds"].index()  # read the corpus now, so a worker's first request is not the slow one
