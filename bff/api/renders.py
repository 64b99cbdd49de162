"""Renders of the caller's org: the list and the streamed PDF download."""

from __future__ import annotations

import re

from flask import Blueprint, Response, jsonify, request

from ..connections import stream_body
from ..errors import InvalidRequest
from .guards import choose_org, require_identity
from .proxy import call_json, forwarded_params, open_download

bp = Blueprint("renders", __name__)

RENDER_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
PASSED_HEADERS = ("Content-Type", "Content-Length", "Content-Disposition", "ETag",
                  "Last-Modified")


@bp.get("/renders")
def list_renders():
    """List the org's renders (limit, cursor, status, templateId pass through)."""
    org_id, org_name = choose_org(require_identity(), request.args.get("tenantExternalId"))
    data = call_json(org_id, org_name, "GET", "/v1/embed/renders", "craftkit_renders_failed",
                     params=forwarded_params())
    return jsonify(data)


@bp.get("/renders/<render_id>/download")
def download_render(render_id: str):
    """Stream a render's PDF from Craftkit to the browser in constant memory."""
    if not RENDER_ID.fullmatch(render_id):
        raise InvalidRequest("The render id must be 1-128 letters, digits, '-' or '_'.")
    org_id, org_name = choose_org(require_identity(), request.args.get("tenantExternalId"))
    upstream = open_download(org_id, org_name, f"/v1/embed/renders/{render_id}/download")
    headers = {name: upstream.headers[name] for name in PASSED_HEADERS
               if name in upstream.headers}
    headers.setdefault("Content-Type", "application/octet-stream")
    headers["X-Content-Type-Options"] = "nosniff"
    response = Response(stream_body(upstream), headers=headers, direct_passthrough=True)
    # If the browser goes away, the server closes the response: release upstream too.
    response.call_on_close(upstream.close)
    return response
