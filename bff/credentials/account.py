"""The account strategy: one project and one key per org via /v1/projects*, exactly once.

``POST /v1/projects`` is not idempotent, so the tenant registry decides who creates:

1. the first worker to insert the org's row (unique per org) holds its lease; the others
   poll the row, bounded by CRAFTKIT_REGISTRY_WAIT, and take over a lease that expired;
2. the holder notes ``create_sent_at`` and a fresh tag *before* it sends the create, whose
   project name carries the tag (registry/naming.py); a claimant that finds them set lists
   the account's projects and adopts the one with exactly that name instead of creating
   again (and, while an earlier create may still land, waits rather than create). A
   project merely named like the org's is never adopted, and two with the exact name are
   an error for an operator to look at, not a choice;
3. the holder records the project, mints its key and stores it sealed, releasing the lease.

Each step is its own short transaction, none spans an upstream call, and a crash between
any two leaves a row the next claimant can finish. A key Craftkit rejects is replaced by a
key minted for the same project, never by a new project.
"""

from __future__ import annotations

import hmac
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..errors import (
    ProvisionFailed,
    ProvisionPending,
    RegistrySecretMismatch,
    RegistryUnavailable,
    TenantDeprovisioned,
    UpstreamFailure,
    UpstreamRejected,
)
from ..ops.requestlog import printable
from ..registry import CREATED, DEPROVISIONED, KEYED, RESERVED, RowUnreadable, Tenant
from ..registry.naming import new_tag, project_name
from .account_api import PLAIN, AccountApi

if TYPE_CHECKING:
    from ..registry import Registry

log = logging.getLogger("bff.provision")
_FIRST_POLL, _LAST_POLL = 0.05, 0.5
# A minted key goes into an Authorization header and the registry: plain ASCII, bounded.
_KEY = re.compile(r"[!-~]{1,512}")


def _no_step(step: str) -> None:
    """Do nothing: steps are observable only to the crash tests, which replace this."""


