"""Embed sessions: mint one for the signed-in user's org, refresh it with a sealed token."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, current_app, g, jsonify

from ..errors import (
    REFRESH_FAILED,
    SESSION_FAILED,
    BffError,
    Forbidden,
    InvalidRequest,
    KeyRejected,
    RefreshRejected,
    UpstreamError,
    UpstreamRejected,
)
from ..identity import Identity
from .guards import check_user, choose_org, optional_text, require_identity
from .routes import Org, declare

bp = Blueprint("sessions", __name__)
MINT_SESSION = declare("POST", "/session", upstream="/v1/embed/sessions",
                       failure_code=SESSION_FAILED)
REFRESH_SESSION = declare("POST", "/refresh", upstream="/v1/embed/sessions/refresh",
                          failure_code=REFRESH_FAILED)

MODES = ("create", "edit", "fill", "view")
BUILDER_PERMISSIONS = {
    "publish": True, "saveDraft": True, "viewVersionHistory": True,
    "changePageSettings": True, "rollback": False, "delete": False,
    "rename": False, "createCustomVariables": False,
}
FILL_PERMISSIONS = {"submitForm": True, "saveFormDraft": True}
MAX_RENEW_TOKEN_LENGTH = 4096


@bp.post(MINT_SESSION.rule)
def mint_session():
    """Mint an embed session for the caller in one of their orgs."""
    identity, body = require_identity(), g.craftkit_body
    check_user(body, identity)
    org = choose_org(identity, body.get("tenantExternalId"))
    data = MINT_SESSION.fetch_json(org, json=session_body(identity, org.id, org.name, body))
    return session_response(data, org.id, identity.user_id)


@bp.post(REFRESH_SESSION.rule)
def refresh_session():
    """Refresh a session from its sealed renew token, with the sealed org's key."""
    identity, body = require_identity(), g.craftkit_body
    sealed = body.get("renewToken")
    if not isinstance(sealed, str) or not sealed or len(sealed) > MAX_RENEW_TOKEN_LENGTH:
        raise InvalidRequest("renewToken is required: send the renew_token of your session.")
    org_hint = optional_text(body, "orgId")
    grant = current_app.extensions["craftkit_bff"].sealer.open(sealed)
    if org_hint is not None and org_hint != grant.org_id:
        raise Forbidden("orgId does not match the org this session was minted for.")
    if grant.user_id != identity.user_id or grant.org_id not in identity.orgs:
        raise Forbidden("This session belongs to another user or an org you left.")
    org = choose_org(identity, grant.org_id)
    data = _refresh_upstream(org, grant.renew_token)
    return session_response(data, org.id, identity.user_id)


def _refresh_upstream(org: Org, renew_token: str) -> dict:
    """Refresh upstream; a renew token Craftkit refuses becomes a 409 (re-mint)."""
    metrics = current_app.extensions["craftkit_bff"].metrics
    try:
        data = REFRESH_SESSION.fetch_json(org, json={"renewToken": renew_token})
    except (KeyRejected, UpstreamRejected) as error:
        # Another partner's, a reused or an expired renew token: Craftkit answers 401/4xx.
        if error.status == 429:
            metrics.refresh("failed")
            raise
        metrics.refresh("rejected")
        raise RefreshRejected() from error
    except BffError:
        metrics.refresh("failed")
        raise
    metrics.refresh("ok")
    return data


def session_body(identity: Identity, org_id: str, org_name: str, body: dict) -> dict:
    """Build the upstream session request exactly as the reference route.ts does."""
    mode = body.get("mode") or "edit"
    if mode not in MODES:
        raise InvalidRequest("mode must be one of create, edit, fill or view.")
    template_id = optional_text(body, "templateExternalId")
    template_name = optional_text(body, "templateName")
    if mode in ("edit", "fill") and template_id is None:
        raise InvalidRequest(f"templateExternalId is required in {mode} mode.")
    scope: dict[str, str] = {"mode": mode}
    if template_id:
        scope["templateExternalId"] = template_id
    if template_name:
        scope["initialName"] = template_name
    actor = {"externalId": identity.user_id, "email": identity.email,
             "displayName": identity.display_name or identity.email or identity.user_id}
    upstream_body = {
        "tenant": {"externalId": org_id, "displayName": org_name or org_id},
        "actor": {k: v for k, v in actor.items() if v is not None},
        "scope": scope,
        "permissions": FILL_PERMISSIONS if mode == "fill" else BUILDER_PERMISSIONS,
    }
    catalog = current_app.extensions["craftkit_bff"].settings.catalog_name
    if catalog:
        upstream_body["catalogRef"] = {"name": catalog}
    return upstream_body


def session_response(data: dict, org_id: str, user_id: str):
    """Answer the upstream session with expires_in added and the renew token sealed."""
    renew_token = data.get("renew_token")
    expires_in = _seconds_until(data.get("expires_at"))
    if not (isinstance(renew_token, str) and renew_token and expires_in is not None
            and isinstance(data.get("session_token"), str)
            and isinstance(data.get("iframe_url"), str)):
        raise UpstreamError("Craftkit answered the session request with an unreadable body.")
    sealer = current_app.extensions["craftkit_bff"].sealer
    sealed = sealer.seal(renew_token, org_id, user_id)
    return jsonify({**data, "renew_token": sealed, "expires_in": expires_in})


def _seconds_until(expires_at: object) -> int | None:
    if not isinstance(expires_at, str):
        return None
    try:
        when = datetime.fromisoformat(expires_at.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0, int((when - datetime.now(UTC)).total_seconds()))
