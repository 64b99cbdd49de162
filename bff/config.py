"""Configuration: every CRAFTKIT_* setting declared once, as a field of ``Settings``.

Each field names its variable, its default, its parser and its help text. Everything else
is derived from those declarations: the defaults a Flask app starts from, the start-up
validation, the README's configuration table (``markdown_table``, checked by a test) and
``craftkit-bff doctor``'s report (``describe``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from . import parsers as p
from .catalogs.file import CatalogFile, catalog_file
from .parsers import ConfigError

__all__ = ["DEFAULTS", "ConfigError", "Settings", "describe", "load_environment",
           "markdown_table", "server_settings", "settings_from"]

PREFIX = "CRAFTKIT_"
ACCOUNT_KEY_PREFIX = "ck_acct_"
DEFAULT_REGISTRY_URL = "sqlite:///craftkit-registry.sqlite3"
MIN_REGISTRY_SECRET = 16


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
        "without it or `CRAFTKIT_ACCOUNT_KEY`. Never sent to the browser or logged",
        secret=True, shown_default="*(this or the account key)*")
    base_url: str = setting(
        "CRAFTKIT_BASE_URL", "https://www.craftkit.dev", p.base_url,
        "Craftkit's origin (a trailing slash is stripped; a path, query or bad port is a "
        "start-up error)")
    catalog_name: str | None = setting(
        "CRAFTKIT_CATALOG_NAME", None, p.text,
        "variable catalog attached to every session as `catalogRef`; default: the name in "
        "`CRAFTKIT_CATALOG_FILE`", shown_default="the catalog file's name, else unset")
    catalog_file: CatalogFile | None = setting(
        "CRAFTKIT_CATALOG_FILE", None, catalog_file, "JSON file holding the body of "
        "`POST /v1/embed/catalogs` (`{\"name\", \"catalog\"}`): published to each org's "
        "project before its first session, once per version (see docs/catalogs.md)")
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
        shown_default="derived from the admin or account key")
    seal_key_previous: str | None = setting(
        "CRAFTKIT_SEAL_KEY_PREVIOUS", None, p.text, "the secret seals were made under before "
        "a rotation (the old `CRAFTKIT_SEAL_KEY`, or the old admin or account key if none "
        "was set): its seals still open; new ones use the current key", secret=True)
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
        "longest the circuit stays open before one trial call (a probe that Craftkit answers "
        "ends it sooner)")
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
    body_timeout: float = setting(
        "CRAFTKIT_BODY_TIMEOUT", 10, p.number(0.1), "seconds `craftkit-bff serve` gives a "
        "request's body to arrive whole before answering 408; no thread waits meanwhile")
    download_stall: float = setting(
        "CRAFTKIT_DOWNLOAD_STALL", 30, p.number(0.1), "seconds a download waits for the "
        "browser to take its next chunk before it is ended (under `serve` and gunicorn)")
    downloads_per_org: int = setting(
        "CRAFTKIT_DOWNLOADS_PER_ORG", 0, p.integer(0), "downloads one org may have in "
        "progress per worker process; `0`: a quarter of the worker's download slots (at "
        "least 1)")
    secret_key: str | None = setting(
        "SECRET_KEY", None, p.text, "Flask's session signing key; required when the "
        "identity is the signed session", secret=True)
    cache_url: str | None = setting(
        "CRAFTKIT_CACHE_URL", None, p.optional_redis_url, "Redis URL (`redis://` or "
        "`rediss://`) of the key store every host shares: one provision call per org across "
        "the fleet; unset: each process keeps its own keys", secret=True)
    cache_key: str | None = setting(
        "CRAFTKIT_CACHE_KEY", None, p.text, "secret the Redis key store's encryption key is "
        "derived from (HKDF-SHA256); set the same on every host", secret=True,
        shown_default="derived from the admin or account key")
    cache_key_previous: str | None = setting(
        "CRAFTKIT_CACHE_KEY_PREVIOUS", None, p.text, "the secret Redis entries were sealed "
        "under before a rotation (the old `CRAFTKIT_CACHE_KEY`, or the old admin or account "
        "key if none was set): its entries still open; new ones use the current key",
        secret=True)
    cache_local_ttl: float = setting(
        "CRAFTKIT_CACHE_LOCAL_TTL", 5, p.number(0), "seconds a process reuses a key it read "
        "from Redis before asking Redis again (so an org deleted elsewhere may be used here "
        "that long)")
    cache_timeout: float = setting(
        "CRAFTKIT_CACHE_TIMEOUT", 0.25, p.number(0.01), "Redis connect and read timeout in "
        "seconds; a slower Redis is treated as down and keys are kept in-process")
    account_key: str | None = setting(
        "CRAFTKIT_ACCOUNT_KEY", None, p.text, "a Craftkit account key (`ck_acct_...`): "
        "provision each org with `/v1/projects*` instead of the admin key (set exactly one of "
        "the two). Never sent to the browser or logged", secret=True)
    registry_url: str | None = setting(
        "CRAFTKIT_REGISTRY_URL", None, p.text, "the tenant registry: `sqlite:///path/to/file` "
        "or `postgresql://user:password@host:port/db`; optional with the admin key",
        secret=True, shown_default=f"`{DEFAULT_REGISTRY_URL}` with the account key")
    registry_secret: str | None = setting(
        "CRAFTKIT_REGISTRY_SECRET", None, p.text, "secret the registry's AES-256-GCM row key "
        "is derived from (at least 16 characters, never the account or admin key); required "
        "with the account key", secret=True)
    registry_secret_previous: str | None = setting(
        "CRAFTKIT_REGISTRY_SECRET_PREVIOUS", None, p.text, "the secret being rotated out: "
        "rows it sealed stay readable until `craftkit-bff tenants reencrypt` has run",
        secret=True)
    registry_lease: float = setting(
        "CRAFTKIT_REGISTRY_LEASE", 60, p.number(1), "seconds a worker may hold an org's "
        "creation before another takes it over (keep it above two upstream timeouts)")
    registry_wait: float = setting(
        "CRAFTKIT_REGISTRY_WAIT", 15, p.number(0), "seconds a request waits for another "
        "worker's creation of the same org before answering 503")
    registry_timeout: float = setting(
        "CRAFTKIT_REGISTRY_TIMEOUT", 5, p.number(0.1), "seconds to connect to the registry "
        "or run one statement there")
    registry_poll: float = setting(
        "CRAFTKIT_REGISTRY_POLL", 2, p.number(0.1), "seconds between a process's reads of "
        "the orgs deprovisioned in the tenant registry: each process refuses such an org "
        "within about this long, whatever keys it holds")
    registry_pool_size: int = setting(
        "CRAFTKIT_REGISTRY_POOL_SIZE", 4, p.integer(1),
        "PostgreSQL connections kept per process (as many again may open under load)")
    max_answer: int = setting(
        "CRAFTKIT_MAX_ANSWER", 4 * 1024 * 1024, p.integer(1024),
        "largest JSON answer accepted from Craftkit, in bytes (a larger one is a 502)")
    ca_bundle: str | None = setting(
        "CRAFTKIT_CA_BUNDLE", None, p.text, "CA bundle (PEM file or directory) that verifies "
        "Craftkit's certificate; default `REQUESTS_CA_BUNDLE`, `CURL_CA_BUNDLE`, else certifi's")
    iframe_origins: frozenset[str] = setting(
        "CRAFTKIT_IFRAME_ORIGINS", "", p.origins, "origins besides `CRAFTKIT_BASE_URL`'s that "
        "Craftkit's `iframe_url` may point to, space or comma separated")
    otel: bool = setting(
        "CRAFTKIT_OTEL", False, p.flag, "record OpenTelemetry spans (the `otel` extra) with "
        "the process's tracer provider; a standalone BFF without one exports them over OTLP, "
        "configured by the standard `OTEL_*` variables")
    breaker_probe: float = setting(
        "CRAFTKIT_BREAKER_PROBE", 0.5, p.number(0.05), "seconds between checks of Craftkit "
        "while the circuit is open; the first it answers lets one trial call through")

    @property
    def seal_secret(self) -> bytes:
        """The secret renew-token seals are derived from: the seal key, else the Craftkit key."""
        return (self.seal_key or self.admin_key or self.account_key or "").encode()

    @property
    def seal_previous(self) -> tuple[tuple[bytes, bytes], ...]:
        """The (secret, label) pairs old seals may be under: CRAFTKIT_SEAL_KEY_PREVIOUS
        as a seal key, or as the Craftkit key the seal key was derived from."""
        old = self.seal_key_previous
        if not old:
            return ()
        return tuple((old.encode(), label) for label in (b"seal-key", b"admin-key",
                                                         b"account-key"))

    @property
    def seal_secret_label(self) -> bytes:
        """Which secret seal_secret is, so no two of them derive the same seal key."""
        if self.seal_key:
            return b"seal-key"
        return b"admin-key" if self.admin_key else b"account-key"

    @property
    def strategy(self) -> str:
        """How orgs get their project: "admin" (admin key) or "account" (account key)."""
        return "account" if self.account_key else "admin"

    @property
    def registry_location(self) -> str | None:
        """The registry URL in use: the configured one, the default file in account mode."""
        if self.registry_url:
            return self.registry_url
        return DEFAULT_REGISTRY_URL if self.strategy == "account" else None

    @property
    def cache_secret(self) -> bytes:
        """The secret Redis envelopes are derived from: the cache key, else the Craftkit key.

        Never empty: settings_from requires the admin or the account key, and KeyEnvelope
        refuses an empty secret (its key would be anyone's to derive).
        """
        return (self.cache_key or self.admin_key or self.account_key or "").encode()

    @property
    def cache_previous(self) -> tuple[tuple[bytes, bytes], ...]:
        """The (secret, label) pairs old Redis entries may be under: CRAFTKIT_CACHE_KEY_PREVIOUS
        as a cache key, or as the Craftkit key the cache key was derived from."""
        old = self.cache_key_previous
        if not old:
            return ()
        return tuple((old.encode(), label) for label in (b"cache-key", b"admin-key",
                                                         b"account-key"))

    @property
    def cache_secret_label(self) -> bytes:
        """Which secret cache_secret is, so no two of them derive the same envelope key."""
        if self.cache_key:
            return b"cache-key"
        return b"admin-key" if self.admin_key else b"account-key"

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
    if bool(settings.admin_key) == bool(settings.account_key):
        raise ConfigError(
            ("Both CRAFTKIT_ADMIN_KEY and CRAFTKIT_ACCOUNT_KEY are set" if settings.admin_key
             else "CRAFTKIT_ADMIN_KEY is not set") + ": the BFF needs exactly one of them to "
            "provision each org's project (CRAFTKIT_ADMIN_KEY: Craftkit's admin provision API; "
            "CRAFTKIT_ACCOUNT_KEY: a ck_acct_ key and the tenant registry).")
    _check_registry(settings)
    return settings


def _check_registry(settings: Settings) -> None:
    """Refuse registry settings that cannot work (the URL's dialect is checked on open)."""
    if settings.account_key and not settings.account_key.startswith(ACCOUNT_KEY_PREFIX):
        raise ConfigError(f"CRAFTKIT_ACCOUNT_KEY must be a Craftkit account key, which starts "
                          f"with {ACCOUNT_KEY_PREFIX!r}.")
    for name, secret in (("CRAFTKIT_REGISTRY_SECRET", settings.registry_secret),
                         ("CRAFTKIT_REGISTRY_SECRET_PREVIOUS", settings.registry_secret_previous)):
        if secret is None:
            continue
        if len(secret) < MIN_REGISTRY_SECRET:
            raise ConfigError(f"{name} must be at least {MIN_REGISTRY_SECRET} characters "
                              "(e.g. the output of `openssl rand -hex 32`).")
        if secret in (settings.account_key, settings.admin_key):
            raise ConfigError(f"{name} must not be the Craftkit account or admin key: a "
                              "master key that doubles as an encryption secret cannot be "
                              "rotated without losing every row it sealed.")
    if settings.registry_secret_previous and not settings.registry_secret:
        raise ConfigError("CRAFTKIT_REGISTRY_SECRET_PREVIOUS is set without "
                          "CRAFTKIT_REGISTRY_SECRET: set the new secret too.")
    if settings.strategy == "account" and not settings.registry_secret:
        raise ConfigError("CRAFTKIT_REGISTRY_SECRET is not set: with CRAFTKIT_ACCOUNT_KEY the "
                          "BFF keeps each org's project key in the tenant registry, encrypted "
                          "under a key derived from it (e.g. `openssl rand -hex 32`).")


def server_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Parse the settings a server configuration needs from the environment alone.

    No credentials are required here: the app checks those itself when a worker loads it.
    """
    config: dict[str, Any] = {}
    load_environment(config, environ)
    return _parse(config)


def _parse(config: Mapping[str, Any]) -> Settings:
    settings = Settings(**{item.attribute: item.parse(config.get(item.env, item.default),
                                                      item.env)
                           for item in declared()})
    return _with_catalog_name(settings)


def _with_catalog_name(settings: Settings) -> Settings:
    """Default CRAFTKIT_CATALOG_NAME to the catalog file's name; refuse two different ones."""
    file = settings.catalog_file
    if file is None:
        return settings
    if settings.catalog_name is None:
        return replace(settings, catalog_name=file.name)
    if settings.catalog_name != file.name:
        raise ConfigError(f"CRAFTKIT_CATALOG_NAME is {settings.catalog_name!r} but "
                          f"CRAFTKIT_CATALOG_FILE publishes {file.name!r}: sessions would "
                          "name a catalog the BFF never publishes. Unset "
                          "CRAFTKIT_CATALOG_NAME (it defaults to the file's name).")
    return settings


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
