"""A circuit breaker: a dead Craftkit costs callers a fast 503, not a full timeout each.

Closed: calls go through; consecutive outages (refused, reset, connect timeout, or a
gateway 502/503/504) are counted. A read timeout counts for nothing: Craftkit took the
call, and one tenant's slow resource must not cut off every other tenant. At ``threshold``
outages it opens: calls fail at once. While open, a probe (a GET of Craftkit's root, no key)
runs every ``probe_every`` seconds in a background thread; the first that gets an answer
half-opens the circuit, and so does ``reset_after`` seconds passing without one. Half
open: one trial call goes through while the others still fail fast; its success closes
the circuit, its failure opens it again. One breaker per process, shared by all threads.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable

log = logging.getLogger("bff.breaker")

CLOSED, HALF_OPEN, OPEN = "closed", "half_open", "open"


class CircuitBreaker:
    """Count consecutive upstream outages and short-circuit calls while Craftkit is down."""

    def __init__(self, threshold: int = 5, reset_after: float = 5.0,
                 timer: Callable[[], float] = time.monotonic,
                 on_change: Callable[[str], None] | None = None,
                 probe_every: float = 0.5) -> None:
        self.threshold = threshold
        self.reset_after = reset_after
        self.probe_every = probe_every
        self._timer = timer
        self._on_change = on_change
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at = 0.0
        self._state = CLOSED
        self._trial_running = False
        self._probe: Callable[[], bool] | None = None
        self._probing = False
        self._stopped = threading.Event()

    @property
    def state(self) -> str:
        """Return closed, half_open or open, as the next call would see it."""
        with self._lock:
            return self._current_state()

    def probe_with(self, probe: Callable[[], bool]) -> None:
        """Use probe() (True: Craftkit answers) to end an open period early."""
        self._probe = probe

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

    def retry_after(self) -> int:
        """Return whole seconds a caller turned away now should wait (at least 1)."""
        with self._lock:
            wait = self.reset_after - (self._timer() - self._opened_at)
            if self._probe is not None:
                wait = min(wait, self.probe_every)
        return max(1, math.ceil(wait))

    def record_success(self) -> None:
        """Note a call that reached a working upstream."""
        with self._lock:
            self._failures = 0
            self._trial_running = False
            self._set(CLOSED)

    def record_failure(self) -> None:
        """Note an outage; open the circuit at the threshold or a failed trial."""
        with self._lock:
            self._failures += 1
            was_trial, self._trial_running = self._trial_running, False
            if was_trial or self._failures >= self.threshold:
                self._opened_at = self._timer()
                self._set(OPEN)

    def record_inconclusive(self) -> None:
        """Note a call that says nothing about Craftkit's health (e.g. a read timeout)."""
        with self._lock:
            # A trial that ended so must not block the next one forever.
            self._trial_running = False

    def stop(self) -> None:
        """End the probe thread, if one runs (the app is going away)."""
        self._stopped.set()

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
        if state == OPEN and self._probe is not None and not self._probing:
            self._probing = True
            threading.Thread(target=self._probe_while_open, name="craftkit-breaker-probe",
                             daemon=True).start()

    def _probe_while_open(self) -> None:
        while not self._stopped.wait(self.probe_every):
            with self._lock:
                if self._current_state() != OPEN:
                    self._probing = False
                    return
            if self._answers():
                with self._lock:
                    if self._state == OPEN:
                        self._set(HALF_OPEN)
                    self._probing = False
                    return
        with self._lock:
            self._probing = False

    def _answers(self) -> bool:
        try:
            return bool(self._probe and self._probe())
        except Exception:  # a probe that breaks must not end the probing
            log.exception("circuit probe failed")
            return False
