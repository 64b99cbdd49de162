"""Project names that say which org they belong to, so a reconcile can find ours.

``POST /v1/projects`` is not idempotent and has no idempotency key, so after a lost answer
the only way to find the project we may have created is to list the account's projects.
Each project we create ends in a marker: `` [ckbff:ORG]`` with the org id itself when it is
short and plain (then even a lost registry row can be adopted back), else
`` [ckbff#HASH]`` with a SHA-256 prefix of it. Only the last marker counts, so an org name
that imitates another org's marker cannot pass for it, and ``org_in_marker`` gives an org
id only when that id's own marker is the one it came from.

A create also puts a tag before the marker, `` ~TAG`` (8 random hex digits, recorded in the
org's row before the create is sent): after a lost answer, the project that create made is
the one with exactly that name, which no project made before the create can have had.
Anything else named like the org's projects is a look-alike: reported, never adopted.
"""

from __future__ import annotations

import hashlib
import re
import secrets

MAX_NAME = 200  # Craftkit's limit for a project name
_PLAIN = " [ckbff:"
_HASHED = " [ckbff#"
_MAX_PLAIN_ORG = 100
_TAG = re.compile(r" ~[0-9a-f]{8}$")


def new_tag() -> str:
    """Return a fresh create tag (8 hex digits)."""
    return secrets.token_hex(4)


def marker_for(org_id: str) -> str:
    """Return the marker that ends the names of the org's projects."""
    if len(org_id) <= _MAX_PLAIN_ORG and "[" not in org_id and "]" not in org_id:
        return f"{_PLAIN}{org_id}]"
    digest = hashlib.sha256(b"craftkit-bff org\0" + org_id.encode()).hexdigest()[:24]
    return f"{_HASHED}{digest}]"


def project_name(org_name: str, org_id: str, tag: str | None = None) -> str:
    """Return the name to create (with the create's tag) or rename the org's project with."""
    suffix = (f" ~{tag}" if tag else "") + marker_for(org_id)
    display = " ".join(org_name.split())[: MAX_NAME - len(suffix)].rstrip() or "Org"
    return display + suffix


def untagged(name: str) -> str:
    """Return a project name without the create tag before its marker (if it has one)."""
    marker = marker_of(name)
    if marker is None:
        return name
    return _TAG.sub("", name[: -len(marker)]) + marker


def marker_of(name: str) -> str | None:
    """Return the marker a project name ends with, or None for a project not made by us."""
    if not name.endswith("]"):
        return None
    start = max(name.rfind(_PLAIN), name.rfind(_HASHED))
    if start < 0 or "]" in name[start + len(_PLAIN):-1]:
        return None
    return name[start:]


def org_in_marker(marker: str) -> str | None:
    """Return the org id a plain marker spells out (None for a hashed one, or for text that
    is not an org id whose own marker this is)."""
    if not marker.startswith(_PLAIN):
        return None
    org_id = marker[len(_PLAIN):-1]
    if marker_for(org_id) != marker or not org_id.strip() or org_id != org_id.strip() or any(
            not c.isprintable() for c in org_id):
        return None
    return org_id


def display_name(name: str) -> str:
    """Return a project name without its marker and tag (the org's display name)."""
    marker = marker_of(name)
    return _TAG.sub("", name[: -len(marker)]) if marker else name
