"""Resolve an org id to its project key: validated, single flight, evicted and retried.

The resolver owns the rules; where keys are kept (a KeyStore) and how an org becomes a key
(a Provisioner) are plugged in.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Callable
from typing import TypeVar

from ..errors import BffError, InvalidRequest, KeyRejected, ProvisionFailed
from ..metrics import Metrics
from .provisioners import Provisioner
from .stores import KeyStore

T = TypeVar("T")
MAX_ORG_ID_LENGTH = 200


def validate_org_id(org_id: object) -> str:
    """Return org_id if it is a usable org id, else raise InvalidRequest (no network call).

    An empty id would provision a catch-all org upstream that every unresolved user
    shares, so empty, blank, over-long and control-character ids never get that far.
    """
    if not isinstance(org_id, str) or not org_id.strip():
        raise InvalidRequest("The org id must be a non-empty string.")
    if len(org_id) > MAX_ORG_ID_LENGTH:
        raise InvalidRequest(f"The org id must be at most {MAX_ORG_ID_LENGTH} characters.")
    if org_id != org_id.strip() or any(unicodedata.category(c)[0] in "CZ" and c != " "
                                       for c in org_id):
        raise InvalidRequest("The org id must not contain control characters or "
                             "surrounding whitespace.")
    return org_id


class _Flight:
    """One in-progress provision that concurrent callers for the same org wait on."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.key: str | None = None
        self.error: BaseException | None = None


class KeyResolver:
    """Resolve org ids to project keys: store first, else one provision per org at a time."""

    def __init__(self, provisioner: Provisioner, store: KeyStore,
                 metrics: Metrics | None = None) -> None:
        self.provisioner = provisioner
        self.store = store
        self._metrics = metrics or Metrics(enabled=False)
        self._lock = threading.Lock()
        self._flights: dict[str, _Flight] = {}

    def get(self, org_id: str, org_name: str | None = None) -> str:
        """Return the org's key from the store, or provision it exactly once."""
        return self._resolve(validate_org_id(org_id), org_name)[0]

    def call(self, org_id: str, org_name: str | None, action: Callable[[str], T]) -> T:
        """Run action(key); if Craftkit rejects a stored key, evict it and retry once."""
        key, stored = self._resolve(validate_org_id(org_id), org_name)
        try:
            return action(key)
        except KeyRejected as error:
            if not (stored and error.about_key):
                raise
            self.evict(org_id, key)
            key, _ = self._resolve(org_id, org_name, rejected_key=key)
            return action(key)

    def evict(self, org_id: str, key: str) -> None:
        """Forget the org's key, unless it has been replaced by a newer one meanwhile."""
        self.store.delete_if(org_id, key)

    def _resolve(self, org_id: str, org_name: str | None,
                 rejected_key: str | None = None) -> tuple[str, bool]:
        key = self.store.get(org_id)
        self._metrics.key_lookup(hit=key is not None)
        if key is not None:
            return key, True
        with self._lock:
            flight = self._flights.get(org_id)
            leader = flight is None
            if leader:
                flight = self._flights[org_id] = _Flight()
        if leader:
            return self._lead(flight, org_id, org_name or org_id, rejected_key), False
        flight.done.wait()
        if flight.key is None:
            raise _copy_of(flight.error)
        return flight.key, False

    def _lead(self, flight: _Flight, org_id: str, org_name: str,
              rejected_key: str | None) -> str:
        try:
            # Another thread may have stored it between our miss and taking the lead.
            key = self.store.get(org_id)
            if key is None:
                self._metrics.provision()
                key = self.provisioner.provision(org_id, org_name, rejected_key)
                self.store.set(org_id, key)
            flight.key = key
            return key
        except BaseException as error:
            flight.error = error
            raise
        finally:
            with self._lock:
                del self._flights[org_id]
            flight.done.set()


def _copy_of(error: BaseException | None) -> BffError:
    """Give a waiter its own exception like the leader's (sharing one breaks tracebacks)."""
    if isinstance(error, BffError):
        return type(error)(error.message, status=error.status, code=error.code,
                           upstream_code=error.upstream_code)
    return ProvisionFailed()
