"""Emulator settings: environment variables, overridden by an explicit config dict."""

from __future__ import annotations

import os
import re
import secrets
import string
import time
from collections.abc import Mapping
from typing import Any

ACCOUNT_KEY_PREFIX = "ck_acct_"
DEFAULT_FRAME_ANCESTORS = ["http://127.0.0.1:*", "http://localhost:*"]
_ALPHABET = string.ascii_letters + string.digits
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?")
_ANCESTOR = re.compile(r"'self'|\*|[a-z][a-z0-9+.-]*:(//[A-Za-z0-9*.-]+(:(\d+|\*))?/?)?")

DEFAULTS: dict[str, Any] = {
    "SESSION_TTL": 900,
    # A renew token outlives its session so a sleeping tab can still refresh.
    "RENEW_TTL": 12 * 3600,
    "DATA_PATH": None,
    "FRAME_ANCESTORS": DEFAULT_FRAME_ANCESTORS,
    # How many "-N" slug suffixes POST /v1/projects tries before answering 409.
    "SLUG_MAX_SUFFIX": 100,
    # The origin iframe_url points at (e.g. http://localhost:5001 while the API is called as
    # http://127.0.0.1:5001, as Craftkit's pages may live on another host); None: the API's.
    "IFRAME_ORIGIN": None,
    # Embed mode on for every project POST /v1/projects creates (the dashboard's default).
    "ACCOUNT_EMBED": False,
    # Bodies are small JSON documents; anything bigger is refused with 413.
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    # Seconds since the epoch; tests swap it to move time without sleeping.
    "CLOCK": time.time,
}

_ENV = {
    "ADMIN_KEY": "CRAFTKIT_ADMIN_KEY",
    "ACCOUNT_KEYS": "CRAFTKIT_EMULATOR_ACCOUNT_KEYS",
    "SESSION_TTL": "CRAFTKIT_EMULATOR_SESSION_TTL",
    "RENEW_TTL": "CRAFTKIT_EMULATOR_RENEW_TTL",
    "FRAME_ANCESTORS": "CRAFTKIT_EMULATOR_FRAME_ANCESTORS",
    "ACCOUNT_EMBED": "CRAFTKIT_EMULATOR_ACCOUNT_EMBED",
    "IFRAME_ORIGIN": "CRAFTKIT_EMULATOR_IFRAME_ORIGIN",
}


def random_token(length: int = 32) -> str:
    """Return a random alphanumeric string (no '-' or '_', so prefixes read cleanly)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def _split(value: str) -> list[str]:
    return [part for part in re.split(r"[\s,]+", value) if part]


def _from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, var in _ENV.items():
        raw = environ.get(var, "").strip()
        if not raw:
            continue
        if name in ("ACCOUNT_KEYS", "FRAME_ANCESTORS"):
            found[name] = _split(raw)
        elif name in ("SESSION_TTL", "RENEW_TTL"):
            found[name] = _positive_int(raw, var)
        elif name == "ACCOUNT_EMBED":
            found[name] = _flag(raw, var)
        else:
            found[name] = raw
    return found


def _flag(raw: str, label: str) -> bool:
    value = raw.lower()
    if value not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
        raise RuntimeError(f"{label} must be true or false, got {raw!r}")
    return value in ("true", "1", "yes", "on")


def _positive_int(raw: Any, label: str) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise RuntimeError(f"{label} must be a whole number of seconds, got {raw!r}") from None
    if value <= 0:
        raise RuntimeError(f"{label} must be positive, got {value}")
    return value


def load_config(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Merge defaults, environment and overrides; generate an account key if none is given."""
    config = dict(DEFAULTS)
    config.update(_from_env(os.environ if environ is None else environ))
    config.update(overrides or {})
    if not config.get("ADMIN_KEY"):
        raise RuntimeError(
            "CRAFTKIT_ADMIN_KEY is not set: the emulator needs the admin key that "
            "authenticates POST /v1/admin/provision and encrypts the per-org keys."
        )
    config["SESSION_TTL"] = _positive_int(config["SESSION_TTL"], "SESSION_TTL")
    config["RENEW_TTL"] = _positive_int(config["RENEW_TTL"], "RENEW_TTL")
    config["GENERATED_ACCOUNT_KEY"] = None
    keys = list(config.get("ACCOUNT_KEYS") or [])
    if not keys:
        keys = [ACCOUNT_KEY_PREFIX + random_token(24)]
        config["GENERATED_ACCOUNT_KEY"] = keys[0]
    bad = [key for key in keys if not key.startswith(ACCOUNT_KEY_PREFIX)]
    if bad:
        raise RuntimeError(f"CRAFTKIT_EMULATOR_ACCOUNT_KEYS entries must start with "
                           f"{ACCOUNT_KEY_PREFIX!r} ({len(bad)} do not)")
    config["ACCOUNT_KEYS"] = keys
    origin = config.get("IFRAME_ORIGIN")
    if origin and not _ORIGIN.fullmatch(str(origin)):
        raise RuntimeError(f"CRAFTKIT_EMULATOR_IFRAME_ORIGIN must be an origin like "
                           f"http://localhost:5001, got {origin!r}")
    if isinstance(config["FRAME_ANCESTORS"], str):
        config["FRAME_ANCESTORS"] = _split(config["FRAME_ANCESTORS"])
    # Each entry goes verbatim into a CSP header: refuse anything that could end the directive.
    unsafe = [a for a in config["FRAME_ANCESTORS"] if not _ANCESTOR.fullmatch(a)]
    if unsafe:
        raise RuntimeError(f"CRAFTKIT_EMULATOR_FRAME_ANCESTORS has entries that are not CSP "
                           f"sources (like http://127.0.0.1:*): {unsafe!r}")
    return config
