"""POST /v1/admin/provision, authenticated by the admin key."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from . import bodies
from .auth import require_admin
from .errors import InvalidRequest
from .provisioning import provision_org
from .store import get_store

bp = Blueprint("emulator_admin", __name__, url_prefix="/v1/admin")


@bp.post("/provision")
def provision() -> ResponseReturnValue:
    """Provision (or look up) the org's project; "" is a valid org id, as upstream."""
    require_admin()
    body = bodies.json_object()
    if "externalOrgId" not in body:
        raise InvalidRequest("externalOrgId is required.")
    org_id = bodies.string(body, "externalOrgId", allow_empty=True)
    org_name = bodies.string(body, "orgName", required=False)
    sealer = current_app.extensions["craftkit_emulator"]["sealer"]
    result = provision_org(get_store(), sealer, org_id, org_name)
    return jsonify(
        {
            "projectId": result.project_id,
            "partnerId": result.partner_id,
            "apiKey": result.api_key,
            "alreadyExisted": result.already_existed,
        }
    )
