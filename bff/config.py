"""Configuration: every CRAFTKIT_* setting declared once, as a field of ``Settings``.

Each field names its variable, its default, its parser and its help text. Everything else
is derived from those declarations: the defaults a Flask app starts from, the start-up
validation, the README's configuration table (``markdown_table``, checked by a test) and
``craftkit-bff doctor``'s report (``describe``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from . import parsers as p
from .parsers import ConfigError

__all__ = ["DEFAULTS", "ConfigError", "Settings", "describe", "load_environment",
           "markdown_table", "server_settings", "settings_from"]

PREFIX = "CRAFTKIT_"


def setting(env: str, default: Any, parse: Callable[[Any, str], Any], help: str, *,
            secret: bool = False, shown_default: str | None = None) -> Any:
    """Declare one setting: its variable, raw default, parser and help text."""
    return field(metadata={"env": env, "default": default, "parse": parse, "help": help,
                           "secret": secret, "shown_default": shown_default})


@dataclass(frozen=True)
class Settings:
    """The validated, typed CRAFTKIT_* configuration: one field per variable."""

    admin_key: str | None = setting(
        "CRAFTKIT_ADMIN_KEY", None, p.text, "the Craftkit admin key; start-up fails "
        "without it. Never sent to the browser or logged", secret=True,
        shown_default="*(required)*")
    base_url: str = setting(
        "CRAFTKIT_BASE_URL", "https://www.craftkit.dev", p.http_url,
        "Craftkit's base URL (a trailing slash is stripped)")
    catalog_name: str | None = setting(
        "CRAFTKIT_CATALOG_NAME", None, p.text,
        "variable catalog attached to every session as `catalogRef`")
    key_ttl: float = setting(
        "CRAFTKIT_KEY_TTL", 600, p.number(1), "seconds an org's project key stays cached")
    key_cache_size: int = setting(
        "CRAFTKIT_KEY_CACHE_SIZE", 10_000, p.integer(1),
        "most org keys cached per process (least recently used go first)")
    timeout: tuple[float, float] = setting(
        "CRAFTKIT_TIMEOUT", "3.05,10", p.timeout,
        "upstream `connect,read` timeout in seconds (`10` alone means `3.05,10`)")
    allowed_origins: frozenset[str] = setting(
        "CRAFTKIT_ALLOWED_ORIGINS", "", p.origins, "other origins allowed to POST with a "
        "cookie identity, space or comma separated")
    seal_key: str | None = setting(
        "CRAFTKIT_SEAL_KEY", None, p.text, "secret the renew-token seal key is derived from "
        "(HKDF-SHA256); set the same on every host", secret=True,
        shown_default="derived from the admin key")
    seal_ttl: int = setting(
        "CRAFTKIT_SEAL_TTL", 12 * 3600, p.integer(60),
        "seconds a sealed renew token can be used")
    max_body: int = setting(
        "CRAFTKIT_MAX_BODY", 64 * 1024, p.integer(1024),
        "largest accepted request body in bytes")
    url_prefix: str = setting(
        "CRAFTKIT_URL_PREFIX", "/api/craftkit", p.url_path, "where the five routes are mounted")
    ops_routes: bool = setting(
        "CRAFTKIT_OPS_ROUTES", True, p.flag, "register `/healthz`, `/readyz` and `/metrics`")
    metrics: bool = setting(
        "CRAFTKIT_METRICS", False, p.flag, "serve Prometheus metrics at `/metrics` "
        "(404 otherwise)")
    breaker_threshold: int = setting(
        "CRAFTKIT_BREAKER_THRESHOLD", 5, p.integer(1),
        "consecutive upstream failures that open the circuit")
    breaker_reset: float = setting(
        "CRAFTKIT_BREAKER_RESET", 5.0, p.number(0.1),
        "seconds the circuit stays open before one trial call")
    jwt_secret: str | None = setting(
        "CRAFTKIT_AUTH_JWT_SECRET", None, p.text,
        "HS256 secret of JWTs issued by your app; turns on JWT identity", secret=True)
    jwt_public_key: str | None = setting(
        "CRAFTKIT_AUTH_JWT_PUBLIC_KEY", None, p.text,
        "PEM public key for RS256/ES256 JWTs; turns on JWT identity")
    jwt_audience: str | None = setting(
        "CRAFTKIT_AUTH_JWT_AUDIENCE", None, p.text, "required `aud` claim")
    jwt_issuer: str | None = setting(
        "CRAFTKIT_AUTH_JWT_ISSUER", None, p.text, "required `iss` claim")
    jwt_cookie: str | None = setting(
        "CRAFTKIT_AUTH_JWT_COOKIE", None, p.text,
        "cookie that may carry the JWT instead of `Authorization: Bearer`")
    jwt_leeway: int = setting(
        "CRAFTKIT_AUTH_JWT_LEEWAY", 30, p.integer(0), "clock-skew leeway in seconds for "
        "`exp` (a verified JWT is remembered for up to 60 s, never past `exp` + leeway; a key "
        "withdrawn from the JWKS stops working within that minute)")
    jwks_url: str | None = setting(
        "CRAFTKIT_AUTH_JWKS_URL", None, p.optional_http_url, "your identity provider's "
        "JWKS URL (RS256/ES256 keys by `kid`); turns on JWT identity")
    jwks_ttl: int = setting(
        "CRAFTKIT_AUTH_JWKS_TTL", 300, p.integer(10),
        "seconds the JWKS is cached; an unknown `kid` refetches it (at most every 30 s)")
    log_level: str = setting(
        "CRAFTKIT_LOG_LEVEL", "info", p.choice("debug", "info", "warning", "error"),
        "least severe log level written (request lines are `info`)")
    log_format: str = setting(
        "CRAFTKIT_LOG_FORMAT", "text", p.choice("text", "json"),
        "`text` (time, level, logger, message) or `json` (one object per line, for log "
        "shippers)")
    bind: str | None = setting(
        "CRAFTKIT_BIND", None, p.text, "`HOST:PORT` the server listens on; unset: "
        "`0.0.0.0:8000` for `craftkit-bff serve`, `127.0.0.1:8000` for the shipped gunicorn "
        "configuration (gunicorn belongs behind a buffering proxy: see Deploying)")
    threads: int = setting(
        "CRAFTKIT_THREADS", 64, p.integer(1),
        "request threads per worker process (each can hold one upstream connection)")
    secret_key: str | None = setting(
        "SECRET_KEY", None, p.text, "Flask's session signing key; required when the "
        "identity is the signed session", secret=True)

    @property
    def seal_secret(self) -> bytes:
        """The secret renew-token seals are derived from: the seal key, else the admin key."""
        return (self.seal_key or self.admin_key or "").encode()

    @property
    def seal_secret_label(self) -> bytes:
        """Which secret seal_secret is, so the two never derive the same seal key."""
        return b"seal-key" if self.seal_key else b"admin-key"

    @property
    def uses_jwt(self) -> bool:
        """Tell whether a JWT key or JWKS URL is configured (JWT identity)."""
        return bool(self.jwt_secret or self.jwt_public_key or self.jwks_url)


@dataclass(frozen=True)
class Declared:
    """One setting as declared on Settings."""

    attribute: str
    env: str
    default: Any
    parse: Callable[[Any, str], Any]
    help: str
    secret: bool
    shown_default: str | None


def declared() -> Iterator[Declared]:
    """Yield every setting in declaration order."""
    for item in fields(Settings):
        meta = item.metadata
        yield Declared(item.name, meta["env"], meta["default"], meta["parse"], meta["help"],
                       meta["secret"], meta["shown_default"])


DEFAULTS: dict[str, Any] = {item.env: item.default for item in declared()}


def load_environment(config: dict, environ: Mapping[str, str] | None = None, *,
                     only_missing: bool = False) -> None:
    """Copy every CRAFTKIT_* variable (and SECRET_KEY) from the environment into config.

    :param only_missing: leave names the config already holds alone (an explicit
        configuration wins over the environment).
    """
    environ = os.environ if environ is None else environ
    for name, value in environ.items():
        if (name.startswith(PREFIX) or name == "SECRET_KEY") and not (
                only_missing and name in config):
            config[name] = value


def settings_from(config: Mapping[str, Any]) -> Settings:
    """Validate the configuration and return typed settings, or raise ConfigError."""
    settings = _parse(config)
    if not settings.admin_key:
        raise ConfigError("CRAFTKIT_ADMIN_KEY is not set: the BFF needs the Craftkit admin key "
                          "to provision each org's project (set it in the environment).")
    return settings


def server_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Parse the settings a server configuration needs from the environment alone.

    No credentials are required here: the app checks those itself when a worker loads it.
    """
    config: dict[str, Any] = {}
    load_environment(config, environ)
    return _parse(config)


