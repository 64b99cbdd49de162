"""Download slots: how many streamed downloads one worker process serves at once.

A download in progress holds one of the server's request threads until the browser has
read its last byte, under gunicorn's gthread workers and granian alike, so a few stalled or
very slow browsers could hold every thread and starve the quick JSON routes. A quarter of
the threads (at least one) is kept for everything else: a download beyond the limit is
refused at once with 503 ``downloads_busy`` instead of waiting for a thread.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterable
from typing import cast

from flask import Blueprint, Response, current_app, g, request
from werkzeug.wsgi import ClosingIterator

from ..errors import DownloadsBusy
from ..state import bff_state


class DownloadSlots:
    """A non-blocking count of the downloads in progress, for a worker with this many threads."""

    def __init__(self, threads: int) -> None:
        self.limit = max(1, threads - max(1, threads // 4))
        self._free = threading.BoundedSemaphore(self.limit)

    def take(self) -> Callable[[], None]:
        """Take a slot and return the function that frees it (once), or raise DownloadsBusy."""
        if not self._free.acquire(blocking=False):
            raise DownloadsBusy()
        return _Once(self._free.release)


class _Once:
    """Call a function the first time this is called, never again (from any thread)."""

    def __init__(self, function: Callable[[], None]) -> None:
        self._function = function
        self._unused = threading.Lock()

    def __call__(self) -> None:
        if self._unused.acquire(blocking=False):
            self._function()


def limit_downloads(blueprint: Blueprint, view: Callable) -> None:
    """Make a streaming view of the blueprint hold a download slot until its body is closed.

    The hooks go on that blueprint only, so the other routes pay nothing for them.
    """
    @blueprint.before_request
    def _take_slot() -> None:
        if request.endpoint and current_app.view_functions.get(request.endpoint) is view:
            g.craftkit_free_slot = bff_state().download_slots.take()

    @blueprint.after_request
    def _hand_slot_to_body(response: Response) -> Response:
        free_slot = g.pop("craftkit_free_slot", None)
        if free_slot is not None:
            _free_when_closed(response, free_slot)
        return response

    @blueprint.teardown_request
    def _free_unclaimed_slot(_error: BaseException | None) -> None:
        free_slot = g.pop("craftkit_free_slot", None)
        if free_slot is not None:  # no response carried it away (a failure past handlers)
            free_slot()


def _free_when_closed(response: Response, free_slot: Callable[[], None]) -> None:
    """Free the slot when the server closes the body: sent, or the browser has gone."""
    held: object
    if response.direct_passthrough:
        # werkzeug hands a passthrough body to the server as it is, without the response's
        # own close(), so call_on_close would never run: wrap the body itself.
        body = cast(Iterable[bytes], response.response)
        response.response = held = ClosingIterator(body, free_slot)
    else:
        response.call_on_close(free_slot)
        held = response
    # A server (or test client) that drops the body without closing it still frees the slot.
    weakref.finalize(held, free_slot)
