"""Measure how long a running worker serves an org after its deprovision (not a test).

``python -m tests.services.account.measure_offboarding [--venv DIR] [--redis] [--key-ttl S]``

Admin strategy with a tenant registry (an SQLite file), the emulator as Craftkit, one
gunicorn worker that has just served the org (so it holds its key), then
``craftkit-bff tenants deprovision ORG --yes`` in another process, and a session request
every 50 ms until the worker answers 403: prints how long that took after the command
returned (or that it never did within ``--give-up`` seconds). Every process runs from the
virtualenv ``--venv`` (default: this interpreter's) in the directory of the code under
test, its parent, so the same script measures another checkout (``git worktree add``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import jwt
import requests

from tests.support.redis_server import running_redis
from tests.support.servers import free_port, run_process

ADMIN_KEY = "ck_admin_measure_offboarding_0123456789"
JWT_SECRET = "measure-offboarding-jwt-secret-0123456789"


def token() -> str:
    return jwt.encode({"sub": "ada", "orgs": [{"id": "acme", "name": "Acme"}],
                       "exp": int(time.time()) + 3600}, JWT_SECRET, algorithm="HS256")


def mint(url: str) -> int:
    return requests.post(url + "/api/craftkit/session", json={"mode": "create"}, timeout=30,
                         headers={"Authorization": f"Bearer {token()}"}).status_code


def measure(venv: Path, redis: bool, key_ttl: float, give_up: float) -> str:
    checkout = venv.resolve().parent
    with ExitStack() as stack:
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        emulator_port, port = free_port(), free_port()
        emulator = f"http://127.0.0.1:{emulator_port}"
        stack.enter_context(run_process(
            [str(venv / "bin/craftkit-bff"), "emulator", "--host", "127.0.0.1", "--port",
             str(emulator_port)], {"CRAFTKIT_ADMIN_KEY": ADMIN_KEY}, emulator + "/",
            cwd=str(checkout)))
        env = {"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_BASE_URL": emulator,
               "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET, "CRAFTKIT_KEY_TTL": str(key_ttl),
               "CRAFTKIT_REGISTRY_URL": f"sqlite:///{directory / 'registry.sqlite3'}"}
        if redis:
            env["CRAFTKIT_CACHE_URL"] = stack.enter_context(running_redis()).url
        url = f"http://127.0.0.1:{port}"
        stack.enter_context(run_process(
            [str(venv / "bin/gunicorn"), "wsgi:app", "--bind", f"127.0.0.1:{port}",
             "--workers", "1", "--threads", "4", "--no-control-socket", "--chdir",
             str(checkout)], env, url + "/healthz", cwd=str(checkout)))
        assert mint(url) == 200 and mint(url) == 200  # the worker holds acme's key
        command = subprocess.run([str(venv / "bin/craftkit-bff"), "tenants", "deprovision",
                                  "acme", "--yes"], env={**os.environ, **env},
                                 capture_output=True, text=True, cwd=checkout)
        if command.returncode != 0:
            raise RuntimeError(f"deprovision failed: {command.stderr.strip()}")
        done = time.monotonic()
        while (status := mint(url)) == 200 and time.monotonic() - done < give_up:
            time.sleep(0.05)
        seconds = time.monotonic() - done
    if status == 200:
        return f"still served {seconds:.1f} s after the deprovision (gave up)"
    return f"{status} {seconds:.2f} s after the deprovision"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--venv", type=Path, default=Path(sys.prefix))
    parser.add_argument("--redis", action="store_true", help="share keys through Redis")
    parser.add_argument("--key-ttl", type=float, default=600)
    parser.add_argument("--give-up", type=float, default=30)
    args = parser.parse_args()
    store = "Redis" if args.redis else "in-process keys"
    print(f"code under test: {args.venv.resolve().parent}; {store}; "
          f"CRAFTKIT_KEY_TTL={args.key_ttl:g}", flush=True)
    print(measure(args.venv, args.redis, args.key_ttl, args.give_up), flush=True)


if __name__ == "__main__":
    main()
