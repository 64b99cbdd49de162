"""The Flask extension: where every part of the BFF is chosen and plugged in.

``build_state`` is the map: the upstream client, the provisioning strategy and its API,
the key resolver with its store, the renew-token sealer, the catalog publisher (with a
catalog file) and the identity loader, each picked once from the settings (or given by the
host app), then reached by every request through ``bff_state()`` (bff/state.py). Routes
come from ``bff.api``; ``CraftkitBFF.tenant`` gives the host's backend Craftkit as one org.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from flask import Flask

from . import api
from .api import health
from .api.slots import DownloadSlots
from .catalogs.selection import publisher_for
from .config import DEFAULTS, ConfigError, Settings, load_environment, settings_from
from .credentials import AdminProvisioner, KeyResolver, KeyStore, TenantProvisioner
from .credentials.account import AccountProvisioner
from .credentials.account_api import AccountApi
from .credentials.admin_api import IDEMPOTENT_POSTS, AdminApi
from .credentials.key_check import KeyCheck, templates_probe
from .credentials.offboarding import offboarding_for
from .credentials.recording import RecordingAdminProvisioner
from .credentials.renew_tokens import RenewTokenSealer
from .credentials.selection import key_store_for, wait_timeout_for
from .credentials.tenant_client import TenantClient
from .identity import IdentityLoader, needs_secret_key
from .identity.choice import identity_loader_for
from .ops import tracing
from .ops.metrics import Metrics
from .page import element
from .registry import open_registry, prepare_at_start
from .state import EXTENSION, BffState, bff_state
from .upstream import Upstream
from .upstream.breaker import CircuitBreaker
from .upstream.connections import outbound_for
from .upstream.health import UpstreamHealth

if TYPE_CHECKING:
    from .registry import Registry


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
        loader = identity_loader_for(settings, self.identity_loader)
        state = build_state(settings, loader, self.key_store)
        # A loader that reads Flask's signed session cannot verify it without a signing key.
        if needs_secret_key(state.identity_loader) and not app.config.get("SECRET_KEY"):
            state.close()
            raise ConfigError("SECRET_KEY is not set: the session identity needs it to verify "
                              "the signed session cookie (or configure CRAFTKIT_AUTH_JWT_*).")
        app.extensions[EXTENSION] = state
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

    def tenant(self, org_id: str, org_name: str | None = None,
               app: Flask | None = None) -> TenantClient:
        """Return a client that calls Craftkit as org_id, with its own project key.

        For the host's backend (a background job, a script), not the browser: the key is
        resolved as the routes resolve it and never leaves the client. ``app`` defaults to
        the current app; the client itself needs no app context once made.

        :raises InvalidRequest: org_id is not a usable org id (empty, too long, ...).
        """
        state = bff_state(app)
        return TenantClient(state.upstream, state.keys, org_id, org_name)


def build_state(settings: Settings, identity_loader: IdentityLoader,
                key_store: KeyStore | None = None) -> BffState:
    """Build every part of the BFF for one app (or one command) from its settings."""
    if settings.otel:
        tracing.use_opentelemetry()
    metrics = Metrics(settings.metrics)
    breaker = CircuitBreaker(settings.breaker_threshold, settings.breaker_reset,
                             on_change=metrics.circuit, probe_every=settings.breaker_probe)
    upstream = Upstream(settings.base_url, settings.timeout, breaker=breaker, metrics=metrics,
                        outbound=outbound_for(settings.base_url, settings.ca_bundle),
                        max_answer=settings.max_answer, idempotent_posts=IDEMPOTENT_POSTS)
    store = key_store or key_store_for(settings, metrics)
    registry = open_registry(settings)
    admin_api = AdminApi(upstream, settings.admin_key) if settings.admin_key else None
    account_api = AccountApi(upstream, settings.account_key) if settings.account_key else None
    try:
        provisioner = choose_provisioner(settings, admin_api, account_api, registry)
    except BaseException:
        # A registry that refuses to start (wrong secret, unreachable) leaves nothing open.
        upstream.close()
        if registry is not None:
            registry.engine.dispose()
        raise
    keys = KeyResolver(provisioner, store, metrics=metrics,
                       wait_timeout=wait_timeout_for(settings),
                       key_check=KeyCheck(templates_probe(upstream)),
                       offboarding=offboarding_for(registry, settings))
    sealer = RenewTokenSealer(settings.seal_secret, settings.seal_secret_label,
                              settings.seal_ttl, previous=settings.seal_previous)
    catalogs = publisher_for(settings, upstream, keys, registry, metrics)
    return BffState(settings, upstream, keys, provisioner, sealer, identity_loader, metrics,
                    UpstreamHealth(upstream.probe, breaker, metrics),
                    DownloadSlots(settings.threads, settings.downloads_per_org), registry,
                    admin_api, account_api, catalogs)


def choose_provisioner(settings: Settings, admin_api: AdminApi | None,
                       account_api: AccountApi | None,
                       registry: Registry | None) -> TenantProvisioner:
    """Pick the strategy the configured key implies, recorded in the registry if there is one."""
    if registry is not None:
        prepare_at_start(registry)
    if account_api is not None and registry is not None:
        # An earlier create whose answer was lost has landed or failed well within two
        # full upstream timeouts; only then may another create be sent for the org.
        return AccountProvisioner(account_api, registry, lease=settings.registry_lease,
                                  wait=settings.registry_wait,
                                  grace=2 * sum(settings.timeout))
    if admin_api is None:
        raise ConfigError("CRAFTKIT_ADMIN_KEY or CRAFTKIT_ACCOUNT_KEY must be set.")
    if registry is not None:
        return RecordingAdminProvisioner(admin_api, registry)
    return AdminProvisioner(admin_api)


def environment_config(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return the configuration a server would read: defaults, then the CRAFTKIT_* environment."""
    config: dict[str, Any] = dict(DEFAULTS)
    load_environment(config, environ)
    return config


def command_state(config: Mapping[str, Any] | None = None) -> BffState:
    """Build the BFF's parts from the environment (or config) for a command: no caller.

    Commands and the operators' Python API act for nobody in particular, so no identity
    source is needed (nor SECRET_KEY); the caller closes the state when done.
    """
    settings = settings_from(environment_config() if config is None else config)
    return build_state(settings, _nobody)


def _nobody() -> None:
    """The identity of a command: nobody (commands serve no browser)."""
    return None
