"""A deprovision takes effect in running processes within seconds, in the admin strategy
(the one whose keys Craftkit cannot revoke), with and without Redis."""

from __future__ import annotations

import time

import pytest

from bff import create_app
from bff.tenants import Tenants
from tests.support.redis_server import running_redis
from tests.support.servers import serve_app

from .conftest import mint
from .test_admin_registry import admin_config, admin_emulator  # noqa: F401 - fixtures

POLL = 0.5


@pytest.fixture(params=["memory", "redis"])
def store_config(request):
    if request.param == "memory":
        yield {}
        return
    with running_redis() as server:
        yield {"CRAFTKIT_CACHE_URL": server.url}


def test_a_running_worker_refuses_a_deprovisioned_org_within_the_poll_interval(
        admin_config, store_config):  # noqa: F811 - fixture
    config = {**admin_config, **store_config, "CRAFTKIT_REGISTRY_POLL": str(POLL)}
    worker = create_app(config)
    operator = Tenants(create_app(config).extensions["craftkit_bff"])
    try:
        with serve_app(worker) as url:
            assert mint(url).status_code == 200  # the worker holds acme's key now
            assert mint(url).status_code == 200
            operator.deprovision("acme")
            deprovisioned = time.monotonic()
            while (answer := mint(url)).status_code == 200:
                assert time.monotonic() - deprovisioned < 10 * POLL, "still served"
                time.sleep(0.05)
            took = time.monotonic() - deprovisioned
            assert answer.status_code == 403, answer.text
            assert answer.json()["error"] == "tenant_deprovisioned"
            assert took < 3 * POLL
    finally:
        operator.close()
        worker.extensions["craftkit_bff"].close()