def _parse(config: Mapping[str, Any]) -> Settings:
    return Settings(**{item.attribute: item.parse(config.get(item.env, item.default), item.env)
                       for item in declared()})


def describe(settings: Settings, config: Mapping[str, Any]) -> Iterator[tuple[str, str, str]]:
    """Yield (variable, value as shown, where it came from) for doctor; secrets hidden."""
    for item in declared():
        value = getattr(settings, item.attribute)
        source = "set" if config.get(item.env, item.default) != item.default else "default"
        if item.secret:
            shown = "(hidden)" if value else "(unset)"
        elif value is None or value == "" or value == frozenset():
            shown = "(unset)"
        else:
            shown = _show(value)
        yield item.env, shown, source


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ",".join(_show(v) for v in value)
    if isinstance(value, frozenset):
        return " ".join(sorted(value))
    if isinstance(value, str) and "\n" in value:
        return "(a PEM key)"
    return str(value)


def markdown_table() -> str:
    """Return the README's configuration table, generated from the declarations."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for item in declared():
        default = item.shown_default or _markdown_default(item.default)
        rows.append(f"| `{item.env}` | {default} | {item.help} |")
    return "\n".join(rows)


def _markdown_default(default: Any) -> str:
    if default is None:
        return "unset"
    if default == "":
        return "empty"
    if isinstance(default, bool):
        return f"`{'true' if default else 'false'}`"
    return f"`{default}`"


if __name__ == "__main__":
    print(markdown_table())
