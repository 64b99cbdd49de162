"""The benchmark's scenarios: what each sends, to which targets, and what it records."""

from __future__ import annotations

import hashlib
import json
import os
import time

import clients
import servers

try:
    import jwt
except ImportError:
    raise SystemExit("pyjwt is missing: run this with the project's venv "
                     "(.venv/bin/python).") from None

JWT_SECRET = "benchmark-jwt-secret-0123456789abcdef-0123456789"
ORG = "bench-org"
USER = "user-1"
LOAD = {
    # name: (route, upstream latency ms, connections)
    "mint-0ms-32": ("mint", 0, 32),
    "templates-0ms-32": ("templates", 0, 32),
    "mint-50ms-64": ("mint", 50, 64),
    "templates-50ms-64": ("templates", 50, 64),
    "mint-50ms-256": ("mint", 50, 256),
    "templates-50ms-256": ("templates", 50, 256),
}
OTHER = ("cold-herd", "download", "slowloris", "scaling")
ALL = (*LOAD, *OTHER)
DEFAULT = (*LOAD, "cold-herd", "download", "slowloris")
HERD_SIZE = 100
HERD_PROVISION_DELAY_MS = 200
DOWNLOAD_MIB = 200
THROTTLE_MIB_S, THROTTLE_SECONDS = 8, 6


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
    return {"cold-herd": cold_herd, "download": download, "slowloris": slowloris,
            "scaling": scaling}[name](bench)


def token_for(org: str, user: str = USER) -> str:
    claims = {"sub": user, "email": f"{user}@example.test", "name": "Bench User",
              "orgs": [{"id": org, "name": f"{org} Inc."}], "exp": int(time.time()) + 86400}
    return jwt.encode(claims, JWT_SECRET, algorithm="HS256")


def org_key(org: str) -> str:
    """The key the stand-in hands out for org (it is derived, so direct runs can use it)."""
    return "ck_live_bench_" + hashlib.sha256(org.encode()).hexdigest()[:32]


def upstream_session_body(org: str) -> dict:
    """What the BFF (and the reference) send upstream for a create-mode mint."""
    return {"tenant": {"externalId": org, "displayName": f"{org} Inc."},
            "actor": {"externalId": USER, "email": f"{USER}@example.test",
                      "displayName": "Bench User"},
            "scope": {"mode": "create"},
            "permissions": {"publish": True, "saveDraft": True, "viewVersionHistory": True,
                            "changePageSettings": True, "rollback": False, "delete": False,
                            "rename": False, "createCustomVariables": False}}


def request_for(target: str, route: str, base: str, org: str = ORG) -> dict:
    """wrk arguments (url, method, headers, body) for a route on a target."""
    if target == "direct":
        auth = {"Authorization": f"Bearer {org_key(org)}"}
        if route == "mint":
            return dict(url=base + "/v1/embed/sessions", method="POST",
                        headers={**auth, "Content-Type": "application/json"},
                        body=json.dumps(upstream_session_body(org)))
        return dict(url=base + "/v1/embed/builder/templates", method="GET", headers=auth)
    # The BFF takes the user from the JWT; the reference (auth stubbed) from the body.
    auth = {} if target == "reference" else {"Authorization": f"Bearer {token_for(org)}"}
    if route == "mint":
        body = {"tenantExternalId": org, "mode": "create"}
        if target == "reference":
            body.update(userId=USER, userEmail=f"{USER}@example.test",
                        userDisplayName="Bench User", tenantDisplayName=f"{org} Inc.")
        return dict(url=base + "/api/craftkit/session", method="POST",
                    headers={**auth, "Content-Type": "application/json"},
                    body=json.dumps(body))
    return dict(url=base + f"/api/craftkit/templates?tenantExternalId={org}", method="GET",
                headers=auth)


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
    for target in bench.targets():
        if target == "direct":
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


def _download_plan(bench) -> dict:
    plan = {}
    for target in bench.targets():
        if target == "direct":
            url = bench.procs["standin"].url + "/v1/embed/renders/r_bench/download"
            plan[target] = (url, {"Authorization": f"Bearer {org_key(ORG)}"}, [])
            continue
        url = bench.procs[target].url + f"/api/craftkit/renders/r_bench/download?" \
                                        f"tenantExternalId={ORG}"
        headers = {} if target == "reference" else {"Authorization":
                                                     f"Bearer {token_for(ORG)}"}
        plan[target] = (url, headers, servers.tree(bench.procs[target].pid))
    return plan


