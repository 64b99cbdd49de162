"""Turn transport failures and Craftkit's error answers into the BFF's error table."""

from __future__ import annotations

import logging
import re

import requests
import urllib3
from urllib3.exceptions import ReadTimeoutError

from .errors import (
    BffError,
    KeyRejected,
    UpstreamError,
    UpstreamRejected,
    UpstreamTimeout,
    UpstreamUnavailable,
)

log = logging.getLogger("bff.upstream")

_SAFE_CODE = re.compile(r"[a-z][a-z0-9_.]{0,63}")


def is_transport_fault(error: Exception) -> bool:
    """Tell whether a failure says something about Craftkit or the network (not about us)."""
    return isinstance(error, requests.ConnectionError | requests.Timeout
                      | requests.exceptions.ChunkedEncodingError
                      | urllib3.exceptions.HTTPError)


def translate(error: Exception) -> BffError:
    """Map a transport exception to the error table (timeouts vs unreachable vs broken)."""
    if isinstance(error, requests.ConnectTimeout):
        return UpstreamUnavailable()
    if isinstance(error, requests.Timeout):
        return UpstreamTimeout()
    if isinstance(error, requests.ConnectionError):
        return UpstreamTimeout() if _is_read_timeout(error) else UpstreamUnavailable()
    return UpstreamError()


def _is_read_timeout(error: requests.ConnectionError) -> bool:
    # With read retries at zero, urllib3 wraps a read timeout in MaxRetryError, which
    # requests re-raises as a plain ConnectionError.
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return isinstance(reason, ReadTimeoutError)


def json_object(response: requests.Response) -> dict:
    """Return the answer's JSON object, or raise UpstreamError if it is anything else."""
    try:
        body = response.json()
    except ValueError:
        raise UpstreamError() from None
    if not isinstance(body, dict):
        raise UpstreamError()
    return body


def _upstream_code(response: requests.Response, limit: int | None) -> str | None:
    try:
        raw = response.raw.read(limit) if limit else response.content
        body = requests.compat.json.loads(raw or b"{}")
    except (ValueError, requests.RequestException, OSError):
        return None
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else error
    return code if isinstance(code, str) and _SAFE_CODE.fullmatch(code) else None


def raise_for_status(response: requests.Response, failure_code: str,
                      limit: int | None = None) -> None:
    """Raise the BffError for a non-2xx answer: KeyRejected, UpstreamRejected or a 502."""
    status = response.status_code
    if 200 <= status < 300:
        return
    upstream_code = _upstream_code(response, limit)
    log.info("upstream refused: status=%s code=%s", status, upstream_code)
    if status in (401, 403):
        raise KeyRejected(upstream_code=upstream_code)
    if 400 <= status < 500:
        raise UpstreamRejected(status=status, code=failure_code, upstream_code=upstream_code,
                               message=f"Craftkit rejected the request ({status}).")
    raise UpstreamError()
