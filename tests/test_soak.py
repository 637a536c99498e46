"""The short soak (about 20 s of load while documents change): `make soak` runs the long one."""

from __future__ import annotations

import shutil

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed"),
]


def test_twenty_seconds_of_load_while_documents_change() -> None:
    from bench.soak import soak, verdict

    result = soak(seconds=20, connections=16, documents=1000)
    assert verdict(result) == []
    assert int(result["requests"]) > 1000  # type: ignore[call-overload]
    assert int(result["304"]) > 0  # type: ignore[call-overload]
    assert int(result["mutations"]) > 100  # type: ignore[call-overload]
