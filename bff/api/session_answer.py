"""The session answer the browser gets: allow-listed fields, a checked iframe URL, a seal.

Craftkit's answer is never passed on as it came: whatever else it holds stays on the
server, the iframe URL must point at Craftkit (its configured origin, or one listed in
CRAFTKIT_IFRAME_ORIGINS) over https (or Craftkit's own scheme), and the renew token is
sealed. Anything unusable is a 502; of the URL only its origin is logged (it carries the
token). Other hosts of Craftkit's own site are not allowed by default: each origin that
receives session tokens is listed, and the host page's CSP frames the same list.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import SplitResult, urlsplit

from flask import Response, jsonify

from ..config import Settings
from ..errors import UpstreamError
from ..state import bff_state

log = logging.getLogger("bff.api")

SESSION_TOKEN = re.compile(r"[\x21-\x7e]{1,8192}")
MAX_URL_LENGTH = 8192
DEFAULT_PORTS = {"http": 80, "https": 443}


def session_response(data: dict, org_id: str, user_id: str) -> Response:
    """Answer with the session token, iframe URL, expiry and a sealed renew token only."""
    state = bff_state()
    token, renew_token = data.get("session_token"), data.get("renew_token")
    expires_in = _seconds_until(data.get("expires_at"))
    if not (isinstance(token, str) and SESSION_TOKEN.fullmatch(token)
            and isinstance(renew_token, str) and renew_token and expires_in is not None):
        raise UpstreamError("Craftkit answered the session request with an unreadable body.")
    iframe_url = checked_iframe_url(data.get("iframe_url"), state.settings)
    return jsonify({"session_token": token, "iframe_url": iframe_url,
                    "expires_at": data["expires_at"], "expires_in": expires_in,
                    "renew_token": state.sealer.seal(renew_token, org_id, user_id)})


def checked_iframe_url(url: object, settings: Settings) -> str:
    """Return url if it is https (or Craftkit's scheme) on an allowed origin, else a 502.

    The usual answer (an allowed origin followed by "/") is accepted without parsing. A
    refusal is logged with the URL's origin (never the URL: it carries the session token)
    and the setting that would allow it.
    """
    if _on_allowed_prefix(url, settings):
        return str(url)
    refusal = iframe_refusal(url, settings)
    if refusal is not None:
        log.warning("refused Craftkit's iframe_url: %s", refusal)
        raise UpstreamError("Craftkit's iframe URL is on an origin this BFF does not allow; "
                            "the server log names it.")
    return str(url)


def iframe_refusal(url: object, settings: Settings) -> str | None:
    """Say why url may not be framed (naming its origin and the fix), or None if it may."""
    parts = _parse(url)
    origin = _origin(parts) if parts is not None else None
    if parts is None or origin is None or parts.username is not None \
            or parts.password is not None:
        return "not a plain http(s) URL"
    if parts.scheme not in ("https", urlsplit(settings.base_url).scheme):
        return f"{origin} is not https"
    if origin not in allowed_iframe_origins(settings.base_url, settings.iframe_origins):
        return (f"{origin} is neither CRAFTKIT_BASE_URL's origin nor listed in "
                f"CRAFTKIT_IFRAME_ORIGINS (add it there if it is Craftkit's)")
    return None


@lru_cache(maxsize=16)
def allowed_iframe_origins(base_url: str, others: frozenset[str]) -> frozenset[str | None]:
    """Return Craftkit's own origin and the configured others, normalised."""
    return frozenset(_origin(urlsplit(url)) for url in (base_url, *others)) - {None}


def _on_allowed_prefix(url: object, settings: Settings) -> bool:
    """Tell quickly whether url is an allowed origin followed by "/" (the usual answer).

    Such a URL parses to exactly that origin, with no user info and the origin's scheme,
    so it passes every check below; anything else is checked the long way.
    """
    return (isinstance(url, str) and len(url) <= MAX_URL_LENGTH
            and url.startswith(allowed_prefixes(settings.base_url, settings.iframe_origins))
            and url.isascii() and url.isprintable() and " " not in url and "\\" not in url)


@lru_cache(maxsize=16)
def allowed_prefixes(base_url: str, others: frozenset[str]) -> tuple[str, ...]:
    """Each allowed origin whose scheme an iframe URL may have, followed by "/"."""
    schemes = ("https", urlsplit(base_url).scheme)
    return tuple(sorted(f"{origin}/" for origin in allowed_iframe_origins(base_url, others)
                        if origin and origin.split(":", 1)[0] in schemes))


def _parse(url: object) -> SplitResult | None:
    # Browsers drop tabs and newlines from URLs and read "\" as "/": refuse all of them
    # rather than check a URL the browser would read differently.
    if (not isinstance(url, str) or len(url) > MAX_URL_LENGTH or not url.isascii()
            or not url.isprintable() or " " in url or "\\" in url):
        return None
    try:
        return urlsplit(url)
    except ValueError:
        return None


def _origin(parts: SplitResult) -> str | None:
    try:
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname or parts.scheme not in DEFAULT_PORTS:
        return None
    if port is None or port == DEFAULT_PORTS[parts.scheme]:
        return f"{parts.scheme}://{parts.hostname}"
    return f"{parts.scheme}://{parts.hostname}:{port}"


def _seconds_until(expires_at: object) -> int | None:
    if not isinstance(expires_at, str) or len(expires_at) > 64:
        return None
    try:
        when = datetime.fromisoformat(expires_at.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0, int((when - datetime.now(UTC)).total_seconds()))
