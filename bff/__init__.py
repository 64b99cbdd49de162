"""craftkit-bff: a Flask backend-for-frontend for the embedded Craftkit document builder.

Start at ``create_app`` (bff/app.py: the standalone app) or ``CraftkitBFF``
(bff/extension.py: where every part is chosen and plugged in). What each optional
dependency (an extra) is for, and the error that names it: bff/extras.py. Names are
imported on first use, so ``import bff.config`` (the gunicorn configuration does) loads
neither Flask nor the metrics library before the server has set up its environment.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from .app import create_app
    from .config import ConfigError
    from .credentials.tenant_client import TenantClient
    from .extension import CraftkitBFF
    from .identity import Carrier, Identity, IdentityLoader, sign_in, sign_out
    from .ops.logs import log_requests
    from .state import get_org_api_key

_EXPORTS = {
    "create_app": ".app", "ConfigError": ".config", "get_org_api_key": ".state",
    "CraftkitBFF": ".extension", "Carrier": ".identity", "Identity": ".identity",
    "IdentityLoader": ".identity", "sign_in": ".identity", "sign_out": ".identity",
    "log_requests": ".ops.logs", "TenantClient": ".credentials.tenant_client",
}
__all__ = ["Carrier", "ConfigError", "CraftkitBFF", "Identity", "IdentityLoader",
           "TenantClient", "__version__", "create_app", "get_org_api_key", "log_requests",
           "sign_in",
           "sign_out"]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'bff' has no attribute {name!r}")
    value = getattr(import_module(_EXPORTS[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
