"""Admin provisioning: one project, key, embed partner and signing key per external org."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from .clock import now
from .crypto import OrgSecretSealer, SealBroken
from .embed_mode import enable_embed, signing_context
from .errors import InternalError
from .project_records import create_project, mint_key
from .store import Store

__all__ = ["Provisioned", "provision_org", "signing_context"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Provisioned:
    """What POST /v1/admin/provision answers."""

    project_id: str
    partner_id: str
    api_key: str
    already_existed: bool


def provision_org(
    store: Store, sealer: OrgSecretSealer, external_org_id: str, org_name: str | None
) -> Provisioned:
    """Create the org's stack once; later calls decrypt and return the same key."""
    with store.transaction():
        row = store.one("SELECT * FROM orgs WHERE external_org_id = ?", (external_org_id,))
        if row is not None:
            return Provisioned(row["project_id"], row["partner_id"], _open_key(sealer, row), True)
        return _create(store, sealer, external_org_id, org_name)


def _open_key(sealer: OrgSecretSealer, row: dict) -> str:
    try:
        return sealer.open(row["api_key_sealed"], _key_context(row["project_id"]))
    except SealBroken:
        # The seed's pitfall: the admin key changed since this org was provisioned.
        log.error("stored key of project %s cannot be decrypted (admin key changed?)",
                  row["project_id"])
        raise InternalError() from None


def _create(
    store: Store, sealer: OrgSecretSealer, external_org_id: str, org_name: str | None
) -> Provisioned:
    project = create_project(store, None, org_name or external_org_id or "Unnamed org", 0)
    api_key = mint_key(store, project["id"], "Provisioned key")["key"]
    partner_id = enable_embed(store, sealer, project["id"])
    store.execute(
        "INSERT INTO orgs (external_org_id, org_name, project_id, partner_id, api_key_sealed,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (
            external_org_id,
            org_name,
            project["id"],
            partner_id,
            sealer.seal(api_key, _key_context(project["id"])),
            now(),
        ),
    )
    log.info("provisioned project %s for a new org", project["id"])
    return Provisioned(project["id"], partner_id, api_key, False)


def _key_context(project_id: str) -> str:
    return f"project-key:{project_id}"
