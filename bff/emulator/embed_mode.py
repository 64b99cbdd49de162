"""Embed mode of a project: an embed partner with its signing key and permission presets.

Provisioned orgs get it at once; a project made with ``POST /v1/projects`` gets it when the
account owner switches it on, as the seeds' dashboard does (Project -> Embed -> Enable).
"""

from __future__ import annotations

import json
import secrets
import uuid

from .crypto import OrgSecretSealer
from .permissions import PRESETS
from .store import Store


def enable_embed(store: Store, sealer: OrgSecretSealer, project_id: str) -> str:
    """Give the project an embed partner (once) and return the partner id."""
    with store.transaction():
        row = store.one("SELECT id FROM partners WHERE project_id = ?", (project_id,))
        if row is not None:
            return row["id"]
        partner_id = str(uuid.uuid4())
        store.execute(
            "INSERT INTO partners (id, project_id, signing_key_sealed, presets) "
            "VALUES (?, ?, ?, ?)",
            (partner_id, project_id,
             sealer.seal(secrets.token_urlsafe(32), signing_context(partner_id)),
             json.dumps(PRESETS)),
        )
        return partner_id


def disable_embed(store: Store, project_id: str) -> bool:
    """Remove the project's embed partner; its sessions stop verifying. False if none."""
    return store.execute("DELETE FROM partners WHERE project_id = ?", (project_id,)) == 1


def signing_context(partner_id: str) -> str:
    """Return the AEAD context a partner's signing key is sealed under."""
    return f"signing-key:{partner_id}"
