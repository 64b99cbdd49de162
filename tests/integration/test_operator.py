"""The operator commands `tenants provision` (admin mode, no registry) and `doctor` against
the emulator."""

import io

import pytest
import requests

from bff.commands import main
from bff.commands.doctor import doctor
from bff.emulator import create_emulator_app
from bff.page.csp import frame_ancestors_allow
from tests.support.servers import free_port, serve_app

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


def provision(*argv):
    """Run ``craftkit-bff tenants provision ARGV`` and return its status and output."""
    out = io.StringIO()
    from bff.commands.tenants import run as run_tenants

    args = _tenants_args("provision", *argv)
    return run_tenants(args, out=out), out.getvalue()


def _tenants_args(action, *argv):
    import argparse

    from bff.commands.tenants import add_tenants_parser

    parser = argparse.ArgumentParser()
    add_tenants_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["tenants", action, *argv])


def already_existed(url, org_id):
    """Ask Craftkit's admin API whether it had the org (the call is idempotent)."""
    answer = requests.post(f"{url}/v1/admin/provision", json={"externalOrgId": org_id},
                           headers={"Authorization": f"Bearer {ADMIN_KEY}"}, timeout=5)
    return answer.json()["alreadyExisted"]


def test_provision_prints_ids_but_not_the_key(emulator):
    code, text = provision("ops-org", "--name", "Ops Org")
    assert code == 0
    assert "project_id: " in text and "project_id: -" not in text
    assert "org_name: Ops Org" in text
    assert "ck_live_" not in text
    assert already_existed(emulator, "ops-org")
    code, text = provision("ops-org", "--show-key")
    assert code == 0
    assert "apiKey: ck_live_" in text


def test_provision_refuses_a_blank_org(emulator, capsys):
    code, _ = provision("  ")
    assert code == 1
    assert "non-empty" in capsys.readouterr().err


def test_the_old_provision_command_still_works_and_says_where_it_went(emulator, capsys):
    assert main(["provision", "old-org"]) == 0
    captured = capsys.readouterr()
    assert "tenants provision" in captured.err
    assert "project_id: " in captured.out and "ck_live_" not in captured.out


def test_doctor_passes_on_a_healthy_setup(emulator):
    code, text = run(doctor, "doctor-org", [HOST], may_provision=True)
    assert code == 0, text
    assert "FAIL" not in text
    assert "ok    framing: http://127.0.0.1:5000 may embed the builder" in text


def test_doctor_provisions_nothing_unless_asked(emulator):
    code, text = run(doctor, "never-created-org", [HOST])
    assert code == 0, text
    assert "skip  framing:" in text and "--provision" in text
    assert not already_existed(emulator, "never-created-org")  # doctor did not create it


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
