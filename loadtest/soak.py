"""Load and soak test: the BFF under `serve` or gunicorn against the emulator, many orgs.

    python loadtest/soak.py                         # 60 s under `craftkit-bff serve`
    python loadtest/soak.py --server gunicorn       # the same under the shipped gunicorn
    python loadtest/soak.py --duration 8            # what CI runs (tests/system/test_soak.py)

Loopback only, bounded in time. Reports requests served, errors, p50/p99 latency,
provision calls per org and the BFF's memory at start and end, and exits non-zero when
there were errors, more than one provision per org per worker, or the memory grew more
than --max-growth-mib.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import threading
import time
from pathlib import Path

import jwt
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.servers import SERVERS, bff_command, free_port, run_process  # noqa: E402

ADMIN_KEY = "ck_admin_soak_" + "0123456789abcdef"
JWT_SECRET = "soak-jwt-secret-0123456789abcdef012345"


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    with _stack(args.workers, args.server) as (bff_url, emulator_url, pids):
        users = _users(args.orgs, args.users)
        _seed(bff_url, emulator_url, users)
        memory_start = _rss_mib(pids())
        results = _load(bff_url, users, args.threads, args.duration)
        time.sleep(0.5)
        memory_end = _rss_mib(pids())
        provisions = _provision_calls(bff_url)
    return _report(args, results, provisions, memory_start, memory_end)


def _arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60, help="seconds of load")
    parser.add_argument("--orgs", type=int, default=40)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--threads", type=int, default=16, help="concurrent simulated users")
    parser.add_argument("--workers", type=int, default=2, help="BFF worker processes")
    parser.add_argument("--server", choices=SERVERS, default="serve",
                        help="the production server to run the BFF under")
    parser.add_argument("--max-growth-mib", type=float, default=24)
    return parser.parse_args(argv)


class _Stack:
    """The emulator and the BFF under one server (with metrics), as subprocesses."""

    def __init__(self, workers: int, server: str) -> None:
        self.workers, self.server = workers, server

    def __enter__(self):
        from contextlib import ExitStack

        self._exit = ExitStack()
        emulator_port, bff_port = free_port(), free_port()
        emulator_url = f"http://127.0.0.1:{emulator_port}"
        bin_dir = Path(sys.executable).parent
        self._exit.enter_context(run_process(
            [str(bin_dir / "craftkit-bff"), "emulator", "--port", str(emulator_port)],
            {"CRAFTKIT_ADMIN_KEY": ADMIN_KEY}, emulator_url + "/v1/projects"))
        bff_url = f"http://127.0.0.1:{bff_port}"
        # The servers' default thread count (CRAFTKIT_THREADS), as a deployment would run.
        command = bff_command(self.server, bff_port, self.workers, threads=64)
        bff = self._exit.enter_context(run_process(
            command, {"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_BASE_URL": emulator_url,
             "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET, "CRAFTKIT_METRICS": "true",
             "CRAFTKIT_LOG_LEVEL": "warning"}, bff_url + "/healthz"))
        return bff_url, emulator_url, lambda: _process_tree(bff.pid)

    def __exit__(self, *exc):
        self._exit.close()


_stack = _Stack


def _users(orgs: int, users: int) -> list[dict]:
    rng = random.Random(7)
    org_ids = [f"soak-org-{i}" for i in range(orgs)]
    people = []
    for i in range(users):
        # Every org gets users; a fifth of the users belong to two orgs.
        mine = [org_ids[i % orgs]] + ([rng.choice(org_ids)] if i % 5 == 0 else [])
        token = jwt.encode({"sub": f"user-{i}", "orgs": sorted(set(mine)),
                            "exp": int(time.time()) + 3600}, JWT_SECRET, algorithm="HS256")
        people.append({"orgs": sorted(set(mine)), "auth": {"Authorization": f"Bearer {token}"},
                       "renew": None, "template": None, "render": None})
    return people


def _seed(bff_url: str, emulator_url: str, users: list[dict]) -> None:
    """Give each org's first user a template and a render to list and download."""
    seen = set()
    for user in users:
        org = user["orgs"][0]
        if org in seen:
            continue
        seen.add(org)
        api = bff_url + "/api/craftkit"
        body = {"mode": "create", "tenantExternalId": org}
        session = requests.post(api + "/session", json=body, headers=user["auth"],
                                timeout=30).json()
        fields = [{"key": "customer.name", "label": "Name", "dataType": "text",
                   "required": True}]
        token = {"Authorization": f"Bearer {session['session_token']}"}
        template = requests.post(emulator_url + "/v1/embed/iframe/templates", headers=token,
                                 json={"name": f"{org} form", "fields": fields},
                                 timeout=30).json()["template"]["id"]
        fill = requests.post(api + "/session", headers=user["auth"], timeout=30,
                             json={"mode": "fill", "templateExternalId": template,
                                   "tenantExternalId": org}).json()
        render = requests.post(emulator_url + "/v1/embed/iframe/submissions", timeout=30,
                               headers={"Authorization": f"Bearer {fill['session_token']}"},
                               json={"values": {"customer.name": "Soak"}}).json()["renderId"]
        user["template"], user["render"] = template, render


