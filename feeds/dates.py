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

from .controls import CONTROL
from .errors import quoted

EARLIEST = dt.datetime(1970, 1, 2, tzinfo=dt.UTC)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
_SPACES = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")  # Unicode spaces but the space
_ISO = re.compile(
    r"(?P<year>[0-9]{4})-(?P<month>[0-9]{1,2})-(?P<day>[0-9]{1,2})"
    r"(?:(?:[Tt]|[ \t]+)(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2})"
    r"(?::(?P<second>[0-9]{2})(?:[.,](?P<fraction>[0-9]+))?)?)?"
    r"(?:[ \t]*(?P<zone>[Zz]|[-+][0-9]{1,2}(?::?[0-9]{2})?(?:[ \t]*[A-Za-z]{1,6})?"
    r"|[A-Za-z]{2,6}(?:[ \t]*[-+][0-9]{1,2}(?::?[0-9]{2})?)?))?"
)
_OFFSET = re.compile(r"([-+])([0-9]{1,2}):?([0-9]{2})?")
_COMMENTS = re.compile(r"(?:\s*\([^()]*\))+\s*$")  # RFC 5322 CFWS after the date: `(CEST)`
_YEAR = re.compile(r"(?<![-+0-9:])([0-9]{4})(?![0-9:])")
_TIME = re.compile(r"(?<![0-9])([0-9]{1,2}):([0-9]{2})(?::[0-9]{2}(?:[.,][0-9]+)?)?")
_MERIDIEM = re.compile(r"[ \t]*([AaPp])\.?[ \t]?[Mm]\.?(?![A-Za-z])")
_ZONE = re.compile(  # what follows the time: a name, an offset, or both (`GMT+0200`, `+0200 CEST`)
    r"(?P<name>[A-Za-z]{1,6})?[ \t]*(?P<offset>[-+][0-9]{1,2}(?::?[0-9]{2})?)?[ \t]*(?P<after>[A-Za-z]{1,6})?"
)
_ASCTIME_YEAR = re.compile(r"\s+[0-9]{4}$")
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
    """A document's date as written (text; a number is not a date), read in `tz` when zoneless, to the
    second (fractions dropped): the resolution of HTTP dates and of the memory of what was published,
    so an entry's `updated` is never before its `published`, nor a feed's `updated` after its
    `Last-Modified`."""
    if not isinstance(value, str) or not value.strip() or CONTROL.search(value):  # `strip` drops VT, FF
        return DateReading(None, f"not a date or date-time: {_show(value)}")
    shown = _SPACES.sub(" ", value.strip())  # `9:30\u202fPM` (ICU, JavaScript, macOS) is 9:30 PM
    try:
        text = _COMMENTS.sub("", shown) if shown.endswith(")") else shown
        text = _twenty_four_hour(text) if "m" in text or "M" in text else text
        match = _ISO.fullmatch(text)
        parsed, zone = (_iso(match), match.group("zone")) if match is not None else _rfc5322(text)
        if parsed is None:
            return DateReading(None, f"not a date or date-time: {_show(shown)}")
        offset, note = _zone(zone, tz)
    except ValueError as exc:
        return DateReading(None, f"{_show(shown)} is not a real date-time: {exc}")
    try:
        moment = parsed.replace(tzinfo=offset, microsecond=0).astimezone(dt.UTC)
    except (ValueError, OverflowError):
        return DateReading(None, f"{_show(shown)} is out of range")
    if not EARLIEST <= moment < LATEST:
        bounds = f"before {EARLIEST:%Y-%m-%d} or after {LATEST.year - 1}"
        return DateReading(None, f"{_show(shown)} is implausible ({bounds}): a placeholder?")
    return DateReading(moment, None, note)


