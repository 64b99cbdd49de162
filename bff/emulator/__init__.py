"""A local Craftkit-compatible server for the demo, the tests and offline work.

- APIs, one blueprint each: ``admin_api`` (provision), ``projects_api`` (the account API),
  ``sessions_api`` (embed sessions, refresh), ``data_api`` (templates, renders, downloads),
  ``catalogs_api``, ``iframe_api`` and ``iframe_pages`` (the builder, fill and view pages),
  ``dashboard_api`` (what Craftkit's dashboard does, e.g. switching embed mode on),
  ``faults`` (knobs that drop or hold answers, for the tests) and ``knobs`` (what Craftkit
  does on its own: rotate an org's key, lose a project's catalogs; count publishes);
- records and rules: ``store`` (SQLite) and ``schema`` (its tables), ``*_records``,
  ``provisioning``, ``publishing``, ``session_tokens``, ``session_request``,
  ``catalog_schema``, ``fields``, ``permissions``,
  ``embed_mode``, ``pagination``, ``pdf``; plumbing: ``config``, ``auth``, ``bodies``,
  ``errors``, ``crypto``, ``clock``.

Rule: the emulator is its own app (``create_emulator_app``); the BFF's request path never
imports it, and it shares only the sealing helper with the BFF.
"""

from __future__ import annotations

import ipaddress
import sys
from collections import Counter
from typing import Any

from flask import Flask

from . import (
    admin_api,
    catalogs_api,
    dashboard_api,
    data_api,
    faults,
    iframe_api,
    iframe_pages,
    knobs,
    projects_api,
    sessions_api,
)
from .auth import account_id_for
from .config import load_config
from .crypto import OrgSecretSealer, hash_key
from .errors import register_error_handlers
from .store import Store

__all__ = ["create_emulator_app", "serve"]


def create_emulator_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the emulator app; config keys override the CRAFTKIT_* environment."""
    # Settings: defaults, then the environment, then the caller's dict.
    settings = load_config(config)
    app = Flask(__name__, static_url_path="/embed/static")
    app.config.update(settings)
    # One store, one sealer and the account table per app, never on module globals.
    app.extensions["craftkit_emulator"] = {
        "store": Store(settings["DATA_PATH"]),
        "sealer": OrgSecretSealer(settings["ADMIN_KEY"]),
        "accounts": {hash_key(key): account_id_for(key) for key in settings["ACCOUNT_KEYS"]},
        "faults": faults.FaultTable(),
        # (project id, catalog name) -> publishes, for the knob that counts them.
        "publishes": Counter(),
    }
    # Errors become the {"error": {"code", "message"}} envelope in one place.
    register_error_handlers(app)
    for module in (admin_api, projects_api, sessions_api, data_api, catalogs_api,
                   iframe_api, iframe_pages, dashboard_api, faults, knobs):
        app.register_blueprint(module.bp)
    # Fault knobs wrap the whole app, so a dropped answer is dropped after it was served.
    app.wsgi_app = faults.FaultMiddleware(  # type: ignore[method-assign]  # Flask's idiom
        app.wsgi_app, app.extensions["craftkit_emulator"]["faults"])
    return app


def serve(host: str, port: int, data: str | None) -> None:
    """Run the emulator until interrupted; exit 2 on bad settings (e.g. no CRAFTKIT_ADMIN_KEY)."""
    from werkzeug.serving import make_server

    try:
        app = create_emulator_app({"DATA_PATH": data})
    except RuntimeError as e:
        sys.stderr.write(f"craftkit-bff emulator: {e}\n")
        raise SystemExit(2) from None
    if not is_loopback(host):
        sys.stderr.write(f"craftkit-bff emulator: WARNING: listening on {host}, beyond this "
                         "machine. The emulator is for development: anyone who can reach it "
                         "can provision orgs and read their documents. Use --host 127.0.0.1 "
                         "unless you mean it.\n")
    # A busy port makes werkzeug explain itself on stderr and exit with status 1.
    server = make_server(host, port, app, threaded=True)
    url = f"http://{host}:{server.server_port}"
    lines = [f"Craftkit emulator listening on {url}"]
    if data:
        lines.append(f"State is kept in {data}")
    generated = app.config["GENERATED_ACCOUNT_KEY"]
    if generated:
        lines.append(f"Generated account key (set CRAFTKIT_EMULATOR_ACCOUNT_KEYS to fix one): "
                     f"{generated}")
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def is_loopback(host: str) -> bool:
    """Tell whether host names this machine only (127.0.0.0/8, ::1 or localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # another name: it may well resolve beyond this machine
