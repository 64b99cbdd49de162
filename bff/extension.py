"""The Flask extension: builds the per-app components and mounts the BFF's routes."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

from . import api, health
from .breaker import CircuitBreaker
from .config import DEFAULTS, Settings, settings_from
from .credentials import KeyResolver
from .identity import IdentityLoader, default_identity_loader
from .metrics import Metrics
from .requestlog import request_id
from .sealing import Sealer
from .upstream import Upstream


@dataclass
class BffState:
    """Everything the BFF needs per app, kept in app.extensions["craftkit_bff"]."""

    settings: Settings
    upstream: Upstream
    keys: KeyResolver
    sealer: Sealer
    identity_loader: IdentityLoader
    metrics: Metrics


class CraftkitBFF:
    """Mount craftkit-bff into a Flask app: ``CraftkitBFF(app)`` or ``init_app(app)``."""

    def __init__(self, app: Flask | None = None,
                 identity_loader: IdentityLoader | None = None) -> None:
        self.identity_loader = identity_loader
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Validate the CRAFTKIT_* configuration, build the components, add the routes."""
        for name, value in DEFAULTS.items():
            app.config.setdefault(name, value)
        settings = settings_from(app.config)
        app.extensions["craftkit_bff"] = build_state(settings, self.identity_loader)
        app.register_blueprint(api.bp, url_prefix=settings.url_prefix)
        if settings.ops_routes:
            app.register_blueprint(health.bp)


def build_state(settings: Settings, identity_loader: IdentityLoader | None = None) -> BffState:
    """Build the upstream client, key resolver and sealer for one app."""
    metrics = Metrics(settings.metrics)
    breaker = CircuitBreaker(settings.breaker_threshold, settings.breaker_reset,
                             on_change=metrics.circuit)
    upstream = Upstream(settings.base_url, settings.admin_key, settings.timeout,
                        breaker=breaker, metrics=metrics)
    keys = KeyResolver(lambda org_id, name: upstream.provision(org_id, name, request_id()),
                       maxsize=settings.key_cache_size, ttl=settings.key_ttl, metrics=metrics)
    sealer = Sealer(settings.seal_secret, settings.seal_secret_label, settings.seal_ttl)
    loader = identity_loader or default_identity_loader(settings)
    return BffState(settings, upstream, keys, sealer, loader, metrics)
