"""Test knobs for what Craftkit does on its own: rotate an org's key, lose its catalogs.

Outside /v1, admin key only, like the fault knobs (no such API exists upstream):

- ``POST /emulator/rotate-key`` ``{externalOrgId}``: Craftkit rotates a provisioned org's
  key: the old one stops working at once, provision returns the new one (the org's embed
  partner, and so its sessions and renew tokens, stay);
- ``POST /emulator/drop-catalogs`` ``{projectId}`` or ``{externalOrgId}``: the project's
  catalogs are gone, as after a project reset; a session naming one answers 404 again;
- ``GET /emulator/catalogs``: every stored catalog with how many times it was published.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from . import bodies
from .auth import require_admin
from .errors import NotFound
from .project_records import mint_key
from .store import Store, get_store

bp = Blueprint("emulator_knobs", __name__, url_prefix="/emulator")


@bp.post("/rotate-key")
def rotate_key() -> ResponseReturnValue:
    """Replace a provisioned org's key: the old key is refused from now on."""
    require_admin()
    org_id = bodies.string(bodies.json_object(), "externalOrgId", allow_empty=True)
    store = get_store()
    sealer = current_app.extensions["craftkit_emulator"]["sealer"]
    with store.transaction():
        project_id = _org_project(store, org_id)
        store.execute("DELETE FROM project_keys WHERE project_id = ?", (project_id,))
        minted = mint_key(store, project_id, "Provisioned key (rotated)")
        store.execute("UPDATE orgs SET api_key_sealed = ? WHERE external_org_id = ?",
                      (sealer.seal(minted["key"], f"project-key:{project_id}"), org_id))
    return jsonify({"projectId": project_id, "prefix": minted["prefix"]})


@bp.post("/drop-catalogs")
def drop_catalogs() -> ResponseReturnValue:
    """Forget every catalog of a project (by its id or its provisioned org)."""
    require_admin()
    body = bodies.json_object()
    store = get_store()
    if "projectId" in body:
        project_id = bodies.string(body, "projectId")
    else:
        project_id = _org_project(store, bodies.string(body, "externalOrgId", allow_empty=True))
    dropped = store.execute("DELETE FROM catalogs WHERE project_id = ?", (project_id,))
    return jsonify({"projectId": project_id, "dropped": dropped})


@bp.get("/catalogs")
def list_catalogs() -> ResponseReturnValue:
    """List every stored catalog: its project, name and how many times it was published."""
    require_admin()
    counts = current_app.extensions["craftkit_emulator"]["publishes"]
    rows = get_store().all("SELECT project_id, name FROM catalogs ORDER BY project_id, name")
    return jsonify({"data": [{"projectId": row["project_id"], "name": row["name"],
                              "publishes": counts.get((row["project_id"], row["name"]), 0)}
                             for row in rows],
                    "publishes": sum(counts.values())})


def _org_project(store: Store, org_id: str) -> str:
    row = store.one("SELECT project_id FROM orgs WHERE external_org_id = ?", (org_id,))
    if row is None:
        raise NotFound("No provisioned org with that externalOrgId.")
    return str(row["project_id"])
