"""One connection's socket and the bytes read from it but not yet consumed.

The lean transport (``lean``) reads every answer through a ``Wire``: ``head`` takes the
status line and headers from its buffer, ``framing`` the body. Every wait for the socket
is charged to the answer's ``ReadBudget`` (``budgets``), so neither a stall nor a drip can
stretch an answer beyond its time (by more than a tenth of what was left: see ``_timed``).
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

from .budgets import ReadBudget
from .reply import BrokenBody

MAX_LINE = 65536
_RECV = 65536


class Wire:
    """One connection's socket and the bytes read from it but not yet consumed."""

    __slots__ = ("sock", "budget", "buffer", "_timeout")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.budget: ReadBudget | None = None
        self.buffer = b""
        self._timeout = sock.gettimeout() or 0.0

    def recv_into(self, view: memoryview) -> int:
        """Receive into view, waiting at most what the budget has left."""
        return self._timed(self.sock.recv_into, view)

    def fill(self) -> bool:
        """Append what the socket has to the buffer; False at the end of the stream."""
        data = self._timed(self.sock.recv, _RECV)
        if data:
            self.buffer = self.buffer + data if self.buffer else data
        return bool(data)

    def settimeout(self, seconds: float) -> None:
        """Set the socket's timeout (each change is a system call: skip a repeat)."""
        if seconds != self._timeout:
            self.sock.settimeout(seconds)
            self._timeout = seconds

    def _timed(self, receive: Callable[[Any], Any], arg: Any) -> Any:
        budget = self.budget
        if budget is None:
            return receive(arg)
        allowance = budget.allowance()
        # A read may wait up to a tenth longer than the budget has left, so that a stream
        # renewing its budget sets the timeout once per renewal, not once per read.
        if not 0.9 * self._timeout <= allowance <= self._timeout:
            self.settimeout(allowance)
        started, received = budget.clock(), None
        try:
            received = receive(arg)
            return received
        finally:
            got = received if isinstance(received, int) else len(received or b"")
            budget.spend(budget.clock() - started, got)

    def take_into(self, view: memoryview) -> int:
        """Fill view from the buffer if it holds anything, else straight from the socket."""
        if self.buffer:
            n = min(len(view), len(self.buffer))
            view[:n] = self.buffer[:n]
            self.buffer = self.buffer[n:]
            return n
        return self.recv_into(view)

    def skip(self, n: int) -> int:
        """Consume n bytes (fewer only at the end of the stream); return how many."""
        while len(self.buffer) < n and self.fill():
            pass
        taken = min(n, len(self.buffer))
        self.buffer = self.buffer[taken:]
        return taken

    def line(self) -> bytes:
        """Return the next line, LF included (shorter only at the end of the stream)."""
        while True:
            end = self.buffer.find(b"\n")
            if end >= 0:
                line, self.buffer = self.buffer[:end + 1], self.buffer[end + 1:]
                return line
            if len(self.buffer) > MAX_LINE:
                raise BrokenBody("a chunk-size or trailer line is too long")
            if not self.fill():
                line, self.buffer = self.buffer, b""
                return line
