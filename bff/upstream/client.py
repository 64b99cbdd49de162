"""The one place that speaks HTTP to Craftkit: a call with a bearer key, JSON or streamed.

Each call goes one of two ways, chosen per call in ``send`` (the single place every call
passes through): the lean way (``lean``: pooled sockets, the request written out whole,
the answer parsed by ``wire``) whenever requests itself would send the call straight to
Craftkit, else through the shared requests session (``connections``: a proxy, or a test
double such as ``responses`` in place of ``HTTPAdapter.send``). Both answer with a
``Reply`` and fail with the same requests exceptions, which ``failures`` turns into the
BFF's error table. The read budgets that bound each answer's time live in ``budgets``.
What is said (the admin, the account and the embed vocabularies) is decided by the
callers, who also name each call's metrics label: the endpoint's template
(``/v1/projects/{id}/keys``), never a formatted path.

Every answer is bounded: a JSON answer must arrive whole within the read timeout and is
read with a size cap (CRAFTKIT_MAX_ANSWER); a download must keep bringing 64 KiB within
every read timeout. Only outages (not slow answers) count toward the circuit breaker.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import cast

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

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
    read_answer,
    root_answers,
)
from .failures import counts_as_outage, json_object, raise_for_status, translate
from .lean import LeanPool
from .reply import Reply, RequestsReply
from .writing import RequestWriter

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
        outbound = outbound or Outbound()
        # POSTs to idempotent_posts (paths) may be retried on a gateway status, like GETs.
        self._session = pooled_session(base_url, pool_size, outbound, idempotent_posts)
        self._writer = RequestWriter(base_url, self._session.headers)
        # The lean way goes straight to Craftkit: proxied calls always go through requests.
        self._lean = None if outbound.proxies else LeanPool(
            self._writer.prepared_base, outbound.verify, pool_size, timeout[0])

    def request_json(self, method: str, path: str, api_key: str, request_id: str, *,
                     label: str, failure_code: str, json: dict | None = None,
                     params: Mapping[str, str] | None = None,
                     headers: Mapping[str, str] | None = None) -> dict:
        """Call an endpoint with a key and return its JSON object (a 4xx raises)."""
        reply = self.send(method, path, api_key, request_id, label=label, json=json,
                          params=params, headers=headers)
        raise_for_status(reply, failure_code)
        return json_object(reply)

    def request_stream(self, path: str, api_key: str, request_id: str, *, label: str,
                       failure_code: str, headers: Mapping[str, str] | None = None,
                       ) -> Reply:
        """Start a streamed download; the caller must close the returned reply."""
        reply = self.send("GET", path, api_key, request_id, label=label, headers=headers,
                          stream=True)
        if reply.status_code != 200:
            try:
                raise_for_status(reply, failure_code, limit=16 * 1024)
            finally:
                reply.close()
        return reply

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
        if self._lean is not None:
            self._lean.close()

    @tracing.traced_call  # traceparent on every call; a client span when spans are on
    def send(self, method: str, path: str, bearer: str, request_id: str, *, label: str,
             json: dict | None = None, params: Mapping[str, str] | None = None,
             headers: Mapping[str, str] | None = None, stream: bool = False) -> Reply:
        """Make one call through the breaker, its answer bounded in time (and size).

        ``label`` names the call in the metrics: the endpoint's template, never ``path``
        (a formatted path holds ids, and each id would become a series of its own).

        A streamed answer is returned unread, with a read budget renewed every STALL_BYTES
        (a stall limit). Any other must arrive whole within the read timeout; its body is
        read here, capped at max_answer, into ``content``, so ``json()`` works.
        """
        if not self.breaker.allow():
            raise UpstreamUnavailable(PAUSED, retry_after=self.breaker.retry_after())
        started = time.perf_counter()
        budget = ReadBudget(self.timeout[1], renew_every=STALL_BYTES if stream else None)
        try:
            if self._lean is not None and _requests_untouched(self._session):
                target, head, body = self._writer.lean(
                    self._lean.base_path, self._lean.host_header, method, path, bearer,
                    request_id, json, params, headers)
                url = self._writer.prepared_base + path
                reply: Reply = self._lean.exchange(method, target, head, body, budget,
                                                   lambda: _retries(self._session, url))
            else:
                reply = self._send_requests(method, path, bearer, request_id, json, params,
                                            headers, budget)
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
        if reply.status_code in RETRY_STATUSES:
            self.breaker.record_failure()
        else:
            self.breaker.record_success()
        if not stream:
            try:
                reply.content = read_answer(reply, self.max_answer)
            except BffError as failure:
                raise self._failed(label, failure, started) from None
        elapsed = time.perf_counter() - started
        self.metrics.upstream(label, str(reply.status_code), elapsed)
        log.debug("upstream %s %s -> %s in %.1f ms", method, label, reply.status_code,
                  elapsed * 1000)
        return reply

    def _failed(self, label: str, failure: BffError, started: float) -> BffError:
        """Count a failed call in the metrics and return its error, to raise."""
        self.metrics.upstream(label, failure.code, time.perf_counter() - started)
        return failure

    def _send_requests(self, method: str, path: str, bearer: str, request_id: str,
                       json: dict | None, params: Mapping[str, str] | None,
                       headers: Mapping[str, str] | None, budget: ReadBudget) -> Reply:
        """Send through the requests session (its adapter's retries, proxy and TLS)."""
        request = self._writer.prepare(method, path, bearer, request_id, json, params, headers)
        adapter = self._session.get_adapter(str(request.url))
        with budgeted(budget):
            response = adapter.send(request, stream=True, timeout=self.timeout,
                                    verify=self._session.verify, cert=None,
                                    proxies=self._session.proxies)
        return RequestsReply(response)


def _retries(session: requests.Session, url: str) -> Retry:
    """The Retry policy requests would apply to a call to url (its mounted adapter's)."""
    return cast(HTTPAdapter, session.get_adapter(url)).max_retries


def _requests_untouched(session: requests.Session) -> bool:
    """Tell whether requests would send a call itself (no double patched in its place)."""
    return (HTTPAdapter.send.__module__ == "requests.adapters"
            and type(session).get_adapter.__module__ == "requests.sessions")
