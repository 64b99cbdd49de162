"""Endpoints the iframe pages call with `Authorization: Bearer <session token>`."""

from __future__ import annotations

import json

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from . import bodies, render_records, session_tokens, template_records
from .auth import bearer_token
from .clock import now
from .data_api import pdf_response
from .errors import Forbidden, NotFound
from .fields import DEFAULT_CATALOG, check_values
from .publishing import publish_template
from .store import get_store

bp = Blueprint("emulator_iframe", __name__, url_prefix="/v1/embed/iframe")
VIEW_LIST_LIMIT = 50


def require_session(*modes: str, permission: str | None = None) -> dict:
    """Return the session's claims; 403 unless its mode and permission allow the action."""
    claims = session_tokens.verify(get_store(), bearer_token())
    if modes and claims["mode"] not in modes:
        raise Forbidden(f"A {claims['mode']} session cannot do this.")
    if permission and not claims["perms"].get(permission):
        raise Forbidden(f"This session does not have the {permission} permission.")
    return claims


@bp.get("/context")
def context() -> ResponseReturnValue:
    """Describe the session to its page: who, what mode, the template and the field catalog."""
    claims = require_session()
    store = get_store()
    template = None
    if claims.get("tpl"):
        template = template_records.public(
            template_records.get(store, claims["prj"], claims["tpl"]))
    return jsonify({
        "now": now(),
        "session": {"jti": claims["jti"], "iat": claims["iat"], "exp": claims["exp"]},
        "mode": claims["mode"],
        "actor": {"externalId": claims["sub"], "displayName": claims.get("name")},
        "tenant": {"externalId": claims.get("tenant"), "displayName": claims.get("tenant_name")},
        "permissions": claims["perms"],
        "initialName": claims.get("init"),
        "template": template,
        "catalogName": claims.get("cat"),
        "catalog": _catalog(claims),
    })


def _catalog(claims: dict) -> dict:
    if not claims.get("cat"):
        return DEFAULT_CATALOG
    row = get_store().one("SELECT body FROM catalogs WHERE project_id = ? AND name = ?",
                          (claims["prj"], claims["cat"]))
    # A catalog cannot be deleted, but fall back rather than fail if it ever is.
    return json.loads(row["body"]) if row else DEFAULT_CATALOG


@bp.post("/templates")
def publish() -> ResponseReturnValue:
    """Publish the builder's template: new in create mode, a new version in edit mode."""
    claims = require_session("create", "edit", permission="publish")
    body = bodies.json_object()
    template, created = publish_template(get_store(), claims, _catalog(claims), body)
    return jsonify({"template": template}), 201 if created else 200


@bp.post("/submissions")
def submit() -> ResponseReturnValue:
    """Submit a filled form; the render it creates is what the host can download."""
    claims = require_session("fill", permission="submitForm")
    store = get_store()
    body = bodies.json_object()
    with store.transaction():
        template = template_records.get(store, claims["prj"], claims["tpl"])
        values = check_values(json.loads(template["fields"]), body.get("values"))
        render = render_records.create(store, template, values, claims["sub"])
    download_url = request.host_url.rstrip("/") + render_records.download_path(render["id"])
    return jsonify({"renderId": render["id"], "downloadUrl": download_url,
                    "render": render_records.public(render)}), 201


@bp.get("/renders")
def list_renders() -> ResponseReturnValue:
    """List the renders a view session shows: its template's, or the project's, newest first."""
    claims = require_session("view")
    rows = render_records.list_page(get_store(), claims["prj"], None, VIEW_LIST_LIMIT,
                                    template_id=claims.get("tpl"))
    return jsonify({"data": [render_records.public(row) for row in rows]})


@bp.get("/renders/<render_id>/download")
def download(render_id: str) -> ResponseReturnValue:
    """Stream a render's PDF to a view session (the page saves it through a blob URL)."""
    claims = require_session("view")
    render = render_records.get(get_store(), claims["prj"], render_id)
    if claims.get("tpl") and render["template_id"] != claims["tpl"]:
        raise NotFound("No such render in this session's scope.")
    return pdf_response(render)
