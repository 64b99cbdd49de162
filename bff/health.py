"""Liveness and readiness endpoints for load balancers and orchestrators."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify

from .credentials import store_health
from .errors import NotFound, render_error
from .metrics import exposition

bp = Blueprint("craftkit_health", __name__)

READINESS_TIMEOUT = 2.0


@bp.get("/healthz")
def healthz():
    """Answer 200 while the process can serve requests at all."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """Answer 200 when the configuration is valid and Craftkit answers within 2 s."""
    state = current_app.extensions["craftkit_bff"]
    reachable = state.upstream.probe(READINESS_TIMEOUT)
    checks = {"configuration": "ok", "upstream": "ok" if reachable else "unreachable"}
    # A degraded key store (Redis down) costs provision calls, not requests: still ready.
    if (key_store := store_health(state.keys.store)) is not None:
        checks["key_store"] = key_store
    response = jsonify(status="ready" if reachable else "not_ready", checks=checks)
    response.status_code = 200 if reachable else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/metrics")
def metrics():
    """Expose Prometheus metrics when CRAFTKIT_METRICS is on; 404 otherwise."""
    if not current_app.extensions["craftkit_bff"].settings.metrics:
        return render_error(NotFound())
    body, content_type = exposition()
    return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})
