"""Download slots: how many streamed downloads one worker process serves at once.

A download in progress holds one of the server's request threads until the browser has
read its last byte, under gunicorn's gthread workers and granian alike, so a few stalled or
very slow browsers could hold every thread and starve the quick JSON routes. A quarter of
the threads (at least one) is kept for everything else, and no org may hold more than
CRAFTKIT_DOWNLOADS_PER_ORG of the slots (default: a quarter of them), so one tenant's
browsers cannot take every slot from the others: a download beyond either limit is refused
at once with 503 ``downloads_busy`` instead of waiting for a thread.

A browser that stops reading gives its slot back after CRAFTKIT_DOWNLOAD_STALL seconds:
``craftkit-bff serve`` (bff.serving.gate) ends such a download itself; under gunicorn the
response's socket gets that timeout for each chunk it sends.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterable
from functools import partial
from typing import cast

from flask import Blueprint, Response, current_app, g, request
from werkzeug.wsgi import ClosingIterator

from ..errors import DownloadsBusy
from ..state import bff_state

ORG_BUSY = ("Your org already has as many downloads in progress on this server as it may "
            "have; try again when one has finished.")


class DownloadSlots:
    """A non-blocking count of the downloads in progress, for a worker with this many threads.

    :param per_org: how many one org may hold (0: a quarter of the slots, at least 1).
    """

    def __init__(self, threads: int, per_org: int = 0) -> None:
        self.limit = max(1, threads - max(1, threads // 4))
        self.per_org = min(self.limit, per_org or max(1, self.limit // 4))
        self._lock = threading.Lock()
        self._taken = 0
        self._by_org: dict[str, int] = {}

    def take(self, org_id: str) -> Callable[[], None]:
        """Take a slot for the org; return the function that frees it (once), or raise."""
        with self._lock:
            if self._taken >= self.limit:
                raise DownloadsBusy()
            held = self._by_org.get(org_id, 0)
            if held >= self.per_org:
                raise DownloadsBusy(ORG_BUSY)
            self._taken += 1
            self._by_org[org_id] = held + 1
        return _Once(partial(self._free, org_id))

    def _free(self, org_id: str) -> None:
        with self._lock:
            self._taken -= 1
            left = self._by_org[org_id] - 1
            if left:
                self._by_org[org_id] = left
            else:
                del self._by_org[org_id]


class _Once:
    """Call a function the first time this is called, never again (from any thread)."""

    def __init__(self, function: Callable[[], None]) -> None:
        self._function = function
        self._unused = threading.Lock()

    def __call__(self) -> None:
        if self._unused.acquire(blocking=False):
            self._function()


def limit_downloads(blueprint: Blueprint, view: Callable, org_of: Callable[[], str]) -> None:
    """Make a streaming view of the blueprint hold a download slot until its body is closed.

    ``org_of`` names the org the request acts for (its share of the slots is counted). The
    hooks go on that blueprint only, so the other routes pay nothing for them.
    """
    @blueprint.before_request
    def _take_slot() -> None:
        if request.endpoint and current_app.view_functions.get(request.endpoint) is view:
            g.craftkit_free_slot = bff_state().download_slots.take(org_of())

    @blueprint.after_request
    def _hand_slot_to_body(response: Response) -> Response:
        free_slot = g.pop("craftkit_free_slot", None)
        if free_slot is not None:
            _free_when_closed(response, free_slot)
            _limit_stalls(request.environ, bff_state().settings.download_stall)
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


def _limit_stalls(environ: dict, seconds: float) -> None:
    """Under gunicorn, end the download if a chunk cannot be sent within seconds.

    gunicorn writes each chunk with a blocking sendall on the socket it puts in the
    environ; a timeout there ends the response (gunicorn closes the body, which frees the
    slot and the upstream connection) and makes the socket blocking again for the next
    request on it. ``craftkit-bff serve`` enforces the stall limit itself (bff.serving.gate).
    """
    sock = environ.get("gunicorn.socket")
    if sock is not None:
        sock.settimeout(seconds)
