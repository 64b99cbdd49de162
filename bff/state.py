"""What one app's BFF is made of (``BffState``), and the one typed way to reach it.

``CraftkitBFF`` builds the state once per app (bff/extension.py) and keeps it in
``app.extensions["craftkit_bff"]``; routes, hooks and the Python API reach it with
``bff_state()``, which says what it returns, so a type checker follows every use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from flask import Flask, current_app

if TYPE_CHECKING:
    from .catalogs.publisher import CatalogPublisher
    from .config import Settings
    from .credentials import KeyResolver, TenantProvisioner
    from .credentials.account_api import AccountApi
    from .credentials.admin_api import AdminApi
    from .credentials.renew_tokens import RenewTokenSealer
    from .identity import IdentityLoader
    from .ops.metrics import Metrics
    from .registry import Registry
    from .upstream import Upstream
    from .upstream.health import UpstreamHealth

EXTENSION = "craftkit_bff"


class DownloadLimit(Protocol):
    """How many downloads a worker serves at once (``bff.api.slots.DownloadSlots``)."""

    limit: int

    def take(self, org_id: str) -> Callable[[], None]:
        """Take a slot for the org; return the function that frees it, or raise DownloadsBusy."""
        ...


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
    download_slots: DownloadLimit
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


def get_org_api_key(org_id: str, org_name: str | None = None) -> str:
    """Return the Craftkit project key of org_id for the current app.

    For the host app's own server-side calls: resolved like the browser routes' keys
    (validated, cached, provisioned once). Never send it to a browser.
    """
    return bff_state().keys.get(org_id, org_name)
