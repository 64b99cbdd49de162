"""Checks every BFF request passes: size, media type, identity, CSRF, body, org choice."""

from __future__ import annotations

import json
import unicodedata
from typing import NamedTuple

from flask import g, request

from ..credentials import validate_org_id
from ..errors import (
    Forbidden,
    InvalidJson,
    InvalidRequest,
    PayloadTooLarge,
    Unauthenticated,
    UnsupportedMediaType,
)
from ..identity import Identity, current_identity
from ..state import bff_state

MAX_FIELD_LENGTH = 200


class Org(NamedTuple):
    """The org a request acts for: its id and display name (from the identity)."""

    id: str
    name: str


def guard_request() -> None:
    """Refuse what no view should see; leave the parsed body and identity on g."""
    settings = bff_state().settings
    if request.method == "POST":
        if (request.content_length or 0) > settings.max_body:
            raise PayloadTooLarge(f"The request body must be at most {settings.max_body} bytes.")
        if request.mimetype != "application/json":
            raise UnsupportedMediaType()
    identity = caller()
    if identity is None:
        raise Unauthenticated()
    if request.method == "POST":
        check_origin(identity, settings.allowed_origins)
        g.craftkit_body = read_json_body(settings.max_body)


def check_origin(identity: Identity, allowed: frozenset[str]) -> None:
    """Refuse cross-site POSTs when the identity rides on a cookie (CSRF)."""
    if not identity.csrf_exposed:
        return
    origin = request.headers.get("Origin")
    if origin is not None:
        own = request.host_url.rstrip("/")
        if origin != own and origin not in allowed:
            raise Forbidden("Cross-site request refused: send it from the app's own origin "
                            "or add that origin to CRAFTKIT_ALLOWED_ORIGINS.")
        return
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in ("same-origin", "none"):
        raise Forbidden("Cross-site request refused: send it from the app's own origin.")


def read_json_body(limit: int) -> dict:
    """Read at most limit bytes and return the body's JSON object."""
    raw = request.stream.read(limit + 1)
    if len(raw) > limit:
        raise PayloadTooLarge(f"The request body must be at most {limit} bytes.")
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise InvalidJson() from None
    if not isinstance(body, dict):
        raise InvalidJson()
    return body


def caller() -> Identity | None:
    """Return the caller's identity from the app's identity source (once per request)."""
    return current_identity(bff_state().identity_loader)


def require_identity() -> Identity:
    """Return the identity the guard already established."""
    identity = caller()
    if identity is None:
        raise Unauthenticated()
    return identity


def optional_text(source: dict, name: str, max_length: int = MAX_FIELD_LENGTH) -> str | None:
    """Return a field that must be absent/null or a non-empty, printable string."""
    value = source.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidRequest(f"{name} must be a string.")
    if not value.strip():
        raise InvalidRequest(f"{name} must not be empty.")
    if len(value) > max_length:
        raise InvalidRequest(f"{name} must be at most {max_length} characters.")
    if any(unicodedata.category(c) == "Cc" for c in value):
        raise InvalidRequest(f"{name} must not contain control characters.")
    return value


def check_user(body: dict, identity: Identity) -> None:
    """Refuse a body that names a user other than the signed-in one."""
    user_id = body.get("userId")
    if user_id is None:
        return
    if not isinstance(user_id, str):
        raise InvalidRequest("userId must be a string.")
    if user_id != identity.user_id:
        raise Forbidden("userId does not match the signed-in user; omit it.")


def requested_org() -> Org:
    """Return the org a GET acts for: ?tenantExternalId= if given, else the user's only one."""
    return choose_org(require_identity(), request.args.get("tenantExternalId"))


def choose_org(identity: Identity, requested: object) -> Org:
    """Return the requested org if the user belongs to it, else the user's only org."""
    if requested is None:
        if len(identity.orgs) == 1:
            org_id, org_name = next(iter(identity.orgs.items()))
        elif not identity.orgs:
            raise Forbidden("Your account belongs to no org; ask an admin to add you to one.")
        else:
            raise InvalidRequest("You belong to several orgs: say which with tenantExternalId.")
    else:
        if not isinstance(requested, str):
            raise InvalidRequest("tenantExternalId must be a string.")
        org_id = validate_org_id(requested)
        # Logged before the membership check: a refusal names the org that was asked for.
        g.craftkit_org_id = org_id
        if org_id not in identity.orgs:
            raise Forbidden("You are not a member of that org.")
        org_name = identity.orgs[org_id]
    g.craftkit_org_id = org_id
    return Org(org_id, org_name)
