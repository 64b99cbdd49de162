"""``craftkit-bff serve``'s front door: a request reaches a thread only once its body is in.

granian's WSGI interface hands a request to a Python thread as soon as its head has
arrived, and the thread then waits, with no deadline, for the body: a few dozen clients
sending a body a byte at a time hold every thread of a worker. The gate runs under
granian's ASGI interface instead. It gathers each body on the worker's event loop, where
waiting holds no thread: at most CRAFTKIT_MAX_BODY bytes (413 at once beyond that), whole
within CRAFTKIT_BODY_TIMEOUT seconds (else 408). Only then does the WSGI app run, on one
of the worker's CRAFTKIT_THREADS threads (``pool``). Its answer (``answers``) goes back
through the loop when it is short; a download's chunks go from the thread to granian
directly, each copied by granian before the app is asked for the next (the relay reuses
one buffer), under granian's backpressure, and a download whose browser has taken nothing
for CRAFTKIT_DOWNLOAD_STALL seconds is ended.

Why hand-written: asgiref's WsgiToAsgi runs a WSGI app under ASGI with the body buffered,
but with no deadline or size cap, and sends each chunk through a thread hop of its own;
a2wsgi hands the app a body that is still arriving, so a slow one holds the thread again.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import sys
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any
from urllib.parse import unquote_to_bytes

from ..errors import BffError, PayloadTooLarge, RequestTimeout
from ..upstream.stream import COPIES_CHUNKS
from .answers import Answer, Head, Whole
from .pool import Pool

log = logging.getLogger("bff.gate")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
WSGIApp = Callable[[dict, Callable[..., Any]], Iterable[bytes]]

_BASE_ENVIRON: dict[str, Any] = {
    "wsgi.version": (1, 0), "wsgi.errors": sys.stderr, "wsgi.multithread": True,
    "wsgi.multiprocess": True, "wsgi.run_once": False, "SCRIPT_NAME": "",
    "wsgi.input_terminated": True, "SERVER_SOFTWARE": "craftkit-bff", COPIES_CHUNKS: True}
_SPECIAL = {b"content-type": "CONTENT_TYPE", b"content-length": "CONTENT_LENGTH"}
_KEYS: dict[bytes, str] = {}


class Gate:
    """An ASGI app that serves a WSGI app, whole requests only (see the module docstring)."""

    def __init__(self, app: WSGIApp, *, threads: int, max_body: int, body_timeout: float,
                 stall: float) -> None:
        self.app, self.max_body = app, max_body
        self.body_timeout, self.stall = body_timeout, stall
        self.pool = Pool(threads)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        environ = environ_for(scope)
        try:
            body = await self._body(environ, receive)
        except BffError as refused:
            await _refuse(send, refused)
            return
        if body is None:
            return                                   # the client went away meanwhile
        if body or "CONTENT_LENGTH" in environ:
            environ["CONTENT_LENGTH"] = str(len(body))
        environ["wsgi.input"] = io.BytesIO(body)
        answer = Answer(asyncio.get_running_loop(), self.stall)
        self.pool.submit(self._run, environ, answer)
        await answer.deliver(send, receive)

    def close(self) -> None:
        """Stop the worker threads once they are idle."""
        self.pool.close()

    async def _body(self, environ: dict[str, Any], receive: Receive) -> bytes | None:
        """Read the whole body within the deadline and size cap (b"" when none is sent)."""
        declared = environ.get("CONTENT_LENGTH")
        chunked = environ.pop("HTTP_TRANSFER_ENCODING", None) is not None
        length = int(declared) if declared and declared.isdigit() else None
        if not chunked and not length:
            return b""
        if length is not None and length > self.max_body:
            raise PayloadTooLarge(f"The request body must be at most {self.max_body} bytes.")
        # The deadline cancels this task (a timer handle, cheaper than asyncio.timeout).
        task, expired = asyncio.current_task(), []
        assert task is not None
        timer = asyncio.get_running_loop().call_later(
            self.body_timeout, lambda: expired.append(task.cancel()))
        parts, size = [], 0
        try:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return None
                part = message.get("body", b"")
                size += len(part)
                if size > self.max_body:
                    raise PayloadTooLarge(
                        f"The request body must be at most {self.max_body} bytes.")
                parts.append(part)
                if not message.get("more_body"):
                    return b"".join(parts)
        except asyncio.CancelledError:
            if not expired or task.uncancel():
                raise                                # cancelled by someone else
            raise RequestTimeout(f"The request body did not arrive within "
                                 f"{self.body_timeout:g} s; send the request again.") from None
        finally:
            timer.cancel()

    def _run(self, environ: dict, answer: Answer) -> None:
        """Run the app on this (pool) thread and hand its answer to the loop."""
        head: list[Head] = []

        def start_response(status: str, headers: list[tuple[str, str]],
                           exc_info: Any = None) -> Callable[[bytes], None]:
            if exc_info is not None and answer.started:
                raise exc_info[1].with_traceback(exc_info[2])
            head[:] = [(int(status[:3]), [(name.lower().encode("latin-1"),
                                           value.encode("latin-1"))
                                          for name, value in headers])]
            return _no_write

        try:
            body = self.app(environ, start_response)
        except Exception:
            log.exception("the app failed before it answered")
            answer.fail_before_start(_error_head(BffError()))
            return
        answer.relay(head, body)


def environ_for(scope: Scope) -> dict[str, Any]:
    """The WSGI environ of an ASGI HTTP request (its body is added once it has arrived).

    As granian's WSGI interface builds it: PATH_INFO percent-decoded as Latin-1, repeated
    headers joined with "," (cookies with ";"); a chunked body is handed over whole.
    """
    environ = _BASE_ENVIRON.copy()
    raw_path: bytes = scope["raw_path"]
    environ["PATH_INFO"] = (unquote_to_bytes(raw_path) if b"%" in raw_path
                            else raw_path).decode("latin-1")
    environ["REQUEST_METHOD"] = scope["method"]
    environ["QUERY_STRING"] = scope["query_string"].decode("latin-1")
    environ["SERVER_PROTOCOL"] = "HTTP/" + scope["http_version"]
    environ["wsgi.url_scheme"] = scope["scheme"]
    environ["SERVER_NAME"], environ["SERVER_PORT"] = scope["server"][0], str(scope["server"][1])
    environ["REMOTE_ADDR"] = scope["client"][0]
    for name, value in scope["headers"]:
        key = _KEYS.get(name) or _key(name)
        text = value.decode("latin-1")
        if key in environ:
            text = environ[key] + (";" if key == "HTTP_COOKIE" else ",") + text
        environ[key] = text
    return environ


def _key(name: bytes) -> str:
    key = _SPECIAL.get(name) or "HTTP_" + name.decode("latin-1").upper().replace("-", "_")
    if len(_KEYS) < 512:                              # header names seen, not unbounded
        _KEYS[name] = key
    return key


def _no_write(data: bytes) -> None:
    raise NotImplementedError("the BFF's routes return their body; they never write()")


def _error_head(error: BffError) -> Whole:
    body = json.dumps(error.to_dict()).encode()
    return error.status, [(b"content-type", b"application/json"),
                          (b"cache-control", b"no-store"), (b"connection", b"close"),
                          (b"content-length", str(len(body)).encode())], body


async def _refuse(send: Send, error: BffError) -> None:
    """Answer a request the gate refused (its body too large or too slow), and close."""
    status, headers, body = _error_head(error)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
