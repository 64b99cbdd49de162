"""Route declarations: a route owns its failure code, path rules, streaming and key policy."""

import re

import pytest

from bff.api import REGISTRY
from bff.api.routes import CRAFTKIT_ID, Route, declare
from bff.credentials import StaleKey
from tests.support.craftkit_mock import BASE, bearer, expect_provision


def test_every_route_has_a_name_and_its_failure_code_follows_from_it():
    names = [route.name for route in REGISTRY]
    assert len(names) == len(set(names))
    for route in REGISTRY:
        assert route.failure_code == f"craftkit_{route.name}_failed"
    assert {route.name: route.failure_code for route in REGISTRY}["session"] == (
        "craftkit_session_failed")


def test_only_the_download_streams_and_only_refresh_verifies_before_evicting():
    streaming = {route.name for route in REGISTRY if route.streams}
    verifying = {route.name for route in REGISTRY if route.stale_key is not StaleKey.RETRY}
    assert streaming == {"download"}
    assert verifying == {"refresh"}
    assert next(r for r in REGISTRY if r.name == "refresh").stale_key is StaleKey.VERIFY


def test_declare_refuses_a_query_parameter_without_a_rule():
    with pytest.raises(ValueError, match="no validation rule"):
        declare("x", "GET", "/x", upstream="/v1/x", query=("apiKey",))


def test_declare_refuses_rules_that_name_other_parameters_than_the_upstream_path():
    with pytest.raises(ValueError, match="same path parameters"):
        declare("x", "GET", "/x/<render_id>", upstream="/v1/x/{id}")


def test_a_path_parameter_gets_the_craftkit_id_rule_unless_it_names_one():
    route = Route("x", "GET", "/x/<a>/<b>", "/v1/x/{a}/{b}",
                  path={"a": CRAFTKIT_ID, "b": re.compile("[0-9]+")})
    route.check_path({"a": "r_1-A", "b": "42"})
    for bad in ({"a": "r 1", "b": "42"}, {"a": "r1", "b": "4x"}, {"a": "x" * 129, "b": "1"}):
        with pytest.raises(Exception) as refused:
            route.check_path(bad)
        assert refused.value.status == 400


@pytest.mark.parametrize("render_id", ["a%20b", "..", "x" * 129, "r%2Fs", "%00"])
def test_the_download_path_is_checked_before_the_view_calls_craftkit(client, upstream,
                                                                     render_id):
    # The strict mock fails the test if anything reaches Craftkit.
    response = client.get(f"/api/craftkit/renders/{render_id}/download", headers=bearer())
    assert response.status_code in (400, 404)
    assert response.json["error"] in ("invalid_request", "not_found")


def test_a_valid_download_id_reaches_craftkit(client, upstream):
    expect_provision(upstream)
    upstream.get(BASE + "/v1/embed/renders/r_1-A/download", body=b"%PDF-1.4 x",
                 content_type="application/pdf")
    response = client.get("/api/craftkit/renders/r_1-A/download", headers=bearer())
    assert response.status_code == 200
    response.close()
