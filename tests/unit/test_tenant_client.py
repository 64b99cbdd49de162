"""CraftkitBFF.tenant(org_id): Craftkit's API as one org, resolved and guarded like a route."""

import pytest
from responses import matchers

from bff import CraftkitBFF, TenantClient
from bff.errors import InvalidRequest, UpstreamRejected, UpstreamTimeout
from tests.support.craftkit_mock import BASE, ORG_KEYS, expect_provision, with_key

RENDERS = BASE + "/v1/embed/renders"


@pytest.fixture
def tenant(app):
    with app.app_context():
        return CraftkitBFF().tenant("org-a", "Org A")


def test_a_background_job_lists_an_orgs_renders_with_its_key(tenant, upstream):
    expect_provision(upstream)
    upstream.get(RENDERS, json={"data": [{"id": "r1"}], "next_cursor": None},
                 match=[with_key("org-a"), matchers.query_param_matcher({"limit": "20"})])
    upstream.get(RENDERS, json={"data": [], "next_cursor": None}, match=[with_key("org-a")])
    # No app context needed once the client exists; the key is provisioned once.
    assert tenant.get("/v1/embed/renders", params={"limit": "20"})["data"] == [{"id": "r1"}]
    assert tenant.get("/v1/embed/renders")["data"] == []


def test_placeholders_are_quoted_and_the_metrics_label_is_the_template(tenant, upstream, app,
                                                                       monkeypatch):
    labels = []
    metrics = app.extensions["craftkit_bff"].metrics
    monkeypatch.setattr(metrics, "upstream", lambda label, *_: labels.append(label))
    expect_provision(upstream)
    upstream.get(BASE + "/v1/embed/renders/a%2Fb%3Fc", json={"id": "a/b?c"})
    assert tenant.get("/v1/embed/renders/{id}", path={"id": "a/b?c"}) == {"id": "a/b?c"}
    assert labels[-1] == "/v1/embed/renders/{id}"


def test_a_stale_key_is_evicted_and_the_call_retried_once(tenant, upstream, app):
    expect_provision(upstream)
    upstream.get(RENDERS, json={"data": []})
    assert tenant.get("/v1/embed/renders") == {"data": []}
    upstream.get(RENDERS, status=401, json={"error": {"code": "unauthorized"}})
    upstream.post(BASE + "/v1/admin/provision", json={"apiKey": "ck_live_new_for_org_a"})
    upstream.get(RENDERS, json={"data": []},
                 match=[matchers.header_matcher({"Authorization": "Bearer ck_live_new_for_org_a"})])
    assert tenant.get("/v1/embed/renders") == {"data": []}
    assert app.extensions["craftkit_bff"].keys.store.get("org-a") == "ck_live_new_for_org_a"


def test_a_refusal_and_a_timeout_are_the_bffs_errors(tenant, upstream):
    import requests
    expect_provision(upstream)
    upstream.post(BASE + "/v1/embed/catalogs", status=422,
                  json={"error": {"code": "invalid_request", "message": "no"}})
    with pytest.raises(UpstreamRejected) as refused:
        tenant.post("/v1/embed/catalogs", {"name": "x"})
    assert (refused.value.status, refused.value.code, refused.value.upstream_code) == (
        422, "craftkit_request_failed", "invalid_request")
    upstream.get(RENDERS, body=requests.exceptions.ReadTimeout())
    with pytest.raises(UpstreamTimeout):
        tenant.get("/v1/embed/renders")
    assert ORG_KEYS["org-a"] not in str(refused.value)


@pytest.mark.parametrize(("endpoint", "values"), [
    ("https://evil.example/v1/x", {}), ("/v2/x", {}), ("/v1/../admin/provision", {}),
    ("/v1/embed/renders?limit=1", {}), ("v1/embed/renders", {}), ("/v1//x", {}),
    ("/v1/embed/renders/{id}", {}), ("/v1/embed/renders/{id}", {"id": ".."}),
    ("/v1/embed/renders/{id}", {"id": ""}), ("/v1/embed/renders", {"id": "x"}),
])
def test_only_craftkit_path_templates_are_called(tenant, upstream, endpoint, values):
    with pytest.raises(ValueError):
        tenant.get(endpoint, path=values)


def test_an_unusable_org_id_is_refused_before_any_call(app, upstream):
    with pytest.raises(InvalidRequest):
        CraftkitBFF().tenant("  ", app=app)
    assert isinstance(CraftkitBFF().tenant("org-b", app=app), TenantClient)
