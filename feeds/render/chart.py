"""Articles per month as small inline SVG bar charts on one time axis (the home page's; no script)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, slots=True)
class Chart:
    """Articles per month as a small inline SVG bar chart on a time axis (no script).

    `months` are ('YYYY-MM', count) for the months that have articles (`Index.months`). The chart
    shows every month from `first` to `last` ('YYYY-MM'; by default the first and last of `months`;
    at most `MAX_MONTHS`, the latest), empty ones as zero-height bars, over an axis labelled with
    the first and last month and, where there is room, the year at each year boundary (each boundary
    is marked either way). Charts with the same `first` and `last` have the same slots, bar width
    and labels (`timeline`). Sizes are SVG user units (CSS px).
    """

    months: tuple[tuple[str, int], ...]
    first: str | None = None
    last: str | None = None

    WIDTH = 168
    PLOT = 28  # height of the bars' area; the axis and its labels are below it
    HEIGHT = 44
    MAX_MONTHS = 36
    _CHAR = 6.0  # an upper bound of a 10 px label's advance per character, to keep labels apart

    def span(self) -> list[tuple[int, int]]:
        """(months since year 0, count) for every month in the range shown, oldest first."""
        counts = {_month_number(month): n for month, n in self.months}
        first = _month_number(self.first) if self.first else min(counts, default=None)
        last = _month_number(self.last) if self.last else max(counts, default=None)
        if first is None or last is None:
            return []
        return [(m, counts.get(m, 0)) for m in range(max(first, last - self.MAX_MONTHS + 1), last + 1)]

    def svg(self) -> Markup:
        """The chart as inline SVG (`role="img"`, the counts of every month in `aria-label`, each
        bar's in its `<title>`), styled by the page's stylesheet through the classes months, axis
        and year."""
        span = self.span()
        w, h, plot = self.WIDTH, self.HEIGHT, self.PLOT
        label = ", ".join(f"{m // 12:04d}-{m % 12 + 1:02d} {n}" for m, n in span) or "none"
        parts = [
            f'<svg class="months" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" '
            f'aria-label="Articles per month: {label}"><path class="axis" d="M0 {plot + 0.5}H{w}"/>'
        ]
        if span:
            peak = max(max(n for _, n in span), 1)
            slot = w / len(span)
            width = round(min(slot * 0.7, 12.0), 1)
            years = [(round(i * slot, 1), m // 12) for i, (m, _) in enumerate(span) if i and m % 12 == 0]
            if years:
                parts.append(f'<path class="year" d="{"".join(f"M{x:g} 0V{plot + 5}" for x, _ in years)}"/>')
            for i, (m, n) in enumerate(span):
                height = round(max(plot * n / peak, 1.5), 1) if n else 0
                rect = f'<rect x="{round(i * slot + (slot - width) / 2, 1):g}" y="{plot - height:g}" '
                rect += f'width="{width:g}" height="{height:g}"'
                s = "" if n == 1 else "s"
                parts.append(
                    f"{rect}><title>{_month_name(m)}: {n} article{s}</title></rect>" if n else rect + "/>"
                )
            for x, anchor, text in self._labels(span, years):
                anchor = "" if anchor == "start" else f' text-anchor="{anchor}"'
                parts.append(f'<text x="{x:g}" y="{h - 3}"{anchor}>{text}</text>')
        parts.append("</svg>")
        return Markup("".join(parts))  # noqa: S704 (numbers and month names only)

    def _labels(
        self, span: list[tuple[int, int]], years: list[tuple[float, int]]
    ) -> list[tuple[float, str, str]]:
        """(x, text-anchor, text): the first and last month at the ends, and each year boundary's
        year where it fits between them."""
        first, last = _month_name(span[0][0]), _month_name(span[-1][0])
        if len(span) == 1:
            return [(self.WIDTH / 2, "middle", first)]
        labels = [(0.0, "start", first)]
        free_from, free_to = len(first) * self._CHAR + 4, self.WIDTH - len(last) * self._CHAR - 4
        for x, year in years:
            end = x + 2 + 4 * self._CHAR
            if x + 2 >= free_from and end <= free_to:
                labels.append((round(x + 2, 1), "start", str(year)))
                free_from = end + 4
        labels.append((float(self.WIDTH), "end", last))
        return labels


def timeline(rows: Sequence[tuple[tuple[str, int], ...]]) -> tuple[Chart, ...]:
    """One `Chart` per row of ('YYYY-MM', count) months, all on one timeline: from the earliest month
    of any row to the latest (at most `Chart.MAX_MONTHS`), so that every chart of a page has the same
    months, bar width and axis labels, and rows can be compared month by month."""
    months = [month for row in rows for month, _ in row]
    first, last = (min(months), max(months)) if months else (None, None)
    return tuple(Chart(row, first, last) for row in rows)


def _month_number(month: str) -> int:
    year, number = month.split("-")
    return int(year) * 12 + int(number) - 1


def _month_name(number: int) -> str:
    return f"{MONTH_NAMES[number % 12]} {number // 12}"
