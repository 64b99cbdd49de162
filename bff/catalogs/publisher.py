"""Publish the catalog file to an org's project before its session, once per version.

``ensure(org)``: nothing when this process knows the org is at the file's version (a local
copy, no round trip); else, single flight in the process, the ledger says whether it is;
else the process that claims the org's row (or Redis lock) publishes with the org's own
key (``POST /v1/embed/catalogs`` through a ``TenantClient``) and records the version, while
any other waits for that record. ``session(org, mint)`` wraps a session mint: ensure, mint,
and when Craftkit answers 404 (the catalog is gone upstream), publish again and mint once
more. The catalog was published moments before a mint started, a 404 names something else
(an unknown template, say), so a bad request costs no publish.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from cachetools import TTLCache

from ..credentials.tenant_client import TenantClient
from ..errors import (
    BffError,
    CatalogFailed,
    KeyRejected,
    UpstreamFailure,
    UpstreamRejected,
    UpstreamUnavailable,
)
from ..ops import tracing
from .file import CatalogFile
from .ledger import CatalogLedger

log = logging.getLogger("bff.catalogs")
T = TypeVar("T")
ENDPOINT = "/v1/embed/catalogs"
# A 404 within this many seconds of publishing is not the catalog's (no publish for it).
RECENT = 30.0
FIRST_POLL, MAX_POLL = 0.02, 0.25


class _Flight:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.error: BaseException | None = None


class CatalogPublisher:
    """Keep one catalog file published in every org's project, at its current version."""

    def __init__(self, catalog: CatalogFile, ledger: CatalogLedger,
                 client_for: Callable[[str, str | None], TenantClient], *,
                 wait: float, lease: float, cache_size: int = 10_000,
                 cache_ttl: float = 600.0, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.catalog = catalog
        self.ledger = ledger
        self._client_for = client_for
        self._wait, self._lease = wait, lease
        self._clock, self._sleep = clock, sleep
        # org id -> when this process learned the org holds the file's version (no round
        # trip needed), and when this process itself last published it there.
        self._current: TTLCache[str, float] = TTLCache(cache_size, cache_ttl, timer=clock)
        self._published: TTLCache[str, float] = TTLCache(cache_size, cache_ttl, timer=clock)
        self._lock = threading.Lock()
        self._flights: dict[str, _Flight] = {}

    @property
    def version(self) -> str:
        """The version (content hash) of the catalog file."""
        return self.catalog.version

    def session(self, org_id: str, org_name: str | None, mint: Callable[[], T]) -> T:
        """Ensure the org holds the catalog, mint; on a 404, publish again and mint once more."""
        self.ensure(org_id, org_name)
        started = self._clock()
        try:
            return mint()
        except UpstreamRejected as error:
            if error.status != 404 or not self._published_again(org_id, org_name, started):
                raise
        return mint()

    def ensure(self, org_id: str, org_name: str | None = None, *, wait: bool = True) -> bool:
        """Make sure the org's project holds this version; True if this call published it.

        :param wait: wait for another process that is publishing to the org (else raise
            ``PublishingElsewhere`` at once: a rollout comes back to such orgs last).
        :raises CatalogFailed: the publish failed (its status says if a retry may help);
            key resolution's own errors (ProvisionFailed, ...) pass through unchanged.
        """
        with self._lock:
            if org_id in self._current:
                return False
            flight = self._flights.get(org_id)
            leader = flight is None
            if flight is None:
                flight = self._flights[org_id] = _Flight()
        if not leader:
            if not flight.done.wait(self._wait):
                raise _pending()
            if flight.error is not None:
                raise _copy(flight.error)
            return False
        try:
            return self._ensure_in_fleet(org_id, org_name, wait)
        except BaseException as error:
            flight.error = error
            raise
        finally:
            with self._lock:
                del self._flights[org_id]
            flight.done.set()

    def _ensure_in_fleet(self, org_id: str, org_name: str | None, wait: bool) -> bool:
        name, version = self.catalog.name, self.catalog.version
        deadline, pause = self._clock() + self._wait, FIRST_POLL
        client = None
        while True:
            if self.ledger.version(org_id, name) == version:
                self._mark(org_id)
                return False
            if client is None:
                # The key first (a provision, maybe), so the claim covers the publish only.
                client = self._client_for(org_id, org_name)
                client.resolve()
            claim = self.ledger.claim(org_id, name, self._lease)
            if claim is not None:
                try:
                    # The holder before us may have recorded it just before letting go.
                    if self.ledger.version(org_id, name) == version:
                        self._mark(org_id)
                        return False
                    self._publish(client, org_id)
                    self.ledger.record(org_id, name, version)
                    self._mark(org_id, published=True)
                    return True
                finally:
                    claim.release()
            if not wait:
                raise PublishingElsewhere()
            if self._clock() + pause > deadline:
                raise _pending()
            self._sleep(pause)
            pause = min(pause * 2, MAX_POLL)

    def _publish(self, client: TenantClient, org_id: str) -> None:
        try:
            with tracing.span("craftkit.catalog.publish", org=org_id,
                              catalog=self.catalog.name, version=self.version):
                client.post(ENDPOINT, self.catalog.publish_body())
        except UpstreamRejected as error:
            log.error("Craftkit refused catalog %s (version %s) for org %s: status=%s code=%s",
                      self.catalog.name, self.version, org_id, error.status,
                      error.upstream_code)
            raise CatalogFailed(f"Craftkit refused the org's variable catalog "
                                f"({error.status}); the operator must fix the catalog file.",
                                status=error.status, upstream_code=error.upstream_code
                                ) from error
        except (UpstreamFailure, KeyRejected) as error:
            log.warning("could not publish catalog %s to org %s: %s", self.catalog.name,
                        org_id, error.code)
            retry_after = error.retry_after if isinstance(error, UpstreamUnavailable) else 0
            status = 502 if isinstance(error, KeyRejected) else error.status
            raise CatalogFailed(status=status, retry_after=retry_after) from error
        log.info("published catalog %s (version %s) to org %s", self.catalog.name,
                 self.version, org_id)

    def _published_again(self, org_id: str, org_name: str | None, started: float) -> bool:
        """After a 404 to a mint begun at started: tell whether minting again may help."""
        with self._lock:
            last = self._published.get(org_id)
        if last is not None and last >= started:
            return True  # published (by another request) while this mint was in flight
        if last is not None and started - last < RECENT:
            return False  # published moments before: the 404 is about something else
        log.warning("Craftkit does not know catalog %s for org %s; publishing it again",
                    self.catalog.name, org_id)
        with self._lock:
            self._current.pop(org_id, None)
        self.ledger.forget(org_id, self.catalog.name, self.version)
        self.ensure(org_id, org_name)
        return True

    def _mark(self, org_id: str, published: bool = False) -> None:
        with self._lock:
            self._current[org_id] = now = self._clock()
            if published:
                self._published[org_id] = now


class PublishingElsewhere(CatalogFailed):
    """Another process holds the org's claim right now (``ensure(..., wait=False)``)."""


def _pending() -> CatalogFailed:
    return CatalogFailed("The org's variable catalog is still being published by another "
                         "request; try again in a few seconds.", status=503, retry_after=1)


def _copy(error: BaseException) -> BffError:
    """Give a waiter its own exception like the leader's (sharing one breaks tracebacks)."""
    if isinstance(error, CatalogFailed):
        return type(error)(error.message, status=error.status,
                             upstream_code=error.upstream_code, retry_after=error.retry_after)
    if isinstance(error, BffError):
        return type(error)(error.message, status=error.status, code=error.code,
                           upstream_code=error.upstream_code)
    return CatalogFailed()
