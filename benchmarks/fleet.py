"""Fleet benchmark: three BFF "hosts" (gunicorn, 2 workers each) sharing one Redis.

Against the fast stand-in with provision taking 200 ms, a cold herd of 20 new orgs x 30
concurrent mints, spread round-robin over the hosts, is sent three ways:

- ``per-process``: no CRAFTKIT_CACHE_URL (each worker keeps its own keys, as before);
- ``redis``: CRAFTKIT_CACHE_URL set (goal: exactly 1 provision call per org);
- ``redis-stopped``: the same hosts after redis-server is killed (goal: zero errors).

Then the warm lookup: what a request pays for the Redis store, measured in this process on
the store's own code (a Redis GET and the envelope's decryption, local copy bypassed; and
a local-copy hit) next to the in-process store. Each herd runs ``--runs`` times with new
orgs; the table gives medians. Everything is on loopback; the machine is shared, so
absolute latencies move with its load.

Run: .venv/bin/python benchmarks/fleet.py [--runs 3] [--hosts 3] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import jwt
import servers
import standin

ADMIN_KEY = "ck_admin_fleet_bench_0123456789"
JWT_SECRET = "fleet-bench-jwt-secret-0123456789abcdef"
PROVISION_DELAY_MS = 200


def token_for(org: str) -> str:
    claims = {"sub": "bench-user", "email": "bench@example.test", "name": "Bench User",
              "orgs": [{"id": org, "name": f"{org} Inc."}], "exp": int(time.time()) + 3600}
    return jwt.encode(claims, JWT_SECRET, algorithm="HS256")


def mint_request(port: int, org: str) -> bytes:
    body = json.dumps({"tenantExternalId": org, "mode": "create"}).encode()
    head = (f"POST /api/craftkit/session HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: Bearer {token_for(org)}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    return head.encode() + body


async def _one(port: int, payload: bytes, start: asyncio.Event) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        await start.wait()
        writer.write(payload)
        await writer.drain()
        status = int((await reader.readline()).split()[1])
        await reader.read()
        return status
    finally:
        writer.close()


async def _herd(jobs: list[tuple[int, bytes]]) -> list:
    start = asyncio.Event()
    tasks = [asyncio.create_task(_one(port, payload, start)) for port, payload in jobs]
    await asyncio.sleep(0.5)  # every connection open before anyone sends
    start.set()
    return await asyncio.gather(*tasks, return_exceptions=True)


def herd(ports: list[int], orgs: list[str], per_org: int) -> dict:
    """Send per_org concurrent mints for each org at once, round-robin over the hosts."""
    jobs = [(ports[i % len(ports)], mint_request(ports[i % len(ports)], org))
            for org in orgs for i in range(per_org)]
    started = time.perf_counter()
    results = asyncio.run(_herd(jobs))
    statuses: dict[str, int] = {}
    for result in results:
        name = str(result) if isinstance(result, int) else type(result).__name__
        statuses[name] = statuses.get(name, 0) + 1
    errors = sum(n for name, n in statuses.items() if name != "200")
    return {"statuses": statuses, "errors": errors,
            "seconds": round(time.perf_counter() - started, 2)}


class Fleet:
    """The stand-in, a redis-server and the BFF hosts, each stopped by its own pid."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.log_dir = Path(tempfile.mkdtemp(prefix="craftkit-fleet-"))
        self.standin = servers.start_standin(servers.free_port(), None, self.log_dir)
        self.call(f"/_config?provision_delay_ms={PROVISION_DELAY_MS}")
        self.redis_port = servers.free_port()
        self.redis = servers.Process(
            "redis", [args.redis_server, "--port", str(self.redis_port), "--bind",
                      "127.0.0.1", "--save", "", "--appendonly", "no"],
            self.redis_port, dict(os.environ), self.log_dir, self.log_dir)
        self.hosts: list[servers.Process] = []

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def call(self, path: str) -> dict:
        request = urllib.request.Request(self.standin.url + path, method="POST"
                                         if path.startswith("/_config") else "GET")
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def start_hosts(self, cache_url: str | None) -> list[int]:
        self.stop_hosts()
        env = dict(os.environ, CRAFTKIT_ADMIN_KEY=ADMIN_KEY, CRAFTKIT_AUTH_JWT_SECRET=JWT_SECRET,
                   CRAFTKIT_BASE_URL=self.standin.url, CRAFTKIT_LOG_LEVEL="warning",
                   CRAFTKIT_IFRAME_ORIGINS=standin.EMBED_ORIGIN)
        if cache_url:
            env["CRAFTKIT_CACHE_URL"] = cache_url
        for n in range(self.args.hosts):
            port = servers.free_port()
            cmd = [sys.executable, "-m", "gunicorn", "wsgi:app", "--bind", f"127.0.0.1:{port}",
                   "--no-control-socket", "--workers", str(self.args.workers)]
            host = servers.Process(f"host{n}", cmd, port, env, servers.REPO, self.log_dir)
            servers.wait_http(host.url + "/healthz", 60, host.proc)
            self.hosts.append(host)
        return [host.port for host in self.hosts]

    def stop_hosts(self) -> None:
        while self.hosts:
            self.hosts.pop().stop()

    def provisions_per_org(self, orgs: list[str]) -> list[int]:
        peers = self.call("/_stats")["provision_peers"]
        return [sum(1 for org, _ in peers if org == wanted) for wanted in orgs]

    def stop(self) -> None:
        self.stop_hosts()
        self.redis.stop()
        self.standin.stop()


