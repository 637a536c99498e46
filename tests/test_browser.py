"""The HTML pages in a real headless Chromium (Debian's chromium and chromium-driver): phone and
desktop widths, light and dark colour schemes, measured as a reader's browser lays them out.

Screenshots (whole pages) are kept in test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import itertools
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .helpers import DEMO, ROOT
from .servers import gunicorn

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is a test dependency")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
        reason="needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)",
    ),
]
ARTIFACTS = ROOT / "test-artifacts"
WIDTHS = [375, 1280]
SCHEMES = ["light", "dark"]
PAGES = {
    "home": "/",
    "topic": "/topics/energy/",
    "provider": "/providers/valley-courier.example/",
    "page-2": "/topics/transport/?limit=4&page=2",
}
READER_HOSTS = ("feedly.com", "www.inoreader.com", "www.newsblur.com", "theoldreader.com")


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with gunicorn(DEMO) as server:
        yield server.base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="feeds-chromium-")
    options = Options()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def open_page(driver: Any, url: str, width: int, scheme: str) -> Any:
    """Load `url` at `width` CSS px in the given colour scheme; returns execute_script."""
    driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]}
    )
    driver.set_window_size(width, 900)
    driver.get(url)
    script = driver.execute_script
    assert script(f"return matchMedia('(prefers-color-scheme: {scheme})').matches")
    return script


def screenshot(driver: Any, name: str) -> None:
    """The whole page (up to 4000 px tall) as PNG in test-artifacts/."""
    script = driver.execute_script
    width = script("return window.innerWidth")
    height = min(script("return document.documentElement.scrollHeight"), 4000)
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )
    try:
        ARTIFACTS.mkdir(exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


# --- WCAG 2.x contrast, computed here from what the browser computed -------------------------------------

RGBA = tuple[float, float, float, float]


def parse_colour(text: str) -> RGBA:
    """`rgb(r, g, b)` or `rgba(r, g, b, a)` as getComputedStyle gives it."""
    match = re.fullmatch(r"rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)", text.strip())
    assert match, f"unexpected computed colour {text!r}"
    r, g, b, a = match.groups()
    return float(r), float(g), float(b), float(a) if a is not None else 1.0


def over(top: RGBA, bottom: RGBA) -> RGBA:
    """`top` painted over an opaque `bottom` (source-over)."""
    a = top[3]
    return (
        top[0] * a + bottom[0] * (1 - a),
        top[1] * a + bottom[1] * (1 - a),
        top[2] * a + bottom[2] * (1 - a),
        1.0,
    )


def luminance(colour: RGBA) -> float:
    """WCAG 2.x relative luminance of an sRGB colour."""

    def linear(channel: float) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in colour[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: RGBA, b: RGBA) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


# Every element that shows text of its own (links, body text, headings, code, chart labels): its text
# colour (SVG text: its fill), size and weight, and the background colours behind it, innermost first.
TEXT_COLOURS = """
const seen = [];
for (const el of document.body.querySelectorAll('*')) {
  const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  if (!own) continue;
  const r = el.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) continue;
  const s = getComputedStyle(el);
  if (s.visibility === 'hidden') continue;
  const backgrounds = [];
  for (let e = el; e; e = e.parentElement) backgrounds.push(getComputedStyle(e).backgroundColor);
  backgrounds.push(getComputedStyle(document.documentElement).backgroundColor);
  seen.push({
    tag: el.closest('code') ? 'code' : el.tagName.toLowerCase(), text: el.textContent.trim().slice(0, 40),
    colour: el instanceof SVGElement ? s.fill : s.color,
    size: parseFloat(s.fontSize), weight: parseInt(s.fontWeight, 10), backgrounds,
  });
}
return seen;
"""


# What Chromium paints behind a page that leaves its own background transparent, per colour scheme
# (with `color-scheme: light dark`).
CANVAS: dict[str, RGBA] = {"light": (255, 255, 255, 1.0), "dark": (18, 18, 18, 1.0)}


def backdrop(layers: list[str], scheme: str) -> RGBA:
    """The opaque colour that background `layers` (innermost first) paint over the canvas."""
    colour = CANVAS[scheme]
    for layer in reversed(layers):
        colour = over(parse_colour(layer), colour)
    return colour


def contrast_failures(texts: list[dict[str, Any]], scheme: str) -> list[str]:
    """Text below WCAG 2.x AA: 4.5:1, or 3:1 for large text (24 px, or 18.66 px bold)."""
    failures = []
    for t in texts:
        background = backdrop(t["backgrounds"], scheme)
        ratio = contrast(over(parse_colour(t["colour"]), background), background)
        large = t["size"] >= 24 or (t["size"] >= 18.66 and t["weight"] >= 700)
        if ratio < (3 if large else 4.5):
            failures.append(f"{t['tag']} {t['text']!r}: {ratio:.2f}:1 ({t['colour']} on {background})")
    return failures


# Words of headings (h1-h3, table headers) and segments of the feed URLs shown: each must sit on one line.
SPLIT_WORDS = r"""
const split = [];
function lines(node, start, end) {
  const range = document.createRange();
  range.setStart(node, start); range.setEnd(node, end);
  return new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.bottom))).size;
}
for (const el of document.querySelectorAll('h1, h2, h3, th')) {
  if (!el.getClientRects().length) continue;
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const m of node.textContent.matchAll(/[^\s\-\u2010-\u2014]+/g)) {
      if (lines(node, m.index, m.index + m[0].length) > 1) split.push(el.tagName + ': ' + m[0]);
    }
  }
}
for (const code of document.querySelectorAll('.subscribe code')) {
  const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (lines(node, 0, node.length) > 1) split.push('URL: ' + node.textContent);
  }
}
return split;
"""


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", sorted(PAGES))
def test_pages_fit_read_well_and_offer_every_way_to_subscribe(
    site: str, browser: Any, name: str, width: int, scheme: str
) -> None:
    script = open_page(browser, site + PAGES[name], width, scheme)

    inner = script("return window.innerWidth")
    assert inner <= width
    assert script("return document.documentElement.scrollWidth") <= inner, "horizontal scrolling"
    cut = script(
        "return [...document.querySelectorAll('a, .scroll')].filter(e => {"
        "  const r = e.getBoundingClientRect();"
        "  return r.left < 0 || r.right > innerWidth || e.scrollWidth > e.clientWidth + 1; })"
        "  .map(e => e.outerHTML.slice(0, 80))"
    )
    assert cut == [], "every link and table wholly in view, none scrolled sideways"

    links = script(
        "return [...document.querySelectorAll('.subscribe a')].map(a => {"
        "  const r = a.getBoundingClientRect();"
        "  return [a.href, r.width > 0 && r.height > 0 && r.left >= 0 && r.right <= window.innerWidth];"
        "})"
    )
    hrefs = [href for href, _ in links]
    path = "all" if name == "home" else PAGES[name].split("?")[0].strip("/")
    for fmt in ("atom", "rss", "json"):
        assert f"{site}/{path}.{fmt}" in hrefs
    for host in READER_HOSTS:
        assert any(href.startswith(f"https://{host}/") for href in hrefs), host
    assert all(visible for _, visible in links), links

    # every feed URL shown in full (nothing hidden behind a scroll), wrapped only between segments
    urls = script(
        "return [...document.querySelectorAll('.subscribe code')].map(c =>"
        "  [c.textContent, c.scrollWidth <= c.clientWidth + 1])"
    )
    assert [u for u, _ in urls] == [f"{site}/{path}.{fmt}" for fmt in ("atom", "rss", "json")]
    assert all(whole for _, whole in urls), urls
    assert script(SPLIT_WORDS) == []

    if name == "home":
        headings = script(
            "return [...document.querySelectorAll('th')].filter(t => t.textContent === 'Articles')"
            "  .map(t => { const r = document.createRange(); r.selectNodeContents(t);"
            "              return r.getClientRects().length; })"
        )
        assert headings == [1, 1], "the 'Articles' heading of both tables, on one line"

    page = backdrop([script("return getComputedStyle(document.documentElement).backgroundColor")], scheme)
    assert (luminance(page) < 0.05) == (scheme == "dark")
    texts = script(TEXT_COLOURS)
    assert {"a", "p", "h1", "code"} <= {t["tag"] for t in texts}
    assert contrast_failures(texts, scheme) == []

    screenshot(browser, f"{name}-{width}-{scheme}")


def test_month_charts_show_every_month_on_a_labelled_axis(site: str, browser: Any) -> None:
    script = open_page(browser, site + "/", 1280, "light")
    charts = script(
        "return Object.fromEntries([...document.querySelectorAll('tbody tr')].map(row => {"
        "  const svg = row.querySelector('svg'); const box = svg.getBoundingClientRect();"
        "  return [row.querySelector('th').textContent, {"
        "    visible: box.width > 0 && box.height > 0,"
        "    bars: [...svg.querySelectorAll('rect')].map(r => [r.x.baseVal.value, r.width.baseVal.value,"
        "                                                     r.height.baseVal.value]),"
        "    labels: [...svg.querySelectorAll('text')].map(t => {"
        "      const b = t.getBBox(); return [t.textContent, b.x, b.x + b.width]; }),"
        "    width: svg.viewBox.baseVal.width, label: svg.getAttribute('aria-label')}];"
        "}))"
    )
    assert len(charts) == 8 + 6
    # from the demo corpus: Économie has articles in Nov 2024, Feb, Mar, May … Nov 2025; Sport in Apr,
    # May, Jun, Jul and Sep 2025; Climate from Aug 2024 to Nov 2025. Every chart shows the months of
    # the whole corpus (Aug 2024 … Nov 2025) in the same slots, so rows compare month by month.
    expected = {
        "Économie": "...#..##.#######",
        "Sport": "........####.#..",
        "Climate": "#....###.###.#.#",
    }
    for name, shape in expected.items():
        assert "".join("#" if h > 0 else "." for _, _, h in charts[name]["bars"]) == shape, name
    slots = [(x, w) for x, w, _ in charts["Climate"]["bars"]]
    for name, chart in charts.items():
        texts = [text for text, _, _ in chart["labels"]]
        assert (texts[0], texts[-1]) == ("Aug 2024", "Nov 2025"), name
        assert [(x, w) for x, w, _ in chart["bars"]] == slots, name
        assert chart["labels"] == charts["Climate"]["labels"], name
    for name, chart in charts.items():
        assert chart["visible"], name
        xs = [x for x, _, _ in chart["bars"]]
        steps = [b - a for a, b in itertools.pairwise(xs)]
        assert not steps or max(steps) - min(steps) < 0.15, f"{name}: one evenly spaced slot per month"
        assert len(chart["label"].split(", ")) == len(chart["bars"]), name
        spans = sorted((left, right) for _, left, right in chart["labels"])
        assert all(left >= -1 and right <= chart["width"] + 1 for left, right in spans), (name, spans)
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans)), f"{name}: labels overlap"
    screenshot(browser, "charts-1280-light")


def test_thumbnails_finish_or_fall_back_to_their_alt_text(site: str, browser: Any) -> None:
    # Thumbnails point at article sites this machine cannot reach, and load lazily: scroll through
    # like a reader, then each must have finished (loaded or failed), keep the space its width and
    # height reserve, stay inside the page, and have alt text.
    for width in WIDTHS:
        script = open_page(browser, site + PAGES["topic"], width, "light")
        inner = script("return window.innerWidth")
        for n in range(script("return document.images.length")):
            script(f"document.images[{n}].scrollIntoView()")
            deadline = time.monotonic() + 10
            while not script(f"return document.images[{n}].complete"):
                assert time.monotonic() < deadline, (
                    script(f"return document.images[{n}].src") + " never finished"
                )
                time.sleep(0.05)
        script("window.scrollTo(0, 0)")
        images = script(
            "return [...document.images].map(i => {"
            "  const r = i.getBoundingClientRect();"
            "  return {complete: i.complete, alt: i.alt, width: r.width, height: r.height, right: r.right};"
            "})"
        )
        assert len(images) == 8
        for image in images:
            assert image["complete"]
            assert image["alt"]
            assert image["width"] > 0
            assert image["height"] > 0
            assert image["right"] <= inner + 0.5


@pytest.mark.parametrize("width", WIDTHS)
def test_a_feed_url_opened_in_the_browser_is_a_readable_page(site: str, browser: Any, width: int) -> None:
    # Chromium navigates with Sec-Fetch-Dest: document; the server answers it with the feed's page
    script = open_page(browser, site + "/all.atom", width, "light")
    assert script("return document.contentType") == "text/html"
    assert script("return document.querySelector('#webkit-xml-viewer-source-xml')") is None, "an XML tree"
    heading = script(
        "const h = document.querySelector('h1'); const r = h.getBoundingClientRect();"
        "return [h.textContent, r.width > 0 && r.height > 0 && r.top >= 0 && r.bottom <= innerHeight]"
    )
    assert heading == ["Feeds", True]
    text = script("return document.body.innerText")
    assert "This is a web feed (Atom)" in text
    assert f"{site}/all.atom" in text  # the address to copy, shown in full
    assert script("return document.documentElement.scrollWidth") <= script("return window.innerWidth")
    hrefs = script("return [...document.querySelectorAll('a')].map(a => a.href)")
    assert f"{site}/" in hrefs  # the feed's HTML page
    for host in READER_HOSTS:
        assert any(href.startswith(f"https://{host}/") for href in hrefs), host
    assert len(script("return document.querySelectorAll('ol.articles > li')")) == 44
    screenshot(browser, f"feed-in-browser-{width}")
