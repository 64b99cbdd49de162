"""The account key and what it may do upstream: the /v1/projects* calls, in one object.

The key stays inside; the provisioner and the operator commands ask this object to act.
"""

from __future__ import annotations

import logging

from ..ops.requestlog import request_id
from ..registry.naming import marker_for, project_name
from ..upstream.client import Upstream

log = logging.getLogger("bff.provision")
KEY_NAME = "craftkit-bff"


class AccountApi:
    """Create, list, rename and delete the account's projects; mint their keys."""

    def __init__(self, upstream: Upstream, account_key: str) -> None:
        self.upstream = upstream
        self._account_key = account_key

    def create(self, org_id: str, org_name: str) -> dict:
        """Create the org's project, named so that it can be found again."""
        return self.upstream.create_project(self._account_key, project_name(org_name, org_id),
                                            request_id())

    def mint(self, project_id: str) -> dict:
        """Mint a key for a project; the answer holds its plaintext, once."""
        return self.upstream.mint_project_key(self._account_key, project_id, KEY_NAME,
                                              request_id())

    def projects(self) -> list[dict]:
        """Return every live project of the account, oldest first."""
        return self.upstream.list_projects(self._account_key, request_id())

    def find(self, org_id: str) -> dict | None:
        """Return the oldest live project named for org_id, or None."""
        marker = marker_for(org_id)
        ours = [project for project in self.projects()
                if str(project.get("name", "")).endswith(marker)]
        if len(ours) > 1:
            log.warning("org %s has %d projects upstream; using the oldest (run "
                        "`craftkit-bff tenants reconcile --fix` to remove the others)",
                        org_id, len(ours))
        return ours[0] if ours else None

    def rename(self, org_id: str, project_id: str, org_name: str) -> dict:
        """Rename the org's project (keeping the marker that names the org)."""
        return self.upstream.rename_project(self._account_key, project_id,
                                            project_name(org_name, org_id), request_id())

    def delete(self, project_id: str) -> bool:
        """Delete a project; False when it was already gone."""
        return self.upstream.delete_project(self._account_key, project_id, request_id())

    def check(self) -> int:
        """Return the status Craftkit answers the account key with (doctor)."""
        return self.upstream.check_account_key(self._account_key, request_id())
