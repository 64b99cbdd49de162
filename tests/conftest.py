"""Fixtures and hooks for every tier (tests/README.md maps the tiers).

- Each test gets its tier's marker from its top-level directory (``pytest -m "not browser"``);
  a test file outside the tiers is a collection error, so none runs unmarked.
- Every test runs under the secret-leak guard (tests/support/leak_guard.py); a test that
  asks a command to print a key on purpose is marked ``prints_secret``.
- The session's PostgreSQL server, and a fresh registry database of each kind.
- The demo stack, shared by the system and browser tiers.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.support.leak_guard import KNOWN_LEAK, MARKER, LeakWatch, unread_output_leaks
from tests.support.postgres_server import postgres, registry_url  # noqa: F401 - fixtures

TESTS = Path(__file__).parent
# Cheapest first; the order is the one tests/README.md describes.
TIERS = ("unit", "integration", "services", "system", "browser", "security")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test with its tier, the first directory under tests/; run cheap tiers first."""
    rank = {}
    for item in items:
        parts = item.path.relative_to(TESTS).parts
        tier = parts[0] if len(parts) > 1 else None
        if tier not in TIERS:
            raise pytest.UsageError(f"{item.nodeid} is in no tier: put it under tests/<tier>/ "
                                    f"for one of {', '.join(TIERS)} (see tests/README.md)")
        item.add_marker(tier)
        rank[item] = TIERS.index(tier)
    items.sort(key=rank.__getitem__)  # stable: modules stay together within a tier


@pytest.fixture(autouse=True)
def _no_secret_leaks(request: pytest.FixtureRequest):
    """Fail any test that puts a key, secret or token in a log, a BFF answer or output."""
    known = request.node.get_closest_marker(KNOWN_LEAK)
    with LeakWatch(output_may_show_keys=bool(request.node.get_closest_marker(MARKER)),
                   known_leak=known.args[0] if known else None) as watch:
        yield
    watch.check()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    unread_output_leaks(item, report)
    return report


@pytest.fixture(autouse=True)
def _restore_root_logger():
    """Undo what a command run in-process (craftkit-bff main()) did to the root logger.

    Commands configure logging for their process (a handler, level INFO); left in place,
    every later test would capture INFO records whose arguments keep objects alive.
    """
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.captureWarnings(False)


@pytest.fixture(scope="session")
def demo():
    """The demo stack (emulator + BFF, seeded) with the default 900 s sessions."""
    from bff.demo.stack import start_demo  # imported here: most runs never start it

    with start_demo(session_ttl=900) as stack:
        yield stack
