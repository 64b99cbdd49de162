"""Measure account-mode provisioning: cold herds and registry round trips (not a test).

``python -m tests.services.account.measure [--orgs 20] [--herd 50]`` prints, for an SQLite file and
(when the binaries exist) a throwaway PostgreSQL server: the time for a herd of concurrent
cold requests for one new org across two BFF apps (all must succeed with one project), the
median first-request latency of new orgs, and the median registry read of a keyed org.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

from bff import create_app
from bff.emulator import create_emulator_app
from bff.registry.naming import marker_for
from tests.services.account.conftest import (
    ACCOUNT_KEY,
    ADMIN_KEY,
    JWT_SECRET,
    SECRET,
    Emulator,
    mint,
)
from tests.support.postgres_server import PostgresServer
from tests.support.servers import serve_app


def measure(registry_url: str, emulator: Emulator, orgs: int, herd: int) -> dict:
    config = {"CRAFTKIT_ACCOUNT_KEY": ACCOUNT_KEY, "CRAFTKIT_BASE_URL": emulator.url,
              "CRAFTKIT_REGISTRY_URL": registry_url, "CRAFTKIT_REGISTRY_SECRET": SECRET,
              "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET}
    apps = [create_app(config), create_app(config)]
    with serve_app(apps[0]) as a, serve_app(apps[1]) as b:
        started = time.perf_counter()
        with ThreadPoolExecutor(herd) as pool:
            answers = list(pool.map(lambda i: mint((a, b)[i % 2], org="herd"), range(herd)))
        herd_ms = (time.perf_counter() - started) * 1000
        assert all(answer.status_code == 200 for answer in answers)
        assert len(emulator.projects(marker_for("herd"))) == 1
        firsts = []
        for index in range(orgs):
            started = time.perf_counter()
            assert mint(a, org=f"org-{registry_url[:6]}-{index}").status_code == 200
            firsts.append((time.perf_counter() - started) * 1000)
    registry = apps[0].extensions["craftkit_bff"].registry
    reads = []
    for _ in range(200):
        started = time.perf_counter()
        registry.get("herd")
        reads.append((time.perf_counter() - started) * 1000)
    for app in apps:
        app.extensions["craftkit_bff"].registry.engine.dispose()
    return {"herd_ms": herd_ms, "first_request_ms": statistics.median(firsts),
            "registry_read_ms": statistics.median(reads)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orgs", type=int, default=20)
    parser.add_argument("--herd", type=int, default=50)
    args = parser.parse_args()
    app = create_emulator_app({"ADMIN_KEY": ADMIN_KEY, "ACCOUNT_KEYS": [ACCOUNT_KEY],
                               "ACCOUNT_EMBED": True})
    with serve_app(app) as url, tempfile.TemporaryDirectory() as tmp:
        emulator = Emulator(url, app)
        print("sqlite    ", measure(f"sqlite:///{tmp}/r.sqlite3", emulator, args.orgs,
                                    args.herd))
        emulator.app.extensions["craftkit_emulator"]["store"].execute("DELETE FROM projects")
        try:
            server = PostgresServer()
        except FileNotFoundError as error:
            print("postgresql skipped:", error)
            return
        server.start()
        try:
            print("postgresql", measure(server.new_database(), emulator, args.orgs, args.herd))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
