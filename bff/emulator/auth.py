"""Who is calling: the admin key, an account key (ck_acct_) or a project key (ck_live_).

The account and project validators never look at each other's credentials, so a key of one
kind is simply unknown (401) to the other.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from flask import current_app, request

from .config import ACCOUNT_KEY_PREFIX
from .crypto import hash_key
from .errors import Unauthorized
from .store import get_store

PROJECT_KEY_PREFIXES = ("ck_live_", "ck_test_")


@dataclass(frozen=True)
class ProjectCaller:
    """A project key's project, and its embed partner when embed mode is on."""

    project_id: str
    partner_id: str | None


def account_id_for(key: str) -> str:
    """Return the stable account id of an account key (survives restarts with --data)."""
    return "acct_" + hash_key(key)[:24]


def bearer_token() -> str:
    """Return the bearer token of the request, or raise 401."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send an Authorization: Bearer <key> header.")
    return token.strip()


def require_admin() -> None:
    """Accept only the admin key, compared in constant time."""
    token = bearer_token().encode("utf-8")
    expected = current_app.config["ADMIN_KEY"].encode("utf-8")
    if not hmac.compare_digest(token, expected):
        raise Unauthorized("The admin key is missing or wrong.")


def require_account() -> str:
    """Return the account id of a configured ck_acct_ key, else 401."""
    token = bearer_token()
    if not token.startswith(ACCOUNT_KEY_PREFIX):
        raise Unauthorized("This endpoint takes an account key (ck_acct_...).")
    accounts = current_app.extensions["craftkit_emulator"]["accounts"]
    account_id = accounts.get(hash_key(token))
    if account_id is None:
        raise Unauthorized("The account key is not recognised.")
    return account_id


def require_project() -> ProjectCaller:
    """Return the live project of a ck_live_/ck_test_ key, else 401."""
    token = bearer_token()
    if not token.startswith(PROJECT_KEY_PREFIXES):
        raise Unauthorized("This endpoint takes a project key (ck_live_...).")
    row = get_store().one(
        "SELECT p.id AS project_id, pa.id AS partner_id FROM project_keys k "
        "JOIN projects p ON p.id = k.project_id "
        "LEFT JOIN partners pa ON pa.project_id = p.id "
        "WHERE k.key_hash = ? AND p.deleted_at IS NULL",
        (hash_key(token),),
    )
    if row is None:
        raise Unauthorized("The project key is not recognised.")
    return ProjectCaller(row["project_id"], row["partner_id"])
