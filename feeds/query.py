"""A feed request's query string → `FeedQuery`: `limit`, `min_quality`, `min_heat` validated (400
naming the parameter), and `page` read as a static export's nginx reads `$arg_page`, so both answer
every spelling alike (`httppolicy.page_argument`)."""

from __future__ import annotations

import re
from typing import Protocol

from . import httppolicy as policy
from .errors import BadParameterError, UnknownFeedError
from .feedkeys import FeedQuery
from .fields import MAX_WHOLE
from .httppolicy import MAX_LIMIT, PARAM_MAX


class Arguments(Protocol):
    """Decoded query arguments by name (Werkzeug's `MultiDict`)."""

    def getlist(self, key: str) -> list[str]: ...


def feed_query(args: Arguments, query_string: bytes, default_limit: int) -> FeedQuery:
    """The known query parameters, validated and normalised; unknown ones are ignored. `page` is read
    from the raw `query_string` (`query_page`). `BadParameterError` (400) or `UnknownFeedError` (404)."""
    limit = int_param(args, "limit", 1, MAX_LIMIT)
    return FeedQuery(
        limit=default_limit if limit is None else limit,
        # any value a document may state (`fields.MAX_WHOLE`): each one can be asked for
        min_quality=int_param(args, "min_quality", -MAX_WHOLE, MAX_WHOLE),
        min_heat=int_param(args, "min_heat", -MAX_WHOLE, MAX_WHOLE),
        page=query_page(query_string),
    )


def query_page(query_string: bytes) -> int:
    """The page `?page=` asks for (1 without one, or empty); `BadParameterError` (400) when it is not a
    page number; `UnknownFeedError` (404) past `PARAM_MAX` pages, as past any feed's last page."""
    raw = policy.page_argument(query_string)
    if not raw:
        return 1
    spelled = re.fullmatch(policy.PAGE_SPELLING, raw)
    if spelled is None:
        raise BadParameterError("page", policy.PAGE_TEXT)
    digits = spelled[1]
    if len(digits) > len(str(PARAM_MAX)) or int(digits) > PARAM_MAX:
        raise UnknownFeedError(policy.page_past_text(digits))
    return int(digits)


def int_param(args: Arguments, name: str, low: int, high: int) -> int | None:
    """A whole-number parameter in [`low`, `high`], written in ASCII digits with an optional sign (None
    when absent); `BadParameterError` when it is given twice with different values, is written
    otherwise (other digits, spaces), or is out of range."""
    values = set(args.getlist(name))
    if not values:
        return None
    if len(values) > 1:
        raise BadParameterError(name, "given more than once with different values")
    raw = values.pop()
    if not re.fullmatch(r"[+-]?[0-9]{1,40}", raw):  # ASCII digits only: `int` would read `５`, `٥`, ` 5`
        raise BadParameterError(name, policy.page_range_text(low, high))
    value = int(raw)
    if not low <= value <= high:
        raise BadParameterError(name, f"{policy.page_range_text(low, high)}, got {value}")
    return value
