"""The account key and what it may do upstream: the /v1/projects* calls, in one object.

The key stays inside; the provisioner and the operator commands ask this object to act.
Creating a project is not idempotent, so nothing here retries a POST that may have been
sent (the transport retries POSTs only for the paths it is told are idempotent).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from urllib.parse import quote

from ..errors import KeyRejected, ProvisionFailed, UpstreamError, UpstreamRejected
from ..ops.requestlog import request_id
from ..registry.naming import marker_for, project_name
from ..upstream import Upstream
from ..upstream.failures import json_object, raise_for_status

log = logging.getLogger("bff.provision")
KEY_NAME = "craftkit-bff"
PROJECTS = "/v1/projects"
PROJECT = "/v1/projects/{id}"
PROJECT_KEYS = "/v1/projects/{id}/keys"


class AccountApi:
    """Create, list, rename and delete the account's projects; mint their keys."""

    def __init__(self, upstream: Upstream, account_key: str) -> None:
        self.upstream = upstream
        self._account_key = account_key

    def create(self, org_id: str, org_name: str) -> dict:
        """Create the org's project, named so that it can be found again: ``{id, slug, name}``."""
        return self._call("POST", PROJECTS, json={"name": project_name(org_name, org_id)})

    def mint(self, project_id: str) -> dict:
        """Mint a key for a project; its plaintext ``key`` is in this answer and never again."""
        return self._call("POST", PROJECT_KEYS, project_id, json={"name": KEY_NAME})

    def projects(self) -> list[dict]:
        """Return every live project of the account, oldest first (all pages)."""
        projects: list[dict] = []
        params = {"limit": "100"}
        while True:
            page = self._call("GET", PROJECTS, params=params)
            data = page.get("data")
            if not isinstance(data, list):
                raise UpstreamError()
            projects.extend(item for item in data if isinstance(item, dict))
            cursor = page.get("next_cursor")
            if not isinstance(cursor, str) or not cursor:
                return projects
            params = {"limit": "100", "cursor": cursor}

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
        """Rename the org's project (keeping the marker that names the org; its slug stays)."""
        return self._call("PATCH", PROJECT, project_id,
                          json={"name": project_name(org_name, org_id)})

    def delete(self, project_id: str) -> bool:
        """Delete a project; False when it was already gone (404)."""
        try:
            self._call("DELETE", PROJECT, project_id)
        except UpstreamRejected as error:
            if error.status == 404:
                return False
            raise
        return True

    def check(self) -> int:
        """List one project (nothing changes); return the status, 401 for a refused key."""
        response = self.upstream.send("GET", PROJECTS, self._account_key, request_id(),
                                      label=PROJECTS, params={"limit": "1"})
        response.close()
        return response.status_code

    def _call(self, method: str, template: str, project_id: str | None = None, *,
              json: dict | None = None, params: Mapping[str, str] | None = None) -> dict:
        path = template if project_id is None else template.format(id=_segment(project_id))
        response = self.upstream.send(method, path, self._account_key, request_id(),
                                      label=template, json=json, params=params)
        try:
            raise_for_status(response, ProvisionFailed.code)
        except KeyRejected:
            log.error("Craftkit refused CRAFTKIT_ACCOUNT_KEY: status=%s", response.status_code)
            raise ProvisionFailed("Craftkit refused the account key (CRAFTKIT_ACCOUNT_KEY); "
                                  "the operator must check it.") from None
        return {} if response.status_code == 204 else json_object(response)


def _segment(value: str) -> str:
    """Quote an id for use as one path segment (ids come from Craftkit or the registry)."""
    return quote(value, safe="")
