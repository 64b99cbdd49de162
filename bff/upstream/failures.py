"""Turn transport failures and Craftkit's error answers into the BFF's error table."""

from __future__ import annotations

import logging
import re

import requests
import urllib3
from urllib3.exceptions import ReadTimeoutError

from ..errors import (
    BffError,
    KeyRejected,
    UpstreamError,
    UpstreamRejected,
    UpstreamTimeout,
    UpstreamUnavailable,
)

log = logging.getLogger("bff.upstream")

# Craftkit's error codes are short lowercase words (`unauthorized`, `invalid_request`): a
# code of that shape is passed on to the browser and the logs. One that starts like a
# Craftkit key or token (`ck_live_...`, `ckr_...`) is never an error code: a hostile or
# broken answer could echo the very key the call was made with.
_SAFE_CODE = re.compile(r"(?!ck_|ckr_)[a-z][a-z0-9_.]{0,63}")


def counts_as_outage(error: Exception) -> bool:
    """Tell whether a failure says Craftkit (or the way to it) is down, for the breaker.

    Refused and reset connections, connect timeouts and broken exchanges do. A read timeout
    does not: Craftkit took the request, and one tenant's slow resource must not cut every
    other tenant off. Neither does a request we could not even build (an invalid header).
    """
    if isinstance(error, requests.ConnectTimeout):
        return True
    if _is_read_timeout(error):
        return False
    return isinstance(error, requests.ConnectionError | requests.exceptions.ChunkedEncodingError
                      | urllib3.exceptions.HTTPError)


def translate(error: Exception) -> BffError:
    """Map a transport exception to the error table (timeouts vs unreachable vs broken)."""
    if isinstance(error, requests.ConnectTimeout):
        return UpstreamUnavailable()
    if _is_read_timeout(error):
        return UpstreamTimeout()
    if isinstance(error, requests.ConnectionError):
        return UpstreamUnavailable()
    return UpstreamError()


def translate_body_error(error: Exception) -> BffError:
    """Map a failure while reading an answer's body: too slow (504) or broken off (502)."""
    if _is_read_timeout(error):
        return UpstreamTimeout()
    return UpstreamError("Craftkit broke off its answer; try again.")


def _is_read_timeout(error: Exception) -> bool:
    # With read retries at zero, urllib3 wraps a read timeout in MaxRetryError, which
    # requests re-raises as a plain ConnectionError; a body read raises urllib3's own.
    if isinstance(error, requests.Timeout | ReadTimeoutError | TimeoutError):
        return True
    cause = error.args[0] if isinstance(error, requests.ConnectionError) and error.args \
        else None
    return isinstance(cause, ReadTimeoutError) or isinstance(
        getattr(cause, "reason", None), ReadTimeoutError)


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
    except (ValueError, requests.RequestException, urllib3.exceptions.HTTPError, OSError):
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
