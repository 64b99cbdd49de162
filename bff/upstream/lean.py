"""The lean way to Craftkit: pooled keep-alive sockets and requests written out whole.

Why hand-written: requests' Session and HTTPAdapter, urllib3's pool and http.client spend
more CPU on one call than the rest of a mint does (merging settings, cookie jars, Retry
and Timeout objects, header validation per layer, ``email`` header parsing). The calls the
BFF makes never vary in those respects, so this sends them the short way: the request's
bytes built in one go, written to a pooled socket, the answer read by ``wire``.

``Upstream.send`` uses it only when requests itself would send the call straight to
Craftkit: no proxy is configured (proxied calls go through requests) and neither
``HTTPAdapter.send`` nor ``Session.get_adapter`` has been replaced (a test double such as
``responses`` patches the first, and then sees every call, as before). What requests would
do is kept: TLS through urllib3's own context (CA file or directory, ``verify``), TCP_NODELAY,
an idle connection that was dropped replaced before use, the Retry policy mounted on the
session (one connect retry, gateway statuses for idempotent calls, its backoff), and every
failure raised as the requests exception it would have been, for ``failures`` to translate.
"""

from __future__ import annotations

import os
import socket
import ssl
import warnings
from collections.abc import Callable
from typing import Any, cast
from urllib.parse import urlsplit

import requests
from requests.utils import DEFAULT_CA_BUNDLE_PATH
from urllib3.exceptions import ConnectTimeoutError, InsecureRequestWarning, MaxRetryError
from urllib3.util.retry import Retry
from urllib3.util.ssl_ import create_urllib3_context
from urllib3.util.wait import wait_for_read

from .budgets import ReadBudget
from .framing import LeanReply
from .head import HeadError, read_head
from .wire import Wire

DEFAULT_PORTS = {"http": 80, "https": 443}


def tls_context(verify: str | bool) -> ssl.SSLContext:
    """Return the TLS context requests would use for verify (True, False or a CA path)."""
    if verify is False:
        return create_urllib3_context(cert_reqs=ssl.CERT_NONE)
    context = create_urllib3_context(cert_reqs=ssl.CERT_REQUIRED)
    location = DEFAULT_CA_BUNDLE_PATH if verify is True else verify
    if os.path.isdir(location):
        context.load_verify_locations(capath=location)
    else:
        context.load_verify_locations(cafile=location)
    context.set_alpn_protocols(["http/1.1"])
    return context


class _Answered:
    """A status, as urllib3's Retry.increment reads an answer."""

    def __init__(self, status: int) -> None:
        self.status = status

    def get_redirect_location(self) -> bool:
        return False


class LeanPool:
    """Keep-alive connections to one origin and the exchanges made over them."""

    def __init__(self, base_url: str, verify: str | bool, pool_size: int,
                 connect_timeout: float) -> None:
        parts = urlsplit(base_url)
        self.scheme = parts.scheme
        self.host = parts.hostname or ""
        self.port = parts.port or DEFAULT_PORTS[self.scheme]
        self.base_path = parts.path
        shown = f"[{self.host}]" if ":" in self.host else self.host
        self.host_header = shown if self.port == DEFAULT_PORTS[self.scheme] \
            else f"{shown}:{self.port}"
        self.verify = verify
        self._context = tls_context(verify) if self.scheme == "https" else None
        self._connect_timeout = connect_timeout
        self._pool_size = pool_size
        self._idle: list[Wire] = []
        self._closed = False

    def exchange(self, method: str, target: str, head: bytes, body: bytes | None,
                 budget: ReadBudget, retry_policy: Callable[[], Retry]) -> LeanReply:
        """Send one request (retried as the session's Retry policy allows); return the answer.

        :raises requests.RequestException: what requests would have raised.
        """
        data = head + body if body else head
        url = self.scheme + "://" + self.host_header + target
        policy: Retry | None = None
        while True:
            try:
                wire = self._checkout()
            except _NotConnected as failure:
                policy = _next(policy or retry_policy(), method, url, failure.error)
                continue
            reply = self._exchange(wire, data, method, budget)
            if reply.status_code not in (502, 503, 504):
                return reply
            policy = policy or retry_policy()
            if not policy.is_retry(method, reply.status_code):
                return reply
            try:
                policy = policy.increment(method, url,
                                          response=cast(Any, _Answered(reply.status_code)))
            except MaxRetryError:
                return reply
            reply.drain()
            policy.sleep()

    def close(self) -> None:
        """Close every idle connection; connections in use are closed when handed back."""
        self._closed = True
        while self._idle:
            self._idle.pop().sock.close()

    def release(self, wire: Wire) -> None:
        """Take a connection back whose last answer was read whole (or close it)."""
        if self._closed or len(self._idle) >= self._pool_size or wire.buffer:
            wire.sock.close()
        else:
            self._idle.append(wire)

    def _checkout(self) -> Wire:
        while True:
            try:
                wire = self._idle.pop()
            except IndexError:
                return self._connect()
            if not wait_for_read(wire.sock, timeout=0.0):
                return wire
            wire.sock.close()   # closed by Craftkit while idle (or it sent something unasked)

    def _connect(self) -> Wire:
        try:
            sock = socket.create_connection((self.host, self.port), self._connect_timeout)
        except TimeoutError as error:
            raise _NotConnected(requests.ConnectTimeout(error)) from error
        except OSError as error:
            raise _NotConnected(requests.ConnectionError(error)) from error
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self._context is not None:
                sock = self._context.wrap_socket(sock, server_hostname=self.host)
        except ssl.SSLError as error:
            sock.close()
            raise requests.exceptions.SSLError(error) from error
        except OSError as error:
            sock.close()
            raise requests.ConnectionError(error) from error
        return Wire(sock)

    def _exchange(self, wire: Wire, data: bytes, method: str, budget: ReadBudget) -> LeanReply:
        if self.verify is False and self._context is not None:
            warnings.warn(f"Unverified HTTPS request is being made to host '{self.host}'.",
                          InsecureRequestWarning, stacklevel=4)
        try:
            wire.settimeout(self._connect_timeout)
            wire.sock.sendall(data)
            wire.budget = budget
            head = read_head(wire)
        except TimeoutError as error:
            wire.sock.close()
            raise requests.ReadTimeout(error) from error
        except (OSError, HeadError) as error:
            wire.sock.close()
            raise requests.ConnectionError(error) from error
        except ValueError as error:      # Content-Length values that disagree
            wire.sock.close()
            raise requests.exceptions.InvalidHeader(error) from error
        return LeanReply(self, wire, head, method)


class _NotConnected(Exception):
    """A connection could not be opened (nothing was sent, so any call may be retried)."""

    def __init__(self, error: requests.RequestException) -> None:
        super().__init__(str(error))
        self.error = error


def _next(policy: Retry, method: str, url: str, error: requests.RequestException) -> Retry:
    """Count a failed connect against the policy and wait its backoff, or raise the error."""
    try:
        policy = policy.increment(method, url, error=ConnectTimeoutError(str(error)))
    except MaxRetryError:
        raise error from None
    policy.sleep()
    return policy