def run_herds(fleet: Fleet, ports: list[int], label: str, runs: int, orgs: int,
              per_org: int) -> dict:
    """Run the herd `runs` times with new orgs; return per-run figures and medians."""
    rows = []
    for run in range(runs):
        names = [f"{label}-{run}-{time.time_ns()}-{n}" for n in range(orgs)]
        got = herd(ports, names, per_org)
        counts = fleet.provisions_per_org(names)
        rows.append({**got, "provisions_per_org": counts})
        print(f"{label:<14} run {run + 1}: provisions per org min/median/max "
              f"{min(counts)}/{statistics.median(counts):g}/{max(counts)}, errors "
              f"{got['errors']}, statuses {got['statuses']}, {got['seconds']} s", flush=True)
    every = [c for row in rows for c in row["provisions_per_org"]]
    return {"runs": rows, "median_per_org": statistics.median(every), "max_per_org": max(every),
            "min_per_org": min(every), "errors": sum(row["errors"] for row in rows),
            "median_seconds": statistics.median(row["seconds"] for row in rows)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--orgs", type=int, default=20)
    parser.add_argument("--per-org", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--lookups", type=int, default=20000)
    parser.add_argument("--redis-server", default=shutil.which("redis-server")
                        or "/usr/bin/redis-server")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    fleet = Fleet(args)
    results: dict = {"hosts": args.hosts, "workers": args.workers, "orgs": args.orgs,
                     "per_org": args.per_org, "provision_delay_ms": PROVISION_DELAY_MS}
    try:
        servers.wait_http(fleet.standin.url + "/_stats", 20, fleet.standin.proc)
        wait_redis(fleet)
        ports = fleet.start_hosts(None)
        results["per-process"] = run_herds(fleet, ports, "per-process", args.runs, args.orgs,
                                           args.per_org)
        ports = fleet.start_hosts(fleet.redis_url)
        results["redis"] = run_herds(fleet, ports, "redis", args.runs, args.orgs, args.per_org)
        from lookups import measure_lookups  # after the herds: it loads the BFF in-process
        results["lookup"] = measure_lookups(fleet.redis_url, args.lookups)
        fleet.redis.stop()
        results["redis-stopped"] = run_herds(fleet, ports, "redis-stopped", args.runs,
                                             args.orgs, args.per_org)
    finally:
        fleet.stop()
    print()
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


def wait_redis(fleet: Fleet) -> None:
    import redis

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if redis.Redis(port=fleet.redis_port, socket_timeout=1).ping():
                return
        except redis.RedisError:
            time.sleep(0.05)
    raise RuntimeError("redis-server did not answer PING within 20 s")


def table(results: dict) -> str:
    herd_size = f"{results['orgs']} orgs x {results['per_org']} concurrent mints"
    lines = [f"Fleet: {results['hosts']} hosts x {results['workers']} workers, provision "
             f"{results['provision_delay_ms']} ms, herd of {herd_size} (medians of the runs)",
             "", "| key store | provision calls per org (median / max) | errors | herd s |",
             "|---|---|---|---|"]
    for label in ("per-process", "redis", "redis-stopped"):
        r = results.get(label)
        if r:
            lines.append(f"| {label} | {r['median_per_org']:g} / {r['max_per_org']} | "
                         f"{r['errors']} | {r['median_seconds']} |")
    lookup = results.get("lookup")
    if lookup:
        lines += ["", "| warm lookup (per request) | p50 ms | p99 ms |", "|---|---|---|"]
        for name, row in lookup.items():
            lines.append(f"| {name} | {row['p50_ms']:.4f} | {row['p99_ms']:.4f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
