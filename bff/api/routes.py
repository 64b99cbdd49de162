"""Browser routes declared once: each names its Craftkit endpoint, forwarded query
parameters and failure code, and calls Craftkit with the org's key through that declaration.

Adding a route that proxies one more Craftkit GET is one module under bff/api/ with a
blueprint ``bp`` and a ``declare(...)``; the package finds it, the hostile-input suite fuzzes
it, and the README tables are checked against ``REGISTRY``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from flask import request

from ..errors import InvalidRequest
from ..ops.requestlog import request_id
from ..state import bff_state
from ..upstream.reply import Reply

# Browser headers that may reach Craftkit, each with the only shape it may have there.
FORWARDED_HEADERS = {"Accept-Language": re.compile(r"[A-Za-z0-9*][A-Za-z0-9*,;=. -]{0,255}")}
# Every query parameter any route may forward, with the only shape it may have; a route
# picks the ones it forwards by name. Everything else in the query string is dropped.
QUERY_RULES = {
    "limit": re.compile(r"[1-9][0-9]{0,2}"),
    "cursor": re.compile(r"[A-Za-z0-9._~=+/-]{1,512}"),
    "status": re.compile(r"[A-Za-z_]{1,32}"),
    "templateId": re.compile(r"[A-Za-z0-9_-]{1,128}"),
}
MAX_LIMIT = 100


class Org(NamedTuple):
    """The org a request acts for: its id and display name (from the identity)."""

    id: str
    name: str


@dataclass(frozen=True)
class Route:
    """One browser route and the Craftkit call behind it.

    ``rule`` is Flask's (under the URL prefix), ``upstream`` Craftkit's path with the same
    ``{name}`` placeholders, filled only with values the view has validated.
    """

    method: str
    rule: str
    upstream: str
    failure_code: str
    query: tuple[str, ...] = ()

    def fetch_json(self, org: Org, json: dict | None = None, **path: str) -> dict:
        """Call Craftkit with the org's key (retried once on a stale key); return its JSON."""
        state = bff_state()
        rid, headers, params = request_id(), forwarded_headers(), self.forwarded_params()
        upstream_path = self.upstream.format(**path)
        return state.keys.call(org.id, org.name, lambda key: state.upstream.request_json(
            self.method, upstream_path, key, rid, label=self.upstream, json=json,
            failure_code=self.failure_code, params=params, headers=headers))

    def open_stream(self, org: Org, **path: str) -> Reply:
        """Start a streamed GET with the org's key; the caller closes the reply."""
        state = bff_state()
        rid, upstream_path = request_id(), self.upstream.format(**path)
        return state.keys.call(org.id, org.name, lambda key: state.upstream.request_stream(
            upstream_path, key, rid, label=self.upstream, failure_code=self.failure_code))

    def forwarded_params(self) -> dict[str, str]:
        """Return this route's query parameters from the request, each validated."""
        params = {}
        for name in self.query:
            value = request.args.get(name)
            if value is None:
                continue
            if not QUERY_RULES[name].fullmatch(value) or (
                    name == "limit" and int(value) > MAX_LIMIT):
                raise InvalidRequest(f"The query parameter {name} is not valid.")
            params[name] = value
        return params


REGISTRY: list[Route] = []


def declare(method: str, rule: str, *, upstream: str, failure_code: str,
            query: tuple[str, ...] = ()) -> Route:
    """Declare a browser route (and register it for the tests and docs that list them)."""
    unknown = set(query) - QUERY_RULES.keys()
    if unknown:
        raise ValueError(f"no validation rule for query parameters {sorted(unknown)}")
    route = Route(method, rule, upstream, failure_code, query)
    REGISTRY.append(route)
    return route


def forwarded_headers() -> dict[str, str]:
    """Return the few browser headers that may reach Craftkit (never Cookie/Authorization)."""
    headers = {}
    for name, pattern in FORWARDED_HEADERS.items():
        value = request.headers.get(name, "").strip()
        if pattern.fullmatch(value):
            headers[name] = value
    return headers
