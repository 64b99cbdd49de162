"""Measure a catalog rollout: ``craftkit-bff catalogs publish --all`` to N orgs (emulator).

    .venv/bin/python benchmarks/catalog_rollout.py [--orgs 1000] [--concurrency 8]

Starts the Craftkit emulator (``craftkit-bff emulator``) on a free loopback port, registers
N orgs in a fresh SQLite tenant registry (admin mode: one provision call each), then:

1. runs ``catalogs publish --all`` to completion: wall time, and publishes per org as the
   emulator counted them (``GET /emulator/catalogs``);
2. runs it again: every org is already at the version, so nothing is published;
3. with a new catalog file, starts it, kills it (SIGKILL) once half the orgs have it, runs
   it again to completion: the time of each part and publishes per org over both.

Everything runs on 127.0.0.1 and stops by itself; the emulator is stopped by its pid.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ADMIN_KEY = "ck_admin_catalog_rollout_benchmark_0123456789"
BIN = Path(sys.executable).parent / "craftkit-bff"


def catalog(name: str) -> dict:
    return {"name": name, "catalog": {"allowCustom": False, "loops": [], "namespaces": [
        {"key": "customer", "label": "Customer", "fields": [
            {"key": "customer.name", "label": "Name", "dataType": "text", "required": True},
            {"key": "customer.email", "label": "Email", "dataType": "email",
             "required": False}]}]}}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_emulator(port: int, log) -> subprocess.Popen:
    process = subprocess.Popen([str(BIN), "emulator", "--port", str(port)], stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True,
                               env={**os.environ, "CRAFTKIT_ADMIN_KEY": ADMIN_KEY})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=1)
            return process
        except requests.RequestException:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the emulator did not start")


def register(env: dict[str, str], orgs: list[str]) -> None:
    """Provision every org once, recorded in the registry (as their first sessions would)."""
    from bff.extension import command_state

    state = command_state({**env})
    try:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda org: state.provisioner.provision(org, org), orgs))
    finally:
        state.close()


def publishes(url: str, name: str) -> collections.Counter:
    """Return how many orgs got the named catalog how many times (1: once, ...)."""
    rows = requests.get(url + "/emulator/catalogs", timeout=30,
                        headers={"Authorization": f"Bearer {ADMIN_KEY}"}).json()["data"]
    return collections.Counter(row["publishes"] for row in rows if row["name"] == name)


def publish_all(env: dict[str, str], concurrency: int, *, kill_at: tuple[str, str, int]
                | None = None) -> tuple[float, int | None]:
    """Run ``catalogs publish --all``; return (seconds, exit status or None if killed)."""
    command = [str(BIN), "catalogs", "publish", "--all", "--json",
               "--concurrency", str(concurrency)]
    started = time.perf_counter()
    process = subprocess.Popen(command, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    if kill_at is not None:
        url, name, count = kill_at
        while process.poll() is None and sum(publishes(url, name).values()) < count:
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return time.perf_counter() - started, None
    status = process.wait()
    return time.perf_counter() - started, status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orgs", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    orgs = [f"bench-org-{i:05d}" for i in range(args.orgs)]
    with tempfile.TemporaryDirectory(prefix="craftkit-rollout-") as work:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log = open(os.path.join(work, "emulator.log"), "wb")
        emulator = start_emulator(port, log)
        try:
            files = {}
            for name in ("bench-catalog-v1", "bench-catalog-v2"):
                files[name] = os.path.join(work, name + ".json")
                Path(files[name]).write_text(json.dumps(catalog(name)))
            env = {"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_BASE_URL": url,
                   "CRAFTKIT_REGISTRY_URL": f"sqlite:///{work}/registry.sqlite3",
                   "CRAFTKIT_LOG_LEVEL": "warning"}
            started = time.perf_counter()
            register(env, orgs)
            setup = time.perf_counter() - started
            v1 = {**env, "CRAFTKIT_CATALOG_FILE": files["bench-catalog-v1"]}
            full, status = publish_all(v1, args.concurrency)
            again, again_status = publish_all(v1, args.concurrency)
            v2 = {**env, "CRAFTKIT_CATALOG_FILE": files["bench-catalog-v2"]}
            killed, _ = publish_all(v2, args.concurrency,
                                    kill_at=(url, "bench-catalog-v2", args.orgs // 2))
            at_kill = sum(publishes(url, "bench-catalog-v2").values())
            resumed, resumed_status = publish_all(v2, args.concurrency)
            result = {
                "orgs": args.orgs, "concurrency": args.concurrency,
                "register_seconds": round(setup, 2),
                "full": {"seconds": round(full, 2), "exit": status,
                         "orgs_by_publishes": dict(publishes(url, "bench-catalog-v1"))},
                "rerun_all_current": {"seconds": round(again, 2), "exit": again_status,
                                      "orgs_by_publishes": dict(
                                          publishes(url, "bench-catalog-v1"))},
                "killed_halfway": {"seconds_until_kill": round(killed, 2),
                                   "published_before_kill": at_kill,
                                   "resumed_seconds": round(resumed, 2),
                                   "resumed_exit": resumed_status,
                                   "orgs_by_publishes": dict(
                                       publishes(url, "bench-catalog-v2"))},
            }
        finally:
            os.killpg(emulator.pid, signal.SIGTERM)
            emulator.wait(10)
            log.close()
    print(json.dumps(result, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
