"""Fixtures shared by every test directory: headless Debian Chromium for browser tests, and
the session's PostgreSQL server with a fresh registry database of each kind."""

from __future__ import annotations

import os

import pytest

from tests.postgres_server import postgres, registry_url  # noqa: F401 - fixtures

CHROMIUM = os.environ.get("CRAFTKIT_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps dialling Google's hosts, which a
# closed network refuses; --no-sandbox because CI runs as root.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(autouse=True)
def _restore_root_logger():
    """Undo what a command run in-process (craftkit-bff main()) did to the root logger.

    Commands configure logging for their process (a handler, level INFO); left in place,
    every later test would capture INFO records whose arguments keep objects alive.
    """
    import logging

    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.captureWarnings(False)


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
