"""Deprovisioned orgs as every process learns them: the registry's changes, polled.

``craftkit-bff tenants deprovision`` marks the org's row in the registry. A process that
already holds the org's key (in memory, or as a copy of a Redis entry) would otherwise use it
until the key TTL runs out, so the key resolver asks ``Offboarding.check`` on every hit. The
check is a set lookup; at most every ``interval`` seconds one request of the process also
reads the rows changed since the last read (one query on an index, however many orgs there
are), so every process refuses a deprovisioned org within about ``interval`` seconds.

The hit path never waits on a registry that is down: the read fails fast into a back-off,
and the last set known stands meanwhile (a deprovision needs the registry too, so the
orgs it refuses are the ones it knew). ``confirm`` reads one row now: the resolver calls it
before keeping a key it has just provisioned, so a deprovision that landed while that
provision was in flight wins.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..config import Settings
from ..errors import BffError, TenantDeprovisioned
from ..registry import DEPROVISIONED

if TYPE_CHECKING:
    from ..registry import Registry

log = logging.getLogger("bff.provision")

# Re-read the rows updated this long before the last read too: a transaction that began
# before it may commit after it (row times are taken when a transaction starts).
OVERLAP = 30.0
LONGEST_BACK_OFF = 60.0


class Offboarding:
    """Refuse orgs the registry says are deprovisioned, as of at most ``interval`` ago."""

    def __init__(self, registry: Registry, interval: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._registry = registry
        self._interval = interval
        self._clock = clock
        self._gone: frozenset[str] = frozenset()
        self._since: float | None = None  # registry time up to which changes are known
        self._due = 0.0
        self._failures = 0
        self._polling = threading.Lock()

    def check(self, org_id: str) -> None:
        """Raise TenantDeprovisioned if the org was deprovisioned (as last read)."""
        if self._clock() >= self._due and self._polling.acquire(blocking=False):
            if self._since is None:
                self._poll()
            else:
                threading.Thread(target=self._poll, name="craftkit-bff-offboarding",
                                 daemon=True).start()
        if org_id in self._gone:
            raise TenantDeprovisioned()

    def confirm(self, org_id: str) -> None:
        """Read the org's row now; raise TenantDeprovisioned if it is deprovisioned."""
        tenant = self._registry.get(org_id)
        if tenant is not None and tenant.state == DEPROVISIONED:
            self._gone = self._gone | {org_id}
            raise TenantDeprovisioned()

    def _poll(self) -> None:
        """Read what changed (the caller took the polling lock; this gives it back)."""
        try:
            self._read_changes()
        finally:
            self._polling.release()

    def _read_changes(self) -> None:
        try:
            now, rows = self._registry.changes(
                None if self._since is None else self._since - OVERLAP)
        except BffError as error:
            self._failures += 1
            pause = min(self._interval * 2 ** self._failures, LONGEST_BACK_OFF)
            self._due = self._clock() + pause
            log.warning("could not read deprovisioned orgs from the tenant registry (%s); "
                        "trying again in %.0f s", error.code, pause)
            return
        if self._since is None:
            gone = {org_id for org_id, _ in rows}
        else:
            changed = dict(rows)
            gone = {org for org in self._gone if changed.get(org, DEPROVISIONED)
                    == DEPROVISIONED}
            gone |= {org for org, state in changed.items() if state == DEPROVISIONED}
        self._gone, self._since = frozenset(gone), now
        self._failures = 0
        self._due = self._clock() + self._interval


def offboarding_for(registry: Registry | None, settings: Settings) -> Offboarding | None:
    """Return the offboarding check of an app with a registry (None: nothing records one)."""
    return Offboarding(registry, settings.registry_poll) if registry is not None else None
