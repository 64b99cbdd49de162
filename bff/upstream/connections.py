"""The pooled HTTP session to Craftkit: its retry policy, route (proxy, CA) and body reads.

One ``requests.Session`` per app, shared by every thread of the process. It is configured
once here and never mutated afterwards (headers go per call, the cookie jar refuses every
cookie), so the only shared mutable state is urllib3's connection pool, which is
thread-safe. Each process (gunicorn worker) builds its own after fork.

The environment (HTTPS_PROXY, NO_PROXY, REQUESTS_CA_BUNDLE, ...) is read once, here, with
requests' own helpers, instead of on every call: ``trust_env`` stays off on the hot path.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookiejar import DefaultCookiePolicy

import requests
import urllib3
from requests.utils import get_environ_proxies, select_proxy
from urllib3.util.retry import Retry

from .._version import __version__
from ..errors import UpstreamError
from ..parsers import ConfigError
from .budgets import BudgetedAdapter, ReadBudget, budgeted
from .failures import translate_body_error

RETRY_STATUSES = (502, 503, 504)
# Larger chunks mean fewer Python-level reads and writes per MiB (64 KiB: ~0.4x the direct
# rate on the benchmark, 256 KiB: ~0.6x, the ceiling of a bare recv/send relay there),
# while the memory held per download stays one chunk.
DOWNLOAD_CHUNK = 256 * 1024
# A download's read budget starts over each time this much more has arrived: it may take
# as long as it needs, but must bring 64 KiB within every read timeout (6.5 KB/s at 10 s).
STALL_BYTES = 64 * 1024
# At least a worker's threads (gunicorn.conf.py: 64): a thread that finds no idle pooled
# connection opens another, and one handed back to a full pool is closed, so a smaller
# pool turns every busy moment into TCP connects. Unused slots cost nothing.
POOL_SIZE = 128
_JSON_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Outbound:
    """How calls reach Craftkit: the proxy (if any) and what verifies its TLS certificate."""

    proxies: dict[str, str] = field(default_factory=dict)
    verify: str | bool = True


def outbound_for(base_url: str, ca_bundle: str | None = None) -> Outbound:
    """Resolve the proxy and CA bundle for base_url once, as requests would per call.

    HTTP(S)_PROXY / ALL_PROXY and NO_PROXY pick the proxy; CRAFTKIT_CA_BUNDLE, else
    REQUESTS_CA_BUNDLE, else CURL_CA_BUNDLE, names the CA file or directory (else certifi).
    """
    proxy = select_proxy(base_url, get_environ_proxies(base_url))
    proxies = {base_url.split(":", 1)[0]: proxy} if proxy else {}
    verify = (ca_bundle or os.environ.get("REQUESTS_CA_BUNDLE")
              or os.environ.get("CURL_CA_BUNDLE") or True)
    if verify is not True and not os.path.exists(verify):
        raise ConfigError(f"The CA bundle {verify!r} does not exist: point CRAFTKIT_CA_BUNDLE "
                          "(or REQUESTS_CA_BUNDLE) at a PEM file or a directory of them.")
    return Outbound(proxies, verify)


def pooled_session(base_url: str, pool_size: int, outbound: Outbound | None = None,
                   idempotent_posts: tuple[str, ...] = ()) -> requests.Session:
    """Return the shared session: our User-Agent, no cookies, its outbound route, safe retries."""
    session = requests.Session()
    session.headers["User-Agent"] = f"craftkit-bff/{__version__}"
    # Bodies are read with a size cap; a compressed one would only be capped after
    # inflating it, so ask for none (read_capped refuses one that comes anyway).
    session.headers["Accept-Encoding"] = "identity"
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    session.trust_env = False
    outbound = outbound or Outbound()
    session.proxies, session.verify = dict(outbound.proxies), outbound.verify
    # Retries only where safe. A refused connection sent nothing, so one connect retry is
    # safe for any method. Gateway statuses are retried for GETs and for POSTs to the
    # paths in idempotent_posts (the admin provision). Read timeouts are never retried: a
    # slow upstream costs one timeout, not three.
    safe = Retry(total=2, connect=1, read=0, status=2, other=0, backoff_factor=0.1,
                 status_forcelist=RETRY_STATUSES, allowed_methods=frozenset({"GET", "HEAD"}),
                 raise_on_status=False, respect_retry_after_header=False)
    session.mount(base_url + "/", BudgetedAdapter(pool_maxsize=pool_size, max_retries=safe))
    for path in idempotent_posts:
        post = safe.new(allowed_methods=frozenset({"POST"}))
        session.mount(base_url + path, BudgetedAdapter(pool_maxsize=pool_size, max_retries=post))
    return session


def root_answers(session: requests.Session, base_url: str, timeout: float) -> bool:
    """Tell whether Craftkit answers GET / (no key sent) without a 5xx within timeout."""
    request = requests.Request("GET", base_url + "/", headers=session.headers).prepare()
    try:
        with budgeted(ReadBudget(timeout)):
            response = session.get_adapter(str(request.url)).send(
                request, stream=True, timeout=timeout, verify=session.verify, cert=None,
                proxies=session.proxies)
        response.close()
    except (requests.RequestException, urllib3.exceptions.HTTPError):
        return False
    return response.status_code < 500


def read_capped(response: requests.Response, limit: int) -> bytes:
    """Read the whole (unencoded) body, refusing one over limit bytes before holding it.

    :raises UpstreamError: too large, or encoded although we asked for none.
    :raises UpstreamTimeout: the answer's read budget ran out.
    """
    declared = response.headers.get("Content-Length", "")
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding not in ("", "identity") or (declared.isdigit() and int(declared) > limit):
        response.close()
        raise UpstreamError(_TOO_LARGE if declared.isdigit() else _ENCODED)
    chunks, size = [], 0
    try:
        if declared.isdigit():
            # The usual answer: one read of the declared length, and no second read to
            # learn that nothing follows (http.client stops at Content-Length and urllib3
            # raises if the body ends short, so nothing extra can arrive).
            chunk = response.raw.read(int(declared), decode_content=False)
            if len(chunk) == int(declared):
                return chunk
            chunks, size = [chunk], len(chunk)
        while size <= limit:
            chunk = response.raw.read(min(_JSON_CHUNK, limit + 1 - size), decode_content=False)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            size += len(chunk)
    except (urllib3.exceptions.HTTPError, OSError) as error:
        response.close()
        raise translate_body_error(error) from error
    response.close()
    raise UpstreamError(_TOO_LARGE)


_TOO_LARGE = "Craftkit's answer was larger than the BFF accepts (CRAFTKIT_MAX_ANSWER)."
_ENCODED = "Craftkit sent a compressed answer although the BFF asked for none."


def open_body(response: requests.Response, chunk_size: int = DOWNLOAD_CHUNK,
              ) -> tuple[bytes, Iterator[bytes]]:
    """Read the first chunk of a streamed body; return it and an iterator over all chunks.

    Reading the first chunk before the status line goes out means an upstream that breaks
    (or stalls) at once still gets a JSON error, and the caller can look at the first
    bytes; after that, a short, broken or stalled body raises mid-stream, which aborts the
    transfer so the browser never mistakes it for a complete file. The iterator closes
    the response when it ends or is closed.
    """
    chunks = response.raw.stream(chunk_size, decode_content=False)
    try:
        first = next(chunks, b"")
    except (urllib3.exceptions.HTTPError, OSError) as error:
        response.close()
        raise translate_body_error(error) from error
    return first, _all(first, chunks, response)


def _all(first: bytes, rest: Iterator[bytes], response: requests.Response) -> Iterator[bytes]:
    try:
        if first:
            yield first
        yield from rest
    finally:
        response.close()
