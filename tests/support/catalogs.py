"""Helpers for the catalog tests: a catalog file and counts of what reached Craftkit."""

from __future__ import annotations

import json
import threading
import time

CATALOG = {"name": "my-catalog-v1", "catalog": {
    "allowCustom": False,
    "namespaces": [{"key": "customer", "label": "Customer", "fields": [
        {"key": "customer.name", "label": "Name", "dataType": "text", "required": True},
        {"key": "customer.email", "label": "Email", "dataType": "email", "required": False}]}],
    "loops": []}}


def catalog_file(directory, body=None, name="catalog.json") -> str:
    """Write a catalog file (the seed's example by default) and return its path."""
    path = directory / name
    path.write_text(json.dumps(body or CATALOG))
    return str(path)


def changed(version: int) -> dict:
    """The same catalog name with other content (a new version)."""
    return {**CATALOG, "catalog": {**CATALOG["catalog"], "allowCustom": version % 2 == 1,
                                   "loops": [{"key": f"v{version}", "label": "V", "fields": [
                                       {"key": f"v{version}.item", "label": "Item",
                                        "dataType": "text", "required": False}]}]}}


def calls(mock, path: str, method: str = "POST") -> int:
    """Count the calls mock received for a Craftkit path."""
    return sum(1 for call in mock.calls if call.request.method == method
               and call.request.url.split("?")[0].endswith(path))


class SlowPublish:
    """A responses callback for POST /v1/embed/catalogs that takes a while and counts."""

    def __init__(self, delay: float = 0.2, status: int = 201) -> None:
        self.delay, self.status = delay, status
        self.bodies: list[dict] = []
        self._lock = threading.Lock()

    def __call__(self, request):
        with self._lock:
            self.bodies.append(json.loads(request.body))
        time.sleep(self.delay)
        return self.status, {}, json.dumps({"name": "my-catalog-v1"})
