"""The operator commands `provision` and `doctor` against the emulator."""

import io

import pytest

from bff.commands.doctor import doctor, frame_ancestors_allow, provision
from bff.emulator import create_emulator_app
from tests.servers import free_port, serve_app

from .conftest import ADMIN_KEY, JWT_SECRET

HOST = "http://127.0.0.1:5000"


@pytest.fixture
def emulator(monkeypatch):
    app = create_emulator_app({"ADMIN_KEY": ADMIN_KEY, "ACCOUNT_KEYS": [],
                               "FRAME_ANCESTORS": [HOST]})
    with serve_app(app) as url:
        monkeypatch.setenv("CRAFTKIT_ADMIN_KEY", ADMIN_KEY)
        monkeypatch.setenv("CRAFTKIT_BASE_URL", url)
        monkeypatch.setenv("CRAFTKIT_AUTH_JWT_SECRET", JWT_SECRET)
        yield url


def run(command, *args, **kwargs):
    out = io.StringIO()
    return command(*args, out=out, **kwargs), out.getvalue()


def test_provision_prints_ids_but_not_the_key(emulator):
    code, text = run(provision, "ops-org", "Ops Org", False)
    assert code == 0
    assert "projectId: " in text
    assert "alreadyExisted: False" in text
    assert "ck_live_" not in text
    code, text = run(provision, "ops-org", None, True)
    assert "alreadyExisted: True" in text
    assert "apiKey: ck_live_" in text


def test_provision_refuses_a_blank_org(emulator):
    code, text = run(provision, "  ", None, False)
    assert code == 1
    assert "non-empty" in text


def test_doctor_passes_on_a_healthy_setup(emulator):
    code, text = run(doctor, "doctor-org", [HOST], may_provision=True)
    assert code == 0, text
    assert "FAIL" not in text
    assert "ok    framing: http://127.0.0.1:5000 may embed the builder" in text


def test_doctor_provisions_nothing_unless_asked(emulator):
    code, text = run(doctor, "never-created-org", [HOST])
    assert code == 0, text
    assert "skip  framing:" in text and "--provision" in text
    code, text = run(provision, "never-created-org", None, False)
    assert "alreadyExisted: False" in text  # doctor did not create it


def test_doctor_reports_a_foreign_host_origin(emulator):
    code, text = run(doctor, "doctor-org", ["https://app.example.com"], may_provision=True)
    assert code == 1
    assert "refuses to be framed by https://app.example.com" in text
    assert "fix:" in text


def test_doctor_reports_a_wrong_admin_key(emulator, monkeypatch):
    monkeypatch.setenv("CRAFTKIT_ADMIN_KEY", "ck_admin_wrong")
    code, text = run(doctor, None, [])
    assert code == 1
    assert "refused CRAFTKIT_ADMIN_KEY" in text
    assert "ck_admin_wrong" not in text


def test_doctor_reports_an_unreachable_craftkit(emulator, monkeypatch):
    monkeypatch.setenv("CRAFTKIT_BASE_URL", f"http://127.0.0.1:{free_port()}")
    code, text = run(doctor, None, [])
    assert code == 1
    assert "FAIL  reachability" in text


def test_doctor_reports_missing_configuration(monkeypatch):
    monkeypatch.delenv("CRAFTKIT_ADMIN_KEY", raising=False)
    code, text = run(doctor, None, [])
    assert code == 1
    assert "CRAFTKIT_ADMIN_KEY" in text


@pytest.mark.parametrize(("policy", "frame_options", "origin", "allowed"), [
    ("frame-ancestors http://127.0.0.1:*", None, "http://127.0.0.1:5000", True),
    ("frame-ancestors http://127.0.0.1:*", None, "http://localhost:5000", False),
    ("default-src 'self'; frame-ancestors https://*.example.com", None,
     "https://app.example.com", True),
    ("frame-ancestors https://app.example.com", None, "http://app.example.com", False),
    ("frame-ancestors 'none'", None, "https://app.example.com", False),
    ("frame-ancestors *", None, "https://any.example", True),
    ("frame-ancestors 'self'", None, "https://craftkit.test", True),
    ("", "DENY", "https://app.example.com", False),
    ("", "SAMEORIGIN", "https://app.example.com", False),
    ("", None, "https://app.example.com", True),
])
def test_frame_ancestors_matching(policy, frame_options, origin, allowed):
    assert frame_ancestors_allow(policy, frame_options, origin,
                                 "https://craftkit.test") is allowed
