"""A download's body relayed in constant memory: the first chunk read ahead, then the rest.

Each chunk is read into one buffer, filled to DOWNLOAD_CHUNK bytes with as many socket
reads as it takes, and handed on. A server that has written or copied a chunk before it
asks for the next (``consumes_each_chunk``) gets that same buffer again and again, so a
download allocates nothing per chunk; any other gets a fresh ``bytes`` copy of each.

A body that ends before its framing says, breaks off or stalls raises mid-stream (as
``UpstreamError`` or ``UpstreamTimeout``), which aborts the transfer: the browser never
mistakes a truncated file for a complete one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .failures import translate_body_error
from .reply import Reply

# Larger chunks mean fewer Python-level reads and writes per MiB, while the memory held per
# download stays one chunk (plus what the server queues: benchmarks/README.md).
DOWNLOAD_CHUNK = 256 * 1024
# Set in the WSGI environ by a server that copies each chunk before asking for the next
# (bff.serving.gate does).
COPIES_CHUNKS = "craftkit_bff.copies_chunks"


def consumes_each_chunk(environ: Mapping[str, Any]) -> bool:
    """Tell whether the server is done with a chunk before it asks for the next one.

    granian's WSGI interface copies each chunk into its own buffer as it takes it, and the
    BFF's gate (``craftkit-bff serve``) says so in the environ. gunicorn refuses anything
    but ``bytes``, and other servers (and test clients) may keep chunks: they get copies.
    """
    return bool(environ.get(COPIES_CHUNKS)) or environ.get("SERVER_SOFTWARE") == "Granian"


def open_body(reply: Reply, chunk_size: int = DOWNLOAD_CHUNK, *, reuse: bool = False,
              ) -> tuple[bytes, Iterator[bytes | bytearray]]:
    """Read the first chunk of a streamed body; return it and an iterator over all chunks.

    Reading the first chunk before the status line goes out means an upstream that breaks
    (or stalls) at once still gets a JSON error, and the caller can look at the first
    bytes. The iterator closes the reply when it ends or is closed.

    :param reuse: yield one reused bytearray (only for a server that consumes each chunk).
    """
    buffer = bytearray(chunk_size)
    try:
        n = _fill(reply, memoryview(buffer))
    except OSError as error:
        reply.close()
        raise translate_body_error(error) from error
    first = bytes(buffer[:n])
    return first, _chunks(first, reply, buffer, reuse)


def _fill(reply: Reply, view: memoryview) -> int:
    """Read into view until it is full or the body ends; return how many bytes came."""
    got = 0
    while got < len(view):
        n = reply.readinto(view[got:])
        if not n:
            break
        got += n
    return got


def _chunks(first: bytes, reply: Reply, buffer: bytearray,
            reuse: bool) -> Iterator[bytes | bytearray]:
    view = memoryview(buffer)
    try:
        if first:
            yield first
        if len(first) < len(buffer):
            return                                    # the body ended within the first read
        while True:
            try:
                n = _fill(reply, view)
            except OSError as error:
                raise translate_body_error(error) from error
            if n < len(buffer):
                if n:
                    yield bytes(view[:n])
                return
            yield buffer if reuse else bytes(buffer)
    finally:
        reply.close()
