"""The pooled HTTP session to Craftkit, with its retry policy, and streamed bodies.

One ``requests.Session`` per app, shared by every thread of the process. It is configured
once here and never mutated afterwards (headers go per call, the cookie jar refuses every
cookie), so the only shared mutable state is urllib3's connection pool, which is
thread-safe. Each process (gunicorn worker) builds its own after fork.
"""

from __future__ import annotations

from collections.abc import Iterator
from http.cookiejar import DefaultCookiePolicy

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from ._version import __version__
from .errors import UpstreamError

RETRY_STATUSES = (502, 503, 504)
# Larger chunks mean fewer Python-level reads and writes per MiB (64 KiB: ~0.4x the direct
# rate on the benchmark, 256 KiB: ~0.6x, the ceiling of a bare recv/send relay there),
# while the memory held per download stays one chunk.
DOWNLOAD_CHUNK = 256 * 1024
# At least a worker's threads (gunicorn.conf.py: 64): a thread that finds no idle pooled
# connection opens another, and one handed back to a full pool is closed, so a smaller
# pool turns every busy moment into TCP connects. Unused slots cost nothing.
POOL_SIZE = 128


def pooled_session(base_url: str, pool_size: int) -> requests.Session:
    """Return the shared session: our User-Agent, no cookies, no proxies, safe retries."""
    session = requests.Session()
    session.headers["User-Agent"] = f"craftkit-bff/{__version__}"
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    session.trust_env = False
    # Retries only where safe. A refused connection sent nothing, so one connect retry is
    # safe for any method. Gateway statuses are retried for GETs and for the idempotent
    # provision POST only. Read timeouts are never retried: a slow upstream costs one
    # timeout, not three.
    safe = Retry(total=2, connect=1, read=0, status=2, other=0, backoff_factor=0.1,
                 status_forcelist=RETRY_STATUSES, allowed_methods=frozenset({"GET", "HEAD"}),
                 raise_on_status=False, respect_retry_after_header=False)
    provision = safe.new(allowed_methods=frozenset({"POST"}))
    session.mount(base_url + "/", HTTPAdapter(pool_maxsize=pool_size, max_retries=safe))
    session.mount(base_url + "/v1/admin/provision",
                  HTTPAdapter(pool_maxsize=pool_size, max_retries=provision))
    return session


def stream_body(response: requests.Response, chunk_size: int = DOWNLOAD_CHUNK) -> Iterator[bytes]:
    """Return the raw body as chunks, the first already read.

    Reading the first chunk before the status line goes out means an upstream that breaks
    at once still gets a JSON error; after that, a short or broken body raises mid-stream,
    which aborts the transfer so the browser never mistakes it for a complete file.
    """
    chunks = response.raw.stream(chunk_size, decode_content=False)
    try:
        first = next(chunks, b"")
    except (urllib3.exceptions.HTTPError, OSError) as error:
        response.close()
        raise UpstreamError("Craftkit broke off the download; try again.") from error
    return _chain(first, chunks, response)


def _chain(first: bytes, rest: Iterator[bytes], response: requests.Response) -> Iterator[bytes]:
    try:
        if first:
            yield first
        yield from rest
    finally:
        response.close()
