"""Document dates → aware UTC datetimes, with a reason for every date that is not read as written.

Accepted spellings (contract: Dates):
- ISO 8601 / YAML timestamps: `2025-03-14`, `2025-03-14T09:30:00Z`, `2025-03-14 09:30:00.25 +01:00`,
  `2025-03-14T09:30+0100`, `2025-03-14 09:30 CEST`;
- RFC 5322 (RSS 2.0's RFC 822 dates): `Fri, 14 Mar 2025 09:30:00 +0100`, `… GMT`, `… CEST`.

Time zones: a numeric offset, `Z`, `UT`/`UTC`/`GMT`, RFC 5322's North American names (`EST`, `PDT`
…), and any abbreviation that the IANA time zone database gives exactly one offset in current use
(`CET`, `CEST`, `BST`, `JST`, `AEST` …). A missing, unknown or ambiguous zone (`IST` is +05:30,
+01:00 and +02:00) is never guessed as UTC: the time is read in `FEEDS_TIMEZONE`, with a note that
says so. Dates outside [`EARLIEST`, `LATEST`) are placeholders (`0001-01-01`, the Unix epoch,
`9999-12-31`), not news: rejected with a reason.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import functools
import re
import zoneinfo
from dataclasses import dataclass

EARLIEST = dt.datetime(1970, 1, 2, tzinfo=dt.UTC)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
_ISO = re.compile(
    r"(?P<year>[0-9]{4})-(?P<month>[0-9]{1,2})-(?P<day>[0-9]{1,2})"
    r"(?:(?:[Tt]|[ \t]+)(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2})"
    r"(?::(?P<second>[0-9]{2})(?:[.,](?P<fraction>[0-9]+))?)?)?"
    r"(?:[ \t]*(?P<zone>[Zz]|[-+][0-9]{1,2}(?::?[0-9]{2})?|[A-Za-z]{2,6}))?"
)
_OFFSET = re.compile(r"([-+])([0-9]{1,2}):?([0-9]{2})?")
_COMMENTS = re.compile(r"(?:\s*\([^()]*\))+\s*$")  # RFC 5322 CFWS after the date: `(CEST)`
_YEAR = re.compile(r"(?<![-+0-9:])([0-9]{4})(?![0-9:])")
_ZONE_AFTER_TIME = re.compile(r"[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?\s+([-+]?[A-Za-z0-9]+)")
_UTC_NAMES = frozenset({"Z", "UT", "UTC", "GMT"})
_SAMPLE_YEARS = range(2024, 2027)  # abbreviations as used now, not by history
# RFC 5322 §4.3 (obs-zone): the North American zone names that the RFC itself defines.
_RFC5322_ZONES = {"EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7}


@dataclass(frozen=True, slots=True)
class DateReading:
    """A date as read: `moment` (aware, UTC) or `problem` (why there is none); `note` when the time
    was read in the configured zone because the text gave none, or none that is understood."""

    moment: dt.datetime | None
    problem: str | None = None
    note: str | None = None


def read_date(value: object, tz: dt.tzinfo) -> DateReading:
    """A document's date as written (text; a number is not a date), read in `tz` when zoneless."""
    if not isinstance(value, str) or not value.strip():
        return DateReading(None, f"not a date or date-time: {_show(value)}")
    text = value.strip()
    match = _ISO.fullmatch(text)
    try:
        parsed, zone = (_iso(match), match.group("zone")) if match is not None else _rfc5322(text)
        if parsed is None:
            return DateReading(None, f"not a date or date-time: {_show(text)}")
        offset, note = _zone(zone, tz)
    except ValueError as exc:
        return DateReading(None, f"{_show(text)} is not a real date-time: {exc}")
    try:
        moment = parsed.replace(tzinfo=offset).astimezone(dt.UTC)
    except (ValueError, OverflowError):
        return DateReading(None, f"{_show(text)} is out of range")
    if not EARLIEST <= moment < LATEST:
        bounds = f"before {EARLIEST:%Y-%m-%d} or after {LATEST.year - 1}"
        return DateReading(None, f"{_show(text)} is implausible ({bounds}): a placeholder?")
    return DateReading(moment, None, note)


