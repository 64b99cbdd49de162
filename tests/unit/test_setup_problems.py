"""Setup problems named, not disguised: embed mode off, an iframe on another origin.

Before, embed mode off answered "Craftkit rejected the BFF's credentials" (and an operator
went to rotate a key nobody can revoke); a refused iframe_url was logged without its origin
or the setting that allows it.
"""

import logging

from tests.support.craftkit_mock import BASE, ORG_KEYS, expect_provision, post_json, session_payload


def test_embed_mode_off_has_its_own_code_and_keeps_the_key(client, upstream, app, caplog):
    expect_provision(upstream)
    upstream.post(BASE + "/v1/embed/sessions", status=403, json={"error": {
        "code": "embed_not_enabled", "message": "Embed mode is not enabled"}})
    response = post_json(client, "/session", {"mode": "create"})
    assert (response.status_code, response.json["error"]) == (502, "craftkit_embed_mode_off")
    assert "Enable embed mode" in response.json["message"]
    assert app.extensions["craftkit_bff"].keys.store.get("org-a") == ORG_KEYS["org-a"]
    assert any("embed mode is off" in r.getMessage() and "org-a" in r.getMessage()
               for r in caplog.records)
    # No eviction: the next request provisions nothing.
    upstream.post(BASE + "/v1/embed/sessions", json=session_payload())
    assert post_json(client, "/session", {"mode": "create"}).status_code == 200


def test_a_refused_iframe_url_is_logged_with_its_origin_and_the_setting(client, upstream,
                                                                        caplog):
    expect_provision(upstream)
    upstream.post(BASE + "/v1/embed/sessions", json=session_payload(
        iframe_url="https://app.craftkit.test/embed/builder#token=eyJ.session.token"))
    response = post_json(client, "/session", {"mode": "create"})
    assert response.status_code == 502
    refusals = [r.getMessage() for r in caplog.records
                if r.levelno == logging.WARNING and "iframe_url" in r.getMessage()]
    assert refusals == ["refused Craftkit's iframe_url: https://app.craftkit.test is neither "
                        "CRAFTKIT_BASE_URL's origin nor listed in CRAFTKIT_IFRAME_ORIGINS "
                        "(add it there if it is Craftkit's)"]
    assert "token" not in refusals[0] and "/embed" not in refusals[0]
