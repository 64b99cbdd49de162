"""The account key and what it may do upstream: the /v1/projects* calls, in one object.

The key stays inside; the provisioner and the operator commands ask this object to act.
Creating a project is not idempotent, so nothing here retries a POST that may have been
sent (the transport retries POSTs only for the paths it is told are idempotent).

Nothing Craftkit answers is taken on trust: a project must have an id (and a slug) of a
plain shape the registry can hold, and a listing ends, whatever the account holds or the
server sends: at a cursor seen before, after ``MAX_PAGES`` pages or ``MAX_LISTED`` bytes
(a 502), and at the caller's deadline (a 503).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping
from urllib.parse import quote

import requests

from ..errors import (
    KeyRejected,
    ProvisionFailed,
    UpstreamError,
    UpstreamRejected,
    UpstreamUnavailable,
)
from ..ops.requestlog import printable, request_id
from ..registry.naming import project_name
from ..upstream import Upstream
from ..upstream.failures import json_object, raise_for_status

log = logging.getLogger("bff.provision")
KEY_NAME = "craftkit-bff"
PROJECTS = "/v1/projects"
PROJECT = "/v1/projects/{id}"
PROJECT_KEYS = "/v1/projects/{id}/keys"
PAGE = "100"
MAX_PAGES = 1000  # 100,000 projects
MAX_LISTED = 64 * 1024 * 1024
# What an id, a slug or a key id may be: printable ASCII without spaces, as long as the
# registry's columns (anything else came from a broken or hostile server).
PLAIN = re.compile(r"[!-~]{1,128}")


class AccountApi:
    """Create, list, rename and delete the account's projects; mint their keys."""

    def __init__(self, upstream: Upstream, account_key: str) -> None:
        self.upstream = upstream
        self._account_key = account_key

    def create(self, name: str) -> dict:
        """Create a project named name (``project_name``): ``{id, slug, name}``, checked.

        :raises UpstreamError: the answer has no usable id (the project may exist: look).
        """
        project = _project(self._call("POST", PROJECTS, json={"name": name}))
        if project is None:
            raise UpstreamError("Craftkit's answer to a project create has no usable id.")
        return project

    def mint(self, project_id: str) -> dict:
        """Mint a key for a project; its plaintext ``key`` is in this answer and never again."""
        return self._call("POST", PROJECT_KEYS, project_id, json={"name": KEY_NAME})

    def projects(self, within: float | None = None) -> list[dict]:
        """Return every live project of the account, oldest first (all pages), each checked.

        :param within: seconds the whole listing may take (None: no bound but the caps).
        :raises UpstreamError: a cursor seen before, too many pages or bytes, a broken page.
        :raises UpstreamUnavailable: the listing outlasted ``within``.
        """
        deadline = None if within is None else time.monotonic() + within
        projects: list[dict] = []
        seen: set[str] = set()
        listed = 0
        params = {"limit": PAGE}
        for _ in range(MAX_PAGES):
            if deadline is not None and time.monotonic() > deadline:
                raise UpstreamUnavailable("Listing the account's projects took too long; "
                                          "try again shortly.")
            response = self._send("GET", PROJECTS, params=params)
            listed += len(response.content)
            if listed > MAX_LISTED:
                raise UpstreamError("Craftkit's project list is larger than craftkit-bff "
                                    "reads.")
            page = json_object(response)
            data = page.get("data")
            if not isinstance(data, list):
                raise UpstreamError()
            projects += [p for p in map(_project, data) if p is not None]
            cursor = page.get("next_cursor")
            if not isinstance(cursor, str) or not cursor:
                return projects
            if cursor in seen:
                raise UpstreamError("Craftkit's project list repeats itself.")
            seen.add(cursor)
            params = {"limit": PAGE, "cursor": cursor}
        raise UpstreamError("Craftkit's project list has more pages than craftkit-bff reads.")

    def find(self, name: str, within: float | None = None) -> dict | None:
        """Return the live project named exactly name, None if there is none.

        :raises ProvisionFailed: more than one has that name (ambiguous: an operator must
            look, ``craftkit-bff tenants reconcile``), or the listing failed.
        """
        found = [project for project in self.projects(within) if project["name"] == name]
        if len(found) > 1:
            log.error("%d projects are named %s; adopting none (run `craftkit-bff tenants "
                      "reconcile`)", len(found), printable(name))
            raise ProvisionFailed()
        return found[0] if found else None

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
        response = self._send(method, template, project_id, json=json, params=params)
        return {} if response.status_code == 204 else json_object(response)

    def _send(self, method: str, template: str, project_id: str | None = None, *,
              json: dict | None = None, params: Mapping[str, str] | None = None,
              ) -> requests.Response:
        path = template if project_id is None else template.format(id=_segment(project_id))
        response = self.upstream.send(method, path, self._account_key, request_id(),
                                      label=template, json=json, params=params)
        try:
            raise_for_status(response, ProvisionFailed.code)
        except KeyRejected:
            log.error("Craftkit refused CRAFTKIT_ACCOUNT_KEY: status=%s", response.status_code)
            raise ProvisionFailed("Craftkit refused the account key (CRAFTKIT_ACCOUNT_KEY); "
                                  "the operator must check it.") from None
        return response


def _project(item: object) -> dict | None:
    """Return a project answer as ``{id, slug, name}`` if its id (and slug) are plain."""
    if not isinstance(item, dict):
        return None
    project_id, slug, name = item.get("id"), item.get("slug"), item.get("name")
    if not isinstance(project_id, str) or not PLAIN.fullmatch(project_id):
        return None
    return {"id": project_id, "name": name if isinstance(name, str) else "",
            "slug": slug if isinstance(slug, str) and PLAIN.fullmatch(slug) else None}


def _segment(value: str) -> str:
    """Quote an id for use as one path segment (ids come from Craftkit or the registry)."""
    return quote(value, safe="")
