"""docs/openapi.yaml describes the HTTP interface; schemathesis fuzzes every operation against the app."""

from __future__ import annotations

import tempfile

import pytest

from .helpers import DEMO, ROOT

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is a test dependency")

from feeds import create_app  # noqa: E402

schema = schemathesis.openapi.from_path(str(ROOT / "docs" / "openapi.yaml"))
# Its memory and parse cache in a folder of its own, never the home directory's (removed at exit)
_FOLDER = tempfile.TemporaryDirectory(prefix="feeds-openapi-")
schema.app = create_app(
    {
        "CONTENT_DIR": str(DEMO),
        "BASE_URL": "https://feeds.example",
        "WATCH": "off",
        "DATA_DIR": _FOLDER.name,
        "PARSE_CACHE": f"{_FOLDER.name}/cache",
    }
)


@schema.parametrize()
def test_every_operation_answers_without_a_server_error(case: schemathesis.Case) -> None:
    # call_and_validate also checks status codes, content types and bodies against the document.
    # Identity encoding: the WSGI transport sends requests' default "Accept-Encoding: gzip" but does not
    # decompress; gzip itself is tested in tests/test_caching.py.
    response = case.call_and_validate(headers={"Accept-Encoding": "identity"})
    assert response.status_code < 500, (case.method, case.formatted_path, case.query, response.content[:200])
    assert b"Traceback" not in response.content  # bytes: a gzip body is not text
