"""The demo's two provisioning set-ups: a generated admin key, or (``--account``) a
generated account key with a tenant registry in a temporary directory."""

from __future__ import annotations

import secrets
import shutil
import tempfile
from dataclasses import dataclass, field

import requests
from flask import Flask

from ..state import bff_state


@dataclass
class DemoCredentials:
    """Keys the emulator accepts and the BFF settings that use them."""

    admin_key: str
    account_key: str | None = None
    registry_dir: str | None = field(default=None, repr=False)

    @classmethod
    def generate(cls, account: bool) -> DemoCredentials:
        """Make fresh keys (and, in account mode, a registry directory)."""
        admin_key = "ck_admin_demo_" + secrets.token_urlsafe(32)
        if not account:
            return cls(admin_key)
        # Emulator keys are alphanumeric after the prefix.
        return cls(admin_key, "ck_acct_" + secrets.token_hex(16),
                   tempfile.mkdtemp(prefix="craftkit-demo-registry-"))

    def emulator_config(self) -> dict:
        """The emulator's keys (it always needs an admin key, even if the BFF has none)."""
        return {"ADMIN_KEY": self.admin_key,
                "ACCOUNT_KEYS": [self.account_key] if self.account_key else []}

    def bff_config(self) -> dict:
        """The BFF's provisioning settings: the admin key, or the account key and registry."""
        if self.account_key is None:
            return {"CRAFTKIT_ADMIN_KEY": self.admin_key}
        return {"CRAFTKIT_ACCOUNT_KEY": self.account_key,
                "CRAFTKIT_REGISTRY_URL": f"sqlite:///{self.registry_dir}/registry.sqlite3",
                "CRAFTKIT_REGISTRY_SECRET": secrets.token_hex(32)}

    def enable_embed(self, bff_app: Flask, craftkit_url: str, org_id: str,
                     http: requests.Session) -> None:
        """Switch embed mode on for the org's account project, as its dashboard would."""
        if self.account_key is None:
            return  # provisioned orgs come with embed mode
        registry = bff_state(bff_app).registry
        tenant = registry.get(org_id) if registry is not None else None
        if tenant is None or tenant.project_id is None:
            raise RuntimeError(f"the demo org {org_id!r} has no project to switch embed on")
        project_id = tenant.project_id
        response = http.post(f"{craftkit_url}/dashboard/projects/{project_id}/embed",
                             headers={"Authorization": f"Bearer {self.account_key}"},
                             timeout=10)
        response.raise_for_status()

    def cleanup(self) -> None:
        """Remove the temporary registry."""
        if self.registry_dir:
            shutil.rmtree(self.registry_dir, ignore_errors=True)
