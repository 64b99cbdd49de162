"""Values from Craftkit or from an identity never reach a log line or a terminal raw."""

from __future__ import annotations

import logging

import pytest
import responses

from bff.registry import KEYED

from .test_hostile_account import BASE, PROJECTS, account_app, mint  # noqa: F401 - fixture
from .test_lifecycle import cli  # noqa: F401 - fixture

# What an org's own display name (kept by 0.2 as typed) or a Craftkit answer may carry:
# a clear-screen and colour escape, a forged log line, a right-to-left override.
HOSTILE = "Acme\x1b[2J\x1b[31m\n2026-01-01 INFO bff.request forged line\u202eevil"
RAW = ("\x1b", "\n", "\u202e")


def test_tenants_show_and_list_print_an_orgs_own_name_escaped(cli, make_app):  # noqa: F811
    registry = make_app().extensions["craftkit_bff"].registry
    assert registry.insert("acme", HOSTILE, "account", state=KEYED, project_id="p1",
                           project_slug="slug\x1b]0;title\x07")
    for command in (("tenants", "show", "acme"), ("tenants", "list")):
        code, out, _ = cli(*command)
        assert code == 0
        for line in out.splitlines():
            assert not any(raw in line for raw in RAW), line
        assert "\\x1b[2J" in out or command[1] == "list"
    code, out, _ = cli("tenants", "show", "acme")
    assert "org_name: Acme\\x1b[2J\\x1b[31m\\n2026-01-01 INFO" in out
    assert out.count("\n") == len(out.splitlines())  # one line per field, nothing forged


@pytest.mark.parametrize("project_id", ["p1\n2026-01-01 INFO forged", "p1\x1b[2J",
                                        "p1\u2028forged"])
def test_a_project_id_from_craftkit_cannot_forge_a_log_line(account_app, project_id,  # noqa: F811
                                                            caplog):
    caplog.set_level(logging.DEBUG)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as upstream:
        upstream.post(PROJECTS, status=201, json={"id": project_id, "slug": "s"})
        upstream.get(PROJECTS, json={"data": [{"id": project_id, "name": "x"}],
                                     "next_cursor": None})
        answer = mint(account_app)
    assert answer.status_code == 502
    for record in caplog.records:
        message = record.getMessage()
        assert not any(raw in message for raw in RAW + ("\u2028",)), message
