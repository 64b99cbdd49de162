"""Publish the catalog to many orgs at once (``craftkit-bff catalogs publish``), resumably.

Each org goes through ``CatalogPublisher.ensure``, as before its next session: an org the
ledger already records at this version is skipped, and each publish is recorded as soon as
it is done. So an interrupted rollout, run again (or run on a second host at the same
time: the ledger's claim keeps them apart), publishes only the orgs not yet at the version.
Concurrency is bounded by a thread pool: each thread holds one upstream call at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field

from ..errors import BffError
from .publisher import CatalogPublisher, PublishingElsewhere


@dataclass
class Outcome:
    """What a rollout did, org by org."""

    catalog: str
    version: str
    published: list[str] = field(default_factory=list)
    current: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # org id -> error code (status)

    @property
    def done(self) -> int:
        return len(self.published) + len(self.current) + len(self.failed)

    def summary(self) -> dict:
        """Return the outcome as JSON shows it."""
        return {"catalog": self.catalog, "version": self.version,
                "published": len(self.published), "current": len(self.current),
                "failed": self.failed}


def roll_out(publisher: CatalogPublisher, orgs: Iterable[tuple[str, str | None]],
             concurrency: int,
             progress: Callable[[Outcome], None] = lambda outcome: None) -> Outcome:
    """Ensure every (org id, org name) holds the publisher's catalog version."""
    outcome = Outcome(publisher.catalog.name, publisher.version)
    # Orgs another process is publishing right now (or was, when it died: its claim expires
    # on its own) wait for the end, so they never hold up the rest.
    later: list[tuple[str, str | None]] = []
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for wait, batch in ((False, list(orgs)), (True, later)):
            futures = {pool.submit(publisher.ensure, org_id, org_name, wait=wait):
                       (org_id, org_name) for org_id, org_name in batch}
            for future in as_completed(futures):
                org = futures[future]
                try:
                    (outcome.published if future.result() else outcome.current).append(org[0])
                except PublishingElsewhere:
                    later.append(org)
                    continue
                except BffError as error:
                    outcome.failed[org[0]] = f"{error.code} ({error.status})"
                progress(outcome)
    return outcome
