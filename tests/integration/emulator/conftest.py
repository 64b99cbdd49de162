"""Start emulators on free loopback ports and give tests small action helpers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from flask import Flask

from bff.emulator import create_emulator_app
from tests.support.clock import FakeClock
from tests.support.servers import WsgiServer

ADMIN_KEY = "test-admin-key-not-a-secret"
ACCOUNT_A = "ck_acct_" + "A" * 24
ACCOUNT_B = "ck_acct_" + "B" * 24
BUILDER_PERMS = {
    "publish": True, "saveDraft": True, "viewVersionHistory": True,
    "changePageSettings": True, "rollback": False, "delete": False,
    "rename": False, "createCustomVariables": False,
}
FILL_PERMS = {"submitForm": True, "saveFormDraft": True}
FIELDS = [
    {"key": "customer.name", "label": "Name", "dataType": "text", "required": True},
    {"key": "customer.email", "label": "Email", "dataType": "email", "required": False},
]


@dataclass
class Emulator:
    """A running emulator and ways to call it."""

    url: str
    app: Flask
    clock: FakeClock
    http: requests.Session = field(default_factory=requests.Session)

    def call(self, method: str, path: str, key: str | None = None, **kwargs: Any):
        headers = dict(kwargs.pop("headers", {}))
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        return self.http.request(method, self.url + path, headers=headers, timeout=10, **kwargs)

    def provision(self, org: str = "org-a", **extra: Any) -> dict[str, Any]:
        response = self.call("POST", "/v1/admin/provision", ADMIN_KEY,
                             json={"externalOrgId": org, **extra})
        assert response.status_code == 200, response.text
        return response.json()

    def mint(self, api_key: str, org: str = "org-a", mode: str = "create", **options: Any):
        return self.call("POST", "/v1/embed/sessions", api_key,
                         json=session_body(org, mode, **options))

    def session(self, api_key: str, org: str = "org-a", mode: str = "create", **options):
        response = self.mint(api_key, org, mode, **options)
        assert response.status_code == 200, response.text
        return response.json()

    def publish(self, token: str, name: str = "Invoice", fields: list | None = None, **extra):
        return self.call("POST", "/v1/embed/iframe/templates", token,
                         json={"name": name, "fields": fields or FIELDS, **extra})

    def template(self, api_key: str, org: str = "org-a", name: str = "Invoice") -> dict:
        token = self.session(api_key, org)["session_token"]
        response = self.publish(token, name)
        assert response.status_code == 201, response.text
        return response.json()["template"]

    def render(self, api_key: str, template_id: str, values: dict, org: str = "org-a") -> dict:
        token = self.session(api_key, org, "fill", template=template_id)["session_token"]
        response = self.call("POST", "/v1/embed/iframe/submissions", token,
                             json={"values": values})
        assert response.status_code == 201, response.text
        return response.json()


def session_body(
    org: str = "org-a",
    mode: str = "create",
    template: str | None = None,
    name: str | None = None,
    perms: dict | None = None,
    catalog: str | None = None,
) -> dict[str, Any]:
    """Build a session body exactly as the reference BFF does."""
    scope: dict[str, Any] = {"mode": mode}
    if template:
        scope["templateExternalId"] = template
    if name:
        scope["initialName"] = name
    body: dict[str, Any] = {
        "tenant": {"externalId": org, "displayName": org.title()},
        "actor": {"externalId": "user-1", "email": "ann@example.com", "displayName": "Ann"},
        "scope": scope,
        "permissions": dict(perms if perms is not None else (
            FILL_PERMS if mode == "fill" else BUILDER_PERMS)),
    }
    if catalog:
        body["catalogRef"] = {"name": catalog}
    return body


def error_of(response: requests.Response) -> tuple[int, str]:
    """Return (status, error code) of an envelope answer."""
    return response.status_code, response.json()["error"]["code"]


@pytest.fixture
def start_emulator() -> Iterator:
    """Return a function that starts an emulator; every one started is stopped afterwards."""
    running: list[tuple[WsgiServer, Emulator]] = []

    def start(**config: Any) -> Emulator:
        clock = config.pop("CLOCK", None) or FakeClock.at_wall_time()
        settings = {"ADMIN_KEY": ADMIN_KEY, "ACCOUNT_KEYS": [ACCOUNT_A, ACCOUNT_B],
                    "CLOCK": clock, **config}
        app = create_emulator_app(settings)
        server = WsgiServer(app)
        emulator = Emulator(server.url, app, clock)
        running.append((server, emulator))
        return emulator

    yield start
    for server, emulator in running:
        server.stop()
        emulator.http.close()
        emulator.app.extensions["craftkit_emulator"]["store"].close()


@pytest.fixture
def emulator(start_emulator) -> Emulator:
    """A fresh in-memory emulator."""
    return start_emulator()


@pytest.fixture
def org_key(emulator: Emulator) -> str:
    """The project key of a provisioned org "org-a"."""
    return emulator.provision("org-a")["apiKey"]
