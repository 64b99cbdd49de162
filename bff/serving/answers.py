"""One request's answer on its way from a gate thread to the browser (``bff.serving.gate``).

The app runs on a pool thread. An answer of up to WHOLE bytes goes to the event loop in
one piece, and the loop writes it. A longer one (a download) is streamed: the loop writes
the head and the first part, then the thread hands each further chunk to granian itself.
granian's ASGI ``send`` copies a message's body before it returns and may be called from
any thread (it is Rust, behind its own locks); when its queue of four chunks is full it
returns a future the thread watches, so the browser's pace paces the app, and a browser
that has taken nothing for the stall limit ends the download. Handing chunks over through
the loop instead cost a round trip between threads per chunk: a fifth of the relay's rate.

The loop learns how the stream ended: whole (it returns), broken off or stalled (it
raises, and granian cuts the connection: a transfer cut short, never a complete-looking
file), or the browser gone (the thread stops, which closes the app's body, releasing the
upstream connection and the download slot).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, MutableMapping
from typing import Any

log = logging.getLogger("bff.gate")

WHOLE = 64 * 1024
# How often a thread looks whether granian has taken a chunk it could not queue at once.
POLL = 0.0001
Head = tuple[int, list[tuple[bytes, bytes]]]
Whole = tuple[int, list[tuple[bytes, bytes]], bytes]    # a head and its whole body
Send = Callable[[MutableMapping[str, Any]], Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
_INTERNAL = (500, [(b"content-type", b"application/json"), (b"cache-control", b"no-store")])
_INTERNAL_BODY = (b'{"error": "internal_error", "message": "The BFF failed unexpectedly; '
                  b'try again, and report it if it persists."}')
_ENDED, _BROKEN, _STALLED = "ended", "broke off before its end", "stalled"


class DownloadAborted(Exception):
    """A streamed answer was cut short (its source broke off, or the browser stalled)."""


class Answer:
    """The hand-over of one answer: its head (and whole body), then a stream if long."""

    __slots__ = ("loop", "stall", "started", "_head", "_end", "_streaming", "_send", "_gone")

    def __init__(self, loop: asyncio.AbstractEventLoop, stall: float) -> None:
        self.loop, self.stall = loop, stall
        self.started = False                   # the head has been handed to the loop
        self._head: asyncio.Future | None = loop.create_future()
        self._end: asyncio.Future | None = None            # how a stream ended
        self._streaming = threading.Event()    # the loop wrote the head: stream on
        self._send: Send | None = None
        self._gone = False                     # the loop gave up: stop reading the body

    # -- on the pool thread ---------------------------------------------------------------
    def fail_before_start(self, head: Whole) -> None:
        """Answer with head and its body instead of anything from the app."""
        self.started = True
        self._post(self._set_head, (*head, False))

    def relay(self, head: list[Head], body: Iterable[bytes]) -> None:
        """Pass the app's answer on: whole if short, else streamed; close the app's body."""
        try:
            chunks = iter(body)
            first, streaming = _first_part(chunks)
            if not head:
                raise RuntimeError("the app answered without calling start_response")
            self.started = True
            self._post(self._set_head, (*head[0], first, streaming))
            del first
            if streaming:
                self._post_end(self._stream(chunks))
        except Exception as error:
            log.warning("answer broken off: %s: %s", type(error).__name__, error)
            if not self.started:
                self.fail_before_start((*_INTERNAL, _INTERNAL_BODY))
            elif self._end is not None:
                self._post_end(_BROKEN)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()

    def _stream(self, chunks: Iterator[bytes]) -> str | None:
        """Send the remaining chunks from this thread; return how the stream ended."""
        if not self._streaming.wait(self.stall + 5) or self._gone:
            return None
        send = self._send
        assert send is not None
        for chunk in chunks:
            if self._gone:
                return None
            if not chunk:
                continue
            sent = send({"type": "http.response.body", "body": chunk, "more_body": True})
            if asyncio.isfuture(sent) and not sent.done():     # granian's queue is full
                deadline = time.monotonic() + self.stall
                while not sent.done():
                    if self._gone:
                        return None
                    if time.monotonic() > deadline:
                        sent.cancel()
                        return _STALLED
                    time.sleep(POLL)
        if self._gone:
            return None
        send({"type": "http.response.body", "body": b""})
        return _ENDED

    def _post_end(self, how: str | None) -> None:
        if how is not None:
            self._post(_resolve, (self._end, how))

    def _post(self, call: Callable[[Any], None], value: Any) -> None:
        try:
            self.loop.call_soon_threadsafe(call, value)
        except RuntimeError:   # the loop has closed: the worker is shutting down
            self._gone = True

    # -- on the event loop ---------------------------------------------------------------
    async def deliver(self, send: Send, receive: Receive) -> None:
        """Write the head (and a whole body); for a stream, wait for the thread to end it."""
        assert self._head is not None
        status, headers, body, streaming = await self._head
        self._head = None
        await send({"type": "http.response.start", "status": status, "headers": headers})
        if not streaming:
            await send({"type": "http.response.body", "body": body})
            return
        await send({"type": "http.response.body", "body": body, "more_body": True})
        del body
        left = asyncio.ensure_future(_disconnected(receive))
        try:
            self._send, self._end = send, self.loop.create_future()
            self._streaming.set()
            await asyncio.wait({self._end, left}, return_when=asyncio.FIRST_COMPLETED)
            if self._end.done() and self._end.result() != _ENDED:
                raise DownloadAborted(f"the answer {self._end.result()}" if self._end.result()
                                      == _BROKEN else
                                      f"the browser took no data for {self.stall:g} s")
        finally:
            self._gone = True
            self._streaming.set()
            left.cancel()

    def _set_head(self, value: tuple) -> None:
        if self._head is not None and not self._head.done():
            self._head.set_result(value)


def _first_part(chunks: Iterator[bytes]) -> tuple[bytes, bool]:
    """Read the app's body up to WHOLE bytes: (those bytes, whether more may follow)."""
    held, size = [], 0
    for chunk in chunks:
        held.append(chunk if type(chunk) is bytes else bytes(chunk))
        size += len(chunk)
        if size >= WHOLE:
            return b"".join(held), True
    return b"".join(held), False


def _resolve(pair: tuple[asyncio.Future | None, str]) -> None:
    future, value = pair
    if future is not None and not future.done():
        future.set_result(value)


async def _disconnected(receive: Receive) -> None:
    """Return once the browser has gone (the request's own body messages read past)."""
    while (await receive())["type"] != "http.disconnect":
        pass
