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
    context = {"pid": partner_id, "prj": project_id, **_parse(body)}
    _check_tenant(store, project_id, context["tenant"])
    if context["mode"] == "create":
        context["tpl"] = None  # a create session makes a new template whatever it was sent
    elif context["tpl"] is not None:
        template = _template(store, project_id, context["tpl"])
        context["init"] = context["init"] or template["name"]
    _check_catalog(store, project_id, context["cat"])
    return context


def _parse(body: dict[str, Any]) -> dict[str, Any]:
    """Check the body's shape (422 naming the wrong path) before anything is looked up."""
    tenant = bodies.obj(body, "tenant")
    tenant_id = bodies.string(tenant, "externalId", "tenant.externalId", allow_empty=True)
    actor = bodies.obj(body, "actor")
    actor_id = bodies.string(actor, "externalId", "actor.externalId")
    email = bodies.string(actor, "email", "actor.email", required=False, max_length=320)
    scope = bodies.obj(body, "scope")
    mode = scope.get("mode")
    if mode not in MODES:
        raise InvalidRequest(f"scope.mode must be one of {', '.join(MODES)}.")
    catalog_ref = bodies.obj(body, "catalogRef", required=False)
    return {
        "sub": actor_id,
        "name": _display(actor, "actor.displayName") or email or actor_id,
        "email": email,
        "tenant": tenant_id,
        "tenant_name": _display(tenant, "tenant.displayName") or tenant_id,
        "mode": mode,
        "tpl": bodies.string(scope, "templateExternalId", "scope.templateExternalId",
                             required=mode in ("edit", "fill")),
        "init": bodies.string(scope, "initialName", "scope.initialName", required=False),
        "cat": (bodies.string(catalog_ref, "name", "catalogRef.name")
                if catalog_ref is not None else None),
        "perms": check_permissions(mode, body.get("permissions")),
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


def _template(store: Store, project_id: str, template_id: str) -> dict:
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
