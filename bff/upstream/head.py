"""The head of an HTTP/1.1 answer read off a ``Wire``: status, headers and body framing.

Why hand-written: http.client parses every header block through the ``email`` package and
builds a new buffered file object per answer, which together cost about as much as the
BFF's own work on a mint. This reads a head the way http.client frames it (status line,
100 Continue skipped, at most 100 header lines of 64 KiB, Content-Length, chunked or
until close, keep-alive from the version and ``Connection``) and parses the usual
``Name: value`` lines itself. A head with anything unusual in it (a folded line, a line
without a colon, a stray CR, too many or too long lines) is handed to http.client's own
parser, so an odd answer ends exactly as it did through requests.
"""

from __future__ import annotations

import http.client
import io
import re

from .reply import Headers
from .wire import MAX_LINE, Wire

MAX_HEADERS = 100
MAX_HEAD = (MAX_HEADERS + 1) * (MAX_LINE + 2)
MAX_LENGTH = 2**63 - 1
# A header line as the email parser reads it: a token, a colon, the value (CR removed).
_HEADER = re.compile(r"([!-9;-~]+):[ \t]*([^\r]*)\r?")
# A folded (obs-fold) line break inside a value, which urllib3 turns into one space.
_FOLD = re.compile(r"[ \t]*\r\n[ \t]+")


class HeadError(Exception):
    """The status line or headers are not HTTP/1.x (the connection is unusable)."""


class Head:
    """A parsed status line and header block, and how the body that follows is framed."""

    __slots__ = ("status", "headers", "length", "chunked", "will_close")

    def __init__(self, status: int, headers: Headers, length: int | None, chunked: bool,
                 will_close: bool) -> None:
        self.status, self.headers, self.length = status, headers, length
        self.chunked, self.will_close = chunked, will_close


def read_head(wire: Wire) -> Head:
    """Read the status line and headers of the next final answer (100 Continue skipped).

    :raises HeadError: not an HTTP/1.x head (http.client's BadStatusLine and the like).
    :raises ConnectionError: the connection closed before a status line.
    """
    while True:
        raw = _head_bytes(wire)
        if not raw.strip():
            raise ConnectionError("Craftkit closed the connection without answering")
        text = raw.decode("iso-8859-1")
        status_line, _, block = text.partition("\n")
        version, status = _status(status_line)
        if status != 100:
            break
    headers, first = _headers(block, raw[len(status_line) + 1:])
    chunked = (first.get("transfer-encoding") or "").lower() == "chunked"
    length = None if chunked else _length(headers.get("Content-Length"),
                                          first.get("content-length"))
    if status in (204, 304) or 100 <= status < 200:
        length = 0
    will_close = _will_close(version, first)
    if length is None and not chunked:
        will_close = True
    return Head(status, headers, length, chunked, will_close)


def _head_bytes(wire: Wire) -> bytes:
    """Take the bytes up to and including the blank line that ends the head."""
    start = 0
    while True:
        buffer = wire.buffer
        ends = [i for i in (buffer.find(b"\n\r\n", start), buffer.find(b"\n\n", start))
                if i >= 0]
        if ends:
            end = min(ends)
            stop = end + (3 if buffer.startswith(b"\n\r\n", end) else 2)
            wire.buffer = buffer[stop:]
            return buffer[:stop]
        if len(buffer) > MAX_HEAD:
            raise HeadError("the answer's head is too large")
        start = max(0, len(buffer) - 2)
        if not wire.fill():
            wire.buffer = b""
            return buffer


def _status(line: str) -> tuple[int, int]:
    """Return (10 or 11, status) of a status line, as http.client reads it."""
    if len(line) >= MAX_LINE:
        raise HeadError("status line too long")
    parts = line.split(None, 2)
    version = parts[0] if parts else ""
    if not version.startswith("HTTP/") or len(parts) < 2:
        raise HeadError("not an HTTP status line")
    try:
        status = int(parts[1])
    except ValueError:
        raise HeadError("not an HTTP status line") from None
    if not 100 <= status <= 999:
        raise HeadError("not an HTTP status line")
    if version in ("HTTP/1.0", "HTTP/0.9"):
        return 10, status
    if version.startswith("HTTP/1."):
        return 11, status
    raise HeadError("unknown HTTP version")


def _headers(block: str, raw: bytes) -> tuple[Headers, dict[str, str]]:
    """Parse the header lines: joined headers, and the first value of each name."""
    lines = block.split("\n")
    if len(lines) > MAX_HEADERS:
        return _parsed_by_http_client(raw)    # it counts them, and refuses too many
    headers, first = Headers(), dict[str, str]()
    for line in lines:
        if not line or line == "\r":
            continue
        match = _HEADER.fullmatch(line)
        if match is None or len(line) >= MAX_LINE:
            return _parsed_by_http_client(raw)
        name, value = match.groups()
        headers.add(name, value)
        first.setdefault(name.lower(), value)
    return headers, first


def _parsed_by_http_client(raw: bytes) -> tuple[Headers, dict[str, str]]:
    """Parse an unusual header block with http.client's own parser, as requests would.

    Folded values are unfolded into one space, as urllib3 does after that parser.
    """
    try:
        message = http.client.parse_headers(io.BytesIO(raw))
    except http.client.HTTPException as error:
        raise HeadError(str(error)) from None
    headers, first = Headers(), dict[str, str]()
    for name, value in message.items():
        value = _FOLD.sub(" ", value)
        headers.add(name, value)
        first.setdefault(name.lower(), value)
    return headers, first


def _length(joined: str | None, first: str | None) -> int | None:
    """The body's length from Content-Length as urllib3 and http.client read it.

    Repeated values that disagree are refused (urllib3's InvalidHeader); a value that is not
    a whole number, negative or beyond 2^63 - 1 leaves the body framed by the connection.
    """
    if joined is None:
        return None
    try:
        lengths = {int(value) for value in joined.split(",")}
    except ValueError:
        lengths = set()
    if len(lengths) > 1:
        raise ValueError("Content-Length contained multiple unmatching values")
    try:
        length = lengths.pop() if lengths else int(first or "")
    except ValueError:
        return None
    return length if 0 <= length <= MAX_LENGTH else None


def _will_close(version: int, first: dict[str, str]) -> bool:
    connection = (first.get("connection") or "").lower()
    if version == 11:
        return "close" in connection
    if first.get("keep-alive") or "keep-alive" in connection:
        return False
    return "keep-alive" not in (first.get("proxy-connection") or "").lower()
