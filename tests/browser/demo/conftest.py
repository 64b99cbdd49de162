"""The demo in Chromium: a short-session demo stack, fresh browser contexts, the demo page.

The default stack, ``demo``, is shared with the system tier (tests/conftest.py)."""

from __future__ import annotations

import pytest

from bff.demo.stack import start_demo

from .demo_page import DemoPage

# Short enough that a test sees a refresh (at about half the lifetime) and an expiry quickly,
# long enough that a page on a busy machine loads well within one session.
SHORT_TTL = 8


@pytest.fixture(scope="session")
def short_demo():
    """A second demo stack whose embed sessions last SHORT_TTL seconds."""
    with start_demo(session_ttl=SHORT_TTL) as stack:
        yield stack


@pytest.fixture
def context(browser):
    """A fresh browser context (own cookies) that fails the test on an uncaught page error."""
    context = browser.new_context(viewport={"width": 1440, "height": 900},
                                  accept_downloads=True)
    context.set_default_timeout(10_000)
    errors: list[str] = []
    context.on("weberror", lambda error: errors.append(str(error.error)))
    yield context
    context.close()
    assert errors == [], f"uncaught errors in the demo page or the iframe: {errors}"


@pytest.fixture
def demo_page(context, demo):
    """The demo page in a fresh context, not signed in yet."""
    return DemoPage(context.new_page(), demo.url)


@pytest.fixture
def short_demo_page(context, short_demo):
    """The demo page of the short-session stack, not signed in yet."""
    return DemoPage(context.new_page(), short_demo.url)
