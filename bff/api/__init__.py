"""The browser-facing API: one parent blueprint with the shared guards and hooks.

Every module of this package that defines a blueprint ``bp`` is a resource (sessions,
templates, renders, ...) and is mounted under the parent, so a new route is one new module.
"""

from __future__ import annotations

import importlib
import pkgutil
import weakref
from collections.abc import Callable

from flask import Blueprint, Response, current_app, g, request
from werkzeug.wsgi import ClosingIterator

from ..errors import register_error_handlers
from ..requestlog import log_request, start_request
from .guards import guard_request
from .routes import REGISTRY, Route
from .slots import DownloadSlots

__all__ = ["REGISTRY", "DownloadSlots", "Route", "bp"]

bp = Blueprint("craftkit_bff", __name__)
for _info in pkgutil.iter_modules(__path__):
    _child = getattr(importlib.import_module(f"{__name__}.{_info.name}"), "bp", None)
    if isinstance(_child, Blueprint):
        bp.register_blueprint(_child)
register_error_handlers(bp)
# Streamed downloads hold a request thread for as long as the browser takes to read them.
STREAMING_ENDPOINTS = frozenset({"craftkit_bff.renders.download_render"})


@bp.before_request
def _before() -> None:
    start_request()
    guard_request()
    if request.endpoint in STREAMING_ENDPOINTS:
        g.craftkit_free_slot = current_app.extensions["craftkit_bff"].download_slots.take()


@bp.after_request
def _after(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    free_slot = g.pop("craftkit_free_slot", None)
    if free_slot is not None:
        _free_when_closed(response, free_slot)
    return log_request(response)


def _free_when_closed(response: Response, free_slot: Callable[[], None]) -> None:
    """Free the slot when the server closes the body: sent, or the browser has gone."""
    if response.direct_passthrough:
        # werkzeug hands a passthrough body to the server as it is, without the response's
        # own close(), so call_on_close would never run: wrap the body itself.
        response.response = held = ClosingIterator(response.response, free_slot)
    else:
        response.call_on_close(free_slot)
        held = response
    # A server (or test client) that drops the body without closing it still frees the slot.
    weakref.finalize(held, free_slot)


@bp.teardown_request
def _teardown(_error: BaseException | None) -> None:
    free_slot = g.pop("craftkit_free_slot", None)
    if free_slot is not None:  # no response carried it away (a failure past the handlers)
        free_slot()
