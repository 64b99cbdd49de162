"""The browser tier: headless Debian Chromium, driven by Playwright, once per session, and a
fresh page per test that fails on an uncaught error."""

from __future__ import annotations

import os

import pytest

CHROMIUM = os.environ.get("CRAFTKIT_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps dialling Google's hosts, which a
# closed network refuses; --no-sandbox because CI runs as root.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium, driven by Playwright; skips when it is not installed."""
    if not os.path.exists(CHROMIUM):
        reason = (f"Chromium not found at {CHROMIUM}: install the Debian 'chromium' package "
                  "(./dev test does) or set CRAFTKIT_CHROMIUM")
        if os.environ.get("CI") == "true":  # a skipped suite proves nothing in CI
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
    finally:
        playwright.stop()


@pytest.fixture
def page(browser):
    """A page in a fresh browser context; the test fails if the page throws an uncaught error."""
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(5000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], f"uncaught errors in the page: {errors}"
