"""A circuit breaker: a dead Craftkit costs callers a fast 503, not a full timeout each.

Closed: calls go through; consecutive transport failures (refused, reset, timed out, or a
gateway 502/503/504) are counted. At ``threshold`` failures it opens: calls fail at once
for ``reset_after`` seconds. Then it is half open: one trial call goes through while the
others still fail fast; its success closes the circuit, its failure opens it again.
One breaker per process, shared by all threads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger("bff.breaker")

CLOSED, HALF_OPEN, OPEN = "closed", "half_open", "open"


class CircuitBreaker:
    """Count consecutive upstream failures and short-circuit calls while Craftkit is down."""

    def __init__(self, threshold: int = 5, reset_after: float = 5.0,
                 timer: Callable[[], float] = time.monotonic,
                 on_change: Callable[[str], None] | None = None) -> None:
        self.threshold = threshold
        self.reset_after = reset_after
        self._timer = timer
        self._on_change = on_change
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at = 0.0
        self._state = CLOSED
        self._trial_running = False

    @property
    def state(self) -> str:
        """Return closed, half_open or open, as the next call would see it."""
        with self._lock:
            return self._current_state()

    def allow(self) -> bool:
        """Tell whether a call may go upstream now (False means: fail fast)."""
        with self._lock:
            state = self._current_state()
            if state == CLOSED:
                return True
            if state == HALF_OPEN and not self._trial_running:
                self._trial_running = True
                return True
            return False

    def record_success(self) -> None:
        """Note a call that reached a working upstream."""
        with self._lock:
            self._failures = 0
            self._trial_running = False
            self._set(CLOSED)

    def record_failure(self) -> None:
        """Note a transport failure; open the circuit at the threshold or a failed trial."""
        with self._lock:
            self._failures += 1
            was_trial, self._trial_running = self._trial_running, False
            if was_trial or self._failures >= self.threshold:
                self._opened_at = self._timer()
                self._set(OPEN)

    def _current_state(self) -> str:
        if self._state == OPEN and self._timer() - self._opened_at >= self.reset_after:
            self._set(HALF_OPEN)
        return self._state

    def _set(self, state: str) -> None:
        if state != self._state:
            log.warning("circuit %s -> %s", self._state, state)
            self._state = state
            if self._on_change is not None:
                self._on_change(state)
