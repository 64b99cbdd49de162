"""Integration fixtures: the emulator and the BFF as real servers on free local ports."""

from __future__ import annotations

import pytest
import requests

from bff import create_app
from bff.emulator import create_emulator_app
from tests.support.secrets import secret
from tests.support.servers import serve_app
from tests.support.tokens import mint_jwt

ADMIN_KEY = "ck_admin_integration_secret_0123456789"
JWT_SECRET = secret("integration-jwt-secret-0123456789abcdef")
ORGS = {"acme": "Acme Corp", "globex": "Globex"}


def token_for(sub="ada", orgs=("acme",), secret=JWT_SECRET):
    return mint_jwt(secret, sub, orgs, names=ORGS, profile=True)


class Browser:
    """A signed-in caller of the BFF, speaking real HTTP."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"

    def post(self, path: str, body: dict) -> requests.Response:
        return self.http.post(self.base + "/api/craftkit" + path, json=body, timeout=10)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(self.base + "/api/craftkit" + path, timeout=10, **kwargs)

    def session(self, **body) -> dict:
        response = self.post("/session", body)
        assert response.status_code == 200, response.text
        return response.json()


def iframe_call(session: dict, method: str, path: str, **kwargs) -> requests.Response:
    """Call the emulator's iframe API as the embedded page would, with the session token."""
    origin = session["iframe_url"].split("/embed/")[0]
    return requests.request(method, origin + "/v1/embed/iframe" + path, timeout=10,
                            headers={"Authorization": f"Bearer {session['session_token']}"},
                            **kwargs)


def publish(browser: Browser, name="Invoice", org=None) -> str:
    """Publish a template with a required name field through a create session."""
    session = browser.session(mode="create", templateName=name,
                              **({"tenantExternalId": org} if org else {}))
    fields = [{"key": "customer.name", "label": "Name", "dataType": "text", "required": True},
              {"key": "document.notes", "label": "Notes", "dataType": "longtext",
               "required": False}]
    response = iframe_call(session, "POST", "/templates", json={"name": name, "fields": fields})
    assert response.status_code == 201, response.text
    return response.json()["template"]["id"]


@pytest.fixture(scope="module")
def emulator_url():
    app = create_emulator_app({"ADMIN_KEY": ADMIN_KEY, "ACCOUNT_KEYS": [], "SESSION_TTL": 900})
    with serve_app(app) as url:
        yield url


@pytest.fixture(scope="module")
def bff_app(emulator_url):
    return create_app({"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_BASE_URL": emulator_url,
                       "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET, "CRAFTKIT_TIMEOUT": "2,5"})


@pytest.fixture(scope="module")
def bff_url(bff_app):
    with serve_app(bff_app) as url:
        yield url


@pytest.fixture
def ada(bff_url):
    """Ada belongs to acme and globex."""
    return Browser(bff_url, token_for("ada", ("acme", "globex")))


@pytest.fixture
def bob(bff_url):
    """Bob belongs to acme only."""
    return Browser(bff_url, token_for("bob", ("acme",)))
