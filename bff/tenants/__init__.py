"""The tenant lifecycle for operators, as a Python API (``craftkit-bff tenants`` is its CLI).

- ``Tenants``: list, show, provision, rename, deprovision, re-key, reconcile, re-encrypt;
- ``reconcile``: the registry held against the account's projects, and its repairs.

``Tenants(state)`` acts on one BFF's configuration: the registry's rows, the account's
projects upstream (account mode) and the key store (so a shared store, e.g. Redis, drops an
org's key everywhere). Rule: nothing here holds a registry transaction across an upstream
call; changes to an org happen under its lease (``Registry.lease``), like provisioning.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..credentials import TenantProvisioner, validate_org_id
from ..credentials.account_api import AccountApi
from ..credentials.stores import forbid_org
from ..errors import BffError
from ..extension import command_state
from ..identity import display_text
from ..registry import DEPROVISIONED, KEYED, RowUnreadable, Tenant
from ..state import BffState
from .reconcile import Finding, reconcile

if TYPE_CHECKING:
    from ..registry import Registry


class OperatorError(Exception):
    """An operator command cannot do what was asked; the message says why and what to do."""


@dataclass(frozen=True)
class Reencrypted:
    """What ``reencrypt`` did: rows rewritten under the new secret, rows it could not open."""

    rewritten: int
    unreadable: list[str]


class Tenants:
    """List, show, provision, rename, deprovision, re-key and reconcile tenants."""

    def __init__(self, state: BffState) -> None:
        self.state = state
        self.provisioner: TenantProvisioner = state.provisioner

    @classmethod
    def from_environment(cls) -> Tenants:
        """Build the API from the CRAFTKIT_* environment, as the server would."""
        return cls(command_state())

    def close(self) -> None:
        """Close this API's connections (pooled upstream and registry ones)."""
        self.state.close()

    @property
    def account_mode(self) -> bool:
        """True when orgs are provisioned with the account key (CRAFTKIT_ACCOUNT_KEY)."""
        return self.state.account_api is not None

    @property
    def registry(self) -> Registry:
        """The tenant registry, or OperatorError when none is configured."""
        if self.state.registry is None:
            raise OperatorError("No tenant registry is configured: set CRAFTKIT_REGISTRY_URL "
                                "(it is the default SQLite file with CRAFTKIT_ACCOUNT_KEY).")
        return self.state.registry

    def list(self) -> list[Tenant]:
        """Return every org the registry knows, by org id."""
        return self.registry.all()

    def show(self, org_id: str) -> Tenant:
        """Return one org's row, or raise OperatorError."""
        # Unverified: an operator may look at a row that fails its seal (doctor names it).
        tenant = self.registry.get(_org(org_id), verify=False)
        if tenant is None:
            raise OperatorError(f"The registry has no org {org_id!r}.")
        return tenant

    def provision(self, org_id: str, name: str | None = None) -> Tenant:
        """Provision the org now (bringing a deprovisioned one back); return its row.

        In admin mode without a registry nothing records the org: the row returned is built
        from Craftkit's answer to the (idempotent) provision call and kept nowhere.
        """
        org_id = _org(org_id)
        name = display_text(name) if name else None
        if self.state.registry is None and self.state.admin_api is not None:
            record = self.state.admin_api.provision(org_id, name or org_id)
            self.state.keys.store.delete(org_id)
            return Tenant.unrecorded(org_id, name or org_id, "admin", record.get("projectId"),
                                     record.get("partnerId"))
        existing = self.registry.get(org_id)
        org_name = name or (existing.org_name if existing else org_id)
        self.provisioner.provision_again(org_id, org_name)
        self.state.keys.store.delete(org_id)
        return self.show(org_id)

    def key(self, org_id: str) -> str:
        """Return the org's project key (a secret: for an operator who asked to see it)."""
        return self.state.keys.get(_org(org_id))

    def rename(self, org_id: str, name: str) -> Tenant:
        """Rename the org (its project upstream too, in account mode)."""
        tenant = self.show(org_id)
        if not name.strip() or len(name) > 200:
            raise OperatorError("The name must be 1 to 200 characters.")
        name = display_text(name) or org_id
        if self.account_mode and tenant.project_id and tenant.state != DEPROVISIONED:
            self._account_api().rename(org_id, tenant.project_id, name)
        self.registry.rename(org_id, name)
        return self.show(org_id)

    def deprovision(self, org_id: str) -> Tenant:
        """Delete the org's project upstream, mark the org, and drop its key everywhere."""
        tenant = self.show(org_id)
        if tenant.state != DEPROVISIONED:
            with self._lease(org_id) as owner:
                if self.account_mode and tenant.project_id:
                    self._account_api().delete(tenant.project_id)
                self.registry.update_leased(
                    org_id, owner, state=DEPROVISIONED, key=None, key_id=None,
                    deprovisioned_at=self.registry.now())
        # After the row: a provision in flight re-reads the row, or meets the tombstone.
        forbid_org(self.state.keys.store, org_id)
        return self.show(org_id)

    def rotate_key(self, org_id: str) -> Tenant:
        """Mint a new key for the org's project and drop the old one from every cache."""
        tenant = self.show(org_id)
        if not self.account_mode:
            raise OperatorError("The admin provision API cannot re-key a project; rotate-key "
                                "needs CRAFTKIT_ACCOUNT_KEY.")
        if tenant.state != KEYED:
            raise OperatorError(f"Org {org_id!r} holds no key ({tenant.state}); provision it.")
        try:
            current = self.registry.open_key(tenant)
        except RowUnreadable:
            raise OperatorError("This org's row cannot be decrypted with "
                                "CRAFTKIT_REGISTRY_SECRET (nor _PREVIOUS).") from None
        self.provisioner.provision(org_id, tenant.org_name, rejected_key=current)
        self.state.keys.store.delete(org_id)
        return self.show(org_id)

    def reconcile(self, fix: bool = False) -> builtins.list[Finding]:
        """Compare the registry with the account's projects; with fix, repair what differs."""
        if not self.account_mode:
            raise OperatorError("reconcile lists the account's projects, which needs "
                                "CRAFTKIT_ACCOUNT_KEY (the admin API cannot list them).")
        return reconcile(self.registry, self._account_api(), self.state.keys.store, fix,
                         lease=self.state.settings.registry_lease)

    def reencrypt(self) -> Reencrypted:
        """Re-seal every key and row under CRAFTKIT_REGISTRY_SECRET (after setting _PREVIOUS)."""
        cipher = self.registry.cipher
        if cipher is None:
            raise OperatorError("CRAFTKIT_REGISTRY_SECRET is not set.")
        rewritten, unreadable = 0, []
        for tenant in self.registry.all():
            if tenant.key_sealed is None or cipher.is_current(tenant.key_sealed):
                continue
            try:
                rewritten += self.registry.reseal(tenant)
            except RowUnreadable:
                unreadable.append(tenant.org_id)
        if not unreadable:
            self.registry.write_key_check()
        return Reencrypted(rewritten, unreadable)

    def _account_api(self) -> AccountApi:
        if self.state.account_api is None:
            raise OperatorError("This needs the account API: set CRAFTKIT_ACCOUNT_KEY.")
        return self.state.account_api

    @contextmanager
    def _lease(self, org_id: str) -> Iterator[str]:
        with self.registry.lease(org_id, self.state.settings.registry_lease) as owner:
            if owner is None:
                raise OperatorError(f"Org {org_id!r} is being provisioned right now; try "
                                    "again in a few seconds.")
            yield owner


def _org(org_id: str) -> str:
    try:
        return validate_org_id(org_id)
    except BffError as error:
        raise OperatorError(error.message) from None
