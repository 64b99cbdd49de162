"""The admin key and what it may do upstream: ``POST /v1/admin/provision``, in one object.

The provision call is idempotent (Craftkit returns the same key for the same org), so the
transport may retry it on a gateway status (``IDEMPOTENT_POSTS``). The key stays inside.
"""

from __future__ import annotations

import logging

from ..errors import BffError, ProvisionFailed, UpstreamError, UpstreamTimeout, UpstreamUnavailable
from ..ops.requestlog import request_id
from ..upstream import Upstream
from ..upstream.failures import json_object

log = logging.getLogger("bff.upstream")

PROVISION = "/v1/admin/provision"
IDEMPOTENT_POSTS = (PROVISION,)


class AdminApi:
    """Provision (or look up) an org's project with the admin key; check the key."""

    def __init__(self, upstream: Upstream, admin_key: str) -> None:
        self.upstream = upstream
        self._admin_key = admin_key

    def provision(self, org_id: str, org_name: str) -> dict:
        """Provision (or look up) the org's project; return Craftkit's whole answer.

        The answer holds ``apiKey`` (checked to be a non-empty string), and usually
        ``projectId``, ``partnerId`` and ``alreadyExisted``.
        """
        body = {"externalOrgId": org_id, "orgName": org_name}
        try:
            response = self.upstream.send("POST", PROVISION, self._admin_key, request_id(),
                                          label=PROVISION, json=body)
        except BffError as error:
            if isinstance(error, UpstreamUnavailable | UpstreamTimeout):
                raise
            raise ProvisionFailed() from error
        if response.status_code != 200:
            log.warning("provision refused: status=%s", response.status_code)
            raise ProvisionFailed()
        try:
            record = json_object(response)
        except UpstreamError as error:
            raise ProvisionFailed() from error
        if not isinstance(record.get("apiKey"), str) or not record["apiKey"]:
            raise ProvisionFailed()
        return record

    def check(self) -> int:
        """Send a provision request with no org (a dry run: nothing is created).

        Craftkit authenticates before it validates the body, so a 401/403 means the admin
        key is wrong and a 400/422 means it was accepted. Returns the status.
        """
        response = self.upstream.send("POST", PROVISION, self._admin_key, request_id(),
                                      label=PROVISION, json={})
        response.close()
        return response.status_code
