"""Renders of the caller's org: the list and the streamed PDF download."""

from __future__ import annotations

import re

from flask import Blueprint, Response, jsonify

from ..connections import stream_body
from ..errors import DOWNLOAD_FAILED, RENDERS_FAILED, InvalidRequest
from .guards import requested_org
from .routes import declare

bp = Blueprint("renders", __name__)
LIST_RENDERS = declare("GET", "/renders", upstream="/v1/embed/renders",
                       failure_code=RENDERS_FAILED,
                       query=("limit", "cursor", "status", "templateId"))
DOWNLOAD_RENDER = declare("GET", "/renders/<render_id>/download",
                          upstream="/v1/embed/renders/{render_id}/download",
                          failure_code=DOWNLOAD_FAILED)

RENDER_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
PASSED_HEADERS = ("Content-Type", "Content-Length", "Content-Disposition", "ETag",
                  "Last-Modified")


@bp.get(LIST_RENDERS.rule)
def list_renders():
    """List the org's renders (limit, cursor, status, templateId pass through)."""
    return jsonify(LIST_RENDERS.fetch_json(requested_org()))


@bp.get(DOWNLOAD_RENDER.rule)
def download_render(render_id: str):
    """Stream a render's PDF from Craftkit to the browser in constant memory."""
    if not RENDER_ID.fullmatch(render_id):
        raise InvalidRequest("The render id must be 1-128 letters, digits, '-' or '_'.")
    upstream = DOWNLOAD_RENDER.open_stream(requested_org(), render_id=render_id)
    headers = {name: upstream.headers[name] for name in PASSED_HEADERS
               if name in upstream.headers}
    headers.setdefault("Content-Type", "application/octet-stream")
    headers["X-Content-Type-Options"] = "nosniff"
    response = Response(stream_body(upstream), headers=headers, direct_passthrough=True)
    # If the browser goes away, the server closes the response: release upstream too.
    response.call_on_close(upstream.close)
    return response
