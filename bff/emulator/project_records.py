"""Projects and their keys: slugs, ownership, soft delete, minting project keys."""

from __future__ import annotations

import re
import sqlite3
import unicodedata
import uuid
from typing import Any

from .clock import now
from .config import random_token
from .crypto import hash_key
from .errors import Conflict, NotFound
from .store import Store

PROJECT_KEY_PREFIX = "ck_live_"
_SLUG_MAX = 60


def slugify(name: str) -> str:
    """Turn a project name into a URL slug: "Acme Corp" -> "acme-corp"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:_SLUG_MAX].rstrip("-") or "project"


def public(row: dict[str, Any]) -> dict[str, str]:
    """Return a project as the API shows it."""
    return {"id": row["id"], "slug": row["slug"], "name": row["name"]}


def create_project(store: Store, account_id: str | None, name: str, max_suffix: int) -> dict:
    """Insert a project, trying slug, slug-1 ... slug-<max_suffix>; 409 when all are taken."""
    base = slugify(name)
    project_id = str(uuid.uuid4())
    with store.transaction():
        for attempt in range(max_suffix + 1):
            slug = base if attempt == 0 else f"{base}-{attempt}"
            try:
                store.execute(
                    "INSERT INTO projects (id, account_id, name, slug, created_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (project_id, account_id, name, slug, now()),
                )
            except sqlite3.IntegrityError:
                continue
            return {"id": project_id, "slug": slug, "name": name}
    raise Conflict(f"Every slug from {base!r} to {base}-{max_suffix} is taken in this account.")


def get_owned(store: Store, account_id: str, project_id: str) -> dict:
    """Return the account's live project; a stranger's or deleted one is just not found."""
    row = store.one(
        "SELECT * FROM projects WHERE id = ? AND account_id = ? AND deleted_at IS NULL",
        (project_id, account_id),
    )
    if row is None:
        raise NotFound("No such project.")
    return row


def list_owned(store: Store, account_id: str, after_seq: int, limit: int) -> list[dict]:
    """Return up to limit live projects of the account, oldest first, after a cursor."""
    return store.all(
        "SELECT * FROM projects WHERE account_id = ? AND deleted_at IS NULL AND seq > ? "
        "ORDER BY seq LIMIT ?",
        (account_id, after_seq, limit),
    )


def rename(store: Store, account_id: str, project_id: str, name: str) -> dict:
    """Rename a project; its slug stays, since callers may have stored it."""
    with store.transaction():
        row = get_owned(store, account_id, project_id)
        store.execute("UPDATE projects SET name = ? WHERE id = ?", (name, project_id))
    return public({**row, "name": name})


def soft_delete(store: Store, account_id: str, project_id: str) -> None:
    """Mark a project deleted; its keys stop authenticating at once."""
    with store.transaction():
        get_owned(store, account_id, project_id)
        store.execute("UPDATE projects SET deleted_at = ? WHERE id = ?", (now(), project_id))


def mint_key(store: Store, project_id: str, name: str) -> dict[str, str]:
    """Create a project key; only its hash is kept, so the plaintext is returned once."""
    key = PROJECT_KEY_PREFIX + random_token(32)
    row = {"id": str(uuid.uuid4()), "prefix": key[: len(PROJECT_KEY_PREFIX) + 5], "key": key}
    store.execute(
        "INSERT INTO project_keys (id, project_id, name, prefix, key_hash, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (row["id"], project_id, name, row["prefix"], hash_key(key), now()),
    )
    return row
