"""A hostile account through the BFF: a lost create with a list that never ends, create
answers of the wrong shape. Each ends in a clear 502 or 503 within bounds, never a loop, a
500 or a dead org (the listing's own bounds: tests/unit/account/test_account_listing.py)."""

from __future__ import annotations

import threading
import time

import pytest
import responses

from bff import create_app
from tests.support.craftkit_mock import BASE, endless_pages

from .conftest import ACCOUNT_KEY, JWT_SECRET, SECRET, token_for

PROJECTS = BASE + "/v1/projects"


@pytest.fixture
def account_app(registry_url):
    app = create_app({"CRAFTKIT_ACCOUNT_KEY": ACCOUNT_KEY, "CRAFTKIT_BASE_URL": BASE,
                      "CRAFTKIT_REGISTRY_URL": registry_url, "CRAFTKIT_REGISTRY_SECRET": SECRET,
                      "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET, "CRAFTKIT_TIMEOUT": "0.5,1",
                      "CRAFTKIT_REGISTRY_LEASE": "3"})
    yield app
    app.extensions["craftkit_bff"].close()


def mint(app):
    return app.test_client().post("/api/craftkit/session", json={"mode": "create"},
                                  headers={"Authorization": f"Bearer {token_for()}"})


def test_a_lost_create_and_an_endless_list_answer_within_the_lease(account_app):
    answer, _ = endless_pages(lambda n: f"c{n}", delay=0.05)
    outcome: list = []
    with responses.RequestsMock(assert_all_requests_are_fired=False) as upstream:
        upstream.post(PROJECTS, status=502)  # the create's answer is lost
        upstream.add_callback("GET", PROJECTS, callback=answer)
        worker = threading.Thread(target=lambda: outcome.append(mint(account_app)),
                                  daemon=True)
        started = time.monotonic()
        worker.start()
        worker.join(15)
    assert outcome, "no answer within 15 s"
    assert outcome[0].status_code in (502, 503), outcome[0].json
    assert time.monotonic() - started < 3  # the listing's deadline: a third of the lease


@pytest.mark.parametrize("created", [{}, {"slug": "acme"}, {"id": 12}, {"id": "p" * 300},
                                     {"id": "p1", "slug": "s" * 300}, []])
def test_a_create_answer_of_the_wrong_shape_is_a_502_and_the_org_recovers(account_app,
                                                                          created):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as upstream:
        upstream.post(PROJECTS, status=201, json=created)
        upstream.get(PROJECTS, json={"data": [created] if isinstance(created, dict) else [],
                                     "next_cursor": None})
        upstream.post(PROJECTS + "/p1/keys", status=201,
                      json={"id": "k1", "key": "ck_live_hostile_account_key"})
        first = mint(account_app)
        again = mint(account_app)
    if created == {"id": "p1", "slug": "s" * 300}:  # the id is usable: the slug is dropped
        tenant = account_app.extensions["craftkit_bff"].registry.get("acme")
        assert (tenant.project_id, tenant.project_slug) == ("p1", None)
        return
    assert first.status_code == 502 and first.json["error"] == "craftkit_upstream_error"
    # The org is not stuck: its next request waits out the grace, then creates again.
    assert again.json["error"] == "craftkit_provision_pending"
