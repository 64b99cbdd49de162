"""Project names that say which org they belong to, so a reconcile can find ours.

``POST /v1/projects`` is not idempotent and has no idempotency key, so after a lost answer
the only way to find the project we may have created is to list the account's projects.
Each project we create ends in a marker: `` [ckbff:ORG]`` with the org id itself when it is
short and plain (then even a lost registry row can be adopted back), else
`` [ckbff#HASH]`` with a SHA-256 prefix of it. Only the last marker counts, so an org name
that imitates another org's marker cannot pass for it.
"""

from __future__ import annotations

import hashlib

MAX_NAME = 200  # Craftkit's limit for a project name
_PLAIN = " [ckbff:"
_HASHED = " [ckbff#"
_MAX_PLAIN_ORG = 100


def marker_for(org_id: str) -> str:
    """Return the marker that ends the names of the org's projects."""
    if len(org_id) <= _MAX_PLAIN_ORG and "[" not in org_id and "]" not in org_id:
        return f"{_PLAIN}{org_id}]"
    digest = hashlib.sha256(b"craftkit-bff org\0" + org_id.encode()).hexdigest()[:24]
    return f"{_HASHED}{digest}]"


def project_name(org_name: str, org_id: str) -> str:
    """Return the name to create (or rename) the org's project with."""
    marker = marker_for(org_id)
    display = " ".join(org_name.split())[: MAX_NAME - len(marker)].rstrip() or "Org"
    return display + marker


def marker_of(name: str) -> str | None:
    """Return the marker a project name ends with, or None for a project not made by us."""
    if not name.endswith("]"):
        return None
    start = max(name.rfind(_PLAIN), name.rfind(_HASHED))
    if start < 0 or "]" in name[start + len(_PLAIN):-1]:
        return None
    return name[start:]


def org_in_marker(marker: str) -> str | None:
    """Return the org id a plain marker spells out (None for a hashed one)."""
    if marker.startswith(_PLAIN):
        return marker[len(_PLAIN):-1]
    return None


def display_name(name: str) -> str:
    """Return a project name without its marker (the org's display name)."""
    marker = marker_of(name)
    return name[: -len(marker)] if marker else name