def _load(bff_url: str, users: list[dict], threads: int, duration: float) -> list[tuple]:
    results: list[tuple] = []
    lock = threading.Lock()
    deadline = time.monotonic() + duration

    def run(mine: list[dict], seed: int) -> None:
        rng, http = random.Random(seed), requests.Session()
        while time.monotonic() < deadline:
            user = rng.choice(mine)
            route, call = _pick(rng, user)
            started = time.perf_counter()
            try:
                status = call(http, bff_url + "/api/craftkit", user)
            except requests.RequestException as error:
                status = type(error).__name__
            with lock:
                results.append((route, status, time.perf_counter() - started))

    # Each simulated user belongs to one thread, so its renew-token chain never races.
    workers = [threading.Thread(target=run, args=(users[i::threads], i)) for i in
               range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(duration + 60)
    return results


def _pick(rng: random.Random, user: dict):
    roll = rng.random()
    if roll < 0.25:
        return "session", _mint
    if roll < 0.45 and user["renew"]:
        return "refresh", _refresh
    if roll < 0.7:
        return "templates", lambda http, api, u: _get(http, api + "/templates", u)
    if roll < 0.95 or not user["render"]:
        return "renders", lambda http, api, u: _get(http, api + "/renders", u)
    return "download", _download


def _mint(http, api, user):
    body = {"mode": "create", "tenantExternalId": random.choice(user["orgs"])}
    response = http.post(api + "/session", json=body, headers=user["auth"], timeout=30)
    if response.status_code == 200:
        user["renew"] = response.json()["renew_token"]
    return response.status_code


def _refresh(http, api, user):
    response = http.post(api + "/refresh", json={"renewToken": user["renew"]},
                         headers=user["auth"], timeout=30)
    user["renew"] = response.json().get("renew_token") if response.status_code == 200 else None
    return response.status_code


def _get(http, url, user):
    params = {"tenantExternalId": user["orgs"][0], "limit": "10"}
    return http.get(url, params=params, headers=user["auth"], timeout=30).status_code


def _download(http, api, user):
    url = f"{api}/renders/{user['render']}/download"
    with http.get(url, params={"tenantExternalId": user["orgs"][0]}, headers=user["auth"],
                  timeout=30, stream=True) as response:
        body = response.raw.read()
        complete = len(body) == int(response.headers.get("Content-Length", -1))
        return response.status_code if complete else "truncated"


def _process_tree(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    kids = [int(p) for p in children.read_text().split()] if children.exists() else []
    return [pid, *kids]


def _rss_mib(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def _provision_calls(bff_url: str) -> float:
    text = requests.get(bff_url + "/metrics", timeout=10).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("craftkit_bff_provision_calls_total "))


def _report(args, results, provisions, memory_start, memory_end) -> int:
    latencies = sorted(seconds * 1000 for _, _, seconds in results)
    errors = [(route, status) for route, status, _ in results if status != 200]
    by_route: dict[str, int] = {}
    for route, _, _ in results:
        by_route[route] = by_route.get(route, 0) + 1
    p99 = latencies[int(len(latencies) * 0.99) - 1] if latencies else 0
    print(f"duration        {args.duration:.0f} s, {args.threads} client threads, "
          f"{args.workers} {args.server} workers, {args.orgs} orgs, {args.users} users")
    print(f"requests        {len(results)} ({len(results) / args.duration:.0f}/s) "
          + ", ".join(f"{k} {v}" for k, v in sorted(by_route.items())))
    print(f"errors          {len(errors)} {sorted(set(errors))[:5]}")
    print(f"latency         p50 {statistics.median(latencies):.1f} ms, p99 {p99:.1f} ms")
    print(f"provision calls {provisions:.0f} for {args.orgs} orgs "
          f"({provisions / args.orgs:.2f} per org; at most {args.workers} per org expected)")
    print(f"BFF memory      {memory_start:.1f} MiB at start, {memory_end:.1f} MiB at end "
          f"({memory_end - memory_start:+.1f} MiB)")
    ok = (not errors and provisions <= args.orgs * args.workers
          and memory_end - memory_start <= args.max_growth_mib)
    print("result          " + ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
