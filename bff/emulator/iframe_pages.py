"""The pages an iframe_url opens: builder, fill and view, framable only by FRAME_ANCESTORS."""

from __future__ import annotations

import json

from flask import Blueprint, current_app, render_template
from flask.typing import ResponseReturnValue

bp = Blueprint("emulator_pages", __name__, url_prefix="/embed")
NO_ANCESTORS = "'none'"
PAGES = {"builder": "Template builder", "fill": "Fill in form", "view": "Submissions"}


def _page(name: str) -> ResponseReturnValue:
    ancestors = current_app.config["FRAME_ANCESTORS"]
    html = render_template(
        f"{name}.html",
        page=name,
        title=PAGES[name],
        frame_ancestors=json.dumps(ancestors),
    )
    # The session token travels in the URL fragment and scripts come from this origin only.
    policy = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
        f"frame-ancestors {' '.join(ancestors) or NO_ANCESTORS}"
    )
    headers = {
        "Content-Security-Policy": policy,
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return html, 200, headers


@bp.get("/builder")
def builder() -> ResponseReturnValue:
    """Serve the template builder (create and edit sessions)."""
    return _page("builder")


@bp.get("/fill")
def fill() -> ResponseReturnValue:
    """Serve the form-fill page (fill sessions)."""
    return _page("fill")


@bp.get("/view")
def view() -> ResponseReturnValue:
    """Serve the read-only submissions page (view sessions)."""
    return _page("view")
