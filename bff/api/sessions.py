"""Embed sessions: mint one for the signed-in user's org, refresh it with a sealed token.

The browser gets an allow-listed answer, never Craftkit's as it came: the session token,
an iframe URL on Craftkit's origin (or an allowed one), the expiry, and the renew token
sealed (``session_answer`` checks and builds it).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Blueprint, Response, g

from ..credentials import StaleKey
from ..errors import (
    BffError,
    EmbedModeOff,
    Forbidden,
    InvalidRequest,
    KeyRejected,
    RefreshRejected,
    UpstreamRejected,
)
from ..identity import Identity
from ..state import bff_state
from .guards import Org, check_user, choose_org, optional_text, require_identity
from .routes import declare
from .session_answer import session_response

log = logging.getLogger("bff.api")
bp = Blueprint("sessions", __name__)
MINT_SESSION = declare("session", "POST", "/session", upstream="/v1/embed/sessions")
# Craftkit answers a reused, expired or foreign renew token with a 401 too: a refusal of a
# refresh evicts the org's key only when a check with the same key shows it went stale
# (a replayed seal would otherwise evict it each time; a rotated key would reload every
# open builder).
REFRESH_SESSION = declare("refresh", "POST", "/refresh",
                          upstream="/v1/embed/sessions/refresh", stale_key=StaleKey.VERIFY)

MODES = ("create", "edit", "fill", "view")
BUILDER_PERMISSIONS = {
    "publish": True, "saveDraft": True, "viewVersionHistory": True,
    "changePageSettings": True, "rollback": False, "delete": False,
    "rename": False, "createCustomVariables": False,
}
FILL_PERMISSIONS = {"submitForm": True, "saveFormDraft": True}
MAX_RENEW_TOKEN_LENGTH = 4096


@MINT_SESSION.view(bp)
def mint_session() -> Response:
    """Mint an embed session for the caller in one of their orgs."""
    identity, body = require_identity(), g.craftkit_body
    check_user(body, identity)
    org = choose_org(identity, body.get("tenantExternalId"))
    state = bff_state()
    upstream_body = session_body(identity, org.id, org.name, body, state.settings.catalog_name)
    with embed_mode_named(org):
        if state.catalogs is None:
            data = MINT_SESSION.fetch_json(org, json=upstream_body)
        else:  # the org's project gets the catalog first (and again if Craftkit lost it)
            data = state.catalogs.session(org.id, org.name, lambda: MINT_SESSION.fetch_json(
                org, json=upstream_body))
    return session_response(data, org.id, identity.user_id)


@REFRESH_SESSION.view(bp)
def refresh_session() -> Response:
    """Refresh a session from its sealed renew token, with the sealed org's key."""
    identity, body = require_identity(), g.craftkit_body
    sealed = body.get("renewToken")
    if not isinstance(sealed, str) or not sealed or len(sealed) > MAX_RENEW_TOKEN_LENGTH:
        raise InvalidRequest("renewToken is required: send the renew_token of your session.")
    org_hint = optional_text(body, "orgId")
    grant = bff_state().sealer.open(sealed)
    if org_hint is not None and org_hint != grant.org_id:
        raise Forbidden("orgId does not match the org this session was minted for.")
    if grant.user_id != identity.user_id or grant.org_id not in identity.orgs:
        raise Forbidden("This session belongs to another user or an org you left.")
    org = choose_org(identity, grant.org_id)
    with embed_mode_named(org):
        data = _refresh_upstream(org, grant.renew_token)
    return session_response(data, org.id, identity.user_id)


def _refresh_upstream(org: Org, renew_token: str) -> dict:
    """Refresh upstream; a renew token Craftkit refuses becomes a 409 (re-mint).

    The route's stale-key policy (``StaleKey.VERIFY``) keeps a refusal of the request from
    evicting the org's key, and refreshes again with a new key when the old one went stale.
    """
    metrics = bff_state().metrics
    try:
        data = REFRESH_SESSION.fetch_json(org, json={"renewToken": renew_token})
    except KeyRejected as error:
        if error.embed_mode_off:
            metrics.refresh("failed")
            raise
        metrics.refresh("rejected")
        raise RefreshRejected() from error
    except UpstreamRejected as error:
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


@contextmanager
def embed_mode_named(org: Org) -> Iterator[None]:
    """Turn Craftkit's "embed mode is off" refusal into its own error, naming the project.

    It is a setup step an operator takes in Craftkit's dashboard, not a key problem: the
    resolver neither evicts nor replaces a key for it (Craftkit does not blame the key).
    """
    try:
        yield
    except KeyRejected as error:
        if not error.embed_mode_off:
            raise
        project = _project_of(org.id)
        log.error("Craftkit refused a session for org %s: embed mode is off for its project "
                  "%s; switch it on in Craftkit's dashboard (Project, Embed, Enable embed "
                  "mode)", org.id, project or "(unknown: no tenant registry)")
        raise EmbedModeOff() from error


def _project_of(org_id: str) -> str | None:
    registry = bff_state().registry
    try:
        tenant = registry.get(org_id) if registry is not None else None
    except BffError:
        return None
    return tenant.project_id if tenant is not None else None


def session_body(identity: Identity, org_id: str, org_name: str, body: dict,
                 catalog_name: str | None = None) -> dict:
    """Build the upstream session request exactly as the reference route.ts does.

    :param catalog_name: the variable catalog to attach as ``catalogRef`` (if any).
    :raises InvalidRequest: an unknown mode, or a mode that needs a template without one.
    """
    mode = body.get("mode", "edit")  # only an absent mode defaults; "" or null is an error
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
    if catalog_name:
        upstream_body["catalogRef"] = {"name": catalog_name}
    return upstream_body
