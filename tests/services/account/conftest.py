"""Account-mode fixtures: the emulator over real HTTP, a registry of each kind, BFF configs."""

from __future__ import annotations

import pytest
import requests

from bff import create_app
from bff.emulator import create_emulator_app
from tests.services.registry.support import database_text
from tests.support.secrets import secret
from tests.support.servers import serve_app
from tests.support.tokens import mint_jwt

ACCOUNT_KEY = "ck_acct_accounttests0123456789abcdef"
ADMIN_KEY = "ck_admin_account_tests_0123456789"  # the emulator's; the BFF never has it here
SECRET = secret("account-tests-registry-secret-0123456789")
JWT_SECRET = secret("account-tests-jwt-secret-0123456789abcdef")


def token_for(sub: str = "ada", orgs=("acme",)) -> str:
    return mint_jwt(JWT_SECRET, sub, orgs, names={org: org.title() for org in orgs},
                    profile=True)


class Emulator:
    """The running emulator: its URL, its app, and what the account holds upstream."""

    def __init__(self, url: str, app) -> None:
        self.url, self.app = url, app
        self.admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
        self.account = {"Authorization": f"Bearer {ACCOUNT_KEY}"}

    def projects(self, org_marker: str | None = None) -> list[dict]:
        """Every live project of the account (those named for an org, if given)."""
        found, cursor = [], None
        while True:
            params = {"limit": "100", **({"cursor": cursor} if cursor else {})}
            page = requests.get(self.url + "/v1/projects", headers=self.account,
                                params=params, timeout=10).json()
            found += page["data"]
            cursor = page["next_cursor"]
            if not cursor:
                break
        return [p for p in found if org_marker is None or p["name"].endswith(org_marker)]

    def key_count(self, project_id: str) -> int:
        store = self.app.extensions["craftkit_emulator"]["store"]
        return store.one("SELECT count(*) AS n FROM project_keys WHERE project_id = ?",
                         (project_id,))["n"]

    def fault(self, method: str, path: str, action: str = "drop", **options) -> None:
        """Lose the answers of the next matching requests (see bff/emulator/faults.py)."""
        response = requests.post(self.url + "/emulator/faults", headers=self.admin,
                                 json={"method": method, "path": path, "action": action,
                                       **options}, timeout=10)
        assert response.status_code == 201, response.text

    def fault_hits(self) -> int:
        faults = requests.get(self.url + "/emulator/faults", headers=self.admin,
                              timeout=10).json()["data"]
        return sum(fault["hits"] for fault in faults)

    def clear_faults(self) -> None:
        requests.delete(self.url + "/emulator/faults", headers=self.admin, timeout=10)

    def key_works(self, key: str) -> bool:
        response = requests.get(self.url + "/v1/embed/builder/templates", timeout=10,
                                headers={"Authorization": f"Bearer {key}"})
        return response.status_code == 200


@pytest.fixture
def emulator():
    app = create_emulator_app({"ADMIN_KEY": ADMIN_KEY, "ACCOUNT_KEYS": [ACCOUNT_KEY],
                               "ACCOUNT_EMBED": True, "SESSION_TTL": 900})
    with serve_app(app) as url:
        yield Emulator(url, app)
        app.extensions["craftkit_emulator"]["faults"].clear()


@pytest.fixture
def account_config(emulator, registry_url) -> dict:
    """An account-mode BFF's configuration (upstream timeouts short, for lost answers)."""
    return {"CRAFTKIT_ACCOUNT_KEY": ACCOUNT_KEY, "CRAFTKIT_BASE_URL": emulator.url,
            "CRAFTKIT_REGISTRY_URL": registry_url, "CRAFTKIT_REGISTRY_SECRET": SECRET,
            "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET, "CRAFTKIT_TIMEOUT": "1,1.5",
            "CRAFTKIT_REGISTRY_LEASE": "10", "CRAFTKIT_REGISTRY_WAIT": "10"}


@pytest.fixture
def make_app(account_config):
    """Build account-mode BFF apps (each its own process state, one shared registry)."""
    apps = []

    def _make(**overrides):
        app = create_app({**account_config, **overrides})
        apps.append(app)
        return app

    yield _make
    for app in apps:
        app.extensions["craftkit_bff"].registry.engine.dispose()


@pytest.fixture
def stored_text(registry_url, request):
    """Return everything the registry database holds, as text."""
    def _text() -> str:
        server = request.getfixturevalue("postgres") if "postgresql" in registry_url else None
        return database_text(registry_url, server)
    return _text


def mint(base: str, org: str = "acme", user: str = "ada", orgs=None) -> requests.Response:
    """POST /session for org through a BFF at base."""
    return requests.post(base + "/api/craftkit/session", timeout=30,
                         json={"tenantExternalId": org, "mode": "create"},
                         headers={"Authorization": f"Bearer {token_for(user, orgs or (org,))}"})
