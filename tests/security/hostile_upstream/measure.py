"""Measure what a hostile or broken Craftkit costs.

    python -m tests.security.hostile_upstream.measure

Prints (``... measure drip huge neighbour recovery`` picks some), for the code in this
checkout: the time to an answer when Craftkit drips a JSON
answer a byte at a time (read timeout 3 s), a gunicorn worker's peak RSS when Craftkit
answers 300 MiB of JSON, how another org fares after one org's downloads time out, and how
long service takes to resume once Craftkit is back after an outage. Real servers, real
sockets, loopback only; figures vary with the machine's load.
"""

from __future__ import annotations

import os
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import requests

from bff import create_app
from bff.emulator import create_emulator_app
from tests.support import ROOT
from tests.support.fault_proxy import FaultProxy
from tests.support.hostile_craftkit import Answer, HostileCraftkit, huge_json, json_answer
from tests.support.servers import free_port, run_process, serve_app

from .conftest import ADMIN_KEY, JWT_SECRET, auth


def dripping_json() -> str:
    with HostileCraftkit() as craftkit:
        craftkit.answer("/v1/embed/builder/templates",
                        json_answer({"data": ["x" * 20]}, drip=1, interval=0.5))
        app = _app(craftkit.url, CRAFTKIT_TIMEOUT="1,3")
        started = time.monotonic()
        response = app.test_client().get("/api/craftkit/templates", headers=auth())
        seconds = time.monotonic() - started
        app.extensions["craftkit_bff"].upstream.close()
    return f"{response.status_code} after {seconds:.1f} s"


def oversized_json() -> str:
    with HostileCraftkit() as craftkit, ExitStack() as stack:
        craftkit.answer("/v1/embed/builder/templates", huge_json(300 * 1024 * 1024))
        port = free_port()
        env = {"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET,
               "CRAFTKIT_BASE_URL": craftkit.url, "CRAFTKIT_TIMEOUT": "1,60"}
        args = [sys.executable, "-m", "gunicorn", "wsgi:app", "--bind", f"127.0.0.1:{port}",
                "--workers", "1", "--threads", "4", "--timeout", "120",
                "--no-control-socket", "--chdir", str(ROOT)]
        url = f"http://127.0.0.1:{port}"
        master = stack.enter_context(run_process(args, env, url + "/healthz"))
        worker = _children(master.pid)[0]
        before = _status(worker, "VmRSS")
        started = time.monotonic()
        response = requests.get(url + "/api/craftkit/templates", headers=auth(), timeout=120)
        seconds = time.monotonic() - started
        peak = _status(worker, "VmHWM")
    return (f"{response.status_code} after {seconds:.1f} s; worker RSS {before / 1024:.0f} MiB "
            f"before, peak {peak / 1024:.0f} MiB")


def noisy_neighbour() -> str:
    with HostileCraftkit() as craftkit:
        # A byte every 5 s from the status line on: each read outlasts the read timeout.
        craftkit.answer("/v1/embed/renders/r1/download",
                        Answer(200, [("Content-Type", "application/pdf")], b"%PDF-1.4 " * 99,
                               drip=1, interval=5, drip_head=True))
        craftkit.answer("/v1/embed/builder/templates", json_answer({"data": []}))
        app = _app(craftkit.url, CRAFTKIT_TIMEOUT="1,1")
        client = app.test_client()
        slow = [client.get("/api/craftkit/renders/r1/download", headers=auth(orgs=("slow",)))
                .status_code for _ in range(6)]
        other = client.get("/api/craftkit/templates", headers=auth("bo", ("calm",)))
        app.extensions["craftkit_bff"].upstream.close()
    return f"slow org {slow}; then another org: {other.status_code}"


def recovery() -> str:
    emulator = create_emulator_app({"ADMIN_KEY": ADMIN_KEY, "ACCOUNT_KEYS": []})
    with serve_app(emulator) as emulator_url:
        proxy = FaultProxy(int(emulator_url.rsplit(":", 1)[1]))
        app = _app(proxy.url, CRAFTKIT_TIMEOUT="0.5,1", CRAFTKIT_BREAKER_THRESHOLD=3)
        client = app.test_client()

        def mint() -> int:
            return client.post("/api/craftkit/session", json={"mode": "create"},
                               headers=auth()).status_code

        assert mint() == 200
        proxy.set("refuse")
        while mint() != 503 or app.extensions["craftkit_bff"].upstream.breaker.state == "closed":
            pass
        proxy.set("pass")
        back = time.monotonic()
        while mint() != 200:
            time.sleep(0.05)
        seconds = time.monotonic() - back
        app.extensions["craftkit_bff"].upstream.close()
        proxy.close()
    return f"first 200 {seconds:.2f} s after Craftkit came back (polling every 50 ms)"


def _app(base_url: str, **config):
    return create_app({"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_BASE_URL": base_url,
                       "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET, **config})


def _children(pid: int) -> list[int]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = [int(child) for task in os.listdir(f"/proc/{pid}/task")
                 for child in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
        if found:
            return found
        time.sleep(0.1)
    raise RuntimeError("gunicorn started no worker")


def _status(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])  # KiB
    raise KeyError(field)


SCENARIOS = {
    "drip": ("dripping JSON answer, read timeout 3 s", dripping_json),
    "huge": ("300 MiB JSON answer, gunicorn worker", oversized_json),
    "neighbour": ("one org's downloads time out (threshold 5)", noisy_neighbour),
    "recovery": ("recovery after an outage", recovery),
}


def main() -> None:
    """Run the scenarios named on the command line (default: all of them)."""
    import bff
    print(f"code under test: {Path(bff.__file__).parent}", flush=True)
    for key in sys.argv[1:] or SCENARIOS:
        name, scenario = SCENARIOS[key]
        print(f"{name}: {scenario()}", flush=True)


if __name__ == "__main__":
    main()
