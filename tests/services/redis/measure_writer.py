"""Measure what a Redis writer costs a worker (not a test).

``python -m tests.services.redis.measure_writer [--venv DIR] [--mib 50] [--reads 8]``

The admin strategy with the Redis key store, the emulator as Craftkit and one gunicorn
worker (CRAFTKIT_CACHE_LOCAL_TTL=0, so every request reads Redis). Prints:

- *huge entry*: the worker's RSS before and after ``--reads`` concurrent session requests,
  one per org, after the writer put a ``--mib`` MiB value in each org's entry, and its peak;
- *lock without expiry*: the status and time of a cold request for an org whose provision
  lock the writer set with no expiry.

Every process runs from the virtualenv ``--venv`` (default: this interpreter's) in the
directory of the code under test, its parent, so the same script measures another checkout.
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import jwt
import requests

from tests.security.hostile_upstream.measure import _children, _status
from tests.support.redis_server import running_redis
from tests.support.servers import free_port, run_process

ADMIN_KEY = "ck_admin_measure_redis_writer_0123456789"
JWT_SECRET = "measure-redis-writer-jwt-secret-0123456789"


def mint(url: str, org: str) -> requests.Response:
    token = jwt.encode({"sub": "ada", "orgs": [{"id": org, "name": org.title()}],
                        "exp": int(time.time()) + 3600}, JWT_SECRET, algorithm="HS256")
    return requests.post(url + "/api/craftkit/session", json={"mode": "create"}, timeout=120,
                         headers={"Authorization": f"Bearer {token}"})


def measure(venv: Path, mib: int, reads: int) -> list[str]:
    checkout = str(venv.resolve().parent)
    with ExitStack() as stack:
        redis = stack.enter_context(running_redis())
        emulator_port, port = free_port(), free_port()
        emulator = f"http://127.0.0.1:{emulator_port}"
        stack.enter_context(run_process(
            [str(venv / "bin/craftkit-bff"), "emulator", "--host", "127.0.0.1", "--port",
             str(emulator_port)], {"CRAFTKIT_ADMIN_KEY": ADMIN_KEY}, emulator + "/",
            cwd=checkout))
        env = {"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_BASE_URL": emulator,
               "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET, "CRAFTKIT_CACHE_URL": redis.url,
               "CRAFTKIT_CACHE_LOCAL_TTL": "0", "CRAFTKIT_CACHE_TIMEOUT": "5",
               "CRAFTKIT_TIMEOUT": "3,10"}
        url = f"http://127.0.0.1:{port}"
        master = stack.enter_context(run_process(
            [str(venv / "bin/gunicorn"), "wsgi:app", "--bind", f"127.0.0.1:{port}",
             "--workers", "1", "--threads", str(reads), "--timeout", "120",
             "--no-control-socket",
             "--chdir", checkout], env, url + "/healthz", cwd=checkout))
        worker = _children(master.pid)[0]
        raw = redis.client()
        assert mint(url, "acme").status_code == 200
        before = _status(worker, "VmRSS")
        value = b"\x01" + b"x" * (mib * 1024 * 1024)
        # The writer plants the value for every org the requests use, then they all read.
        orgs = [f"org-{n}" for n in range(reads)]
        for org in orgs:
            raw.set(f"craftkit-bff:key:{org}", value)
        with ThreadPoolExecutor(reads) as pool:
            statuses = [answer.status_code for answer in pool.map(lambda o: mint(url, o), orgs)]
        after, peak = _status(worker, "VmRSS"), _status(worker, "VmHWM")
        raw.set(b"craftkit-bff:lock:cold", b"forged-owner")  # no expiry
        started = time.monotonic()
        cold = mint(url, "cold").status_code
        seconds = time.monotonic() - started
    return [f"huge entry: {reads} concurrent reads of {mib} MiB: statuses "
            f"{sorted(set(statuses))}; worker RSS {before / 1024:.0f} MiB before, "
            f"{after / 1024:.0f} MiB after, peak {peak / 1024:.0f} MiB",
            f"lock without expiry: cold request answered {cold} after {seconds:.2f} s"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--venv", type=Path, default=Path(sys.prefix))
    parser.add_argument("--mib", type=int, default=50)
    parser.add_argument("--reads", type=int, default=8)
    args = parser.parse_args()
    print(f"code under test: {args.venv.resolve().parent}", flush=True)
    for line in measure(args.venv, args.mib, args.reads):
        print(line, flush=True)


if __name__ == "__main__":
    main()
