"""craftkit-bff: a Flask backend-for-frontend for the embedded Craftkit document builder."""

from __future__ import annotations

from flask import Flask

from ._version import __version__
from .config import ConfigError, load_environment
from .credentials import get_org_api_key
from .errors import register_error_handlers
from .extension import CraftkitBFF
from .identity import Identity, IdentityLoader, sign_in, sign_out

__all__ = ["CraftkitBFF", "ConfigError", "Identity", "__version__", "create_app",
           "get_org_api_key", "sign_in", "sign_out"]


def create_app(test_config: dict | None = None,
               identity_loader: IdentityLoader | None = None) -> Flask:
    """Create the standalone BFF app (gunicorn wsgi:app) from CRAFTKIT_* settings."""
    app = Flask(__name__)
    # Settings: the environment first, then explicit overrides (tests, the demo).
    load_environment(app.config)
    app.config.update(test_config or {})
    # A standalone app answers JSON for every error, not only on the BFF's routes.
    register_error_handlers(app)
    # The extension validates the configuration now, so a bad one fails at start-up.
    CraftkitBFF(app, identity_loader=identity_loader)
    # The default session-based identity needs a signing key for Flask's session.
    if identity_loader is None and not app.secret_key and not _uses_jwt(app):
        raise ConfigError("SECRET_KEY is not set: the session identity needs it to verify "
                          "the signed session cookie (or configure CRAFTKIT_AUTH_JWT_*).")
    return app


def _uses_jwt(app: Flask) -> bool:
    settings = app.extensions["craftkit_bff"].settings
    return bool(settings.jwt_secret or settings.jwt_public_key or settings.jwks_url)
