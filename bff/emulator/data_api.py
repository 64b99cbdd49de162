"""Project-key data endpoints: published templates, renders, and render PDFs."""

from __future__ import annotations

import re

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue

from . import render_records, template_records
from .auth import require_project
from .pagination import page, page_request
from .pdf import render_pdf
from .store import get_store

bp = Blueprint("emulator_data", __name__, url_prefix="/v1/embed")
_CHUNK = 16 * 1024


@bp.get("/builder/templates")
def list_templates() -> ResponseReturnValue:
    """List the project's published templates, oldest first."""
    caller = require_project()
    wanted = page_request()
    rows = template_records.list_page(get_store(), caller.project_id, wanted.after,
                                      wanted.limit + 1)
    kept, cursor = page(rows, wanted.limit)
    return jsonify({"data": [template_records.public(r) for r in kept], "next_cursor": cursor})


@bp.get("/renders")
def list_renders() -> ResponseReturnValue:
    """List the project's renders, newest first, filtered by status and templateId."""
    caller = require_project()
    wanted = page_request()
    rows = render_records.list_page(
        get_store(), caller.project_id, wanted.after, wanted.limit + 1,
        status=request.args.get("status"), template_id=request.args.get("templateId"),
    )
    kept, cursor = page(rows, wanted.limit)
    return jsonify({"data": [render_records.public(r) for r in kept], "next_cursor": cursor})


@bp.get("/renders/<render_id>/download")
def download_render(render_id: str) -> ResponseReturnValue:
    """Stream the render's PDF as an attachment."""
    caller = require_project()
    render = render_records.get(get_store(), caller.project_id, render_id)
    return pdf_response(render)


def pdf_response(render: dict) -> Response:
    """Stream a render's PDF with its length and a safe attachment file name."""
    data = render_pdf(render)
    chunks = (data[i : i + _CHUNK] for i in range(0, len(data), _CHUNK))
    response = Response(chunks, mimetype="application/pdf")
    response.headers["Content-Length"] = str(len(data))
    response.headers["Content-Disposition"] = f'attachment; filename="{_file_name(render)}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _file_name(render: dict) -> str:
    # Only [A-Za-z0-9._-] survive, so the header cannot be broken by a template name.
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", render["template_name"]).strip("-.")[:60]
    return f"{stem or 'render'}-{render['id'][:8]}.pdf"
