"""The secret-leak guard every test runs under (tests/conftest.py applies it to all tiers).

From a test's set-up to its teardown it watches, in this process and all its threads:

- every log record, DEBUG and up, of any logger: no key, declared secret or signed token;
- every answer of a BFF app (the test client or a server thread), streamed ones excepted:
  no key or declared secret (session tokens are what the browser is meant to get);
- what the test reads back with capsys/capfd, and what it printed without reading it:
  no key or declared secret, unless the test is marked ``prints_secret`` because it asks a
  command to show a key on purpose (``tenants provision --show-key``).

A test marked ``known_leak(reason)`` documents a leak in the BFF not fixed yet: it passes
while the leak happens and fails once it no longer does, so the marker cannot outlive it.

Records and answers are checked as they happen and only the findings are kept; the test
fails at teardown naming where each secret appeared (shortened, never in full).
"""

from __future__ import annotations

import logging

import flask
import pytest

from .secrets import secrets_in

MARKER = "prints_secret"
KNOWN_LEAK = "known_leak"


class LeakWatch(logging.Handler):
    """Collect where secrets appear while a test runs; ``check()`` fails the test."""

    def __init__(self, output_may_show_keys: bool, known_leak: str | None = None) -> None:
        super().__init__(logging.DEBUG)
        self.output_may_show_keys = output_may_show_keys
        self.known_leak = known_leak
        self.leaks: list[str] = []
        self._root_level = logging.NOTSET
        self._readouterr = pytest.CaptureFixture.readouterr

    def __enter__(self) -> LeakWatch:
        root = logging.getLogger()
        self._root_level = root.level
        root.setLevel(logging.DEBUG)
        root.addHandler(self)
        flask.request_finished.connect(self._answered)
        if not self.output_may_show_keys:
            pytest.CaptureFixture.readouterr = self._watched_readouterr()  # type: ignore
        return self

    def __exit__(self, *exc_info: object) -> None:
        pytest.CaptureFixture.readouterr = self._readouterr  # type: ignore[method-assign]
        flask.request_finished.disconnect(self._answered)
        root = logging.getLogger()
        root.removeHandler(self)
        root.setLevel(self._root_level)

    def check(self) -> None:
        """Fail the test if a secret appeared anywhere watched (or a known leak did not)."""
        if self.known_leak is not None:
            if not self.leaks:
                pytest.fail(f"the known leak is fixed ({self.known_leak}): remove the "
                            "known_leak marker", pytrace=False)
            return
        if self.leaks:
            pytest.fail("secrets leaked:\n  " + "\n  ".join(self.leaks), pytrace=False)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # a malformed record is not this guard's business
            text = str(record.msg)
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        if found := secrets_in(text, tokens=True):
            self.leaks.append(f"log record of {record.name} ({record.levelname}): {found}")

    def _answered(self, sender: flask.Flask, response: flask.Response, **_: object) -> None:
        if "craftkit_bff" not in sender.extensions or response.is_streamed:
            return
        text = str(response.headers) + response.get_data().decode("utf-8", "replace")
        if found := secrets_in(text, tokens=False):
            self.leaks.append(f"BFF answer {response.status} to {flask.request.path}: {found}")

    def _watched_readouterr(self):
        original, leaks = self._readouterr, self.leaks

        def readouterr(capture):
            captured = original(capture)
            if found := secrets_in(f"{captured.out}{captured.err}", tokens=False):
                leaks.append(f"command output the test read: {found}")
            return captured
        return readouterr


def unread_output_leaks(item: pytest.Item, report: pytest.TestReport) -> None:
    """Fail a passing test whose unread output shows a secret (run from makereport)."""
    if report.when != "call" or not report.passed or item.get_closest_marker(MARKER):
        return
    if found := secrets_in(report.capstdout + report.capstderr, tokens=False):
        report.outcome = "failed"
        report.longrepr = f"secrets in the test's captured output: {found}"
