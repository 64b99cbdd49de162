"""Resolve an org id to its project key: validated, single flight, evicted and retried.

The resolver owns the rules and is the one place that decides to provision; where keys are
kept (a KeyStore) and how an org becomes a key (a Provisioner) are plugged in. Single
flight is per process (threads wait on one leader) and, when the store offers FleetLocks,
across processes too: the leader takes the org's fleet lock before provisioning, and a
leader that finds it taken polls the store until the key appears. Every wait is bounded
by ``wait_timeout``; a request that reaches the bound gets KeyResolutionTimeout (504).

With a tenant registry, every key the store hands back is checked against the orgs an
operator deprovisioned (``Offboarding``), and a freshly provisioned key is kept only after
the org's row is read again: a deprovision takes effect in every process within seconds.
"""

from __future__ import annotations

import threading
import time
import unicodedata
from collections.abc import Callable
from enum import Enum
from typing import TYPE_CHECKING, TypeVar

from ..errors import BffError, InvalidRequest, KeyRejected, KeyResolutionTimeout, ProvisionFailed
from ..ops import tracing
from ..ops.metrics import Metrics
from .key_check import KeyCheck
from .provisioners import Provisioner
from .stores import FleetLocks, KeyStore

if TYPE_CHECKING:
    from .offboarding import Offboarding

T = TypeVar("T")
MAX_ORG_ID_LENGTH = 200
# A request waits at most this long for another to resolve the same org (see build_state).
DEFAULT_WAIT_TIMEOUT = 30.0
# Fleet waiters poll the store from 10 ms, backing off to 100 ms: a provision takes ~0.2 s.
FIRST_POLL, MAX_POLL = 0.01, 0.1


def validate_org_id(org_id: object) -> str:
    """Return org_id if it is a usable org id, else raise InvalidRequest (no network call).

    An empty id would provision a catch-all org upstream that every unresolved user
    shares, so empty, blank, over-long and control-character ids never get that far.
    """
    if not isinstance(org_id, str) or not org_id.strip():
        raise InvalidRequest("The org id must be a non-empty string.")
    if len(org_id) > MAX_ORG_ID_LENGTH:
        raise InvalidRequest(f"The org id must be at most {MAX_ORG_ID_LENGTH} characters.")
    # Printable ASCII (the usual id) has no control or separator character but the
    # space; only other text needs the per-character look at Unicode categories.
    if org_id != org_id.strip() or not (org_id.isascii() and org_id.isprintable()) and any(
            unicodedata.category(c)[0] in "CZ" and c != " " for c in org_id):
        raise InvalidRequest("The org id must not contain control characters or "
                             "surrounding whitespace.")
    return org_id


class StaleKey(Enum):
    """What a 401/403 from Craftkit, to a call made with a stored key, means for that call.

    ``RETRY``: the key went stale (Craftkit rotated it): evict it if it is still the stored
    one, resolve the org's key again and retry the call once. ``REFUSED``: Craftkit may be
    refusing the request itself rather than the key (a refresh with a reused, expired or
    foreign renew token answers 401 too), so the key is never evicted on the caller's word:
    replaying one stale renew token must not cost the org its key, once per replay.
    ``VERIFY``: as ``REFUSED`` unless a check the caller cannot influence (``KeyCheck``: one
    read with the same key, shared and remembered for a few seconds) shows the key itself
    is refused; then as ``RETRY``. A refresh survives a key rotation, and replaying a seal
    costs at most one check per few seconds and never a provision.
    """

    RETRY = "retry"
    REFUSED = "refused"
    VERIFY = "verify"


