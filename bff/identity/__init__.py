"""Who is calling: the host app's authentication, turned into an ``Identity``.

- here: ``Identity`` and ``Carrier``, the ``IdentityLoader`` protocol, and the built-in
  signed-session loader (``sign_in``/``sign_out`` store an identity in Flask's session);
- ``jwt_loader``: a JWT (HS256, RS256, ES256) from the Authorization header or a cookie,
  beside ``jwks``, the identity provider's published keys;
- ``choice``: which one source an app uses, decided once at start-up.

Rule: the tenant and the user always come from the host app's authentication, never from
the browser alone. A loader is any callable returning an Identity or None
(unauthenticated); a host app may pass its own to ``CraftkitBFF``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, runtime_checkable

from flask import g, session

SESSION_KEY = "craftkit_identity"
MAX_ID_LENGTH = 200
MAX_NAME_LENGTH = 200  # the registry's org_name column


class Carrier(StrEnum):
    """How the caller's credentials arrived, which decides whether its POSTs need CSRF checks.

    A browser attaches cookies (a session cookie, or a JWT in a cookie) to cross-site
    requests too, so an identity carried by one is CSRF-exposed; it never attaches an
    Authorization header on its own, so a header-borne identity is not.
    """

    HEADER = "header"
    COOKIE = "cookie"
    SESSION = "session"

    @property
    def csrf_exposed(self) -> bool:
        """True when a cross-site page could make the browser send this credential."""
        return self is not Carrier.HEADER


@dataclass(frozen=True)
class Identity:
    """A signed-in user and the orgs (id -> display name) they belong to.

    ``via`` says how the credentials arrived (a Carrier, or its value as a string); the
    default, a cookie, is the safe assumption for a custom loader: its POSTs are CSRF-checked.
    """

    user_id: str
    email: str | None = None
    display_name: str | None = None
    orgs: Mapping[str, str] = field(default_factory=dict)
    via: Carrier = Carrier.COOKIE

    def __post_init__(self) -> None:
        # Accept "header"/"cookie"/"session" too; anything else is a programming error.
        object.__setattr__(self, "via", Carrier(self.via))

    @property
    def csrf_exposed(self) -> bool:
        """True when the credentials ride on a cookie (POSTs must prove same origin)."""
        return self.via.csrf_exposed

    @classmethod
    def from_claims(cls, claims: Mapping[str, object], via: Carrier | str) -> Identity | None:
        """Build an Identity from a JWT or session payload; None if it is unusable.

        Only ``sub`` names the user: a token without a usable ``sub`` identifies nobody.
        """
        user_id = claims.get("sub")
        if not isinstance(user_id, str) or not 0 < len(user_id) <= MAX_ID_LENGTH:
            return None
        email, name = claims.get("email"), claims.get("name") or claims.get("display_name")
        return cls(user_id=user_id, email=email if isinstance(email, str) else None,
                   display_name=display_text(name) if isinstance(name, str) else None,
                   orgs=_orgs_from(claims), via=Carrier(via))

    def to_session(self) -> dict:
        """Return the JSON-able form stored in the host app's signed session."""
        return {"sub": self.user_id, "email": self.email, "name": self.display_name,
                "orgs": [{"id": k, "name": v} for k, v in self.orgs.items()]}


@runtime_checkable
class IdentityLoader(Protocol):
    """Return the caller's Identity, or None when nobody is signed in (-> 401).

    Any plain function will do. A loader object may also say whether it needs Flask's
    ``SECRET_KEY`` (``needs_secret_key = True``), so a missing key fails at start-up.
    """

    def __call__(self) -> Identity | None: ...


def needs_secret_key(loader: IdentityLoader) -> bool:
    """Tell whether the loader reads Flask's signed session (so SECRET_KEY is required)."""
    return bool(getattr(loader, "needs_secret_key", False))


def _orgs_from(claims: Mapping[str, object]) -> dict[str, str]:
    orgs: dict[str, str] = {}
    raw = claims.get("orgs")
    if raw is None and isinstance(claims.get("org_id"), str):
        raw = [{"id": claims["org_id"], "name": claims.get("org_name")}]
    for item in raw if isinstance(raw, list) else []:
        org_id, name = (item, None) if isinstance(item, str) else (
            (item.get("id"), item.get("name")) if isinstance(item, dict) else (None, None))
        if isinstance(org_id, str) and org_id:
            orgs[org_id] = (display_text(name) if isinstance(name, str) else "") or org_id
    return orgs


def display_text(text: str) -> str:
    """Return a display name as the BFF keeps it: no control characters or lone surrogates
    (text no database or log line should hold), whitespace runs as one space, at most
    MAX_NAME_LENGTH characters. Names come from the host app's identity, which may carry
    whatever its users typed."""
    if (text.isprintable() and len(text) <= MAX_NAME_LENGTH and "  " not in text
            and text == text.strip()):
        return text  # the usual name: nothing to change
    kept = "".join(" " if c.isspace() else c for c in text
                   if c.isspace() or unicodedata.category(c) not in ("Cc", "Cs"))
    return " ".join(kept.split())[:MAX_NAME_LENGTH].rstrip()


def sign_in(identity: Identity) -> None:
    """Store the identity in the host app's signed session (call it at your sign-in)."""
    session[SESSION_KEY] = identity.to_session()


def sign_out() -> None:
    """Remove the identity from the session."""
    session.pop(SESSION_KEY, None)


class SessionIdentityLoader:
    """Load the identity a host app stored in its signed Flask session with sign_in()."""

    needs_secret_key = True

    def __call__(self) -> Identity | None:
        data = session.get(SESSION_KEY)
        return Identity.from_claims(data, via=Carrier.SESSION) if isinstance(data, dict) \
            else None


session_identity_loader = SessionIdentityLoader()


def current_identity(loader: IdentityLoader) -> Identity | None:
    """Return the caller's identity as loader sees it (loaded once per request), or None."""
    if "craftkit_identity" not in g:
        g.craftkit_identity = loader()
    return g.craftkit_identity
