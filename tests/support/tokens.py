"""One minter for the host-app JWTs the tests sign in with (HS256 or RS256)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

import jwt


def mint_jwt(key: Any, sub: str | None = "user-1", orgs: Iterable[Any] | None = ("org-a",),
             *, names: Mapping[str, str] | None = None, algorithm: str = "HS256",
             expires_in: float | None = 600, profile: bool = False,
             headers: dict[str, Any] | None = None, **claims: Any) -> str:
    """Return a JWT for ``sub`` in ``orgs``, signed with ``key`` (a secret or a private key).

    ``orgs`` are ids, sent as strings, or ``{"id", "name"}`` objects when ``names`` is given
    (a missing name is the id); dicts pass through as they are. ``profile`` adds the email
    and display name a host app's token carries. ``None`` leaves a claim out (``sub=None``,
    ``orgs=None``, ``expires_in=None``); other claims are extra keyword arguments.
    """
    payload: dict[str, Any] = {}
    if sub is not None:
        payload["sub"] = sub
    if profile and sub:
        payload.update(email=f"{sub}@example.com", name=sub.title())
    if orgs is not None:
        payload["orgs"] = [_org(org, names) for org in orgs]
    if expires_in is not None:
        payload["exp"] = int(time.time() + expires_in)
    payload.update(claims)
    return jwt.encode(payload, key, algorithm=algorithm, headers=headers)


def bearer(token: str) -> dict[str, str]:
    """Return the Authorization header carrying token."""
    return {"Authorization": f"Bearer {token}"}


def _org(org: Any, names: Mapping[str, str] | None) -> Any:
    if names is None or not isinstance(org, str):
        return org
    return {"id": org, "name": names.get(org, org)}