def download(bench) -> dict:
    """200 MiB through each target, interleaved so that a noisy moment hits all alike."""
    runs = 3
    out = {"mib": DOWNLOAD_MIB, "runs": runs}
    plan = _download_plan(bench)
    # Warm each code path (and key cache) with a small file first, twice: two workers.
    bench.configure(download_mib=1)
    for url, headers, _ in plan.values():
        clients.download(url, headers)
        clients.download(url, headers)
    bench.configure(download_mib=DOWNLOAD_MIB)
    rates: dict[str, list[float]] = {t: [] for t in plan}
    growth: dict[str, list[float]] = {t: [] for t in plan}
    complete = {t: True for t in plan}
    for _ in range(runs):
        for target, (url, headers, pids) in plan.items():
            with servers.RssSampler(pids) as rss:
                got = clients.download(url, headers)
            complete[target] = complete[target] and got["complete"] and got["status"] == 200
            rates[target].append(got["mib_s"])
            if pids:
                growth[target].append((rss.peak - rss.before) / 1024)
    for target, (url, headers, pids) in plan.items():
        values = sorted(rates[target])
        entry = {"mib_s": round(values[len(values) // 2], 1),
                 "all_mib_s": [round(r, 1) for r in rates[target]],
                 "complete": complete[target],
                 "peak_rss_growth_mib": round(max(growth[target]), 2) if pids else None}
        if target != "direct":
            entry["throttled_rss_growth_mib"] = _throttled(url, headers, pids)
            entry["release"] = disconnect(bench, url, headers)
        out[target] = entry
        bench.report(f"download  {target:<9} {entry['mib_s']:8.1f} MiB/s (runs "
                     f"{entry['all_mib_s']}) complete={entry['complete']} peak RSS growth "
                     f"{entry['peak_rss_growth_mib']} MiB, throttled client "
                     f"{entry.get('throttled_rss_growth_mib')} MiB, release "
                     f"{entry.get('release')}")
    return out


def _throttled(url: str, headers: dict, pids: list[int]) -> float:
    """Peak RSS growth while a client reads at THROTTLE_MIB_S (the server must hold back)."""
    with servers.RssSampler(pids) as rss:
        clients.throttled_download(url, headers, THROTTLE_SECONDS, THROTTLE_MIB_S)
    return round((rss.peak - rss.before) / 1024, 2)


def disconnect(bench, url: str, headers: dict) -> dict:
    """Hang up after 16 MiB; the upstream download stream must be closed soon after."""
    before = bench.standin("/_stats")
    clients.download(url, headers, stop_after=16 * 1024 * 1024)
    hung_up = time.perf_counter()
    while time.perf_counter() - hung_up < 10:
        stats = bench.standin("/_stats")
        if stats["downloads_open"] == 0:
            return {"released": True, "after_ms": round((time.perf_counter() - hung_up) * 1000),
                    "aborted": stats["downloads_aborted"] - before["downloads_aborted"]}
        time.sleep(0.02)
    return {"released": False, "open_after_10s": stats["downloads_open"]}


def slowloris(bench) -> dict:
    """Hold --loris connections trickling headers, then time one normal request; 3 trials.

    The kernel spreads connections over the workers unevenly, so one trial can miss a
    worker that still has free threads: the worst of three is reported.
    """
    out = {"connections": bench.args.loris}
    for target in bench.targets():
        if target not in bench.bffs:
            continue
        url = bench.procs[target].url
        req = request_for(target, "templates", url)
        before = clients.timed_get(req["url"], req["headers"])
        trials = []
        for _ in range(3):
            with clients.Slowloris(url, bench.args.loris) as loris:
                time.sleep(2)                   # every slow connection has sent a line
                trials.append(clients.timed_get(req["url"], req["headers"], timeout=10))
                held = loris.open
            time.sleep(1)                       # the server notices the hang-ups
        worst = max(trials, key=lambda t: float("inf") if t["seconds"] is None
                    else t["seconds"])
        out[target] = {"before": before, "during": worst, "trials": trials, "held": held}
        bench.report(f"slowloris {target:<9} {held} slow connections held; a normal request "
                     f"took {[t['seconds'] for t in trials]} s (statuses "
                     f"{[t['status'] for t in trials]}), {before['seconds']} s before")
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