class _Flight:
    """One in-progress provision that concurrent callers for the same org wait on."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.key: str | None = None
        self.error: BaseException | None = None


class KeyResolver:
    """Resolve org ids to project keys: store first, else one provision per org at a time."""

    def __init__(self, provisioner: Provisioner, store: KeyStore,
                 metrics: Metrics | None = None,
                 wait_timeout: float = DEFAULT_WAIT_TIMEOUT,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep,
                 key_check: KeyCheck | None = None,
                 offboarding: Offboarding | None = None) -> None:
        self.provisioner = provisioner
        self.key_check = key_check
        self.store = store
        self.offboarding = offboarding
        self.wait_timeout = wait_timeout
        self._metrics = metrics or Metrics(enabled=False)
        self._fleet_locks = store if isinstance(store, FleetLocks) else None
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._flights: dict[str, _Flight] = {}

    def get(self, org_id: str, org_name: str | None = None) -> str:
        """Return the org's key from the store, or provision it exactly once."""
        return self._resolve(validate_org_id(org_id), org_name)[0]

    def call(self, org_id: str, org_name: str | None, action: Callable[[str], T], *,
             stale: StaleKey = StaleKey.RETRY) -> T:
        """Run action(key); what a rejected stored key leads to is ``stale``'s to say."""
        key, stored = self._resolve(validate_org_id(org_id), org_name)
        try:
            return action(key)
        except KeyRejected as error:
            if not (stored and error.about_key and self._went_stale(stale, key)):
                raise
        self.evict(org_id, key)
        key, _ = self._resolve(org_id, org_name, rejected_key=key)
        return action(key)

    def _went_stale(self, stale: StaleKey, key: str) -> bool:
        """Tell whether a stored key Craftkit refused went stale, as the call's policy says."""
        if stale is StaleKey.VERIFY:
            return self.key_check is not None and self.key_check.is_stale(key)
        return stale is StaleKey.RETRY

    def evict(self, org_id: str, key: str) -> None:
        """Forget the org's key, unless it has been replaced by a newer one meanwhile."""
        self.store.delete_if(org_id, key)

    @tracing.in_key_span
    def _resolve(self, org_id: str, org_name: str | None,
                 rejected_key: str | None = None) -> tuple[str, bool]:
        key = self._stored(org_id, rejected_key)
        self._metrics.key_lookup(hit=key is not None)
        if key is not None:
            return key, True
        with self._lock:
            existing = self._flights.get(org_id)
            leader = existing is None
            flight = self._flights[org_id] = existing or _Flight()
        if leader:
            return self._lead(flight, org_id, org_name or org_id, rejected_key), False
        if not flight.done.wait(self.wait_timeout):
            raise KeyResolutionTimeout()
        if flight.key is None:
            raise _copy_of(flight.error)
        return flight.key, False

    def _lead(self, flight: _Flight, org_id: str, org_name: str,
              rejected_key: str | None) -> str:
        try:
            # Another thread may have stored it between our miss and taking the lead.
            key = self._stored(org_id, rejected_key)
            if key is None:
                key = self._provision_once(org_id, org_name, rejected_key)
            flight.key = key
            return key
        except BaseException as error:
            flight.error = error
            raise
        finally:
            with self._lock:
                del self._flights[org_id]
            flight.done.set()

    def _provision_once(self, org_id: str, org_name: str, rejected_key: str | None) -> str:
        """Provision under the org's fleet lock, or wait for the process that holds it."""
        if self._fleet_locks is None:
            return self._provision(org_id, org_name, rejected_key)
        deadline = self._clock() + self.wait_timeout
        delay = FIRST_POLL
        while True:
            lease = self._fleet_locks.try_lock(org_id)
            if lease is not None:
                try:
                    # The holder before us may have stored it just before letting go.
                    return (self._stored(org_id, rejected_key)
                            or self._provision(org_id, org_name, rejected_key))
                finally:
                    lease.release()
            if self._clock() + delay > deadline:
                raise KeyResolutionTimeout()
            self._sleep(delay)
            delay = min(delay * 1.5, MAX_POLL)
            key = self._stored(org_id, rejected_key)
            if key is not None:
                return key

    def _provision(self, org_id: str, org_name: str, rejected_key: str | None) -> str:
        self._metrics.provision()
        key = self.provisioner.provision(org_id, org_name, rejected_key)
        if self.offboarding is not None:
            # Deprovisioned while the provision was in flight: keep nothing, serve nothing.
            self.offboarding.confirm(org_id)
        self.store.set(org_id, key)
        return key

    def _stored(self, org_id: str, rejected_key: str | None) -> str | None:
        # A key Craftkit has just refused is no answer, even if a store still holds it.
        key = self.store.get(org_id)
        if key is None or key == rejected_key:
            return None
        if self.offboarding is not None:
            self.offboarding.check(org_id)
        return key


def _copy_of(error: BaseException | None) -> BffError:
    """Give a waiter its own exception like the leader's (sharing one breaks tracebacks)."""
    if isinstance(error, BffError):
        return type(error)(error.message, status=error.status, code=error.code,
                           upstream_code=error.upstream_code)
    return ProvisionFailed()
