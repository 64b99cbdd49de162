"""Every answer, expected or not, uses the {"error": {"code", "message"}} envelope."""

from __future__ import annotations

import pytest

from .conftest import ACCOUNT_A, error_of


def test_unknown_route_is_404_envelope(emulator):
    assert error_of(emulator.call("GET", "/v1/nothing")) == (404, "not_found")


def test_wrong_method_is_405_envelope(emulator):
    assert error_of(emulator.call("GET", "/v1/admin/provision")) == (405, "method_not_allowed")


def test_oversized_body_is_413_envelope(emulator):
    response = emulator.call("POST", "/v1/projects", ACCOUNT_A, data=b"x" * (1024 * 1024 + 1))
    assert error_of(response) == (413, "payload_too_large")


@pytest.fixture
def failing(start_emulator):
    emulator = start_emulator()

    def boom():
        raise RuntimeError("secret detail /srv/db.sqlite3")

    emulator.app.add_url_rule("/boom", view_func=boom)
    return emulator


def test_unexpected_failure_is_a_generic_500(failing, caplog):
    response = failing.call("GET", "/boom")
    assert error_of(response) == (500, "internal_error")
    assert "secret detail" not in response.text and "Traceback" not in response.text
    assert "secret detail" in caplog.text
