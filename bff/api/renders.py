"""Renders of the caller's org: the list and the streamed PDF download."""

from __future__ import annotations

import logging
import re

from flask import Blueprint, Response, jsonify, request

from ..errors import DOWNLOAD_FAILED, RENDERS_FAILED, InvalidRequest, UpstreamError
from ..upstream.stream import consumes_each_chunk, open_body
from .attachment import attachment_headers, is_pdf
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
log = logging.getLogger("bff.api")


@bp.get(LIST_RENDERS.rule)
def list_renders():
    """List the org's renders (limit, cursor, status, templateId pass through)."""
    return jsonify(LIST_RENDERS.fetch_json(requested_org()))


@bp.get(DOWNLOAD_RENDER.rule)
def download_render(render_id: str):
    """Stream a render's PDF from Craftkit to the browser in constant memory.

    Only a body that starts like a PDF is served, and always as a PDF attachment with
    headers the BFF decides (see attachment.py); anything else is a 502, never relabelled.
    """
    if not RENDER_ID.fullmatch(render_id):
        raise InvalidRequest("The render id must be 1-128 letters, digits, '-' or '_'.")
    upstream = DOWNLOAD_RENDER.open_stream(requested_org(), render_id=render_id)
    first, chunks = open_body(upstream, reuse=consumes_each_chunk(request.environ))
    if not is_pdf(first):
        upstream.close()
        log.warning("download refused: Craftkit's body for render %s is not a PDF", render_id)
        raise UpstreamError("Craftkit's download was not a PDF; the BFF refused to serve it.")
    headers = attachment_headers(upstream.headers, f"render-{render_id}",
                                 upstream.framed_length)
    response = Response(chunks, headers=headers, direct_passthrough=True)
    # If the browser goes away, the server closes the response: release upstream too.
    response.call_on_close(upstream.close)
    return response
