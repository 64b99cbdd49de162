"""AccountApi.projects against a hostile (or very large) account: a listing always ends, at
a cursor seen before, the page or byte cap (502) or its deadline (503); projects of the
wrong shape are left out."""

from __future__ import annotations

import time

import pytest
import responses

from bff.credentials import account_api
from bff.credentials.account_api import AccountApi
from bff.errors import UpstreamError, UpstreamUnavailable
from bff.upstream import Upstream
from tests.support.craftkit_mock import BASE, endless_pages

ACCOUNT_KEY = "ck_acct_listing_tests_0123456789abcdef"
PROJECTS = BASE + "/v1/projects"


@pytest.fixture
def api():
    upstream = Upstream(BASE, (0.5, 2))
    yield AccountApi(upstream, ACCOUNT_KEY)
    upstream.close()


def test_a_cursor_seen_before_ends_the_listing_with_a_502(api):
    answer, served = endless_pages(lambda n: "again")
    with responses.RequestsMock() as upstream:
        upstream.add_callback("GET", PROJECTS, callback=answer)
        with pytest.raises(UpstreamError):
            api.projects()
    assert served[0] == 2


def test_an_endless_list_stops_after_the_page_cap(api):
    answer, served = endless_pages(lambda n: f"c{n}")
    with responses.RequestsMock() as upstream:
        upstream.add_callback("GET", PROJECTS, callback=answer)
        with pytest.raises(UpstreamError):
            api.projects()
    assert served[0] == account_api.MAX_PAGES


def test_a_list_larger_than_the_byte_cap_stops(api, monkeypatch):
    monkeypatch.setattr(account_api, "MAX_LISTED", 1024 * 1024)
    answer, served = endless_pages(lambda n: f"c{n}", size=200 * 1024)
    with responses.RequestsMock() as upstream:
        upstream.add_callback("GET", PROJECTS, callback=answer)
        with pytest.raises(UpstreamError):
            api.projects()
    assert served[0] == 6


def test_a_slow_list_stops_at_its_deadline_with_a_503(api):
    answer, served = endless_pages(lambda n: f"c{n}", delay=0.2)
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
