"""The secret-leak guard every test runs under: what it catches, and what it lets through.

Each case runs a guard of its own inside the test. The root guard sees the same records, so
a case that leaks on purpose is marked ``known_leak``: it passes only because it leaked.
"""

from __future__ import annotations

import logging

import pytest
from flask import Response

from bff import create_app
from tests.support.craftkit_mock import ADMIN_KEY, BASE, JWT_SECRET
from tests.support.leak_guard import LeakWatch
from tests.support.tokens import mint_jwt

ON_PURPOSE = pytest.mark.known_leak("this case leaks on purpose, to see the guard catch it")


def leaks_found(watch: LeakWatch) -> str:
    with pytest.raises(pytest.fail.Exception) as failed:
        watch.check()
    return str(failed.value)


def bff_app_answering(body: str):
    app = create_app({"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_BASE_URL": BASE,
                      "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET})
    app.add_url_rule("/leaky", "leaky", lambda: body)
    app.add_url_rule("/streamed", "streamed", lambda: Response(iter([body])))
    return app


@ON_PURPOSE
@pytest.mark.parametrize("logged", ["ck_live_a_project_key", "ckr_a_renew_token_value",
                                    JWT_SECRET, mint_jwt(JWT_SECRET)])
def test_a_key_secret_or_token_in_a_log_record_fails(logged):
    with LeakWatch(output_may_show_keys=False) as watch:
        logging.getLogger("bff.somewhere").debug("calling with %s", logged)
    assert "log record of bff.somewhere (DEBUG)" in leaks_found(watch)
    assert logged not in leaks_found(watch)  # the report shortens what it found


@ON_PURPOSE
def test_a_secret_in_an_exception_logged_with_its_traceback_fails():
    with LeakWatch(output_may_show_keys=False) as watch:
        try:
            raise RuntimeError("refused ck_admin_the_admin_key")
        except RuntimeError:
            logging.getLogger("bff.x").exception("it failed")
    assert "log record of bff.x" in leaks_found(watch)


def test_clean_logs_and_answers_pass():
    app = bff_app_answering("nothing to see")
    with LeakWatch(output_may_show_keys=False) as watch:
        logging.getLogger("bff.x").info("org=%s status=%s", "org-a", 200)
        assert app.test_client().get("/leaky").status_code == 200
    watch.check()


@ON_PURPOSE
def test_a_key_in_a_bff_answer_fails_but_a_session_token_does_not():
    app = bff_app_answering("your key is ck_live_a_project_key")
    with LeakWatch(output_may_show_keys=False) as watch:
        app.test_client().get("/leaky")
    assert "BFF answer 200 OK to /leaky" in leaks_found(watch)
    token_app = bff_app_answering(mint_jwt(JWT_SECRET))
    with LeakWatch(output_may_show_keys=False) as watch:
        token_app.test_client().get("/leaky")
    watch.check()


def test_streamed_answers_are_not_read():
    app = bff_app_answering("ck_live_a_project_key")
    with LeakWatch(output_may_show_keys=False) as watch:
        assert app.test_client().get("/streamed").get_data() == b"ck_live_a_project_key"
    watch.check()


@ON_PURPOSE
def test_printed_keys_fail_unless_the_test_prints_them_on_purpose(capsys):
    with LeakWatch(output_may_show_keys=False) as watch:
        print("apiKey: ck_live_a_project_key")
        capsys.readouterr()
    assert "command output the test read" in leaks_found(watch)
    with LeakWatch(output_may_show_keys=True) as watch:
        print("apiKey: ck_live_a_project_key")
        capsys.readouterr()
    watch.check()


def test_a_known_leak_that_no_longer_happens_fails():
    with LeakWatch(output_may_show_keys=False, known_leak="a leak since fixed") as watch:
        pass
    assert "remove the known_leak marker" in leaks_found(watch)


def test_the_guard_restores_the_root_logger_and_capture():
    root = logging.getLogger()
    level, handlers, readouterr = root.level, root.handlers[:], pytest.CaptureFixture.readouterr
    with LeakWatch(output_may_show_keys=False):
        assert root.level == logging.DEBUG
    assert (root.level, root.handlers, pytest.CaptureFixture.readouterr) == (
        level, handlers, readouterr)


def test_each_test_is_marked_with_its_tier(request):
    assert request.node.get_closest_marker("unit") is not None
    assert request.node.get_closest_marker("integration") is None
