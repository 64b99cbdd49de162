"""Edge input at the identity boundary: org names no database (or log line) should hold.

Both strategies keep org names in the registry, on SQLite and PostgreSQL: a name with a
lone surrogate, a NUL or 300 characters is normalised when the identity is read, and a
value the database still refuses is its own error, never registry_unavailable for ever.
"""

from __future__ import annotations

import json
import time

import jwt
import pytest
import responses

from bff import create_app
from bff.errors import RegistryRefusedValue
from bff.identity import MAX_NAME_LENGTH, display_text

from .conftest import ACCOUNT_KEY, JWT_SECRET, SECRET

BASE = "https://craftkit.test"
NAMES = {"surrogate": "Acme \ud800 Corp", "nul": "Acme\x00Corp", "long": "A" * 300,
         "controls": "Acme\n\tCorp\u2028Ltd", "bidi": "Acme \u202eproC"}


def token(name: str) -> str:
    return jwt.encode({"sub": "ada", "orgs": [{"id": "acme", "name": name}],
                       "exp": int(time.time()) + 600}, JWT_SECRET, algorithm="HS256")


def mint(app, name: str):
    return app.test_client().post("/api/craftkit/session", json={"mode": "create"},
                                  headers={"Authorization": f"Bearer {token(name)}"})


def session(request):
    expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 900))
    return 200, {}, json.dumps({"session_token": "t", "iframe_url": BASE + "/embed/x",
                                "renew_token": "r", "expires_at": expires})


@pytest.fixture(params=["account", "admin"])
def app(request, registry_url):
    config = {"CRAFTKIT_BASE_URL": BASE, "CRAFTKIT_REGISTRY_URL": registry_url,
              "CRAFTKIT_REGISTRY_SECRET": SECRET, "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET}
    config.update({"CRAFTKIT_ACCOUNT_KEY": ACCOUNT_KEY} if request.param == "account"
                  else {"CRAFTKIT_ADMIN_KEY": "ck_admin_edge_input_0123456789"})
    app = create_app(config)
    yield app
    app.extensions["craftkit_bff"].close()


@pytest.mark.parametrize("kind", NAMES)
def test_an_org_name_of_any_text_gets_a_session_and_a_storable_row(app, kind):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as upstream:
        created = upstream.post(BASE + "/v1/projects", status=201,
                                json={"id": "p1", "slug": "acme", "name": "x"})
        upstream.post(BASE + "/v1/projects/p1/keys", status=201,
                      json={"id": "k1", "key": "ck_live_edge_input_key"})
        upstream.post(BASE + "/v1/admin/provision",
                      json={"apiKey": "ck_live_edge_input_key", "projectId": "p1"})
        upstream.add_callback("POST", BASE + "/v1/embed/sessions", callback=session)
        answer = mint(app, NAMES[kind])
    assert answer.status_code == 200, answer.json
    kept = app.extensions["craftkit_bff"].registry.get("acme").org_name
    assert kept == display_text(NAMES[kind]) and len(kept) <= MAX_NAME_LENGTH
    assert kept.isprintable() or kind == "bidi"  # U+202E is a format character, kept
    if created.calls:
        sent = json.loads(created.calls[0].request.body)["name"]
        assert sent.startswith(kept[:50]) and "\x00" not in sent


@pytest.fixture
def registry(app):
    return app.extensions["craftkit_bff"].registry


def test_a_value_the_database_refuses_is_its_own_error_not_an_outage(registry, registry_url):
    with pytest.raises(RegistryRefusedValue):
        registry.reserve("acme", "Acme \ud800", "account", "owner", 30)
    if "postgresql" in registry_url:  # SQLite keeps any length, and NULs
        for name in ("Acme\x00Corp", "A" * 300):
            with pytest.raises(RegistryRefusedValue):
                registry.reserve("acme", name, "account", "owner", 30)
    assert registry.reserve("acme", "Acme", "account", "owner", 30)
