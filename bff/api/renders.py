"""Renders of the caller's org: the list and the streamed PDF download."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify

from ..errors import UpstreamError
from ..upstream.connections import open_body
from .attachment import attachment_headers, is_pdf
from .guards import requested_org
from .routes import CRAFTKIT_ID, declare

bp = Blueprint("renders", __name__)
RENDER_ID = CRAFTKIT_ID
LIST_RENDERS = declare("renders", "GET", "/renders", upstream="/v1/embed/renders",
                       query=("limit", "cursor", "status", "templateId"))
# A download holds a request thread while the browser reads it: it takes a download slot.
DOWNLOAD_RENDER = declare("download", "GET", "/renders/<render_id>/download",
                          upstream="/v1/embed/renders/{render_id}/download",
                          path={"render_id": RENDER_ID}, streams=True)
log = logging.getLogger("bff.api")


@LIST_RENDERS.view(bp)
def list_renders() -> Response:
    """List the org's renders (limit, cursor, status, templateId pass through)."""
    return jsonify(LIST_RENDERS.fetch_json(requested_org()))


@DOWNLOAD_RENDER.view(bp)
def download_render(render_id: str) -> Response:
    """Stream a render's PDF from Craftkit to the browser in constant memory.

    Only a body that starts like a PDF is served, and always as a PDF attachment with
    headers the BFF decides (see attachment.py); anything else is a 502, never relabelled.
    """
    upstream = DOWNLOAD_RENDER.open_stream(requested_org(), render_id=render_id)
    first, chunks = open_body(upstream)
    if not is_pdf(first):
        upstream.close()
        log.warning("download refused: Craftkit's body for render %s is not a PDF", render_id)
        raise UpstreamError("Craftkit's download was not a PDF; the BFF refused to serve it.")
    headers = attachment_headers(upstream.headers, f"render-{render_id}")
    response = Response(chunks, headers=headers, direct_passthrough=True)
    # If the browser goes away, the server closes the response: release upstream too.
    response.call_on_close(upstream.close)
    return response
