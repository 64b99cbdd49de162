"""A hostile (or very large) account: project lists that never end, answers of the wrong
shape. Each ends in a clear 502 or 503 within bounds, never a loop, a 500 or a dead org."""

from __future__ import annotations

import json
import threading
import time

import pytest
import responses

from bff import create_app
from bff.credentials import account_api
from bff.credentials.account_api import AccountApi
from bff.errors import UpstreamError, UpstreamUnavailable
from bff.upstream import Upstream

from .conftest import ACCOUNT_KEY, JWT_SECRET, SECRET, token_for

BASE = "https://craftkit.test"
PROJECTS = BASE + "/v1/projects"


@pytest.fixture
def api():
    upstream = Upstream(BASE, (0.5, 2))
    yield AccountApi(upstream, ACCOUNT_KEY)
    upstream.close()


def pages(next_cursor, size: int = 0, delay: float = 0.0):
    """A list endpoint that always has a next page (next_cursor(n) for page n)."""
    served = [0]

    def answer(request):
        served[0] += 1
        time.sleep(delay)
        return 200, {}, json.dumps({"data": [{"id": f"p{served[0]}", "name": "x" * size}],
                                    "next_cursor": next_cursor(served[0])})
    return answer, served


def test_a_cursor_seen_before_ends_the_listing_with_a_502(api):
    answer, served = pages(lambda n: "again")
    with responses.RequestsMock() as upstream:
        upstream.add_callback("GET", PROJECTS, callback=answer)
        with pytest.raises(UpstreamError):
            api.projects()
    assert served[0] == 2


def test_an_endless_list_stops_after_the_page_cap(api):
    answer, served = pages(lambda n: f"c{n}")
    with responses.RequestsMock() as upstream:
        upstream.add_callback("GET", PROJECTS, callback=answer)
        with pytest.raises(UpstreamError):
            api.projects()
    assert served[0] == account_api.MAX_PAGES


def test_a_list_larger_than_the_byte_cap_stops(api, monkeypatch):
    monkeypatch.setattr(account_api, "MAX_LISTED", 1024 * 1024)
    answer, served = pages(lambda n: f"c{n}", size=200 * 1024)
    with responses.RequestsMock() as upstream:
        upstream.add_callback("GET", PROJECTS, callback=answer)
        with pytest.raises(UpstreamError):
            api.projects()
    assert served[0] == 6


def test_a_slow_list_stops_at_its_deadline_with_a_503(api):
    answer, served = pages(lambda n: f"c{n}", delay=0.2)
    started = time.monotonic()
    with responses.RequestsMock() as upstream:
        upstream.add_callback("GET", PROJECTS, callback=answer)
        with pytest.raises(UpstreamUnavailable):
            api.projects(within=0.5)
    assert time.monotonic() - started < 1.5 and served[0] <= 4


def test_projects_of_the_wrong_shape_are_left_out_of_a_listing(api):
    data = [{"id": "ok-1", "name": "A", "slug": "a"}, {"name": "no id"}, {"id": 7},
            {"id": "x" * 129}, {"id": "bad\nid"}, "junk", {"id": "ok-2", "slug": "s" * 300}]
    with responses.RequestsMock() as upstream:
        upstream.get(PROJECTS, json={"data": data, "next_cursor": None})
        listed = api.projects()
    assert listed == [{"id": "ok-1", "name": "A", "slug": "a"},
                      {"id": "ok-2", "name": "", "slug": None}]


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
    answer, _ = pages(lambda n: f"c{n}", delay=0.05)
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
