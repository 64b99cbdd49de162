"""Hypothesis: no JSON body, query or render id makes the BFF answer a 5xx."""

import json
import re
from urllib.parse import quote

import responses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bff import create_app
from bff.api.renders import RENDER_ID
from tests.support.craftkit_mock import ADMIN_KEY, BASE, JWT_SECRET, bearer, session_payload

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children,
                                                                      max_size=4),
    max_leaves=12)
known_fields = st.fixed_dictionaries({}, optional={
    "tenantExternalId": st.one_of(st.just("org-a"), st.just("org-b"), json_values),
    "mode": st.one_of(st.sampled_from(["create", "edit", "fill", "view"]), json_values),
    "templateExternalId": st.one_of(st.just("tpl-1"), json_values),
    "templateName": json_values, "userId": st.one_of(st.just("user-1"), json_values),
    "renewToken": json_values, "orgId": json_values,
})
bodies = st.one_of(known_fields, json_values, st.dictionaries(st.text(), json_values))

APP = None


def _client():
    global APP
    if APP is None:
        APP = create_app({"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_BASE_URL": BASE,
                          "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET})
    return APP.test_client()


def _permissive_upstream(mock):
    mock.post(BASE + "/v1/admin/provision", json={"apiKey": "ck_live_key_for_org_a"})
    mock.post(BASE + "/v1/embed/sessions", json=session_payload())
    mock.post(BASE + "/v1/embed/sessions/refresh", json=session_payload())
    mock.get(BASE + "/v1/embed/builder/templates", json={"data": []})
    mock.get(BASE + "/v1/embed/renders", json={"data": []})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(["/session", "/refresh"]), body=bodies)
def test_fuzz_json_bodies_never_5xx(path, body):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        _permissive_upstream(mock)
        response = _client().post("/api/craftkit" + path, data=json.dumps(body),
                                  content_type="application/json", headers=bearer())
    assert response.status_code < 500, response.json
    assert response.is_json


@settings(max_examples=200, deadline=None)
@given(query=st.dictionaries(st.sampled_from(["limit", "cursor", "status", "templateId",
                                              "tenantExternalId", "other"]),
                             st.text(max_size=40), max_size=4),
       route=st.sampled_from(["/templates", "/renders"]))
def test_fuzz_queries_never_5xx(query, route):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        _permissive_upstream(mock)
        response = _client().get("/api/craftkit" + route, query_string=query, headers=bearer())
    assert response.status_code < 500
    if response.status_code == 200:
        for call in mock.calls:
            assert "other" not in call.request.url


@settings(max_examples=200, deadline=None)
@given(render_id=st.text(min_size=1, max_size=140))
def test_fuzz_render_ids_never_reach_upstream_unvalidated(render_id):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        _permissive_upstream(mock)
        mock.get(re.compile(re.escape(BASE) + r"/v1/embed/renders/.*"), body=b"%PDF-1.4")
        response = _client().get("/api/craftkit/renders/" + quote(render_id, safe="") +
                                 "/download", headers=bearer())
        downloads = [c.request.url for c in mock.calls if "/renders/" in c.request.url]
    assert response.status_code < 500
    for url in downloads:
        assert RENDER_ID.fullmatch(url.split("/")[-2])
