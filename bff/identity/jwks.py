"""Signing keys published at a JWKS URL: cached, and refreshed when an unknown kid appears.

A refresh on an unknown kid is what makes key rotation at the identity provider work
without a restart; it is rate limited so that tokens with made-up kids cannot turn the
BFF into a flood of requests to the provider. A fetch is bounded like a Craftkit call:
the whole document must arrive within the timeout, and at most 1 MiB of it.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import jwt
import requests

from ..errors import BffError
from ..upstream.budgets import BudgetedAdapter, ReadBudget, budgeted
from ..upstream.connections import read_capped

log = logging.getLogger("bff.jwks")

ALGORITHMS = ("RS256", "ES256")
MAX_JWKS_BYTES = 1024 * 1024
_ALGORITHM_BY_KEY_TYPE = {"RSA": "RS256", "EC": "ES256"}


class JwksKeys:
    """Resolve (kid, alg) to a verification key from a JWKS document."""

    def __init__(self, url: str, ttl: float = 300, min_refresh: float = 30,
                 timeout: float = 3.0, timer: Callable[[], float] = time.monotonic) -> None:
        self.url = url
        self.ttl = ttl
        self.min_refresh = min_refresh
        self.timeout = timeout
        self._timer = timer
        self._lock = threading.Lock()
        self._keys: dict[str | None, tuple[str, Any]] = {}
        self._fetched_at: float | None = None
        self._http = requests.Session()
        self._http.headers["Accept-Encoding"] = "identity"
        for prefix in ("http://", "https://"):
            self._http.mount(prefix, BudgetedAdapter())

    def key_for(self, kid: str | None, algorithm: str) -> Any | None:
        """Return the key for kid if it exists and signs with algorithm, else None."""
        with self._lock:
            if self._stale() or (kid not in self._keys and self._may_refresh()):
                self._refresh()
            found = self._keys.get(kid)
            if found is None and kid is None and len(self._keys) == 1:
                found = next(iter(self._keys.values()))
        if found is None or found[0] != algorithm:
            return None
        return found[1]

    def _stale(self) -> bool:
        return self._fetched_at is None or self._timer() - self._fetched_at >= self.ttl

    def _may_refresh(self) -> bool:
        return self._fetched_at is None or self._timer() - self._fetched_at >= self.min_refresh

    def _refresh(self) -> None:
        # Note the attempt even when it fails, so a dead provider is not asked every request.
        self._fetched_at = self._timer()
        try:
            document = json.loads(self._fetch())
        except (requests.RequestException, BffError, ValueError) as error:
            log.warning("JWKS fetch failed (%s); keeping %d cached keys",
                        type(error).__name__, len(self._keys))
            return
        self._keys = _parse(document)
        log.info("JWKS loaded: %d usable keys", len(self._keys))

    def _fetch(self) -> bytes:
        with budgeted(ReadBudget(self.timeout)):
            response = self._http.get(self.url, timeout=self.timeout, stream=True)
        with response:
            response.raise_for_status()
            return read_capped(response, MAX_JWKS_BYTES)


def _parse(document: object) -> dict[str | None, tuple[str, Any]]:
    keys: dict[str | None, tuple[str, Any]] = {}
    entries = document.get("keys") if isinstance(document, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        if (not isinstance(entry, dict) or entry.get("use", "sig") != "sig"
                or not isinstance(entry.get("kid", ""), str)
                or not isinstance(entry.get("kty", ""), str)):
            continue
        algorithm = entry.get("alg") or _ALGORITHM_BY_KEY_TYPE.get(str(entry.get("kty", "")))
        if algorithm not in ALGORITHMS:
            continue
        try:
            key = jwt.PyJWK(entry, algorithm=algorithm).key
        except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError):
            continue
        keys[entry.get("kid")] = (algorithm, key)
    return keys
