"""The benchmark's scenarios: what each sends, to which targets, and what it records."""

from __future__ import annotations

import os
import time

import attacks
import clients
import downloads
import servers
import slow_clients
from targets import request_for

LOAD = {
    # name: (route, upstream latency ms, connections)
    "mint-0ms-32": ("mint", 0, 32),
    "templates-0ms-32": ("templates", 0, 32),
    "mint-50ms-64": ("mint", 50, 64),
    "templates-50ms-64": ("templates", 50, 64),
    "mint-50ms-256": ("mint", 50, 256),
    "templates-50ms-256": ("templates", 50, 256),
}
OTHER = ("cold-herd", "download", "slowloris", "slow-bodies", "org-stall", "scaling")
ALL = (*LOAD, *OTHER)
# The table: the mint at three loads, the listing at 0 ms, downloads, and the attacks.
DEFAULT = ("mint-0ms-32", "templates-0ms-32", "mint-50ms-64", "mint-50ms-256", "download",
           "slow-bodies", "org-stall", "cold-herd", "slowloris")
HERD_SIZE = 100
HERD_PROVISION_DELAY_MS = 200


def select(wanted: list[str] | None) -> list[str]:
    """The scenarios to run: the default set, or those matching the given prefixes."""
    if not wanted:
        return list(DEFAULT)
    names = [n for n in ALL if any(n.startswith(w) for w in wanted)]
    if not names:
        raise SystemExit(f"no scenario matches {wanted}")
    return names


def run(bench, name: str) -> dict:
    """Run one scenario against every target and return its results."""
    if name in LOAD:
        return load(bench, name)
    return {"cold-herd": cold_herd, "download": downloads.download,
            "slowloris": slow_clients.slowloris, "slow-bodies": attacks.slow_bodies,
            "org-stall": attacks.org_stall, "scaling": scaling}[name](bench)


def _base(bench, target: str) -> str:
    return bench.procs["standin" if target == "direct" else target].url


def load(bench, name: str) -> dict:
    """wrk against each target in turn, --rounds times: req/s, latency, errors, CPU/request.

    Rounds interleave the targets, so a busy moment on a shared machine hits them alike;
    each figure is the median over the rounds (errors: the sum).
    """
    route, latency, conns = LOAD[name]
    bench.configure(latency_ms=latency)
    out = {"route": route, "latency_ms": latency, "connections": conns}
    runs: dict[str, list[dict]] = {target: [] for target in bench.targets()}
    for _ in range(bench.args.rounds):
        for target in runs:
            runs[target].append(_load_run(bench, target, route, conns))
            e = runs[target][-1]
            bench.report(f"{name:<20} {target:<9} {e['rate']:>9.1f} req/s p50 "
                         f"{e['p50_ms']:7.2f} ms p99 {e['p99_ms']:8.2f} ms errors "
                         f"{e['errors']:<5} cpu/req {e['cpu_ms_per_req']}")
    for target, results in runs.items():
        out[target] = {key: _median([r[key] for r in results]) for key in
                       ("rate", "p50_ms", "p99_ms", "cpu_ms_per_req", "rss_mib",
                        "upstream_cpu_ms_per_req")}
        out[target].update(errors=sum(r["errors"] for r in results),
                           requests=sum(r["requests"] for r in results),
                           rounds=[{k: r[k] for k in ("rate", "p99_ms", "cpu_ms_per_req")}
                                   for r in results])
    bench.configure(latency_ms=0)
    return out


