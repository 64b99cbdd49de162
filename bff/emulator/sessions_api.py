"""Embed sessions: mint (POST /v1/embed/sessions) and rotate (.../refresh), project key only."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from . import bodies, session_tokens
from .auth import require_project
from .errors import Forbidden
from .session_request import session_context
from .store import get_store

bp = Blueprint("emulator_sessions", __name__, url_prefix="/v1/embed/sessions")


@bp.post("")
def mint_session() -> ResponseReturnValue:
    """Mint a session JWT, its iframe URL and a single-use renew token."""
    caller = require_project()
    if caller.partner_id is None:
        raise Forbidden("Embed mode is not enabled for this project; provision the org with "
                        "POST /v1/admin/provision to get an embed-enabled project key.",
                        code="embed_not_enabled")
    store = get_store()
    context = session_context(store, caller.project_id, caller.partner_id, bodies.json_object())
    # sid names the session across refreshes; jti names each token.
    context["sid"] = str(uuid.uuid4())
    with store.transaction():
        answer = session_tokens.issue(store, context, _iframe_origin())
    return _no_store(answer)


@bp.post("/refresh")
def refresh_session() -> ResponseReturnValue:
    """Trade a renew token for a new session token and a new renew token."""
    caller = require_project()
    renew_token = bodies.string(bodies.json_object(), "renewToken", max_length=200)
    store = get_store()
    with store.transaction():
        context = session_tokens.redeem(store, renew_token, caller.partner_id)
        answer = session_tokens.issue(store, context, _iframe_origin())
    return _no_store(answer)


def _iframe_origin() -> str:
    """Where the iframe pages are served from: IFRAME_ORIGIN, else the origin called."""
    return current_app.config.get("IFRAME_ORIGIN") or request.host_url


def _no_store(answer: dict) -> Response:
    response = jsonify(answer)
    response.headers["Cache-Control"] = "no-store"
    return response
