"""How an org becomes a project key: the Provisioner interface and the admin strategy."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from ..ops.requestlog import request_id
from ..upstream.client import Upstream


@runtime_checkable
class Provisioner(Protocol):
    """Turn an org into a working Craftkit project key."""

    def provision(self, org_id: str, org_name: str, rejected_key: str | None = None) -> str:
        """Return the org's project key, creating its project when it has none.

        :param rejected_key: a key Craftkit has just refused for this org, so a strategy
            that can mint a replacement does so instead of returning the same key.
        :raises BffError: ProvisionFailed, UpstreamUnavailable, UpstreamTimeout, ...
        """


class AdminProvisioner:
    """``POST /v1/admin/provision`` with the admin key: idempotent, nothing stored here."""

    def __init__(self, upstream: Upstream) -> None:
        self._upstream = upstream

    def provision(self, org_id: str, org_name: str, rejected_key: str | None = None) -> str:
        """Provision (or look up) the org's project; Craftkit returns the same key again."""
        return self._upstream.provision_record(org_id, org_name, request_id())["apiKey"]
