"""One org's registry row as Python sees it, and the states it moves through."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

RESERVED = "reserved"          # a worker claimed the creation; nothing known upstream yet
CREATED = "created"            # the project exists upstream; no key held yet
KEYED = "keyed"                # the project and its key (sealed) are held
DEPROVISIONED = "deprovisioned"  # an operator removed it; the BFF refuses the org


@dataclass(frozen=True)
class Tenant:
    """A row of the tenant registry (the key stays sealed here)."""

    org_id: str
    org_name: str
    strategy: str
    state: str
    project_id: str | None
    project_slug: str | None
    partner_id: str | None
    key_sealed: str | None
    key_id: str | None
    create_sent_at: float | None
    lease_owner: str | None
    lease_until: float | None
    created_at: float
    updated_at: float
    deprovisioned_at: float | None
    generation: int = 0
    row_seal: str | None = None
    create_tag: str | None = None

    @classmethod
    def from_row(cls, row: Any) -> Tenant:
        """Build a Tenant from a database row mapping."""
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})

    @classmethod
    def unrecorded(cls, org_id: str, org_name: str, strategy: str, project_id: object,
                   partner_id: object) -> Tenant:
        """Describe a keyed org that no registry records (admin mode without one)."""
        now = time.time()
        return cls(org_id, org_name, strategy, KEYED, _text(project_id), None,
                   _text(partner_id), None, None, None, None, None, now, now, None)

    def leased_by_other(self, owner: str, now: float) -> bool:
        """Tell whether another worker holds a live lease on this org."""
        return (self.lease_owner is not None and self.lease_owner != owner
                and (self.lease_until or 0) >= now)

    def public(self) -> dict[str, Any]:
        """Return what an operator may see: everything but the sealed key and the lease."""
        shown = asdict(self)
        for private in ("key_sealed", "lease_owner", "row_seal", "create_tag"):
            del shown[private]
        shown["has_key"] = self.key_sealed is not None
        return shown


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
