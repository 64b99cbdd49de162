"""Craftkit's answer as the BFF reads it, whichever transport brought it.

``Upstream.send`` answers with a ``Reply``: the status, the headers (case-insensitive,
repeated ones joined with ", " as requests joins them), the length the body is framed by
(``framed_length``: None for a chunked or close-delimited body), and the body itself, read
whole into ``content`` for JSON calls or pulled with ``readinto``/``read`` for downloads.
The lean transport (``lean``) makes its own; calls that go through requests (a proxy, or a
test double such as ``responses``) are wrapped in ``RequestsReply``.

Body reads raise ``OSError`` only: ``TimeoutError`` when the answer's read budget ran out,
``BrokenBody`` when the body ended early or was malformed.
"""

from __future__ import annotations

import http.client
from collections.abc import Iterator, Mapping
from typing import Any, Protocol

import requests
import urllib3
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from urllib3.exceptions import ReadTimeoutError


class BrokenBody(OSError):
    """The answer's body ended before its framing said it would, or was malformed."""


class Reply(Protocol):
    """What the BFF reads of one answer from Craftkit."""

    status_code: int
    headers: Mapping[str, str]
    framed_length: int | None
    content: bytes

    def json(self) -> Any:
        """Decode ``content`` exactly as requests' ``Response.json`` would."""

    def readinto(self, buffer: memoryview) -> int:
        """Read body bytes into buffer; return how many (0 at the end of the body)."""

    def read(self, limit: int) -> bytes:
        """Read at most limit body bytes (fewer only at the end of the body)."""

    def close(self) -> None:
        """Release the connection (back to the pool only if the body was read whole)."""

    def __enter__(self) -> Reply:
        """Use the reply in a ``with`` block, which closes it."""

    def __exit__(self, *exc_info: object) -> None:
        """Close the reply."""


class Closing:
    """``with reply:`` closes it; shared by every ``Reply`` implementation."""

    __slots__ = ()

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class Headers(Mapping[str, str]):
    """Response headers: looked up case-insensitively, iterated with their first spelling."""

    __slots__ = ("_items",)

    def __init__(self, items: dict[str, tuple[str, str]] | None = None) -> None:
        self._items = items if items is not None else {}   # lowercase name -> (name, value)

    def add(self, name: str, value: str) -> None:
        """Add a header; a repeated one is joined to the first with ", "."""
        key = name.lower()
        seen = self._items.get(key)
        self._items[key] = (seen[0], seen[1] + ", " + value) if seen else (name, value)

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()][1]

    def get(self, name: str, default: Any = None) -> Any:
        found = self._items.get(name.lower())
        return default if found is None else found[1]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Headers({dict(self.items())!r})"


def decode_json(content: bytes, headers: Mapping[str, str]) -> Any:
    """Decode a JSON body as requests' ``Response.json`` does, byte for byte.

    requests reads an ``application/json`` body as UTF-8, replacing undecodable bytes; that
    common case is done here directly. Any other labelling goes through requests itself.
    """
    content_type = headers.get("Content-Type")
    if content_type == "application/json" or (
            content_type and get_encoding_from_headers(
                CaseInsensitiveDict({"content-type": content_type})) == "utf-8"):
        return requests.compat.json.loads(str(content, "utf-8", errors="replace"))
    response = requests.Response()
    response._content = content
    response.headers = requests.structures.CaseInsensitiveDict(headers)
    response.encoding = get_encoding_from_headers(response.headers)
    return response.json()


class RequestsReply(Closing):
    """A ``requests.Response`` (streamed, unread) seen through the ``Reply`` interface."""

    def __init__(self, response: requests.Response) -> None:
        self.response = response
        self.status_code = response.status_code
        self.headers: Mapping[str, str] = response.headers
        raw = response.raw
        chunked = getattr(raw, "chunked", False)
        self.framed_length = None if chunked else getattr(raw, "length_remaining", None)
        self.content = b""

    def json(self) -> Any:
        return decode_json(self.content, self.headers)

    def readinto(self, buffer: memoryview) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def read(self, limit: int) -> bytes:
        try:
            return self.response.raw.read(limit, decode_content=False)
        except (ReadTimeoutError, requests.Timeout) as error:
            raise TimeoutError("Craftkit's answer timed out") from error
        except (urllib3.exceptions.HTTPError, http.client.HTTPException) as error:
            raise BrokenBody("Craftkit broke off its answer") from error

    def close(self) -> None:
        self.response.close()
