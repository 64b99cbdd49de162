"""How an org becomes a project key: the Provisioner interface and the admin strategy."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from .admin_api import AdminApi


@runtime_checkable
class Provisioner(Protocol):
    """Turn an org into a working Craftkit project key."""

    def provision(self, org_id: str, org_name: str, rejected_key: str | None = None) -> str:
        """Return the org's project key, creating its project when it has none.

        :param rejected_key: a key Craftkit has just refused for this org, so a strategy
            that can mint a replacement does so instead of returning the same key.
        :raises BffError: ProvisionFailed, UpstreamUnavailable, UpstreamTimeout, ...
        """


@runtime_checkable
class TenantProvisioner(Provisioner, Protocol):
    """A provisioner the operator commands can also ask to bring a deprovisioned org back."""

    def provision_again(self, org_id: str, org_name: str) -> str:
        """Provision the org even if an operator deprovisioned it; return its key."""


class AdminProvisioner:
    """``POST /v1/admin/provision`` with the admin key: idempotent, nothing stored here."""

    def __init__(self, api: AdminApi) -> None:
        self.api = api

    def provision(self, org_id: str, org_name: str, rejected_key: str | None = None) -> str:
        """Provision (or look up) the org's project; Craftkit returns the same key again."""
        return self.api.provision(org_id, org_name)["apiKey"]

    def provision_again(self, org_id: str, org_name: str) -> str:
        """Provision the org (without a registry nothing records a deprovisioning)."""
        return self.provision(org_id, org_name)
