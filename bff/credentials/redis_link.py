"""One guarded way to Redis: short timeouts, at most one reconnect, a circuit breaker.

Redis is an optimisation of the key store, never a dependency of a request: every call
goes through ``RedisLink.call``, which answers ``UNAVAILABLE`` instead of raising when
Redis refuses, resets, times out or answers garbage, and which skips Redis altogether while
the circuit is open. The breaker is the BFF's own (``bff.breaker``); a trial call after
``RESET_AFTER`` seconds brings Redis back into use on its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.retry import Retry

from ..ops.metrics import Metrics
from ..upstream.breaker import CLOSED, CircuitBreaker

log = logging.getLogger("bff.key_store")

# Three failures in a row: one is a blip (a pooled connection the server closed), three
# are an outage. Five seconds later one trial call checks whether Redis is back.
FAILURE_THRESHOLD = 3
RESET_AFTER = 5.0
# What a broken Redis can raise through redis-py: its own errors (refused, reset, timeout,
# protocol garbage), and the socket and value errors a half-written reply can leak.
REDIS_FAULTS = (RedisError, OSError, ValueError, IndexError)


class _Unavailable:
    """The answer of a call that did not reach a working Redis."""

    def __repr__(self) -> str:
        return "UNAVAILABLE"


UNAVAILABLE: Any = _Unavailable()


def connect(url: str, timeout: float) -> redis.Redis:
    """Return a pooled redis-py client with short timeouts and no retry of a timeout."""
    # A stale pooled connection (Redis restarted) fails once with ConnectionError and is
    # retried on a fresh one; a timeout is never retried: a slow Redis costs one timeout.
    retry = Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,))
    return redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout,
                                retry=retry, client_name="craftkit-bff")


class RedisLink:
    """Run calls against Redis behind a breaker; a failed or skipped call is UNAVAILABLE."""

    def __init__(self, client: redis.Redis, metrics: Metrics | None = None,
                 reset_after: float = RESET_AFTER) -> None:
        self.client = client
        self._metrics = metrics or Metrics(enabled=False)
        self.breaker = CircuitBreaker(FAILURE_THRESHOLD, reset_after, on_change=self._changed)

    @property
    def healthy(self) -> bool:
        """Tell whether the circuit to Redis is closed."""
        return self.breaker.state == CLOSED

    def call(self, operation: str, action: Callable[[redis.Redis], Any]) -> Any:
        """Return action(client), or UNAVAILABLE (counted as a fall-back) if Redis failed."""
        if not self.breaker.allow():
            self._metrics.key_store_fallback(operation)
            return UNAVAILABLE
        reached = False
        try:
            result = action(self.client)
            reached = True
            return result
        except REDIS_FAULTS as error:
            # The type only: redis-py messages can name hosts, and never need a secret.
            log.warning("redis %s failed (%s): serving keys from this process",
                        operation, type(error).__name__)
            self._metrics.key_store_fallback(operation)
            return UNAVAILABLE
        finally:
            # Always settle the call, or a half-open breaker would wait for it forever.
            if reached:
                self.breaker.record_success()
            else:
                self.breaker.record_failure()

    def _changed(self, state: str) -> None:
        log.warning("redis key store circuit is now %s", state)
        self._metrics.key_store_circuit(state)
