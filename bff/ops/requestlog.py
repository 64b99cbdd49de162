"""Request ids and the one log line per BFF request (never a key or a token); the request's
span opens and closes with them (bff/ops/tracing.py)."""

from __future__ import annotations

import logging
import os
import re
import time

from flask import Response, g, request

from . import tracing
from .metrics import Metrics

log = logging.getLogger("bff.request")

_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def start_request() -> None:
    """Note the start time and adopt the caller's X-Request-ID when it is well formed."""
    g.craftkit_started = time.perf_counter()
    incoming = request.headers.get("X-Request-ID", "")
    g.craftkit_request_id = incoming if _REQUEST_ID.fullmatch(incoming) else new_request_id()
    tracing.start_request()


def request_id() -> str:
    """Return this request's id (generated outside a request, e.g. in the CLI)."""
    if g and "craftkit_request_id" in g:
        return g.craftkit_request_id
    return new_request_id()


def new_request_id() -> str:
    """Return 32 random hex digits (a uuid4's worth of randomness, without the object)."""
    return os.urandom(16).hex()


def log_request(response: Response, metrics: Metrics) -> Response:
    """Log method, path, status, duration, org and request id; echo the id to the caller."""
    started = g.get("craftkit_started", time.perf_counter())
    seconds = time.perf_counter() - started
    if metrics.enabled:
        route = request.url_rule.rule if request.url_rule else "unmatched"
        metrics.request(route, request.method, response.status_code, seconds)
    rid = g.get("craftkit_request_id", "-")
    response.headers["X-Request-ID"] = rid
    tracing.end_request(response.status_code)
    # Building the record's fields costs more than the rest of this hook: skip it when
    # nobody listens (CRAFTKIT_LOG_LEVEL above info, or a host app that logs warnings only).
    if not log.isEnabledFor(logging.INFO):
        return response
    duration_ms = seconds * 1000
    # The path and the org id come from the caller: escape them, so a %0a in a path cannot
    # write a second, forged line. The request id and method are already plain tokens.
    path = printable(request.path)
    route = request.url_rule.rule if request.url_rule else "-"
    org_id = printable(g.get("craftkit_org_id", "-"))
    method = printable(request.method)
    log.info("%s %s %s %.1fms org=%s request_id=%s", method, path, response.status_code,
             duration_ms, org_id, rid,
             extra={"method": method, "route": route, "path": path,
                    "status": response.status_code, "duration_ms": round(duration_ms, 1),
                    "org_id": org_id, "request_id": rid})
    return response


def printable(text: str) -> str:
    """Return text with control, separator and format characters escaped (\\n, \\u2028)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in text)
