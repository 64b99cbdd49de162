"""Configuration: defaults, loading from CRAFTKIT_* environment variables, validation."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

PREFIX = "CRAFTKIT_"

DEFAULTS: dict[str, object] = {
    "CRAFTKIT_ADMIN_KEY": None,
    "CRAFTKIT_BASE_URL": "https://www.craftkit.dev",
    "CRAFTKIT_CATALOG_NAME": None,
    "CRAFTKIT_KEY_TTL": 600,
    "CRAFTKIT_KEY_CACHE_SIZE": 10_000,
    "CRAFTKIT_TIMEOUT": "3.05,10",
    "CRAFTKIT_ALLOWED_ORIGINS": "",
    "CRAFTKIT_SEAL_KEY": None,
    "CRAFTKIT_SEAL_TTL": 12 * 3600,
    "CRAFTKIT_MAX_BODY": 64 * 1024,
    "CRAFTKIT_URL_PREFIX": "/api/craftkit",
    "CRAFTKIT_OPS_ROUTES": True,
    "CRAFTKIT_METRICS": False,
    "CRAFTKIT_BREAKER_THRESHOLD": 5,
    "CRAFTKIT_BREAKER_RESET": 5.0,
    "CRAFTKIT_AUTH_JWT_SECRET": None,
    "CRAFTKIT_AUTH_JWT_PUBLIC_KEY": None,
    "CRAFTKIT_AUTH_JWT_AUDIENCE": None,
    "CRAFTKIT_AUTH_JWT_ISSUER": None,
    "CRAFTKIT_AUTH_JWT_COOKIE": None,
    "CRAFTKIT_AUTH_JWT_LEEWAY": 30,
    "CRAFTKIT_AUTH_JWKS_URL": None,
    "CRAFTKIT_AUTH_JWKS_TTL": 300,
}


class ConfigError(RuntimeError):
    """The configuration cannot work; the message names the variable to fix."""


@dataclass(frozen=True)
class Settings:
    """The validated, typed view of the CRAFTKIT_* configuration."""

    admin_key: str
    base_url: str
    catalog_name: str | None
    key_ttl: float
    key_cache_size: int
    timeout: tuple[float, float]
    allowed_origins: frozenset[str]
    seal_secret: bytes
    seal_secret_label: bytes
    seal_ttl: int
    max_body: int
    url_prefix: str
    ops_routes: bool
    metrics: bool
    breaker_threshold: int
    breaker_reset: float
    jwt_secret: str | None
    jwt_public_key: str | None
    jwt_audience: str | None
    jwt_issuer: str | None
    jwt_cookie: str | None
    jwt_leeway: int
    jwks_url: str | None
    jwks_ttl: int


def load_environment(config: dict, environ: Mapping[str, str] | None = None) -> None:
    """Copy every CRAFTKIT_* variable (and SECRET_KEY) from the environment into config."""
    environ = os.environ if environ is None else environ
    for name, value in environ.items():
        if name.startswith(PREFIX) or name == "SECRET_KEY":
            config[name] = value


def settings_from(config: Mapping[str, object]) -> Settings:
    """Validate the configuration and return typed settings, or raise ConfigError."""
    admin_key = _text(config, "CRAFTKIT_ADMIN_KEY")
    if not admin_key:
        raise ConfigError("CRAFTKIT_ADMIN_KEY is not set: the BFF needs the Craftkit admin key "
                          "to provision each org's project (set it in the environment).")
    seal_key = _text(config, "CRAFTKIT_SEAL_KEY")
    return Settings(
        admin_key=admin_key,
        base_url=_base_url(config),
        catalog_name=_text(config, "CRAFTKIT_CATALOG_NAME"),
        key_ttl=_number(config, "CRAFTKIT_KEY_TTL", float, minimum=1),
        key_cache_size=_number(config, "CRAFTKIT_KEY_CACHE_SIZE", int, minimum=1),
        timeout=_timeout(config),
        allowed_origins=frozenset(_origins(config)),
        seal_secret=(seal_key or admin_key).encode(),
        seal_secret_label=b"seal-key" if seal_key else b"admin-key",
        seal_ttl=_number(config, "CRAFTKIT_SEAL_TTL", int, minimum=60),
        max_body=_number(config, "CRAFTKIT_MAX_BODY", int, minimum=1024),
        url_prefix="/" + str(config.get("CRAFTKIT_URL_PREFIX") or "").strip("/"),
        ops_routes=_flag(config, "CRAFTKIT_OPS_ROUTES"),
        metrics=_flag(config, "CRAFTKIT_METRICS"),
        breaker_threshold=_number(config, "CRAFTKIT_BREAKER_THRESHOLD", int, minimum=1),
        breaker_reset=_number(config, "CRAFTKIT_BREAKER_RESET", float, minimum=0.1),
        jwt_secret=_text(config, "CRAFTKIT_AUTH_JWT_SECRET"),
        jwt_public_key=_text(config, "CRAFTKIT_AUTH_JWT_PUBLIC_KEY"),
        jwt_audience=_text(config, "CRAFTKIT_AUTH_JWT_AUDIENCE"),
        jwt_issuer=_text(config, "CRAFTKIT_AUTH_JWT_ISSUER"),
        jwt_cookie=_text(config, "CRAFTKIT_AUTH_JWT_COOKIE"),
        jwt_leeway=_number(config, "CRAFTKIT_AUTH_JWT_LEEWAY", int, minimum=0),
        jwks_url=_text(config, "CRAFTKIT_AUTH_JWKS_URL"),
        jwks_ttl=_number(config, "CRAFTKIT_AUTH_JWKS_TTL", int, minimum=10),
    )


def _text(config: Mapping[str, object], name: str) -> str | None:
    value = config.get(name)
    if value is None:
        return None
    return str(value).strip() or None


def _number(config: Mapping[str, object], name: str, kind: type, minimum: float):
    raw = config.get(name)
    try:
        value = kind(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number, got {raw!r}.") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}.")
    return value


def _flag(config: Mapping[str, object], name: str) -> bool:
    value = config.get(name)
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() not in {"0", "false", "no", "off", ""}


def _base_url(config: Mapping[str, object]) -> str:
    url = (_text(config, "CRAFTKIT_BASE_URL") or "").rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigError(f"CRAFTKIT_BASE_URL must be an http(s) URL, got {url!r}.")
    return url


def _timeout(config: Mapping[str, object]) -> tuple[float, float]:
    raw = config.get("CRAFTKIT_TIMEOUT")
    parts = raw if isinstance(raw, tuple | list) else str(raw).split(",")
    try:
        values = [float(part) for part in parts]
    except ValueError:
        raise ConfigError("CRAFTKIT_TIMEOUT must be seconds ('10') or 'connect,read' "
                          f"('3,10'), got {raw!r}.") from None
    if len(values) == 1:
        values = [min(3.05, values[0]), values[0]]
    if len(values) != 2 or min(values) <= 0:
        raise ConfigError(f"CRAFTKIT_TIMEOUT must be positive seconds, got {raw!r}.")
    return values[0], values[1]


def _origins(config: Mapping[str, object]) -> list[str]:
    raw = config.get("CRAFTKIT_ALLOWED_ORIGINS") or ""
    items = raw if isinstance(raw, list | tuple | set | frozenset) else str(raw).replace(",", " ")
    origins = [o.strip().rstrip("/") for o in (items.split() if isinstance(items, str) else items)]
    for origin in origins:
        parts = urlsplit(origin)
        if parts.scheme not in {"http", "https"} or not parts.netloc or parts.path:
            raise ConfigError("CRAFTKIT_ALLOWED_ORIGINS must list origins like "
                              f"'https://app.example.com', got {origin!r}.")
    return origins
