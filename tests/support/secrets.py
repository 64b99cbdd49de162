"""What the tests count as a secret, and a finder for where one turns up.

A secret is any value shaped like a Craftkit key or upstream renew token (``ck_live_...``,
``ck_admin_...``, ``ck_acct_...``, ``ckr_...``), and every value a test configuration
declares with ``secret(...)`` (JWT secrets, registry and cache secrets: values with no
shape to recognise). Signed JWTs (a user's token, a session token) count in logs, where no
token belongs, but not in the BFF's answers, which hand session tokens to the browser.
"""

from __future__ import annotations

import re

KEY_SHAPED = re.compile(r"\b(?:ck_(?:live|admin|acct)_|ckr_)[A-Za-z0-9_-]{6,}")
JWT_SHAPED = re.compile(r"\beyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{16,}")

_declared: set[str] = set()


def secret(value: str) -> str:
    """Declare value a secret of the test configuration (the leak guard looks for it)."""
    if len(value) < 8:
        raise ValueError("a declared secret must be at least 8 characters")
    _declared.add(value)
    return value


def secrets_in(text: str, *, tokens: bool) -> list[str]:
    """Return the secrets text contains, each shortened so a report does not repeat it.

    ``tokens`` also counts signed JWTs.
    """
    found = KEY_SHAPED.findall(text) + [value for value in _declared if value in text]
    if tokens:
        found += JWT_SHAPED.findall(text)
    return sorted({_shortened(value) for value in found})


def _shortened(value: str) -> str:
    return value[:10] + "..."
