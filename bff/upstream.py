"""The one place that speaks HTTP to Craftkit, translating every failure into a BffError.

Threading: one ``requests.Session`` per app, shared by every thread of the process. It is
configured once at construction and never mutated afterwards (headers go per call and the
cookie jar refuses every cookie), so the only shared mutable state is urllib3's connection
pool, which is thread-safe. Each process (gunicorn worker) builds its own after fork.

Speed: ``Session.request`` spends about as much CPU preparing a call (merging settings,
cookie jars, hooks, runtime Protocol checks) as urllib3 spends sending it. Our calls never
vary in those respects, so ``_send`` builds the ``PreparedRequest`` itself, exactly as
``Session.prepare_request`` would, and hands it to the session's mounted ``HTTPAdapter``:
retries, timeouts, pooling and exceptions are the adapter's, unchanged, and test doubles
that patch ``HTTPAdapter.send`` (``responses``) still see every call.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator, Mapping
from http.cookiejar import DefaultCookiePolicy
from json import dumps as json_dumps
from urllib.parse import urlencode

import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import check_header_validity
from urllib3.exceptions import ReadTimeoutError
from urllib3.util.retry import Retry

from ._version import __version__
from .breaker import CircuitBreaker
from .errors import (
    BffError,
    KeyRejected,
    ProvisionFailed,
    UpstreamError,
    UpstreamRejected,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from .metrics import Metrics

log = logging.getLogger("bff.upstream")

_SAFE_CODE = re.compile(r"[a-z][a-z0-9_.]{0,63}")
_RETRY_STATUSES = (502, 503, 504)
# Larger chunks mean fewer Python-level reads and writes per MiB (64 KiB: ~0.4x the direct
# rate on the benchmark, 256 KiB: ~0.6x, the ceiling of a bare recv/send relay there),
# while the memory held per download stays one chunk.
DOWNLOAD_CHUNK = 256 * 1024
# At least a worker's threads (gunicorn.conf.py: 64): a thread that finds no idle pooled
# connection opens another, and one handed back to a full pool is closed, so a smaller
# pool turns every busy moment into TCP connects. Unused slots cost nothing.
POOL_SIZE = 128


class Upstream:
    """A pooled client for Craftkit's admin and embed APIs."""

    def __init__(self, base_url: str, admin_key: str, timeout: tuple[float, float],
                 pool_size: int = POOL_SIZE, breaker: CircuitBreaker | None = None,
                 metrics: Metrics | None = None) -> None:
        self.base_url = base_url
        self.timeout = timeout
        self.breaker = breaker or CircuitBreaker()
        self.metrics = metrics or Metrics(enabled=False)
        self._admin_key = admin_key
        self._session = _pooled_session(base_url, pool_size)
        # The base URL as requests would normalise it (IDNA host, quoting), done once.
        self._prepared_base = requests.Request("GET", base_url + "/").prepare().url[:-1]

    def provision(self, org_id: str, org_name: str, request_id: str) -> str:
        """Provision (or look up) the org's project and return its API key."""
        return self.provision_record(org_id, org_name, request_id)["apiKey"]

    def provision_record(self, org_id: str, org_name: str, request_id: str) -> dict:
        """Provision (or look up) the org's project; return Craftkit's whole answer."""
        body = {"externalOrgId": org_id, "orgName": org_name}
        try:
            response = self._send("POST", "/v1/admin/provision", self._admin_key, request_id,
                                  json=body)
        except BffError as error:
            if isinstance(error, UpstreamUnavailable | UpstreamTimeout):
                raise
            raise ProvisionFailed() from error
        if response.status_code != 200:
            log.warning("provision refused: status=%s", response.status_code)
            raise ProvisionFailed()
        try:
            record = _json_object(response)
        except UpstreamError as error:
            raise ProvisionFailed() from error
        if not isinstance(record.get("apiKey"), str) or not record["apiKey"]:
            raise ProvisionFailed()
        return record

    def check_admin_key(self, request_id: str) -> int:
        """Send a provision request with no org (a dry run: nothing is created).

        Craftkit authenticates before it validates the body, so a 401/403 means the admin
        key is wrong and a 400/422 means it was accepted. Returns the status.
        """
        response = self._send("POST", "/v1/admin/provision", self._admin_key, request_id,
                              json={})
        response.close()
        return response.status_code

    def call_json(self, method: str, path: str, api_key: str, request_id: str, *,
                  failure_code: str, json: dict | None = None,
                  params: Mapping[str, str] | None = None,
                  headers: Mapping[str, str] | None = None) -> dict:
        """Call an embed endpoint with a project key and return its JSON object."""
        response = self._send(method, path, api_key, request_id, json=json, params=params,
                              headers=headers)
        _raise_for_status(response, failure_code)
        return _json_object(response)

    def open_download(self, path: str, api_key: str, request_id: str, *,
                      failure_code: str, headers: Mapping[str, str] | None = None,
                      ) -> requests.Response:
        """Start a streamed download; the caller must close the returned response."""
        extra = {"Accept-Encoding": "identity", **(headers or {})}
        response = self._send("GET", path, api_key, request_id, headers=extra, stream=True)
        if response.status_code != 200:
            try:
                _raise_for_status(response, failure_code, limit=16 * 1024)
            finally:
                response.close()
        return response

    def probe(self, timeout: float) -> bool:
        """Tell whether Craftkit answers at all (any non-5xx status) within timeout."""
        try:
            response = self._session.get(self.base_url + "/", timeout=timeout,
                                         allow_redirects=False)
            response.close()
        except requests.RequestException:
            return False
        return response.status_code < 500

    def close(self) -> None:
        """Release pooled connections."""
        self._session.close()

    def _send(self, method: str, path: str, bearer: str, request_id: str, *,
              json: dict | None = None, params: Mapping[str, str] | None = None,
              headers: Mapping[str, str] | None = None, stream: bool = False,
              ) -> requests.Response:
        if not self.breaker.allow():
            raise UpstreamUnavailable("Craftkit is failing; the BFF paused calls to it for a "
                                      "few seconds. Try again shortly.")
        started = time.perf_counter()
        try:
            request = self._prepare(method, path, bearer, request_id, json, params, headers)
            adapter = self._session.get_adapter(request.url)
            response = adapter.send(request, stream=stream, timeout=self.timeout, verify=True,
                                    cert=None, proxies={})
            if not stream:
                response.content  # noqa: B018 - read it all, so the connection is pooled again
        except (requests.RequestException, urllib3.exceptions.HTTPError) as error:
            # Only faults of the upstream or the network count toward opening the circuit;
            # a request we could not even build (e.g. an invalid header) says nothing about
            # Craftkit's health, and must not let one caller open it for everyone.
            if _is_transport_fault(error):
                self.breaker.record_failure()
            failure = _translate(error)
            self.metrics.upstream(path, failure.code, time.perf_counter() - started)
            raise failure from error
        if response.status_code in _RETRY_STATUSES:
            self.breaker.record_failure()
        else:
            self.breaker.record_success()
        elapsed = time.perf_counter() - started
        self.metrics.upstream(path, str(response.status_code), elapsed)
        log.debug("upstream %s %s -> %s in %.1f ms", method, path, response.status_code,
                  elapsed * 1000)
        return response

    def _prepare(self, method: str, path: str, bearer: str, request_id: str,
                 json: dict | None, params: Mapping[str, str] | None,
                 headers: Mapping[str, str] | None) -> requests.PreparedRequest:
        """Build the request Session.prepare_request would (no cookies, auth or hooks).

        :raises requests.RequestException: as requests would: InvalidHeader for a header
            it refuses, InvalidJSONError for a body JSON cannot encode.
        """
        all_headers = CaseInsensitiveDict(self._session.headers)
        all_headers.update({"Authorization": f"Bearer {bearer}", "X-Request-ID": request_id,
                            "Accept": "application/json", **(headers or {})})
        for header in all_headers.items():
            check_header_validity(header)
        request = requests.PreparedRequest()
        request.method = method
        # Paths are ours and query values are validated ASCII, so urlencode gives the same
        # text as requests' own encoding and re-quoting.
        request.url = self._prepared_base + path + (f"?{urlencode(params)}" if params else "")
        if json is not None:
            try:
                request.body = json_dumps(json, allow_nan=False).encode()
            except ValueError as error:
                raise requests.exceptions.InvalidJSONError(error, request=request) from None
            all_headers["Content-Length"] = str(len(request.body))
            all_headers.setdefault("Content-Type", "application/json")
        elif method not in ("GET", "HEAD"):
            all_headers["Content-Length"] = "0"
        request.headers = all_headers
        return request


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


