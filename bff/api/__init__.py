"""The HTTP routes the BFF serves.

- ``bp``: the browser API, one parent blueprint with the shared guards and hooks, and under
  it one blueprint per resource: ``sessions`` (mint, refresh), ``templates``, ``renders``
  (list, PDF download), each route declared once in ``routes`` (its Craftkit endpoint, its
  query and path rules, its failure code);
- ``guards``: what every browser request passes (size, media type, identity, CSRF, org);
- ``session_answer``: the session answer the browser gets (its renew token sealed by
  ``bff.credentials.renew_tokens``); ``attachment``, ``slots``: how a download is labelled
  and how many run at once;
- ``health``: the operators' routes (/healthz, /readyz, /metrics), registered on the app.

Rule: routes speak to Craftkit only through their declaration (``Route``), which goes
through the key resolver; nothing here knows which key store or provisioner is in use.
"""

from __future__ import annotations

from flask import Blueprint, Response

from ..errors import register_error_handlers
from ..ops.requestlog import log_request, start_request
from ..state import bff_state
from . import renders, sessions, templates
from .guards import guard_request
from .routes import REGISTRY, Route
from .slots import DownloadSlots

__all__ = ["REGISTRY", "DownloadSlots", "Route", "bp"]

bp = Blueprint("craftkit_bff", __name__)
# Each resource's routes, registered here where a reader (and a type checker) sees them.
for _resource in (sessions, templates, renders):
    bp.register_blueprint(_resource.bp)
register_error_handlers(bp)


@bp.before_request
def _before() -> None:
    start_request()
    guard_request()


@bp.after_request
def _after(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return log_request(response, bff_state().metrics)
