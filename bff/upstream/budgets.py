"""Time budgets for Craftkit's answers that a slow drip cannot stretch.

A socket timeout bounds each read, not the answer: a server that sends a byte just before
every timeout holds the call for as long as it likes. Here an answer gets a budget of
seconds spent waiting on its socket (status line, headers and body alike), and each read
may wait only for what is left of it. urllib3 has no such limit (its ``Timeout`` is per
read too), so this module is hand-written: it gives http.client a socket reader that keeps
the budget, plugged in through the extension points urllib3 and requests document (a
connection class's ``response_class``, the pool manager's ``pool_classes_by_scheme``,
``HTTPAdapter.init_poolmanager``). Only waiting counts: a download paused because the
browser reads slowly does not spend its upstream budget.

The budget of a call is set around it in the calling thread (``budgeted``): http.client
builds the response object in the thread that sent the request, and the reader keeps the
budget from then on, whichever thread reads the body.
"""

from __future__ import annotations

import http.client
import io
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_current = threading.local()


class ReadBudget:
    """Seconds an answer may spend arriving; renewed every renew_every bytes if given.

    Without renew_every the budget covers the whole answer (JSON calls). With it, each
    time that many more bytes have arrived the budget starts over (downloads): a transfer
    may take as long as it needs while it keeps moving, but a stall or a drip ends it.
    """

    def __init__(self, seconds: float, renew_every: int | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.renew_every = renew_every
        self.clock = clock
        self._left = seconds
        self._since_renewal = 0

    @property
    def exhausted(self) -> bool:
        """True once the answer has used up its time."""
        return self._left <= 0

    def allowance(self) -> float:
        """Return how long the next read may wait; raise TimeoutError if nothing is left."""
        if self._left <= 0:
            raise TimeoutError("Craftkit's answer took longer than its time budget")
        return self._left

    def spend(self, waited: float, received: int) -> None:
        """Charge one read: the seconds it waited and the bytes it brought."""
        self._left -= waited
        if self.renew_every and received:
            self._since_renewal += received
            if self._since_renewal >= self.renew_every:
                self._since_renewal = 0
                self._left = self.seconds


@contextmanager
def budgeted(budget: ReadBudget | None) -> Iterator[None]:
    """Give answers to requests sent by this thread inside the block that budget."""
    previous = getattr(_current, "budget", None)
    _current.budget = budget
    try:
        yield
    finally:
        _current.budget = previous


class _BudgetedReader(io.RawIOBase):
    """The socket as http.client reads it, each read limited to what the budget has left."""

    def __init__(self, raw: io.RawIOBase, sock: socket.socket, budget: ReadBudget) -> None:
        super().__init__()
        # raw is the SocketIO that makefile() made: holding it keeps the socket open after
        # http.client hands the connection over to the response ("Connection: close").
        self._raw, self._sock, self._budget = raw, sock, budget

    def readable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._raw.fileno()

    def readinto(self, buffer: Any) -> int | None:
        self._sock.settimeout(self._budget.allowance())
        started = self._budget.clock()
        received = None
        try:
            received = self._raw.readinto(buffer)
            return received
        finally:
            self._budget.spend(self._budget.clock() - started, received or 0)

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


class _BudgetedResponse(http.client.HTTPResponse):
    """http.client's response, reading through a _BudgetedReader when a budget is set."""

    def __init__(self, sock: socket.socket, *args: Any, **kwargs: Any) -> None:
        super().__init__(sock, *args, **kwargs)
        budget = getattr(_current, "budget", None)
        if budget is not None:
            # Nothing has been read yet, so the buffer is empty and can be swapped.
            self.fp = io.BufferedReader(_BudgetedReader(self.fp.detach(), sock, budget))


class _HTTPConnection(HTTPConnection):
    response_class = _BudgetedResponse


class _HTTPSConnection(HTTPSConnection):
    response_class = _BudgetedResponse


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


POOL_CLASSES = {"http": _HTTPPool, "https": _HTTPSPool}


class BudgetedAdapter(HTTPAdapter):
    """requests' HTTPAdapter whose connections (direct or through a proxy) keep budgets."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = POOL_CLASSES

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):  # SOCKS pools are classes of their own
            manager.pool_classes_by_scheme = POOL_CLASSES
        return manager
