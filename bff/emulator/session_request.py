"""Check a POST /v1/embed/sessions body, shaped as the reference BFF builds it."""

from __future__ import annotations

from typing import Any

from . import bodies
from .errors import Forbidden, InvalidRequest, NotFound
from .permissions import check_permissions
from .store import Store

MODES = ("create", "edit", "fill", "view")
# The page each mode opens; create and edit share the builder.
PAGE_FOR_MODE = {"create": "builder", "edit": "builder", "fill": "fill", "view": "view"}


def session_context(store: Store, project_id: str, partner_id: str, body: dict) -> dict:
    """Return the session's context (what its JWT and renew token carry), or raise 4xx."""
    tenant = bodies.obj(body, "tenant")
    tenant_id = bodies.string(tenant, "externalId", "tenant.externalId", allow_empty=True)
    actor = bodies.obj(body, "actor")
    actor_id = bodies.string(actor, "externalId", "actor.externalId")
    email = bodies.string(actor, "email", "actor.email", required=False, max_length=320)
    scope = bodies.obj(body, "scope")
    mode = scope.get("mode")
    if mode not in MODES:
        raise InvalidRequest(f"scope.mode must be one of {', '.join(MODES)}.")
    template_id = bodies.string(scope, "templateExternalId", "scope.templateExternalId",
                                required=mode in ("edit", "fill"))
    initial_name = bodies.string(scope, "initialName", "scope.initialName", required=False)
    perms = check_permissions(mode, body.get("permissions"))
    catalog_ref = bodies.obj(body, "catalogRef", required=False)
    catalog = (bodies.string(catalog_ref, "name", "catalogRef.name")
               if catalog_ref is not None else None)
    _check_tenant(store, project_id, tenant_id)
    template = None if mode == "create" else _template(store, project_id, template_id)
    _check_catalog(store, project_id, catalog)
    return {
        "pid": partner_id,
        "prj": project_id,
        "sub": actor_id,
        "name": _display(actor, "actor.displayName") or email or actor_id,
        "email": email,
        "tenant": tenant_id,
        "tenant_name": _display(tenant, "tenant.displayName") or tenant_id,
        "mode": mode,
        "tpl": template["id"] if template else None,
        "init": initial_name or (template["name"] if template else None),
        "cat": catalog,
        "perms": perms,
    }


def _display(holder: dict[str, Any], path: str) -> str | None:
    return bodies.string(holder, "displayName", path, required=False, allow_empty=True)


def _check_tenant(store: Store, project_id: str, tenant_id: str) -> None:
    # One project per org: a tenant of another org here means the caller mixed up keys.
    org = store.one("SELECT external_org_id FROM orgs WHERE project_id = ?", (project_id,))
    if org is not None and org["external_org_id"] != tenant_id:
        raise Forbidden(
            "tenant.externalId is not the org this project key was provisioned for; "
            "use that org's own key.",
            code="tenant_mismatch",
        )


def _template(store: Store, project_id: str, template_id: str | None) -> dict | None:
    if template_id is None:
        return None
    row = store.one(
        "SELECT id, name FROM templates WHERE id = ? AND project_id = ?", (template_id, project_id)
    )
    if row is None:
        raise NotFound("No template with that scope.templateExternalId in this project.")
    return row


def _check_catalog(store: Store, project_id: str, name: str | None) -> None:
    if name is None:
        return
    found = store.one(
        "SELECT 1 FROM catalogs WHERE project_id = ? AND name = ?", (project_id, name)
    )
    if found is None:
        raise NotFound("No catalog with that catalogRef.name: publish it with "
                       "POST /v1/embed/catalogs first.")
