"""`gunicorn wsgi:app` (or granian) from a checkout; installed, the app is `feeds.wsgi:app`.

Settings come from `FEEDS_*` environment variables (see README); see `feeds.wsgi`."""

from feeds.wsgi import app

__all__ = ["app"]