def _median(values: list):
    values = sorted(v for v in values if v is not None)
    return values[len(values) // 2] if values else None


def _load_run(bench, target: str, route: str, conns: int) -> dict:
    req = request_for(target, route, _base(bench, target))
    common = dict(connections=conns, cpus=bench.client_cpus, **req)
    clients.run_wrk(seconds=bench.warmup, **common)
    pids = servers.tree(bench.procs[target].pid) if target != "direct" else []
    standin_pids = [bench.procs["standin"].pid]
    cpu0, up0 = servers.cpu_seconds(pids), servers.cpu_seconds(standin_pids)
    result = clients.run_wrk(seconds=bench.seconds, **common)
    cpu1, up1 = servers.cpu_seconds(pids), servers.cpu_seconds(standin_pids)
    n = max(result.requests, 1)
    return {"rate": round(result.rate, 1), "requests": result.requests,
            "p50_ms": round(result.p50_ms, 2), "p99_ms": round(result.p99_ms, 2),
            "errors": result.errors, "wrk": result.detail,
            "cpu_ms_per_req": round((cpu1 - cpu0) * 1000 / n, 3) if pids else None,
            "upstream_cpu_ms_per_req": round((up1 - up0) * 1000 / n, 3),
            "rss_mib": round(servers.rss_kib(pids) / 1024, 1) if pids else None}


def cold_herd(bench) -> dict:
    """100 concurrent mints for a new org on a fresh process: provision calls per process."""
    out = {"concurrent": HERD_SIZE, "provision_delay_ms": HERD_PROVISION_DELAY_MS}
    for target in bench.targets(floors=False):
        if target in ("direct", "serve-account"):   # account mode creates, not provisions
            continue
        if target in bench.bffs:
            bench.start_bff(target)             # a fresh process: empty key caches
        org = f"herd-{target}-{int(time.time() * 1000)}"
        bench.configure(provision_delay_ms=HERD_PROVISION_DELAY_MS)
        bench.standin("/_reset", "POST")
        req = request_for(target, "mint", bench.procs[target].url, org)
        got = clients.herd(req["url"], method="POST", headers=req["headers"],
                           body=req["body"].encode(), n=HERD_SIZE)
        stats = bench.standin("/_stats")
        bench.configure(provision_delay_ms=0)
        root = bench.procs[target].pid
        pids = servers.tree(root)
        workers = [p for p in pids if p != root] if target in bench.bffs else pids
        port_to_pid = servers.sockets_by_local_port(pids)
        per_process: dict[str, int] = {}
        for peer_org, port in stats["provision_peers"]:
            if peer_org == org:
                key = str(port_to_pid.get(port, "unknown"))
                per_process[key] = per_process.get(key, 0) + 1
        calls = sum(per_process.values())
        out[target] = {"provision_calls": calls, "per_process": per_process,
                       "processes": len(workers), "statuses": got["statuses"],
                       "seconds": round(got["seconds"], 3)}
        bench.report(f"cold-herd {target:<9} provision calls {calls} per process "
                     f"{per_process} over {len(workers)} processes; statuses "
                     f"{got['statuses']} in {got['seconds']:.2f} s")
    return out


def scaling(bench) -> dict:
    """Mint at 50 ms/256 conns with 1 and 2 workers under `serve`, free to use every core."""
    target = next(iter(bench.bffs))
    bench.configure(latency_ms=50)
    out = {"target": target, "route": "mint", "latency_ms": 50, "connections": 256}
    for workers in (1, 2):
        bench.start_bff(target, workers=workers, cpus=f"0-{os.cpu_count() - 1}")
        proc = bench.procs[target]
        common = dict(connections=256, cpus=bench.client_cpus,
                      **request_for(target, "mint", proc.url))
        clients.run_wrk(seconds=bench.warmup, **common)
        pids = servers.tree(proc.pid)
        cpu0 = servers.cpu_seconds(pids)
        result = clients.run_wrk(seconds=bench.seconds, **common)
        cpu1 = servers.cpu_seconds(pids)
        out[f"workers_{workers}"] = {
            "rate": round(result.rate, 1), "p50_ms": round(result.p50_ms, 2),
            "p99_ms": round(result.p99_ms, 2), "errors": result.errors,
            "cpu_ms_per_req": round((cpu1 - cpu0) * 1000 / max(result.requests, 1), 3),
            "cores_used": round((cpu1 - cpu0) / result.seconds, 2),
            "rss_mib_per_worker": [round(servers.rss_kib([p]) / 1024, 1)
                                   for p in pids if p != proc.pid]}
        bench.report(f"scaling   {target} {workers} worker(s) {result.rate:9.1f} req/s p99 "
                     f"{result.p99_ms:8.2f} ms errors {result.errors}")
    bench.configure(latency_ms=0)
    bench.start_bff(target)                     # back to the configured BFF
    return out
