"""Liveness and readiness endpoints for load balancers and orchestrators."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from ..credentials import store_health
from ..errors import NotFound, render_error
from ..ops.metrics import exposition
from ..state import bff_state

bp = Blueprint("craftkit_health", __name__)


@bp.get("/healthz")
def healthz():
    """Answer 200 while the process can serve requests at all."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """Answer 200 while this process can serve; report Craftkit's health beside it.

    The configuration was validated at start-up, so a running app is configured. Craftkit
    being down does not make the pod unready: taking every pod out of the load balancer
    would replace the BFF's JSON 503s (which the element handles) with the balancer's own.
    """
    state = bff_state()
    checks: dict[str, object] = {"configuration": "ok",
                                 "craftkit": state.upstream_health.report()}
    # A degraded key store (Redis down) costs provision calls, not requests: still ready.
    if (key_store := store_health(state.keys.store)) is not None:
        checks["key_store"] = key_store
    response = jsonify(status="ready", checks=checks)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/metrics")
def metrics():
    """Expose Prometheus metrics when CRAFTKIT_METRICS is on; 404 otherwise."""
    state = bff_state()
    if not state.settings.metrics:
        return render_error(NotFound())
    # craftkit_bff_upstream_up says what the last probe saw: a scrape measures Craftkit
    # when that is stale (at most once per interval, as /readyz does), so it is never a
    # 0 that only means "not probed yet".
    state.upstream_health.report()
    body, content_type = exposition()
    return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})
