"""The HTML pages in a real headless Chromium (Debian's chromium and chromium-driver), phone and desktop.

Screenshots are kept in test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import DEMO, ROOT
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
PAGES = {"home": "/", "topic": "/topics/energy"}


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with gunicorn(DEMO) as server:
        yield server.base


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
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


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", sorted(PAGES))
def test_pages_fit_show_their_feed_links_and_survive_missing_images(
    site: str, browser: object, name: str, width: int
) -> None:
    driver = browser
    driver.set_window_size(width, 900)  # type: ignore[attr-defined]
    driver.get(site + PAGES[name])  # type: ignore[attr-defined]
    script = driver.execute_script  # type: ignore[attr-defined]
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"{name}-{width}.png"))  # type: ignore[attr-defined]

    inner = script("return window.innerWidth")
    assert inner <= width
    assert script("return document.documentElement.scrollWidth") <= inner, "horizontal scrolling"

    links = script(
        "return [...document.querySelectorAll('.subscribe a')].map(a => {"
        "  const r = a.getBoundingClientRect();"
        "  return [a.getAttribute('href'), r.width > 0 && r.height > 0 && r.right <= window.innerWidth];"
        "})"
    )
    hrefs = [href for href, _ in links]
    path = "all" if name == "home" else PAGES[name].strip("/")
    assert f"{site}/{path}.atom" in hrefs
    assert f"{site}/{path}.rss" in hrefs
    assert all(visible for _, visible in links), links

    # Thumbnails point at article sites this machine cannot reach, and load lazily: scroll through
    # like a reader, then each must have finished (loaded or failed), keep the space its width and
    # height reserve, stay inside the page, and have alt text.
    for n in range(script("return document.images.length")):
        script(f"document.images[{n}].scrollIntoView()")
        deadline = time.monotonic() + 10
        while not script(f"return document.images[{n}].complete"):
            assert time.monotonic() < deadline, script(f"return document.images[{n}].src") + " never finished"
            time.sleep(0.05)
    script("window.scrollTo(0, 0)")
    images = script(
        "return [...document.images].map(i => {"
        "  const r = i.getBoundingClientRect();"
        "  return {complete: i.complete, alt: i.alt, width: r.width, height: r.height, right: r.right};"
        "})"
    )
    if name == "topic":
        assert len(images) == 8
    for image in images:
        assert image["complete"]
        assert image["alt"]
        assert image["width"] > 0
        assert image["height"] > 0
        assert image["right"] <= inner + 0.5
