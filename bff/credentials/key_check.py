"""Tell a stale key from a refused request: one cheap read with the same key, shared.

Craftkit answers 401 both to a key it no longer knows (rotated) and to a request it
refuses (a reused, expired or foreign renew token). The browser must not decide which: a
replayed seal would otherwise evict the org's key on every replay. So the question goes to
Craftkit with nothing from the browser in it: ``GET /v1/embed/builder/templates?limit=1``
with the same key. 2xx: the key works, the request was refused. 401/403: the key is stale.
Anything else (an outage, a timeout, an odd status) decides nothing, and the request
counts as refused.

Concurrent checks of one key share a single call (single flight), and a verdict is
remembered for ``remember`` seconds, so replaying one seal any number of times within that
window costs one check. Keys are remembered by a SHA-256 digest, never as text.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable

from cachetools import TTLCache

from ..errors import BffError
from ..ops.requestlog import request_id
from ..upstream import Upstream

KEY_CHECK = "/v1/embed/builder/templates"
REMEMBER = 5.0
# A waiter gives up after this long and counts the request as refused (no eviction).
WAIT = 10.0

Probe = Callable[[str], bool | None]


def templates_probe(upstream: Upstream) -> Probe:
    """Return a probe: True when Craftkit accepts the key, False when it refuses it."""
    def probe(key: str) -> bool | None:
        try:
            response = upstream.send("GET", KEY_CHECK, key, request_id(), label=KEY_CHECK,
                                     params={"limit": "1"})
        except BffError:
            return None
        response.close()
        if 200 <= response.status_code < 300:
            return True
        return False if response.status_code in (401, 403) else None
    return probe


class _Flight:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.valid: bool | None = None


class KeyCheck:
    """Ask Craftkit whether a key still works: once per key at a time, remembered briefly."""

    def __init__(self, probe: Probe, remember: float = REMEMBER,
                 timer: Callable[[], float] = time.monotonic) -> None:
        self._probe = probe
        self._verdicts: TTLCache[bytes, bool] = TTLCache(10_000, remember, timer=timer)
        self._lock = threading.Lock()
        self._flights: dict[bytes, _Flight] = {}

    def is_stale(self, key: str) -> bool:
        """Tell whether Craftkit refuses key itself (False when it works or nobody knows)."""
        digest = hashlib.sha256(key.encode()).digest()
        with self._lock:
            known = self._verdicts.get(digest)
            if known is not None:
                return not known
            flight = self._flights.get(digest)
            leader = flight is None
            if flight is None:
                flight = self._flights[digest] = _Flight()
        if leader:
            try:
                flight.valid = self._probe(key)
            finally:
                with self._lock:
                    del self._flights[digest]
                    if flight.valid is not None:  # "nobody knows" is never remembered
                        self._verdicts[digest] = flight.valid
                flight.done.set()
        elif not flight.done.wait(WAIT):
            return False
        return flight.valid is False
