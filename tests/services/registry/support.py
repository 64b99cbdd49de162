"""Helpers shared by registry and account tests."""

from __future__ import annotations

from pathlib import Path


def database_text(registry_url: str, postgres=None) -> str:
    """Return everything a registry database holds, as text (files, journal, or rows)."""
    if registry_url.startswith("sqlite"):
        path = Path(registry_url.removeprefix("sqlite:///"))
        files = [path, path.with_name(path.name + "-wal")]
        return b"".join(p.read_bytes() for p in files if p.exists()).decode("latin-1")
    rows = postgres.query(registry_url, "SELECT t::text FROM craftkit_tenants t UNION ALL "
                          "SELECT m::text FROM craftkit_registry_meta m")
    return "\n".join(row[0] for row in rows)
