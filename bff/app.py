"""The standalone BFF app: ``create_app()``, what ``bff.wsgi:app`` serves."""

from __future__ import annotations

from flask import Flask

from .config import DEFAULTS, load_environment
from .errors import register_error_handlers
from .extension import CraftkitBFF
from .identity import IdentityLoader
from .ops import tracing


def create_app(test_config: dict | None = None,
               identity_loader: IdentityLoader | None = None) -> Flask:
    """Create the standalone BFF app (``gunicorn bff.wsgi:app``).

    Without test_config the CRAFTKIT_* environment configures it; with one, that dict does,
    over the defaults, and the environment is not read at all.
    """
    app = Flask("bff")
    # Settings: the environment, or (tests, the demo) an explicit dict instead of it.
    if test_config is None:
        load_environment(app.config)
    else:
        app.config.from_mapping({**DEFAULTS, **test_config})
    # A standalone app answers JSON for every error, not only on the BFF's routes.
    register_error_handlers(app)
    # The extension validates the configuration now, so a bad one fails at start-up.
    CraftkitBFF(app, identity_loader=identity_loader)
    # A standalone BFF that records spans sends them somewhere (a host app decides itself).
    tracing.export_over_otlp()
    return app