class AccountProvisioner:
    """Provision orgs with the account key, deduplicated through the tenant registry."""

    strategy = "account"

    def __init__(self, api: AccountApi, registry: Registry, *, lease: float, wait: float,
                 grace: float, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.api = api
        self.registry = registry
        self._lease, self._wait, self._grace = lease, wait, grace
        self._clock, self._sleep = clock, sleep
        self.on_step: Callable[[str], None] = _no_step

    def provision(self, org_id: str, org_name: str, rejected_key: str | None = None) -> str:
        """Return the org's key: the registry's, else create (or finish creating) it."""
        return self._resolve(org_id, org_name, rejected_key, revive=False)

    def provision_again(self, org_id: str, org_name: str) -> str:
        """Like provision, but bring a deprovisioned org back (an operator asked to)."""
        return self._resolve(org_id, org_name, None, revive=True)

    def _resolve(self, org_id: str, org_name: str, rejected_key: str | None,
                 revive: bool) -> str:
        owner = uuid.uuid4().hex
        deadline = self._clock() + self._wait
        pause = _FIRST_POLL
        while True:
            tenant = self.registry.get(org_id)
            if tenant is None:
                if self.registry.reserve(org_id, org_name, self.strategy, owner, self._lease):
                    self.on_step("reserved")
                    return self._finish(org_id, org_name, owner, None)
                continue  # another worker inserted it first: read what it wrote
            if tenant.state == DEPROVISIONED:
                if not revive:
                    raise TenantDeprovisioned()
                if self.registry.revive(org_id, org_name, owner, self._lease):
                    self.on_step("reserved")
                    return self._finish(org_id, org_name, owner, None)
                continue
            if tenant.state == KEYED:
                key = self._open(tenant)
                if rejected_key is None or not hmac.compare_digest(key, rejected_key):
                    return key
            if (not tenant.leased_by_other(owner, self.registry.now())
                    and self.registry.claim(org_id, owner, self._lease)):
                return self._finish(org_id, org_name, owner, rejected_key)
            if self._clock() >= deadline:
                raise ProvisionPending()
            self._sleep(min(pause, max(0.0, deadline - self._clock())))
            pause = min(pause * 2, _LAST_POLL)

    def _finish(self, org_id: str, org_name: str, owner: str,
                rejected_key: str | None) -> str:
        """Take the org's row from wherever it stands to keyed, while holding its lease."""
        try:
            tenant = self._current(org_id)
            if tenant.state == KEYED:
                key = self._open(tenant)
                if rejected_key is None or not hmac.compare_digest(key, rejected_key):
                    return key  # someone replaced the rejected key before we got the lease
            if tenant.state == RESERVED:
                tenant = self._create(tenant, owner)
            return self._mint(tenant, owner)
        finally:
            try:
                self.registry.release(org_id, owner)
            except RegistryUnavailable:
                pass  # the lease expires on its own

    def _create(self, tenant: Tenant, owner: str) -> Tenant:
        """Create the org's project, or adopt the one an earlier lost answer created."""
        org_id = tenant.org_id
        project = None
        if tenant.create_sent_at is not None:
            project = self._find(tenant.org_name, org_id, tenant.create_tag)
            if (project is None
                    and self.registry.now() - tenant.create_sent_at < self._grace):
                # The earlier create may still be under way upstream: creating now could
                # make a second project, so wait until it must have landed or failed.
                raise ProvisionPending()
        if project is None:
            tag = new_tag()
            self._update(org_id, owner, create_sent_at=self.registry.now(), create_tag=tag)
            self.on_step("create_sent")
            project = self._send_create(org_id, tenant.org_name, tag)
        self.on_step("project_created")
        self._update(org_id, owner, state=CREATED, project_id=project["id"],
                     project_slug=project["slug"])
        self.on_step("project_recorded")
        log.info("created project %s for org %s", printable(project["id"]), printable(org_id))
        return self._current(org_id)

    def _send_create(self, org_id: str, org_name: str, tag: str) -> dict:
        try:
            return self.api.create(project_name(org_name, org_id, tag))
        except UpstreamRejected as error:
            log.error("Craftkit refused to create a project for org %s: status=%s code=%s",
                      printable(org_id), error.status, printable(error.upstream_code or "-"))
            raise ProvisionFailed() from error
        except UpstreamFailure as lost:
            # Sent, maybe created, answer lost (timeout, reset, 5xx): look, never re-create.
            log.warning("create for org %s lost its answer (%s); looking for the project",
                        printable(org_id), lost.code)
            project = self._find(org_name, org_id, tag)
            if project is None:
                raise
            return project

    def _find(self, org_name: str, org_id: str, tag: str | None) -> dict | None:
        """Return the project the create tagged tag made (exact name), within the lease."""
        # A row of 0.2 recorded no tag: its create's name had none.
        return self.api.find(project_name(org_name, org_id, tag), within=self._lease / 3)

    def _mint(self, tenant: Tenant, owner: str) -> str:
        """Mint a key for the org's project and keep it sealed; the lease goes with it."""
        project_id = tenant.project_id
        if project_id is None:
            raise ProvisionPending()  # the row lost its project (reconcile): start over
        try:
            minted = self.api.mint(project_id)
        except UpstreamRejected as error:
            log.error("cannot mint a key for org %s: project %s answered %s (deleted outside "
                      "craftkit-bff? run `craftkit-bff tenants reconcile`)",
                      printable(tenant.org_id), printable(project_id), error.status)
            raise ProvisionFailed() from error
        key = minted.get("key")
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise ProvisionFailed()
        self.on_step("key_minted")
        raw_id = minted.get("id")
        key_id = raw_id if isinstance(raw_id, str) and PLAIN.fullmatch(raw_id) else None
        # The registry seals the key for the row's next generation (registry/integrity.py).
        self._update(tenant.org_id, owner, state=KEYED, key=key, key_id=key_id,
                     lease_owner=None, lease_until=None)
        self.on_step("key_recorded")
        return key

    def _open(self, tenant: Tenant) -> str:
        if tenant.strategy != self.strategy or tenant.key_sealed is None:
            log.error("org %s was provisioned with the %s strategy; this BFF uses the "
                      "account key and holds no key for it", printable(tenant.org_id),
                      printable(tenant.strategy))
            raise ProvisionFailed()
        try:
            return self.registry.open_key(tenant)
        except RowUnreadable:
            log.error("the registry row of org %s cannot be decrypted with "
                      "CRAFTKIT_REGISTRY_SECRET (nor CRAFTKIT_REGISTRY_SECRET_PREVIOUS)",
                      printable(tenant.org_id))
            raise RegistrySecretMismatch() from None

    def _current(self, org_id: str) -> Tenant:
        tenant = self.registry.get(org_id)
        if tenant is not None and tenant.state == DEPROVISIONED:
            raise TenantDeprovisioned()  # an operator removed it while we held the lease
        if tenant is None:
            raise ProvisionPending()  # an operator dropped the row: the caller retries
        return tenant

    def _update(self, org_id: str, owner: str, **values: object) -> None:
        if not self.registry.update_leased(org_id, owner, **values):
            # Our lease expired and another worker took over: it finishes the job.
            raise ProvisionPending()
