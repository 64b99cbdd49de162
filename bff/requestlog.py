"""Request ids and the one log line per BFF request (never a key or a token)."""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Response, current_app, g, request

log = logging.getLogger("bff.request")

_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def start_request() -> None:
    """Note the start time and adopt the caller's X-Request-ID when it is well formed."""
    g.craftkit_started = time.perf_counter()
    incoming = request.headers.get("X-Request-ID", "")
    g.craftkit_request_id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex


def request_id() -> str:
    """Return this request's id (generated outside a request, e.g. in the CLI)."""
    if g and "craftkit_request_id" in g:
        return g.craftkit_request_id
    return uuid.uuid4().hex


def log_request(response: Response) -> Response:
    """Log method, path, status, duration, org and request id; echo the id to the caller."""
    started = g.get("craftkit_started", time.perf_counter())
    seconds = time.perf_counter() - started
    duration_ms = seconds * 1000
    route = request.url_rule.rule if request.url_rule else "unmatched"
    current_app.extensions["craftkit_bff"].metrics.request(route, request.method,
                                                           response.status_code, seconds)
    org_id = g.get("craftkit_org_id", "-")
    rid = g.get("craftkit_request_id", "-")
    log.info("%s %s %s %.1fms org=%s request_id=%s", request.method, request.path,
             response.status_code, duration_ms, org_id, rid,
             extra={"method": request.method, "path": request.path,
                    "status": response.status_code, "duration_ms": round(duration_ms, 1),
                    "org_id": org_id, "request_id": rid})
    response.headers["X-Request-ID"] = rid
    return response
