"""The Flask extension: where every part of the BFF is chosen and plugged in.

``build_state`` is the map: the upstream client, the key resolver with its store and
provisioner, the renew-token sealer and the identity loader, each picked once from the
settings (or given by the host app), then reached by every request through
``app.extensions["craftkit_bff"]``. Routes come from ``bff.api``, one module per resource.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from flask import Flask

from . import api
from .api import health
from .api.renew_tokens import RenewTokenSealer
from .api.slots import DownloadSlots
from .config import DEFAULTS, ConfigError, Settings, load_environment, settings_from
from .credentials import AdminProvisioner, KeyResolver, KeyStore, Provisioner
from .credentials.account import AccountProvisioner
from .credentials.account_api import AccountApi
from .credentials.recording import RecordingAdminProvisioner
from .credentials.selection import key_store_for, wait_timeout_for
from .identity import IdentityLoader, needs_secret_key, session_identity_loader
from .identity.jwt_loader import JwtIdentityLoader
from .ops.metrics import Metrics
from .page import element
from .registry import Registry, open_registry, prepare_at_start
from .upstream.breaker import CircuitBreaker
from .upstream.client import Upstream
from .upstream.connections import outbound_for
from .upstream.health import UpstreamHealth


@dataclass
class BffState:
    """Everything the BFF needs per app, kept in app.extensions["craftkit_bff"]."""

    settings: Settings
    upstream: Upstream
    keys: KeyResolver
    sealer: RenewTokenSealer
    identity_loader: IdentityLoader
    metrics: Metrics
    upstream_health: UpstreamHealth
    download_slots: DownloadSlots
    registry: Registry | None = None

    def close(self) -> None:
        """Release pooled connections now: Craftkit's, and the registry's if there is one."""
        self.upstream.close()
        if self.registry is not None:
            self.registry.engine.dispose()


class CraftkitBFF:
    """Mount craftkit-bff into a Flask app: ``CraftkitBFF(app)`` or ``init_app(app)``.

    :param identity_loader: who is calling (default: a JWT when CRAFTKIT_AUTH_JWT_* or
        CRAFTKIT_AUTH_JWKS_URL is set, else the identity stored with ``bff.sign_in``).
    :param key_store: where org keys are kept (default: an in-process TTL cache).
    """

    def __init__(self, app: Flask | None = None,
                 identity_loader: IdentityLoader | None = None,
                 key_store: KeyStore | None = None) -> None:
        self.identity_loader = identity_loader
        self.key_store = key_store
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Read the CRAFTKIT_* configuration, build the components, add the routes."""
        # The app's own config wins; the environment fills what it lacks, then defaults.
        load_environment(app.config, only_missing=True)
        for name, value in DEFAULTS.items():
            app.config.setdefault(name, value)
        settings = settings_from(app.config)
        state = build_state(settings, self.identity_loader, self.key_store)
        # A loader that reads Flask's signed session cannot verify it without a signing key.
        if needs_secret_key(state.identity_loader) and not app.config.get("SECRET_KEY"):
            state.close()
            raise ConfigError("SECRET_KEY is not set: the session identity needs it to verify "
                              "the signed session cookie (or configure CRAFTKIT_AUTH_JWT_*).")
        app.extensions["craftkit_bff"] = state
        # Pooled Craftkit connections go when the app does (or the interpreter exits). The
        # registry's pool is closed explicitly (state.close(), the commands do), not here: a
        # finalizer holding its engine kept connections beyond that close in the tests.
        weakref.finalize(app, state.upstream.close)
        app.register_blueprint(api.bp, url_prefix=settings.url_prefix)
        # The browser element ships in the package; serve it beside the routes it calls.
        app.register_blueprint(element.bp, url_prefix=settings.url_prefix)
        app.add_template_global(element.element_url, "craftkit_element_url")
        if settings.ops_routes:
            app.register_blueprint(health.bp)


def build_state(settings: Settings, identity_loader: IdentityLoader | None = None,
                key_store: KeyStore | None = None) -> BffState:
    """Build the upstream client, key resolver, sealer and identity loader for one app."""
    metrics = Metrics(settings.metrics)
    breaker = CircuitBreaker(settings.breaker_threshold, settings.breaker_reset,
                             on_change=metrics.circuit, probe_every=settings.breaker_probe)
    upstream = Upstream(settings.base_url, settings.admin_key, settings.timeout,
                        breaker=breaker, metrics=metrics,
                        outbound=outbound_for(settings.base_url, settings.ca_bundle),
                        max_answer=settings.max_answer)
    store = key_store or key_store_for(settings, metrics)
    registry = open_registry(settings)
    try:
        provisioner = choose_provisioner(settings, upstream, registry)
    except BaseException:
        # A registry that refuses to start (wrong secret, unreachable) leaves nothing open.
        upstream.close()
        if registry is not None:
            registry.engine.dispose()
        raise
    keys = KeyResolver(provisioner, store, metrics=metrics,
                       wait_timeout=wait_timeout_for(settings))
    sealer = RenewTokenSealer(settings.seal_secret, settings.seal_secret_label,
                              settings.seal_ttl)
    return BffState(settings, upstream, keys, sealer,
                    identity_loader or default_identity_loader(settings), metrics,
                    UpstreamHealth(upstream.probe, breaker, metrics),
                    DownloadSlots(settings.threads), registry)


def default_identity_loader(settings: Settings) -> IdentityLoader:
    """Choose the identity source: a JWT when one is configured, else the signed session."""
    return JwtIdentityLoader(settings) if settings.uses_jwt else session_identity_loader


def choose_provisioner(settings: Settings, upstream: Upstream,
                       registry: Registry | None) -> Provisioner:
    """Pick the strategy the configured key implies, recorded in the registry if there is one."""
    if registry is not None:
        prepare_at_start(registry)
    if settings.strategy == "account":
        # An earlier create whose answer was lost has landed or failed well within two
        # full upstream timeouts; only then may another create be sent for the org.
        return AccountProvisioner(AccountApi(upstream, settings.account_key), registry,
                                  lease=settings.registry_lease, wait=settings.registry_wait,
                                  grace=2 * sum(settings.timeout))
    if registry is not None:
        return RecordingAdminProvisioner(upstream, registry)
    return AdminProvisioner(upstream)
