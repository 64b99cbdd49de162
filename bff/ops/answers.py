"""One request's answer on its way from a gate thread to the event loop (``bff.ops.gate``).

The app runs on a pool thread; the loop writes its answer. An answer of up to WHOLE bytes
goes over in one piece. A longer one is streamed: the thread hands over one chunk, the loop
gives it to granian (which copies it at once) and only then lets the thread ask the app
for the next, so the app may fill the same buffer again; granian's own queue of four
chunks and its backpressure pace the transfer. The loop ends the download when the
browser has not taken a chunk within the stall limit, or when the app's body breaks off
(a transfer cut short, never a complete-looking file); when the browser goes away the
app's body is closed, which releases the upstream connection and the download slot.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import threading
from collections.abc import Awaitable, Callable, Iterable, Iterator, MutableMapping
from typing import Any

log = logging.getLogger("bff.gate")

WHOLE = 64 * 1024
Head = tuple[int, list[tuple[bytes, bytes]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
_END, _BROKEN = object(), object()
_INTERNAL = (500, [(b"content-type", b"application/json"), (b"cache-control", b"no-store")])
_INTERNAL_BODY = (b'{"error": "internal_error", "message": "The BFF failed unexpectedly; '
                  b'try again, and report it if it persists."}')


class DownloadAborted(Exception):
    """A streamed answer was cut short (its source broke off, or the browser stalled)."""


class Answer:
    """The hand-over of one answer: a head, then a whole body or a stream of chunks."""

    __slots__ = ("loop", "stall", "started", "_head", "_chunks", "_waiter", "_taken", "_gone")

    def __init__(self, loop: asyncio.AbstractEventLoop, stall: float) -> None:
        self.loop, self.stall = loop, stall
        self.started = False                   # the head has been handed to the loop
        self._head: asyncio.Future = loop.create_future()
        # Made only for a streamed answer (most are whole), before the head is handed over.
        self._chunks: collections.deque[object] | None = None
        self._waiter: asyncio.Future | None = None
        self._taken: threading.Semaphore | None = None   # the loop passed a chunk on
        self._gone = False                     # the loop gave up: stop reading the body

    # -- on the pool thread ---------------------------------------------------------------
    def fail_before_start(self, head: tuple[int, list[tuple[bytes, bytes]], bytes]) -> None:
        """Answer with head and its body instead of anything from the app."""
        self.started = True
        self._post(self._set_head, (*head, False))

    def relay(self, head: list[Head], body: Iterable[bytes]) -> None:
        """Pass the app's answer on: whole if short, else chunk by chunk; close the body."""
        try:
            chunks = iter(body)
            held, size, streaming = [], 0, False
            for chunk in chunks:
                held.append(chunk if type(chunk) is bytes else bytes(chunk))
                size += len(chunk)
                if size >= WHOLE:
                    streaming = True
                    break
            if not head:
                raise RuntimeError("the app answered without calling start_response")
            if streaming:
                self._chunks, self._taken = collections.deque(), threading.Semaphore(0)
            self.started = True
            self._post(self._set_head, (*head[0], b"".join(held), streaming))
            if streaming:
                self._stream(chunks)
        except Exception as error:
            log.warning("answer broken off: %s: %s", type(error).__name__, error)
            if self.started:
                self._post(self._deliver, _BROKEN)
            else:
                self.fail_before_start((*_INTERNAL, _INTERNAL_BODY))
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()

    def _stream(self, chunks: Iterator[bytes]) -> None:
        for chunk in chunks:
            if not chunk:
                continue
            self._post(self._deliver, chunk)
            # The loop releases this once granian has copied the chunk; well past the
            # stall limit it has given up (and released it too).
            assert self._taken is not None
            if not self._taken.acquire(timeout=self.stall + 5) or self._gone:
                return
        self._post(self._deliver, _END)

    def _post(self, call: Callable[[Any], None], value: Any) -> None:
        try:
            self.loop.call_soon_threadsafe(call, value)
        except RuntimeError:   # the loop has closed: the worker is shutting down
            self._gone = True

    # -- on the event loop ---------------------------------------------------------------
    async def deliver(self, send: Send, receive: Receive) -> None:
        """Write the answer as the pool thread hands it over."""
        status, headers, body, streaming = await self._head
        await send({"type": "http.response.start", "status": status, "headers": headers})
        if not streaming:
            await send({"type": "http.response.body", "body": body})
            return
        left = asyncio.ensure_future(_disconnected(receive))
        try:
            if await self._pass_on(send, body, left, taken=False):
                while True:
                    item = await self._next()
                    if item is _END:
                        await send({"type": "http.response.body", "body": b""})
                        return
                    if item is _BROKEN:
                        raise DownloadAborted("the answer broke off before its end")
                    if not await self._pass_on(send, item, left):   # type: ignore[arg-type]
                        return
        finally:
            self._gone = True
            assert self._taken is not None
            self._taken.release()
            left.cancel()

    async def _pass_on(self, send: Send, chunk: bytes, left: asyncio.Future,
                       taken: bool = True) -> bool:
        """Give granian one chunk within the stall limit; False if the browser has gone.

        :param taken: tell the pool thread once the chunk is copied (it waits to reuse it).
        """
        if left.done():
            return False
        sent = send({"type": "http.response.body", "body": chunk, "more_body": True})
        if asyncio.iscoroutine(sent):       # not granian: copied only once awaited
            await self._within_stall(sent)
            if taken and self._taken is not None:
                self._taken.release()
            return True
        if taken and self._taken is not None:
            self._taken.release()           # granian copied the chunk in send() itself
        if asyncio.isfuture(sent) and not sent.done():
            await self._within_stall(sent)
        else:
            await sent
        return True

    async def _within_stall(self, pending: Awaitable[None]) -> None:
        try:
            async with asyncio.timeout(self.stall):
                await pending
        except TimeoutError:
            raise DownloadAborted(f"the browser took no data for {self.stall:g} s") from None

    async def _next(self) -> object:
        assert self._chunks is not None
        while not self._chunks:
            self._waiter = self.loop.create_future()
            await self._waiter
        return self._chunks.popleft()

    def _set_head(self, value: tuple) -> None:
        if not self._head.done():
            self._head.set_result(value)

    def _deliver(self, item: object) -> None:
        if self._chunks is None:     # a break before any chunk: the head was whole
            return
        self._chunks.append(item)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


async def _disconnected(receive: Receive) -> None:
    """Return once the browser has gone (the request's own body messages read past)."""
    while (await receive())["type"] != "http.disconnect":
        pass
