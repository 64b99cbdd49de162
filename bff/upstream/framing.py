"""An answer read off a pooled connection: its body read exactly as its head frames it.

Content-Length, chunked (extensions and trailers read past, as http.client does) or until
the connection closes. A connection goes back to the pool only once its body has been read
whole; one abandoned midway (a browser gone, an answer too large) is closed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from .head import Head
from .reply import BrokenBody, Closing, decode_json
from .wire import Wire


class Releases(Protocol):
    """Where a connection goes back once its answer has been read whole (lean's pool)."""

    def release(self, wire: Wire) -> None:
        """Take the connection back for another call."""


_DRAIN = 64 * 1024


class LeanReply(Closing):
    """An answer read off a pooled connection; its body read as its head frames it."""

    def __init__(self, pool: Releases, wire: Wire, head: Head, method: str) -> None:
        self.status_code = head.status
        self.headers: Mapping[str, str] = head.headers
        self.framed_length = None if head.chunked else head.length
        self.content = b""
        self._pool: Releases | None = pool
        self._wire: Wire | None = wire
        self._left = 0 if method == "HEAD" else head.length
        self._chunked = head.chunked and method != "HEAD"
        self._chunk_left = 0
        self._will_close = head.will_close
        if self._left == 0:
            self._finish()

    def json(self) -> object:
        return decode_json(self.content, self.headers)

    def read(self, limit: int) -> bytes:
        wire, left = self._wire, self._left
        if wire is not None and left is not None and len(wire.buffer) >= min(limit, left):
            data, wire.buffer = wire.buffer[:min(limit, left)], wire.buffer[min(limit, left):]
            self._left = left - len(data)
            if not self._left:
                self._finish()
            return data
        buffer = bytearray(limit)
        view, got = memoryview(buffer), 0
        while got < limit:
            n = self.readinto(view[got:])
            if not n:
                break
            got += n
        return bytes(view[:got])

    def readinto(self, buffer: memoryview) -> int:
        wire = self._wire
        if wire is None:
            return 0
        try:
            if self._chunked:
                return self._chunk_into(wire, buffer)
            if self._left is None:
                n = wire.take_into(buffer)
                if not n:
                    self._finish()
                return n
            n = wire.take_into(buffer[:self._left] if len(buffer) > self._left else buffer)
            if not n:
                raise BrokenBody("Craftkit's answer ended before its Content-Length")
            self._left -= n
            if not self._left:
                self._finish()
            return n
        except BaseException:
            self.close()
            raise

    def drain(self) -> None:
        """Read and drop a small body so the connection can be reused (else close it)."""
        try:
            if len(self.read(_DRAIN)) == _DRAIN:
                self.close()
        except OSError:
            pass

    def close(self) -> None:
        if self._wire is not None:
            self._wire.sock.close()
            self._wire = None

    def _chunk_into(self, wire: Wire, buffer: memoryview) -> int:
        if not self._chunk_left:
            size = _chunk_size(wire.line())
            if size == 0:
                while wire.line() not in (b"\r\n", b"\n", b""):
                    pass
                self._finish()
                return 0
            self._chunk_left = size
        n = wire.take_into(buffer[:self._chunk_left] if len(buffer) > self._chunk_left
                           else buffer)
        if not n:
            raise BrokenBody("Craftkit's answer ended inside a chunk")
        self._chunk_left -= n
        if not self._chunk_left and wire.skip(2) < 2:   # the CRLF that ends a chunk
            raise BrokenBody("Craftkit's answer ended inside a chunk")
        return n

    def _finish(self) -> None:
        wire, self._wire = self._wire, None
        if wire is None or self._pool is None:
            return
        if self._will_close:
            wire.sock.close()
        else:
            wire.budget = None
            self._pool.release(wire)


def _chunk_size(line: bytes) -> int:
    """Read a chunk-size line as http.client does (extensions after ';' ignored)."""
    if not line:
        raise BrokenBody("Craftkit's answer ended before its last chunk")
    try:
        size = int(line.split(b";", 1)[0], 16)
    except ValueError:
        raise BrokenBody("Craftkit sent a malformed chunk size") from None
    if size < 0:
        raise BrokenBody("Craftkit sent a malformed chunk size")
    return size
