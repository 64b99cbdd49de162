"""What a registry row's seals bind, so no column can be edited at rest unnoticed.

Two seals per row, both ``RowCipher.seal_bound`` (format v2, length-prefixed fields):

- ``key_sealed``, the org's project key, is bound to the org, its project and the row's
  ``generation``: a key copied from another row, or an older key written back after a
  ``rotate-key`` (which bumped the generation), does not open;
- ``row_seal`` seals nothing but binds what the row says: org, strategy, state,
  generation, project and the sealed key. Flip the state of a deprovisioned org, or
  restore an older key with its generation, and the seal no longer matches.

The generation goes up whenever the state, project or key changes. What no seal inside a
row can show is a whole row put back as it was (every column, its seals included): the
registry's own access control is what keeps that out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..config import ConfigError
from .crypto import RowCipher, RowUnreadable

# The columns the row seal binds; a change to any but the seal itself bumps the generation.
SEALED = ("org_id", "strategy", "state", "project_id", "key_sealed")


def key_fields(org_id: str, project_id: str, generation: int) -> tuple[str, ...]:
    """Return what a project key's seal is bound to."""
    return ("craftkit-bff tenant key", org_id, project_id, str(generation))


def row_fields(row: Mapping[str, Any]) -> tuple[str, ...]:
    """Return what a row's seal is bound to (None columns as empty text, marked apart)."""
    values = [row[name] for name in SEALED] + [row["generation"]]
    return ("craftkit-bff tenant row", *("" if v is None else f"={v}" for v in values))


def seal_row(cipher: RowCipher, row: Mapping[str, Any]) -> str:
    """Return the seal of what row says."""
    return cipher.seal_bound("", *row_fields(row))


def row_intact(cipher: RowCipher, row: Mapping[str, Any]) -> bool:
    """Tell whether row's seal matches what it says."""
    seal = row["row_seal"]
    if not seal:
        return False
    try:
        cipher.open_bound(seal, *row_fields(row))
    except RowUnreadable:
        return False
    return True


def completed(cipher: RowCipher | None, before: Mapping[str, Any] | None,
              changes: Mapping[str, Any]) -> dict[str, Any]:
    """Return the column values to write for changes to a row (before: None for a new row).

    ``changes`` may hold ``key``, a project key in plaintext (or None to drop it): it is
    sealed for the row's new generation and written as ``key_sealed``. When a sealed
    column changes, the generation goes up and, with a cipher, the row is sealed again.
    """
    values = {name: value for name, value in changes.items() if name != "key"}
    after = {**dict.fromkeys(SEALED), "generation": 0, **(before or {}), **values}
    changed = "key" in changes or any(before is None or after[name] != before[name]
                                      for name in SEALED)
    if before is not None and changed:
        after["generation"] = values["generation"] = before["generation"] + 1
    if "key" in changes:
        values["key_sealed"] = after["key_sealed"] = _sealed_key(cipher, changes["key"], after)
    if cipher is not None and (changed or not after.get("row_seal")):
        values["row_seal"] = seal_row(cipher, after)
    return values


def _sealed_key(cipher: RowCipher | None, key: str | None,
                row: Mapping[str, Any]) -> str | None:
    if key is None:
        return None
    if cipher is None:
        raise ConfigError("CRAFTKIT_REGISTRY_SECRET is not set: it is needed to keep "
                          "project keys in the tenant registry.")
    return cipher.seal_bound(key, *key_fields(row["org_id"], row["project_id"] or "",
                                              row["generation"]))
