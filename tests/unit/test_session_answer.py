"""What /session and /refresh answer: allow-listed fields and an iframe URL on Craftkit."""

import pytest

from bff import create_app
from tests.support.craftkit_mock import BASE, expect_provision, post_json, session_payload

ANSWER_FIELDS = {"session_token", "iframe_url", "expires_at", "expires_in", "renew_token"}


def mint_with(client, upstream, **answer):
    expect_provision(upstream)
    upstream.post(BASE + "/v1/embed/sessions", json=session_payload(**answer))
    return post_json(client, "/session", {"mode": "create"})


def test_extra_upstream_fields_never_reach_the_browser(client, upstream):
    response = mint_with(client, upstream, partner_id="pt-secret", api_key="ck_live_leak",
                         debug={"renew_token": "raw"}, permissions={"delete": True})
    assert response.status_code == 200
    assert set(response.json) == ANSWER_FIELDS
    assert "ck_live_leak" not in response.get_data(as_text=True)


def test_refresh_answers_the_same_allow_listed_fields(client, upstream):
    sealed = mint_with(client, upstream).json["renew_token"]
    upstream.post(BASE + "/v1/embed/sessions/refresh",
                  json=session_payload(project_secret="internal", renew_token="ckr_next"))
    response = post_json(client, "/refresh", {"renewToken": sealed})
    assert response.status_code == 200
    assert set(response.json) == ANSWER_FIELDS


@pytest.mark.parametrize("iframe_url", [
    "https://evil.example/embed/builder#token=t",      # another origin
    "http://craftkit.test/embed/builder",               # http while Craftkit is https
    "https://craftkit.test:8443/embed/builder",         # another port is another origin
    "javascript:alert(document.domain)//craftkit.test",
    "data:text/html,<script>alert(1)</script>",
    "https://craftkit.test@evil.example/embed",         # userinfo: the host is evil.example
    "https://user:pw@craftkit.test/embed",
    "https://craftkit.test\\@evil.example/embed",       # browsers read "\\" as "/"
    "https://craftkit.test/embed\n/x", "https://craftkit.test/em bed", " https://craftkit.test/",
    "https://craftkit.test.evil.example/embed", "//craftkit.test/embed", "/embed/builder",
    "https://craftkit.test:99999/embed", "https://cräftkit.test/embed", "", 42, None,
    ["https://craftkit.test/embed"], "https://craftkit.test/" + "a" * 9000,
])
def test_iframe_url_off_craftkits_origin_is_502(client, upstream, iframe_url):
    response = mint_with(client, upstream, iframe_url=iframe_url)
    assert response.status_code == 502
    assert response.json["error"] == "craftkit_upstream_error"


@pytest.mark.parametrize("iframe_url", [
    BASE + "/embed/builder#token=t", "https://CRAFTKIT.test/embed/fill?x=1",
    "https://craftkit.test:443/embed/view",
])
def test_iframe_url_on_craftkits_origin_passes(client, upstream, iframe_url):
    response = mint_with(client, upstream, iframe_url=iframe_url)
    assert response.status_code == 200
    assert response.json["iframe_url"] == iframe_url


def test_iframe_url_on_a_configured_origin_passes(config, upstream):
    app = create_app({**config, "CRAFTKIT_IFRAME_ORIGINS": "https://embed.craftkit.test"})
    response = mint_with(app.test_client(), upstream,
                         iframe_url="https://embed.craftkit.test/b#token=t")
    assert response.status_code == 200


def test_an_http_craftkit_may_use_http_iframe_urls(config, upstream):
    local = "http://127.0.0.1:5001"
    app = create_app({**config, "CRAFTKIT_BASE_URL": local})
    expect_provision_at = upstream.post(local + "/v1/admin/provision",
                                        json={"apiKey": "ck_live_key_for_org_a"})
    upstream.post(local + "/v1/embed/sessions",
                  json=session_payload(iframe_url=local + "/embed/builder#token=t"))
    response = post_json(app.test_client(), "/session", {"mode": "create"})
    assert expect_provision_at.call_count == 1
    assert response.status_code == 200


@pytest.mark.parametrize("answer", [
    {"session_token": ""}, {"session_token": "a b"}, {"session_token": "t\x00"},
    {"session_token": "t" * 9000}, {"session_token": 5}, {"renew_token": ""},
    {"renew_token": None}, {"expires_at": "tomorrow"}, {"expires_at": "9" * 100},
])
def test_unusable_session_fields_are_502(client, upstream, answer):
    response = mint_with(client, upstream, **answer)
    assert response.status_code == 502
