"""Browser routes declared once: a route owns everything about the Craftkit call behind it.

``declare(name, method, rule, upstream=...)`` states, in one place, a route's name (its
failure code follows: ``craftkit_<name>_failed``), its Flask rule and Craftkit endpoint, the
query parameters it forwards and the rule each path parameter must match, whether it streams
(a download holds a download slot), and what a key Craftkit refuses means for it
(``StaleKey``). ``route.view(bp)`` registers the view with the path checked before it runs;
``route.fetch_json`` and ``route.open_stream`` call Craftkit with the org's key through the
key resolver, labelled in the metrics by the endpoint's template, never a formatted path.

Adding a route that proxies one more Craftkit GET is a ``declare(...)`` and a short view in
the resource's module; the hostile-input suite fuzzes every route in ``REGISTRY``, and the
docs' route and error tables are checked against it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Blueprint, request

from ..credentials import StaleKey
from ..errors import InvalidRequest
from ..ops.requestlog import request_id
from ..state import bff_state
from ..upstream.reply import Reply
from .guards import Org, requested_org
from .slots import limit_downloads

View = TypeVar("View", bound=Callable[..., Any])

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
# The shape of a Craftkit id in a path (a render's, say): what a path parameter may hold
# unless its route says otherwise.
CRAFTKIT_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
_PLACEHOLDER = re.compile(r"<(?:\w+:)?(\w+)>")


@dataclass(frozen=True)
class Route:
    """One browser route and the Craftkit call behind it.

    ``rule`` is Flask's (under the URL prefix), ``upstream`` Craftkit's path template with
    the same ``{name}`` placeholders, filled only with values that passed ``path`` rules.
    """

    name: str
    method: str
    rule: str
    upstream: str
    query: tuple[str, ...] = ()
    path: Mapping[str, re.Pattern[str]] = field(default_factory=dict)
    streams: bool = False
    stale_key: StaleKey = StaleKey.RETRY

    @property
    def failure_code(self) -> str:
        """The error code the browser gets when Craftkit refuses this route's call (a 4xx)."""
        return f"craftkit_{self.name}_failed"

    def view(self, blueprint: Blueprint) -> Callable[[View], View]:
        """Register the decorated function as this route's view on blueprint.

        Path parameters are checked against their rules before the view runs (a 400 names
        the parameter), and a streaming route holds a download slot until its body closes.
        """
        def register(function: View) -> View:
            @functools.wraps(function)
            def checked(**path: str) -> Any:
                self.check_path(path)
                return function(**path)

            blueprint.add_url_rule(self.rule, view_func=checked, methods=[self.method])
            if self.streams:
                limit_downloads(blueprint, checked, lambda: requested_org().id)
            return function
        return register

    def check_path(self, values: Mapping[str, str]) -> None:
        """Refuse path parameter values that do not match their rules (400)."""
        for name, value in values.items():
            rule = self.path[name]
            if not rule.fullmatch(value):
                shape = " (1-128 letters, digits, '-' or '_')" if rule is CRAFTKIT_ID else ""
                raise InvalidRequest(f"The {name} in the path is not valid{shape}.")

    def fetch_json(self, org: Org, json: dict | None = None, **path: str) -> dict:
        """Call Craftkit with the org's key (see ``stale_key``); return its JSON object."""
        state = bff_state()
        rid, headers, params = request_id(), forwarded_headers(), self.forwarded_params()
        upstream_path = self.upstream.format(**path)
        return state.keys.call(org.id, org.name, lambda key: state.upstream.request_json(
            self.method, upstream_path, key, rid, label=self.upstream, json=json,
            failure_code=self.failure_code, params=params, headers=headers),
            stale=self.stale_key)

    def open_stream(self, org: Org, **path: str) -> Reply:
        """Start a streamed GET with the org's key; the caller closes the reply."""
        state = bff_state()
        rid, upstream_path = request_id(), self.upstream.format(**path)
        return state.keys.call(org.id, org.name, lambda key: state.upstream.request_stream(
            upstream_path, key, rid, label=self.upstream, failure_code=self.failure_code),
            stale=self.stale_key)

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


def declare(name: str, method: str, rule: str, *, upstream: str, query: tuple[str, ...] = (),
            path: Mapping[str, re.Pattern[str]] | None = None, streams: bool = False,
            stale_key: StaleKey = StaleKey.RETRY) -> Route:
    """Declare a browser route (and register it for the tests and docs that list them).

    :param path: a rule per path parameter; a parameter without one gets ``CRAFTKIT_ID``.
    :raises ValueError: a query parameter without a rule, or a rule and an upstream path
        that do not name the same parameters.
    """
    unknown = set(query) - QUERY_RULES.keys()
    if unknown:
        raise ValueError(f"no validation rule for query parameters {sorted(unknown)}")
    names = _PLACEHOLDER.findall(rule)
    if sorted(names) != sorted(re.findall(r"\{(\w+)\}", upstream)):
        raise ValueError(f"{rule} and {upstream} must name the same path parameters")
    rules = {name: (path or {}).get(name, CRAFTKIT_ID) for name in names}
    route = Route(name, method, rule, upstream, query, rules, streams, stale_key)
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
