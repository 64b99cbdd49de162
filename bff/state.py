"""What one app's BFF is made of (``BffState``), and the one typed way to reach it.

``CraftkitBFF`` builds the state once per app (bff/extension.py) and keeps it in
``app.extensions["craftkit_bff"]``; routes, hooks and the Python API reach it with
``bff_state()``, which says what it returns, so a type checker follows every use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Flask, current_app

if TYPE_CHECKING:
    from .api.renew_tokens import RenewTokenSealer
    from .api.slots import DownloadSlots
    from .catalogs.publisher import CatalogPublisher
    from .config import Settings
    from .credentials import KeyResolver, TenantProvisioner
    from .credentials.account_api import AccountApi
    from .credentials.admin_api import AdminApi
    from .identity import IdentityLoader
    from .ops.metrics import Metrics
    from .registry import Registry
    from .upstream import Upstream
    from .upstream.health import UpstreamHealth

EXTENSION = "craftkit_bff"


@dataclass
class BffState:
    """Everything the BFF needs per app, each part picked once from the settings.

    Exactly one of ``admin_api`` and ``account_api`` is set: the provisioning strategy's
    vocabulary, which the operator commands use too (the key stays inside it).
    ``catalogs`` publishes CRAFTKIT_CATALOG_FILE to each org (None without one).
    """

    settings: Settings
    upstream: Upstream
    keys: KeyResolver
    provisioner: TenantProvisioner
    sealer: RenewTokenSealer
    identity_loader: IdentityLoader
    metrics: Metrics
    upstream_health: UpstreamHealth
    download_slots: DownloadSlots
    registry: Registry | None = None
    admin_api: AdminApi | None = None
    account_api: AccountApi | None = None
    catalogs: CatalogPublisher | None = None

    def close(self) -> None:
        """Release pooled connections now: Craftkit's, and the registry's if there is one."""
        self.upstream.close()
        if self.registry is not None:
            self.registry.engine.dispose()


def bff_state(app: Flask | None = None) -> BffState:
    """Return the BFF state of app (default: the current app).

    :raises RuntimeError: the app has no ``CraftkitBFF`` mounted.
    """
    state = (app or current_app).extensions.get(EXTENSION)
    if state is None:
        raise RuntimeError("craftkit-bff is not set up on this app: call CraftkitBFF(app) "
                           "(or use bff.create_app()) first.")
    return state
