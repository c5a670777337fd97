"""Headless Chromium (Debian's, driven by Playwright) for the browser tests.

Every page records console errors, uncaught exceptions, dialogs and requests; a request to any host but 127.0.0.1
is aborted and recorded. A test fails on any of them: call `page.watch.assert_clean()` at its end (the fixture
checks again afterwards, for tests that forget).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assetmap.config import project_root
from tests.browser.watch import CHROMIUM, CHROMIUM_ARGS, DESKTOP, watched_page


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium); "
                    "never `playwright install`")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def viewport() -> dict:
    """Desktop, unless a test parametrizes `viewport` (e.g. with a phone's 390×844)."""
    return DESKTOP


PHONE = {"width": 390, "height": 844}
AXE = project_root() / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def page(browser, viewport):
    with watched_page(browser, viewport=viewport) as pg:
        yield pg


def pytest_collection_modifyitems(items):
    """One retry for browser tests. A real browser on this shared 2-core machine has, once in several full runs,
    reported a problem that no rerun reproduced; the first failure is still printed in the summary (-ra), and a
    test that fails twice fails the run."""
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.flaky(reruns=1, reruns_delay=1))


@pytest.fixture
def axe(page):
    """`axe()` runs axe-core's WCAG 2.1 AA rules on the page as it is now; returns the violations in words."""
    if not AXE.exists():
        pytest.fail(f"{AXE} not found: run `npm ci` (axe-core is a devDependency in package.json)")
    # An init script, not a <script> tag: the pages' Content-Security-Policy would block an injected tag.
    page.add_init_script(path=str(AXE))

    def run() -> list[str]:
        result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA)
        return [f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["target"][0] for n in v["nodes"][:5])
                for v in result["violations"]]
    return run


@pytest.fixture
def phone(browser):
    """A 390×844 touch screen (the `page` fixture has no touch), watched the same way."""
    with watched_page(browser, viewport=PHONE, has_touch=True, is_mobile=True) as pg:
        yield pg
