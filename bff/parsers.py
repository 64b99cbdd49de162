"""Parsers for configuration values: each takes (raw, variable name) and returns the typed
value or raises ConfigError naming the variable. Raw values come from the environment
(strings) or from a Python dict (already typed), so every parser accepts both.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

# A DNS host name (letters, digits and inner hyphens per label) or an IPv4 address.
_LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
_HOST = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
# What in a URL can be a credential: a password (or a token as the user name) before the
# "@", and the values of its query parameters (``?token=...``).
_USERINFO = re.compile(r"(?<=://)[^/?#@\s]+@")
_QUERY_VALUE = re.compile(r"(?<=[?&])([^=&#\s]+)=[^&#\s]*")


class ConfigError(RuntimeError):
    """The configuration cannot work; the message names the variable to fix."""


def without_credentials(text: str) -> str:
    """Hide what a URL in text may carry as a credential: userinfo and query values."""
    return _QUERY_VALUE.sub(r"\1=(hidden)", _USERINFO.sub("(hidden)@", text))


def text(raw: Any, name: str) -> str | None:
    """Return stripped text, or None when unset or blank."""
    if raw is None:
        return None
    return str(raw).strip() or None


def flag(raw: Any, name: str) -> bool:
    """Return a boolean from true/false, 1/0, yes/no or on/off; anything else is an error."""
    if isinstance(raw, bool):
        return raw
    value = str(raw).strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false (also 1/0, yes/no, on/off), got {raw!r}.")


def integer(minimum: int) -> Callable[[Any, str], int]:
    """Return a parser of whole numbers at least minimum."""
    def parse(raw: Any, name: str) -> int:
        return _at_least(_convert(raw, name, int), minimum, name)
    return parse


def number(minimum: float) -> Callable[[Any, str], float]:
    """Return a parser of numbers at least minimum."""
    def parse(raw: Any, name: str) -> float:
        return _at_least(_convert(raw, name, float), minimum, name)
    return parse


def choice(*allowed: str) -> Callable[[Any, str], str]:
    """Return a parser that accepts one of allowed (case-insensitive)."""
    def parse(raw: Any, name: str) -> str:
        value = str(raw).strip().lower()
        if value not in allowed:
            raise ConfigError(f"{name} must be one of {', '.join(allowed)}, got {raw!r}.")
        return value
    return parse


def http_url(raw: Any, name: str) -> str:
    """Return an http(s) URL without its trailing slash."""
    url = (text(raw, name) or "").rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigError(f"{name} must be an http(s) URL, got {without_credentials(url)!r}.")
    return url


def base_url(raw: Any, name: str) -> str:
    """Return Craftkit's base URL: http(s), a host, a valid port, nothing else.

    Every endpoint is appended to it (``/v1/...``), so a path (``.../v1``), a query, a
    fragment or credentials would send each call somewhere Craftkit does not answer.
    """
    raw_text = "" if raw is None else str(raw).strip()
    url = raw_text.rstrip("/")
    shape = f"{name} must be Craftkit's origin, like https://www.craftkit.dev"
    if "@" in url:
        raise ConfigError(f"{shape}, without user:password@ (the value is not shown).")
    if not url.isascii() or not url.isprintable() or any(c.isspace() for c in url):
        raise ConfigError(f"{shape} (no spaces or control characters), got {url!r}.")
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigError(f"{shape}, got {url!r}.")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0 or (port is not None and not 1 <= port <= 65535):
        raise ConfigError(f"{shape}: the port must be 1 to 65535, got {url!r}.")
    if parts.path or parts.query or parts.fragment or "?" in url or "#" in url:
        raise ConfigError(f"{shape}, without a path, query or fragment (the BFF adds "
                          f"/v1/... itself), got {url!r}.")
    return url


def optional_http_url(raw: Any, name: str) -> str | None:
    """Return an http(s) URL, or None when unset."""
    return None if text(raw, name) is None else http_url(raw, name)


def optional_redis_url(raw: Any, name: str) -> str | None:
    """Return a redis:// or rediss:// URL, or None when unset.

    The URL may carry a password, so the error names the variable but never echoes it.
    """
    url = text(raw, name)
    if url is None:
        return None
    parts = urlsplit(url)
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
    db = parts.path.strip("/")
    if (parts.scheme not in {"redis", "rediss"} or not parts.hostname or not port_ok
            or not (db == "" or db.isdigit())):
        raise ConfigError(f"{name} must be a redis:// or rediss:// URL such as "
                          "redis://host:6379/0 (the value is not shown: it may hold a "
                          "password).")
    return url


def url_path(raw: Any, name: str) -> str:
    """Return a URL path prefix with one leading and no trailing slash."""
    return "/" + str(raw or "").strip().strip("/")


def timeout(raw: Any, name: str) -> tuple[float, float]:
    """Return (connect, read) seconds from 'read' or 'connect,read' (or a pair)."""
    parts = raw if isinstance(raw, tuple | list) else str(raw).split(",")
    try:
        values = [float(part) for part in parts]
    except ValueError:
        raise ConfigError(f"{name} must be seconds ('10') or 'connect,read' ('3,10'), "
                          f"got {raw!r}.") from None
    if len(values) == 1:
        values = [min(3.05, values[0]), values[0]]
    if len(values) != 2 or min(values) <= 0:
        raise ConfigError(f"{name} must be positive seconds, got {raw!r}.")
    return values[0], values[1]


def origins(raw: Any, name: str) -> frozenset[str]:
    """Return origins ('https://app.example.com') from a space/comma list or a collection.

    Each must be exactly an origin: http(s), a host name or IP address, an optional port,
    nothing else. The values end up in a Content-Security-Policy header, so a wildcard, a
    ``;`` or a quote would start another directive or widen one: refused here, at start-up.
    """
    items = raw if isinstance(raw, list | tuple | set | frozenset) else (
        str(raw or "").replace(",", " ").split())
    return frozenset(_origin(str(item).strip().rstrip("/"), name) for item in items)


def _origin(value: str, name: str) -> str:
    """Return one origin normalised (lower-case scheme and host), or raise ConfigError."""
    scheme, sep, authority = value.partition("://")
    host, port = _host_and_port(authority)
    if (not sep or scheme.lower() not in {"http", "https"} or host is None
            or (port is not None and not 0 < port < 65536)):
        raise ConfigError(f"{name} must list origins like 'https://app.example.com' (scheme, "
                          f"host and optional port; no wildcard, path or credentials), got "
                          f"{value[:200]!r}.")
    return f"{scheme.lower()}://{host}" + (f":{port}" if port is not None else "")


def _host_and_port(authority: str) -> tuple[str | None, int | None]:
    """Split 'host[:port]' into a valid lower-case host (None if invalid) and its port."""
    if authority.startswith("["):  # an IPv6 literal
        literal, _, rest = authority[1:].partition("]")
        try:
            host = f"[{ipaddress.IPv6Address(literal).compressed}]"
        except ValueError:
            return None, None
    else:
        host, colon, port_text = authority.partition(":")
        rest = colon + port_text
        if not _HOST.fullmatch(host):
            return None, None
        host = host.lower()
    if not rest:
        return host, None
    digits = rest[1:]
    if rest[0] != ":" or not (digits.isascii() and digits.isdigit()) or len(digits) > 5:
        return None, None
    return host, int(digits)


def _convert(raw: Any, name: str, kind: type) -> Any:
    if isinstance(raw, bool):
        raise ConfigError(f"{name} must be a number, got {raw!r}.")
    try:
        return kind(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number, got {raw!r}.") from None


def _at_least(value: Any, minimum: float, name: str) -> Any:
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}.")
    return value
