"""The catalog file (CRAFTKIT_CATALOG_FILE): Craftkit's publish body, checked, and its version.

The file holds exactly what ``POST /v1/embed/catalogs`` takes: ``{"name", "catalog"}``. It is
read once, at start-up, and checked for what would make every publish fail (not JSON, the
wrong shape, too large), with errors naming the setting; Craftkit checks the fields inside.
Its version is a hash of its content (canonical JSON), so the same catalog has the same
version on every host however the file is formatted, and any change is a new version.

Only the standard library is used here: ``bff.config`` imports this module, and the
gunicorn configuration imports ``bff.config`` before the server has set itself up.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from typing import Any

from ..parsers import ConfigError

# Craftkit's emulator takes bodies up to 1 MiB; a catalog of 50 namespaces of 100 fields
# each is about a third of that.
MAX_CATALOG_BYTES = 1024 * 1024
MAX_NAME_LENGTH = 200
VERSION_LENGTH = 16


@dataclass(frozen=True)
class CatalogFile:
    """A checked catalog file: where it came from, its name, its body and its version."""

    path: str
    name: str
    body: bytes  # the publish body as canonical JSON (what the version is a hash of)
    version: str

    def publish_body(self) -> dict[str, Any]:
        """Return the body of ``POST /v1/embed/catalogs``: ``{"name", "catalog"}``."""
        body: dict[str, Any] = json.loads(self.body)
        return body

    def __str__(self) -> str:
        return f"{self.path} ({self.name}, version {self.version})"


def catalog_file(raw: Any, name: str) -> CatalogFile | None:
    """Parse the CRAFTKIT_CATALOG_FILE setting: None when unset, else the checked file."""
    if isinstance(raw, CatalogFile):
        return raw
    path = "" if raw is None else os.fspath(raw).strip()
    return load_catalog(path, name) if path else None


def load_catalog(path: str, setting: str = "the catalog file") -> CatalogFile:
    """Read and check a catalog file; every error names the setting and the file."""
    where = f"{setting} ({path})"
    try:
        size = os.stat(path).st_size
        if size > MAX_CATALOG_BYTES:
            raise ConfigError(f"{where} is {size} bytes; a catalog must be at most "
                              f"{MAX_CATALOG_BYTES} bytes.")
        with open(path, "rb") as handle:
            raw = handle.read(MAX_CATALOG_BYTES + 1)
    except OSError as error:
        raise ConfigError(f"{where} cannot be read: {error.strerror or error}.") from None
    try:
        document = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{where} is not UTF-8 text.") from None
    except json.JSONDecodeError as error:
        raise ConfigError(f"{where} is not valid JSON: {error.msg} at line {error.lineno}, "
                          f"column {error.colno}.") from None
    return checked(document, where, path)


def checked(document: Any, where: str, path: str = "") -> CatalogFile:
    """Check a publish body's shape and return it as a CatalogFile (ConfigError if wrong)."""
    if not isinstance(document, dict) or set(document) != {"name", "catalog"}:
        raise ConfigError(f'{where} must hold one JSON object with exactly "name" and '
                          '"catalog", the body of POST /v1/embed/catalogs.')
    name = document["name"]
    if (not isinstance(name, str) or not name or name != name.strip()
            or len(name) > MAX_NAME_LENGTH or not name.isprintable()):
        raise ConfigError(f'{where}: "name" must be 1 to {MAX_NAME_LENGTH} printable '
                          "characters without surrounding spaces (e.g. my-catalog-v1).")
    _check_catalog(document["catalog"], where)
    body = json.dumps(document, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()
    if len(body) > MAX_CATALOG_BYTES:
        raise ConfigError(f"{where}: a catalog must be at most {MAX_CATALOG_BYTES} bytes.")
    version = hashlib.sha256(body).hexdigest()[:VERSION_LENGTH]
    return CatalogFile(path, name, body, version)


def _check_catalog(catalog: Any, where: str) -> None:
    if not isinstance(catalog, dict):
        raise ConfigError(f'{where}: "catalog" must be an object with "namespaces".')
    namespaces = catalog.get("namespaces")
    if (not isinstance(namespaces, list) or not namespaces
            or not all(isinstance(item, dict) for item in namespaces)):
        raise ConfigError(f'{where}: "catalog.namespaces" must be a non-empty list of '
                          'objects ({"key", "label", "fields"}).')
    if not isinstance(catalog.get("loops", []), list):
        raise ConfigError(f'{where}: "catalog.loops" must be a list.')
    if not isinstance(catalog.get("allowCustom", False), bool):
        raise ConfigError(f'{where}: "catalog.allowCustom" must be true or false.')
