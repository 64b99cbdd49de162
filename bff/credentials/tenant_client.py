"""Call Craftkit as one tenant from the host's backend: ``CraftkitBFF.tenant(org_id)``.

Seed 000's last step, "use the cached project key for everything else", for code that is
not a browser route: a background job listing an org's renders, a script publishing its
catalog. A ``TenantClient`` is bound to one org and resolves its key exactly as the routes
do (store, single flight, provision once), and every call goes through the same client:
its deadlines, its circuit breaker, a stale key evicted and the call retried once, and the
same ``BffError``s. The caller names Craftkit's endpoint as a template with ``{name}``
placeholders, filled with quoted values, so a value cannot reach another path and the
metrics label stays the template. No endpoint is invented here: the path is the caller's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from ..ops.requestlog import request_id
from ..upstream import Upstream
from ..upstream.failures import json_object, raise_for_status
from ..upstream.reply import Reply
from .resolver import KeyResolver, StaleKey, validate_org_id

# What the browser routes' failures are called when a tenant call is refused (4xx).
FAILURE_CODE = "craftkit_request_failed"
_TEMPLATE = re.compile(r"/v1(/(\{\w+\}|[A-Za-z0-9._~-]+))+")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


class TenantClient:
    """Craftkit's API with one org's project key (never shown: it stays in the resolver)."""

    def __init__(self, upstream: Upstream, keys: KeyResolver, org_id: str,
                 org_name: str | None = None) -> None:
        self._upstream = upstream
        self._keys = keys
        self.org_id = validate_org_id(org_id)
        self.org_name = org_name

    def resolve(self) -> None:
        """Resolve the org's key now (provisioning it once if needed), before any call."""
        self._keys.get(self.org_id, self.org_name)

    def get(self, endpoint: str, *, params: Mapping[str, str] | None = None,
            path: Mapping[str, str] | None = None) -> dict[str, Any]:
        """GET a JSON object, e.g. ``get("/v1/embed/renders", params={"limit": "20"})``."""
        return self.request("GET", endpoint, params=params, path=path)

    def post(self, endpoint: str, json: dict[str, Any] | None = None, *,
             path: Mapping[str, str] | None = None) -> dict[str, Any]:
        """POST a JSON body and return Craftkit's JSON object."""
        return self.request("POST", endpoint, json=json, path=path)

    def request(self, method: str, endpoint: str, *, json: dict[str, Any] | None = None,
                params: Mapping[str, str] | None = None,
                path: Mapping[str, str] | None = None,
                failure_code: str = FAILURE_CODE, stale: StaleKey = StaleKey.RETRY,
                ) -> dict[str, Any]:
        """Call ``endpoint`` (a template such as ``/v1/embed/renders/{id}``) with the org's key.

        :param path: the values of the template's placeholders (each quoted as one
            segment): ``request("GET", "/v1/embed/renders/{id}", path={"id": render_id})``.
        :param failure_code: the code of the ``UpstreamRejected`` a 4xx becomes.
        :returns: the JSON object Craftkit answered (``{}`` for a 204).
        :raises BffError: ``UpstreamRejected`` (4xx), ``UpstreamError``, ``UpstreamTimeout``,
            ``UpstreamUnavailable``, ``KeyRejected``, ``ProvisionFailed``, ...
        :raises ValueError: a method or endpoint template this client does not send.
        """
        target = _formatted(method, endpoint, path or {})

        def call(key: str) -> dict[str, Any]:
            response = self._upstream.send(
                method, target, key, request_id(), label=endpoint, json=json, params=params)
            raise_for_status(response, failure_code)
            return {} if response.status_code == 204 else json_object(response)

        return self._keys.call(self.org_id, self.org_name, call, stale=stale)

    def open_stream(self, endpoint: str, *, path: Mapping[str, str] | None = None,
                    ) -> Reply:
        """Start a streamed GET (a PDF download, say); the caller closes the reply.

        The reply has ``status_code``, ``headers`` and ``read(n)`` / ``readinto(buffer)``
        for the body; ``with tenant.open_stream(...) as pdf:`` closes it.
        """
        target = _formatted("GET", endpoint, path or {})
        upstream = self._upstream
        return self._keys.call(self.org_id, self.org_name, lambda key: (
            upstream.request_stream(target, key, request_id(), label=endpoint,
                                    failure_code=FAILURE_CODE)))


def _formatted(method: str, endpoint: str, values: Mapping[str, str]) -> str:
    if method not in _METHODS:
        raise ValueError(f"method must be one of {', '.join(_METHODS)}, got {method!r}")
    if not _TEMPLATE.fullmatch(endpoint) or "/../" in endpoint + "/" or "/./" in endpoint + "/":
        raise ValueError("endpoint must be a Craftkit path template such as "
                         "'/v1/embed/renders/{id}' (no host, query or '..')")
    names = _PLACEHOLDER.findall(endpoint)
    if sorted(names) != sorted(values):
        raise ValueError(f"endpoint {endpoint!r} needs exactly the values {sorted(names)}")
    for name, value in values.items():
        if not isinstance(value, str) or not value or value in (".", ".."):
            raise ValueError(f"{name} must be a non-empty string (not '.' or '..')")
    return _PLACEHOLDER.sub(lambda match: quote(values[match.group(1)], safe=""), endpoint)

