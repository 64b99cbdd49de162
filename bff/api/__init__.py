"""The browser-facing API: one parent blueprint with the shared guards and hooks.

Every module of this package that defines a blueprint ``bp`` is a resource (sessions,
templates, renders, ...) and is mounted under the parent, so a new route is one new module.
"""

from __future__ import annotations

import importlib
import pkgutil

from flask import Blueprint, Response

from ..errors import register_error_handlers
from ..requestlog import log_request, start_request
from . import renders
from .guards import guard_request
from .routes import REGISTRY, Route
from .slots import DownloadSlots, limit_downloads

__all__ = ["REGISTRY", "DownloadSlots", "Route", "bp"]

bp = Blueprint("craftkit_bff", __name__)
for _info in pkgutil.iter_modules(__path__):
    _child = getattr(importlib.import_module(f"{__name__}.{_info.name}"), "bp", None)
    if isinstance(_child, Blueprint):
        bp.register_blueprint(_child)
register_error_handlers(bp)
# Streamed downloads hold a request thread for as long as the browser takes to read them.
limit_downloads(renders.bp, renders.download_render)


@bp.before_request
def _before() -> None:
    start_request()
    guard_request()


@bp.after_request
def _after(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return log_request(response)
