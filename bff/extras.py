"""Optional dependencies: what each extra adds, and the one error that names the missing one.

The core install (``pip install craftkit-bff``) serves the BFF: admin mode, the in-process
key cache, ``craftkit-bff serve``. Each extra adds what only some deployments need; code that
needs one calls ``require`` before importing it, so the error says what to install.
"""

from __future__ import annotations

import importlib.util

from .parsers import ConfigError

EXTRAS = {
    "redis": "the Redis key store every host shares (CRAFTKIT_CACHE_URL)",
    "registry": "the tenant registry in an SQLite file (account mode; optional in admin mode)",
    "postgres": "the tenant registry on PostgreSQL (CRAFTKIT_REGISTRY_URL=postgresql://...)",
    "gunicorn": "gunicorn as the server, with the shipped configuration",
    "otel": "OpenTelemetry spans, and an OTLP exporter for a standalone BFF (CRAFTKIT_OTEL)",
    "emulator": "the local Craftkit emulator (craftkit-bff emulator)",
    "demo": "what craftkit-bff demo needs: the emulator and the registry (for --account)",
}


def require(module: str, extra: str, needed_by: str) -> None:
    """Raise ConfigError naming the extra to install unless module can be imported.

    :param needed_by: what asked for it, as the user set it (e.g. ``CRAFTKIT_CACHE_URL``).
    """
    try:
        found = importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # its parent package is missing too
        found = False
    if not found:
        raise ConfigError(f"{needed_by} needs the '{extra}' extra, which is not installed: "
                          f"pip install 'craftkit-bff[{extra}]'")
