"""The admin strategy with a tenant registry: refuse deprovisioned orgs, record the rest.

The admin provision API is idempotent, so it needs no registry to dedupe. When one is
configured, the registry is still the record the operator commands read, and the place
an operator's deprovisioning is kept: such an org is refused (403), not re-provisioned.
A registry that cannot be read fails the request (503) rather than serve an org an
operator may have removed; a registry that cannot be written to only logs a warning, as
the key has already been resolved.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ..errors import RegistryUnavailable, TenantDeprovisioned
from ..ops.requestlog import printable
from ..registry import DEPROVISIONED, KEYED
from .admin_api import AdminApi

if TYPE_CHECKING:
    from ..registry import Registry

log = logging.getLogger("bff.provision")


class RecordingAdminProvisioner:
    """``POST /v1/admin/provision``, gated and recorded by the tenant registry."""

    strategy = "admin"

    def __init__(self, api: AdminApi, registry: Registry) -> None:
        self.api = api
        self.registry = registry

    def provision(self, org_id: str, org_name: str, rejected_key: str | None = None) -> str:
        """Provision (or look up) the org's project unless an operator deprovisioned it."""
        return self._provision(org_id, org_name, revive=False)

    def provision_again(self, org_id: str, org_name: str) -> str:
        """Provision the org even if it was deprovisioned (an operator asked to)."""
        return self._provision(org_id, org_name, revive=True)

    def _provision(self, org_id: str, org_name: str, revive: bool) -> str:
        tenant = self.registry.get(org_id)
        if tenant is not None and tenant.state == DEPROVISIONED and not revive:
            raise TenantDeprovisioned()
        record = self.api.provision(org_id, org_name)
        project_id, partner_id = record.get("projectId"), record.get("partnerId")
        if (tenant is not None and tenant.state == KEYED and tenant.project_id == project_id
                and tenant.org_name == org_name):
            return record["apiKey"]  # nothing new to record
        values = {"state": KEYED, "project_id": _text(project_id),
                  "partner_id": _text(partner_id), "deprovisioned_at": None}
        try:
            if revive:
                self.registry.delete(org_id)
            if not self.registry.record(org_id, org_name, self.strategy, **values):
                raise TenantDeprovisioned()  # deprovisioned while we were provisioning
        except RegistryUnavailable:
            log.warning("could not record org %s in the tenant registry", printable(org_id))
        return record["apiKey"]


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