def _twenty_four_hour(text: str) -> str:
    """`9:30 PM CEST` → `21:30 CEST`: a 12-hour clock (`AM`/`PM`, any case, with or without a space
    or dots) as a 24-hour one; ValueError for an hour that a 12-hour clock does not have (`13:00 PM`)."""
    time = _TIME.search(text)
    marker = _MERIDIEM.match(text, time.end()) if time is not None else None
    if time is None or marker is None:
        return text
    hour = int(time.group(1))
    if not 1 <= hour <= 12:
        raise ValueError(f"hour {hour} is not on a 12-hour clock ({marker.group().strip()})")
    hour = hour % 12 + (12 if marker.group(1) in "Pp" else 0)
    rest = text[marker.end() :].strip()
    return f"{text[: time.start()]}{hour:02d}{text[time.end(1) : time.end()]} {rest}".rstrip()


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
    """RFC 5322 date-time (or the asctime form `date` prints: `Fri Mar 14 09:30:00 CEST 2025`, or
    JavaScript's `Fri Mar 14 2025 09:30:00 GMT+0200`) and its zone as written (None when it gave none).

    The zone is everything after the time (but an asctime year), taken from the text, not from
    `parsedate_tz`, which reads every zone it does not know as UTC. A 4-digit year is used as
    written; only a 2-digit year gets RFC 5322's rule."""
    time = _TIME.search(text)
    head, zone = text, None
    if time is not None:
        rest = text[time.end() :]
        year = _ASCTIME_YEAR.search(rest)
        zone = (rest[: year.start()] if year else rest).strip() or None
        head = text[: time.end()] + (year.group() if year else "")
    parts = email.utils.parsedate_tz(head)
    if parts is None:
        return None, None
    year_, month, day, hour, minute, second = parts[:6]
    written = _YEAR.search(head)
    year_ = int(written.group(1)) if written is not None else year_
    if year_ < 1:
        raise ValueError(f"year {year_} is out of range")
    return dt.datetime(year_, month, day, hour, minute, second), zone  # noqa: DTZ001 - zone set by the caller


def _zone(token: str | None, tz: dt.tzinfo) -> tuple[dt.tzinfo, str | None]:
    """The zone that the text after a time names, or `tz` with a note saying why it was used.

    A name (`CEST`), an offset (`+0200`), `GMT`/`UTC`/`UT`/`Z` followed by an offset (`GMT+2`: that
    offset), or a name and the offset it stands for (`+0200 CEST`). Anything else (`CEST+1`,
    `+0200 UTC`, two names) is not understood."""
    if not token:
        return tz, f"no time zone; read in {tz}"
    if token.upper() in _UTC_NAMES:
        return dt.UTC, None
    if _OFFSET.fullmatch(token):
        return _offset(token), None
    parts = _ZONE.fullmatch(token)
    if parts is None or (parts.group("name") and parts.group("after")):
        return tz, f"time zone {quoted(token)} is not understood; read in {tz}"
    name, written_offset = parts.group("name") or parts.group("after"), parts.group("offset")
    offset = _offset(written_offset) if written_offset else None
    if name is None and offset is not None:
        return offset, None
    named, note = _named(name or "", tz)
    if offset is None or (parts.group("name") and name.upper() in _UTC_NAMES):
        return offset or named, note
    if note is None and named.utcoffset(None) == offset.utcoffset(None):
        return offset, None
    return tz, f"time zone {quoted(token)} is not understood (a name and an offset that differ); read in {tz}"


def _offset(text: str) -> dt.timezone:
    offset = _OFFSET.fullmatch(text)
    if offset is None:
        raise ValueError(f"offset {text} is not a time zone")
    sign, hours, minutes = offset.groups()
    delta = dt.timedelta(hours=int(hours), minutes=int(minutes or 0))
    if delta >= dt.timedelta(hours=24):
        raise ValueError(f"offset {text} is not a time zone")
    return dt.timezone(-delta if sign == "-" else delta)


def _named(token: str, tz: dt.tzinfo) -> tuple[dt.tzinfo, str | None]:
    if token.upper() in _UTC_NAMES:
        return dt.UTC, None
    offsets = abbreviations().get(token.upper(), set())
    if len(offsets) == 1:
        return dt.timezone(next(iter(offsets))), None
    if offsets:
        shown = ", ".join(sorted(_offset_text(o) for o in offsets))
        return tz, f"time zone {quoted(token)} is ambiguous ({shown}); read in {tz}"
    return tz, f"time zone {quoted(token)} is not understood; read in {tz}"


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
        return quoted(text if len(text) <= 60 else text[:57] + "...")
    if isinstance(value, dict | list):
        return "a mapping" if isinstance(value, dict) else "a list"
    return "nothing" if value is None else repr(value)[:60]
