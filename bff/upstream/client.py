"""The one place that speaks HTTP to Craftkit: a call with a bearer key, JSON or streamed.

The shared session, its retry policy and route, and capped body reads live in
``connections``; the read budgets that bound each answer's time in ``budgets``; the
translation of every failure into a BffError in ``failures``. What is said (the admin, the
account and the embed vocabularies) is decided by the callers, who also name each call's
metrics label: the endpoint's template (``/v1/projects/{id}/keys``), never a formatted path.

Every answer is bounded: a JSON answer must arrive whole within the read timeout and is
read with a size cap (CRAFTKIT_MAX_ANSWER); a download must keep bringing 64 KiB within
every read timeout. Only outages (not slow answers) count toward the circuit breaker.

Speed: ``Session.request`` spends about as much CPU preparing a call (merging settings,
cookie jars, hooks, runtime Protocol checks) as urllib3 spends sending it. Our calls never
vary in those respects, so ``send`` builds the ``PreparedRequest`` itself, exactly as
``Session.prepare_request`` would, and hands it to the session's mounted ``HTTPAdapter``:
retries, timeouts, pooling and exceptions are the adapter's, unchanged, and test doubles
that patch ``HTTPAdapter.send`` (``responses``) still see every call.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from json import dumps as json_dumps
from urllib.parse import urlencode

import requests
import urllib3
from requests.structures import CaseInsensitiveDict
from requests.utils import check_header_validity

from ..errors import (
    BffError,
    UpstreamUnavailable,
)
from ..ops import tracing
from ..ops.metrics import Metrics
from .breaker import CircuitBreaker
from .budgets import ReadBudget, budgeted
from .connections import (
    POOL_SIZE,
    RETRY_STATUSES,
    STALL_BYTES,
    Outbound,
    pooled_session,
    read_capped,
    root_answers,
)
from .failures import counts_as_outage, json_object, raise_for_status, translate

log = logging.getLogger("bff.upstream")

MAX_ANSWER = 4 * 1024 * 1024
PROBE_TIMEOUT = 1.0
PAUSED = "Craftkit is failing; the BFF paused calls to it for a moment. Try again shortly."


class Upstream:
    """A pooled client for Craftkit: one bounded call at a time, with the caller's key."""

    def __init__(self, base_url: str, timeout: tuple[float, float],
                 pool_size: int = POOL_SIZE, breaker: CircuitBreaker | None = None,
                 metrics: Metrics | None = None, *, outbound: Outbound | None = None,
                 max_answer: int = MAX_ANSWER, idempotent_posts: tuple[str, ...] = ()) -> None:
        self.base_url = base_url
        self.timeout = timeout
        self.max_answer = max_answer
        self.breaker = breaker or CircuitBreaker()
        self.breaker.probe_with(self.answers)
        self.metrics = metrics or Metrics(enabled=False)
        # POSTs to idempotent_posts (paths) may be retried on a gateway status, like GETs.
        self._session = pooled_session(base_url, pool_size, outbound, idempotent_posts)
        # The base URL as requests would normalise it (IDNA host, quoting), done once.
        self._prepared_base = str(requests.Request("GET", base_url + "/").prepare().url)[:-1]

    def request_json(self, method: str, path: str, api_key: str, request_id: str, *,
                     label: str, failure_code: str, json: dict | None = None,
                     params: Mapping[str, str] | None = None,
                     headers: Mapping[str, str] | None = None) -> dict:
        """Call an endpoint with a key and return its JSON object (a 4xx raises)."""
        response = self.send(method, path, api_key, request_id, label=label, json=json,
                             params=params, headers=headers)
        raise_for_status(response, failure_code)
        return json_object(response)

    def request_stream(self, path: str, api_key: str, request_id: str, *, label: str,
                       failure_code: str, headers: Mapping[str, str] | None = None,
                       ) -> requests.Response:
        """Start a streamed download; the caller must close the returned response."""
        response = self.send("GET", path, api_key, request_id, label=label, headers=headers,
                             stream=True)
        if response.status_code != 200:
            try:
                raise_for_status(response, failure_code, limit=16 * 1024)
            finally:
                response.close()
        return response

    def probe(self, timeout: float) -> bool:
        """Tell whether Craftkit answers at all (any non-5xx status) within timeout."""
        return root_answers(self._session, self.base_url, timeout)

    def answers(self) -> bool:
        """Tell whether Craftkit answers GET / (no key sent) without a 5xx, within 1 s."""
        return self.probe(PROBE_TIMEOUT)

    def close(self) -> None:
        """Release pooled connections and stop probing."""
        self.breaker.stop()
        self._session.close()

    @tracing.traced_call  # traceparent on every call; a client span when spans are on
    def send(self, method: str, path: str, bearer: str, request_id: str, *, label: str,
             json: dict | None = None, params: Mapping[str, str] | None = None,
             headers: Mapping[str, str] | None = None, stream: bool = False,
             ) -> requests.Response:
        """Make one call through the breaker, its answer bounded in time (and size).

        ``label`` names the call in the metrics: the endpoint's template, never ``path``
        (a formatted path holds ids, and each id would become a series of its own).

        A streamed answer is returned unread, with a read budget renewed every STALL_BYTES
        (a stall limit). Any other must arrive whole within the read timeout; its body is
        read here, capped at max_answer, into the Response, so .json() and .content work.
        """
        if not self.breaker.allow():
            raise UpstreamUnavailable(PAUSED, retry_after=self.breaker.retry_after())
        started = time.perf_counter()
        budget = ReadBudget(self.timeout[1], renew_every=STALL_BYTES if stream else None)
        try:
            request = self._prepare(method, path, bearer, request_id, json, params, headers)
            adapter = self._session.get_adapter(str(request.url))
            with budgeted(budget):
                response = adapter.send(request, stream=True, timeout=self.timeout,
                                        verify=self._session.verify, cert=None,
                                        proxies=self._session.proxies)
        except (requests.RequestException, urllib3.exceptions.HTTPError) as error:
            # Only outages count toward opening the circuit: neither a slow answer nor a
            # request we could not even build (an invalid header) says Craftkit is down.
            if counts_as_outage(error):
                self.breaker.record_failure()
            else:
                self.breaker.record_inconclusive()
            raise self._failed(label, translate(error), started) from error
        except BaseException:
            self.breaker.record_inconclusive()
            raise
        if response.status_code in RETRY_STATUSES:
            self.breaker.record_failure()
        else:
            self.breaker.record_success()
        if not stream:
            try:
                response._content = read_capped(response, self.max_answer)
            except BffError as failure:
                raise self._failed(label, failure, started) from None
        elapsed = time.perf_counter() - started
        self.metrics.upstream(label, str(response.status_code), elapsed)
        log.debug("upstream %s %s -> %s in %.1f ms", method, label, response.status_code,
                  elapsed * 1000)
        return response

    def _failed(self, label: str, failure: BffError, started: float) -> BffError:
        """Count a failed call in the metrics and return its error, to raise."""
        self.metrics.upstream(label, failure.code, time.perf_counter() - started)
        return failure

    def _prepare(self, method: str, path: str, bearer: str, request_id: str,
                 json: dict | None, params: Mapping[str, str] | None,
                 headers: Mapping[str, str] | None) -> requests.PreparedRequest:
        """Build the request Session.prepare_request would (no cookies, auth or hooks).

        :raises requests.RequestException: as requests would: InvalidHeader for a header
            it refuses, InvalidJSONError for a body JSON cannot encode.
        """
        all_headers: CaseInsensitiveDict[str | bytes] = CaseInsensitiveDict(self._session.headers)
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
