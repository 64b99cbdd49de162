"""The browser-facing API: one parent blueprint with the shared guards and hooks."""

from __future__ import annotations

from flask import Blueprint, Response

from ..errors import register_error_handlers
from ..requestlog import log_request, start_request
from . import renders, sessions, templates
from .guards import guard_request

bp = Blueprint("craftkit_bff", __name__)
for child in (sessions.bp, templates.bp, renders.bp):
    bp.register_blueprint(child)
register_error_handlers(bp)


@bp.before_request
def _before() -> None:
    start_request()
    guard_request()


@bp.after_request
def _after(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return log_request(response)