def _pooled_session(base_url: str, pool_size: int) -> requests.Session:
    session = requests.Session()
    session.headers["User-Agent"] = f"craftkit-bff/{__version__}"
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    session.trust_env = False
    # Retries only where safe. A refused connection sent nothing, so one connect retry is
    # safe for any method. Gateway statuses are retried for GETs and for the idempotent
    # provision POST only. Read timeouts are never retried: a slow upstream costs one
    # timeout, not three.
    safe = Retry(total=2, connect=1, read=0, status=2, other=0, backoff_factor=0.1,
                 status_forcelist=_RETRY_STATUSES, allowed_methods=frozenset({"GET", "HEAD"}),
                 raise_on_status=False, respect_retry_after_header=False)
    provision = safe.new(allowed_methods=frozenset({"POST"}))
    session.mount(base_url + "/", HTTPAdapter(pool_maxsize=pool_size, max_retries=safe))
    session.mount(base_url + "/v1/admin/provision",
                  HTTPAdapter(pool_maxsize=pool_size, max_retries=provision))
    return session


def _is_transport_fault(error: Exception) -> bool:
    return isinstance(error, requests.ConnectionError | requests.Timeout
                      | requests.exceptions.ChunkedEncodingError
                      | urllib3.exceptions.HTTPError)


def _translate(error: Exception) -> BffError:
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


def _json_object(response: requests.Response) -> dict:
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


def _raise_for_status(response: requests.Response, failure_code: str,
                      limit: int | None = None) -> None:
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