def _iso(match: re.Match[str]) -> dt.datetime:
    fraction = (match.group("fraction") or "0")[:6].ljust(6, "0")
    return dt.datetime(  # noqa: DTZ001 - the zone is set by the caller
        int(match.group("year")),
        int(match.group("month")),
        int(match.group("day")),
        int(match.group("hour") or 0),
        int(match.group("minute") or 0),
        int(match.group("second") or 0),
        int(fraction),
    )


def _rfc5322(text: str) -> tuple[dt.datetime | None, str | None]:
    """RFC 5322 date-time (or the asctime form `date` prints: `Fri Mar 14 09:30:00 CEST 2025`) and
    its zone token as written (None when it gave none).

    Trailing comments are dropped (`+0200 (CEST)`: the offset counts). The zone is the token right
    after the time, taken from the text, not from `parsedate_tz`, which reads every zone it does not
    know as UTC. A 4-digit year is used as written; only a 2-digit year gets RFC 5322's rule."""
    text = _COMMENTS.sub("", text)
    parts = email.utils.parsedate_tz(text)
    if parts is None:
        return None, None
    year, month, day, hour, minute, second = parts[:6]
    written = _YEAR.search(text)
    year = int(written.group(1)) if written is not None else year
    if year < 1:
        raise ValueError(f"year {year} is out of range")
    moment = dt.datetime(year, month, day, hour, minute, second)  # noqa: DTZ001 - zone set by the caller
    zone = _ZONE_AFTER_TIME.search(text)
    token = zone.group(1) if zone is not None else None
    return moment, token if token and (token.isalpha() or _OFFSET.fullmatch(token)) else None


def _zone(token: str | None, tz: dt.tzinfo) -> tuple[dt.tzinfo, str | None]:
    """The zone a token names, or `tz` with a note saying why it was used."""
    if not token:
        return tz, f"no time zone; read in {tz}"
    if token.upper() in _UTC_NAMES:
        return dt.UTC, None
    offset = _OFFSET.fullmatch(token)
    if offset is not None:
        sign, hours, minutes = offset.groups()
        delta = dt.timedelta(hours=int(hours), minutes=int(minutes or 0))
        if delta >= dt.timedelta(hours=24):
            raise ValueError(f"offset {token} is not a time zone")
        return dt.timezone(-delta if sign == "-" else delta), None
    offsets = abbreviations().get(token.upper(), set())
    if len(offsets) == 1:
        return dt.timezone(next(iter(offsets))), None
    if offsets:
        shown = ", ".join(sorted(_offset_text(o) for o in offsets))
        return tz, f"time zone {token!r} is ambiguous ({shown}); read in {tz}"
    return tz, f"time zone {token!r} is not understood; read in {tz}"


@functools.cache
def abbreviations() -> dict[str, set[dt.timedelta]]:
    """Zone abbreviation → the UTC offsets it stands for in the IANA database (recent years), plus
    RFC 5322's own names, which win for the letters they define."""
    table: dict[str, set[dt.timedelta]] = {}
    try:
        names = zoneinfo.available_timezones()
    except Exception:
        names = set()
    for name in names:
        try:
            zone = zoneinfo.ZoneInfo(name)
        except Exception:  # noqa: S112 - an unreadable zone file is just not used
            continue
        for year in _SAMPLE_YEARS:
            for month in (1, 7):
                moment = dt.datetime(year, month, 15, 12, tzinfo=zone)
                abbreviation, offset = moment.tzname(), moment.utcoffset()
                if abbreviation and abbreviation.isalpha() and offset is not None:
                    table.setdefault(abbreviation.upper(), set()).add(offset)
    for abbreviation, hours in _RFC5322_ZONES.items():
        table[abbreviation] = {dt.timedelta(hours=hours)}
    return table


def _offset_text(offset: dt.timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _show(value: object) -> str:
    if isinstance(value, str):
        text = " ".join(value.split())
        return repr(text if len(text) <= 60 else text[:57] + "...")
    if isinstance(value, dict | list):
        return "a mapping" if isinstance(value, dict) else "a list"
    return "nothing" if value is None else repr(value)[:60]
