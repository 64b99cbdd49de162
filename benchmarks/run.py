"""Benchmark craftkit-bff against the upstream alone and the seed's Next.js reference.

    .venv/bin/python benchmarks/run.py [--quick] [--scenario NAME ...] [--no-reference]

Starts a fast upstream stand-in, the BFF under gunicorn and (if built) the reference, runs
each scenario with wrk (or the small clients in clients.py), prints one table and writes
benchmarks/results/latest.json. Loopback only; every run is bounded in time.
See benchmarks/README.md for what each number means.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import clients
import servers

try:
    import jwt
except ImportError:
    sys.exit("pyjwt is missing: run this with the project's venv (.venv/bin/python).")

ADMIN_KEY = "ck_admin_benchmark_0123456789abcdef"
JWT_SECRET = "benchmark-jwt-secret-0123456789abcdef-0123456789"
ORG = "bench-org"
USER = "user-1"
LOAD_SCENARIOS = {
    # name: (route, upstream latency ms, connections)
    "mint-0ms-32": ("mint", 0, 32),
    "templates-0ms-32": ("templates", 0, 32),
    "mint-50ms-64": ("mint", 50, 64),
    "templates-50ms-64": ("templates", 50, 64),
    "mint-50ms-256": ("mint", 50, 256),
    "templates-50ms-256": ("templates", 50, 256),
}
OTHER_SCENARIOS = ("cold-herd", "download", "scaling")
HERD_SIZE = 100
HERD_PROVISION_DELAY_MS = 200
DOWNLOAD_MIB = 200


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
    auth = {"Authorization": f"Bearer {token_for(org)}"} if target == "bff" else {}
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


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.seconds = args.seconds or (3 if args.quick else 10)
        self.warmup = 1 if args.quick else 2
        split = args.cpus == "split"
        self.client_cpus = "0" if split else None
        self.server_cpus = "1" if split else None
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        self.log_dir = servers.BENCH / "results" / stamp
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.procs: dict[str, servers.Process] = {}
        self.results: dict = {"started": stamp, "seconds": self.seconds, "cpus": args.cpus,
                              "scenarios": {}}

    # -- lifecycle ------------------------------------------------------------------------
    def start(self, names: list[str]) -> None:
        if self.client_cpus:
            os.sched_setaffinity(0, {0})        # the herd/download clients live on cpu 0 too
        if "standin" in names:
            self.procs["standin"] = servers.start_standin(servers.free_port(), self.client_cpus,
                                                          self.log_dir)
        if "bff" in names:
            self.start_bff()
        if "reference" in names:
            self.start_reference()

    def start_bff(self, workers: int | None = None, cpus: str | None = "default") -> None:
        if "bff" in self.procs:
            self.procs.pop("bff").stop()
        env = {"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET}
        self.procs["bff"] = servers.start_bff(
            servers.free_port(), self.procs["standin"].url, env,
            self.server_cpus if cpus == "default" else cpus, self.log_dir,
            workers or self.args.workers, self.args.threads, self.args.gunicorn_arg or [],
            self.args.repo)

    def start_reference(self) -> None:
        if "reference" in self.procs:
            self.procs.pop("reference").stop()
        env = {"CRAFTKIT_ADMIN_KEY": ADMIN_KEY}
        self.procs["reference"] = servers.start_reference(
            servers.free_port(), self.procs["standin"].url, env, self.server_cpus, self.log_dir)

    def stop(self) -> None:
        for proc in reversed(list(self.procs.values())):
            proc.stop()

    def standin(self, path: str, method: str = "GET") -> dict:
        req = urllib.request.Request(self.procs["standin"].url + path, method=method, data=None)
        with urllib.request.urlopen(req, timeout=5) as r:
            return json.loads(r.read())

    def configure(self, **settings) -> None:
        query = "&".join(f"{k}={v}" for k, v in settings.items())
        self.standin(f"/_config?{query}", "POST")

    def targets(self) -> list[str]:
        return [t for t in ("direct", "bff", "reference") if t == "direct" or t in self.procs]

    # -- scenarios ------------------------------------------------------------------------
    def load(self, name: str) -> dict:
        route, latency, conns = LOAD_SCENARIOS[name]
        self.configure(latency_ms=latency)
        out = {"route": route, "latency_ms": latency, "connections": conns}
        for target in self.targets():
            base = self.procs["standin"].url if target == "direct" else self.procs[target].url
            req = request_for(target, route, base)
            common = dict(connections=conns, cpus=self.client_cpus, **req)
            clients.run_wrk(seconds=self.warmup, **common)
            pids = servers.tree(self.procs[target].pid) if target != "direct" else []
            standin_pids = [self.procs["standin"].pid]
            cpu0, up0 = servers.cpu_seconds(pids), servers.cpu_seconds(standin_pids)
            result = clients.run_wrk(seconds=self.seconds, **common)
            cpu1, up1 = servers.cpu_seconds(pids), servers.cpu_seconds(standin_pids)
            n = max(result.requests, 1)
            out[target] = {
                "rate": round(result.rate, 1), "requests": result.requests,
                "p50_ms": round(result.p50_ms, 2), "p99_ms": round(result.p99_ms, 2),
                "errors": result.errors, "wrk": result.detail,
                "cpu_ms_per_req": round((cpu1 - cpu0) * 1000 / n, 3) if pids else None,
                "upstream_cpu_ms_per_req": round((up1 - up0) * 1000 / n, 3),
                "rss_mib": round(servers.rss_kib(pids) / 1024, 1) if pids else None,
            }
            self.report(f"{name:<20} {target:<9} {out[target]['rate']:>9.1f} req/s "
                        f"p50 {result.p50_ms:7.2f} ms p99 {result.p99_ms:8.2f} ms "
                        f"errors {result.errors:<5} cpu/req {out[target]['cpu_ms_per_req']}")
        self.configure(latency_ms=0)
        return out

    def cold_herd(self) -> dict:
        out = {"concurrent": HERD_SIZE, "provision_delay_ms": HERD_PROVISION_DELAY_MS}
        for target in self.targets():
            if target == "direct":
                continue
            if target == "bff":
                self.start_bff()                 # a fresh process: empty key caches
            org = f"herd-{target}-{int(time.time() * 1000)}"
            self.configure(provision_delay_ms=HERD_PROVISION_DELAY_MS)
            self.standin("/_reset", "POST")
            req = request_for(target, "mint", self.procs[target].url, org)
            got = clients.herd(req["url"], method="POST", headers=req["headers"],
                               body=req["body"].encode(), n=HERD_SIZE)
            stats = self.standin("/_stats")
            self.configure(provision_delay_ms=0)
            root = self.procs[target].pid
            pids = servers.tree(root)
            workers = [p for p in pids if p != root] if target == "bff" else pids
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
            self.report(f"cold-herd {target:<9} provision calls {calls} per process "
                        f"{per_process} over {len(workers)} processes; statuses "
                        f"{got['statuses']} in {got['seconds']:.2f} s")
        return out

    def download(self) -> dict:
        """200 MiB through each target, interleaved so that a noisy moment hits all alike."""
        runs = 3
        out = {"mib": DOWNLOAD_MIB, "runs": runs}
        plan = {}
        for target in self.targets():
            if target == "direct":
                url = self.procs["standin"].url + "/v1/embed/renders/r_bench/download"
                headers = {"Authorization": f"Bearer {org_key(ORG)}"}
                pids = []
            else:
                url = (self.procs[target].url +
                       f"/api/craftkit/renders/r_bench/download?tenantExternalId={ORG}")
                headers = ({"Authorization": f"Bearer {token_for(ORG)}"}
                           if target == "bff" else {})
                pids = servers.tree(self.procs[target].pid)
            plan[target] = (url, headers, pids)
        # Warm each code path (and key cache) with a small file first.
        self.configure(download_mib=1)
        for url, headers, _ in plan.values():
            clients.download(url, headers)
        self.configure(download_mib=DOWNLOAD_MIB)
        rates: dict[str, list[float]] = {t: [] for t in plan}
        growth: dict[str, float] = {}
        complete = {t: True for t in plan}
        for _ in range(runs):
            for target, (url, headers, pids) in plan.items():
                with servers.RssSampler(pids) as rss:
                    got = clients.download(url, headers)
                complete[target] = complete[target] and got["complete"] and got["status"] == 200
                rates[target].append(got["mib_s"])
                if pids and target not in growth:
                    growth[target] = (rss.peak - rss.before) / 1024
        for target, (url, headers, _) in plan.items():
            values = sorted(rates[target])
            entry = {"mib_s": round(values[len(values) // 2], 1),
                     "all_mib_s": [round(r, 1) for r in rates[target]],
                     "complete": complete[target],
                     "peak_rss_growth_mib": round(growth[target], 2) if target in growth
                     else None}
            if target != "direct":
                entry["release"] = self.disconnect(url, headers)
            out[target] = entry
            self.report(f"download  {target:<9} {entry['mib_s']:8.1f} MiB/s (runs "
                        f"{entry['all_mib_s']}) complete={entry['complete']} peak RSS growth "
                        f"{entry['peak_rss_growth_mib']} MiB release {entry.get('release')}")
        return out

    def scaling(self) -> dict:
        """Mint at 50 ms/256 conns with 1 and 2 workers, the BFF free to use both cores."""
        self.configure(latency_ms=50)
        out = {"route": "mint", "latency_ms": 50, "connections": 256,
               "note": "BFF not pinned (may use both cores); wrk and stand-in stay on cpu 0"}
        for workers in (1, 2):
            # Explicitly every core: the runner itself is pinned to cpu 0 in split mode.
            self.start_bff(workers=workers, cpus=f"0-{os.cpu_count() - 1}")
            bff = self.procs["bff"]
            req = request_for("bff", "mint", bff.url)
            common = dict(connections=256, cpus=self.client_cpus, **req)
            clients.run_wrk(seconds=self.warmup, **common)
            pids = servers.tree(bff.pid)
            cpu0 = servers.cpu_seconds(pids)
            result = clients.run_wrk(seconds=self.seconds, **common)
            cpu1 = servers.cpu_seconds(pids)
            worker_rss = [servers.rss_kib([p]) / 1024 for p in pids if p != bff.pid]
            out[f"workers_{workers}"] = {
                "rate": round(result.rate, 1), "p50_ms": round(result.p50_ms, 2),
                "p99_ms": round(result.p99_ms, 2), "errors": result.errors,
                "cpu_ms_per_req": round((cpu1 - cpu0) * 1000 / max(result.requests, 1), 3),
                "cores_used": round((cpu1 - cpu0) / result.seconds, 2),
                "rss_mib_per_worker": [round(r, 1) for r in worker_rss],
                "rss_mib_master": round(servers.rss_kib([bff.pid]) / 1024, 1)}
            self.report(f"scaling   {workers} worker(s) {result.rate:9.1f} req/s "
                        f"p50 {result.p50_ms:7.2f} ms p99 {result.p99_ms:8.2f} ms errors "
                        f"{result.errors} cpu/req {out[f'workers_{workers}']['cpu_ms_per_req']} "
                        f"cores {out[f'workers_{workers}']['cores_used']} worker RSS "
                        f"{out[f'workers_{workers}']['rss_mib_per_worker']} MiB")
        self.configure(latency_ms=0)
        self.start_bff()                        # back to the configured BFF
        return out

    def disconnect(self, url: str, headers: dict) -> dict:
        """Hang up after 16 MiB; the upstream download stream must be closed soon after."""
        before = self.standin("/_stats")
        clients.download(url, headers, stop_after=16 * 1024 * 1024)
        hung_up = time.perf_counter()
        while time.perf_counter() - hung_up < 10:
            stats = self.standin("/_stats")
            if stats["downloads_open"] == 0:
                return {"released": True,
                        "after_ms": round((time.perf_counter() - hung_up) * 1000),
                        "aborted": stats["downloads_aborted"] - before["downloads_aborted"],
                        "completed": stats["downloads_completed"]
                        - before["downloads_completed"]}
            time.sleep(0.02)
        return {"released": False, "open_after_10s": stats["downloads_open"]}

    def report(self, line: str) -> None:
        print(line, flush=True)


def table(results: dict) -> str:
    sc = results["scenarios"]
    rows = ["| scenario | direct req/s | BFF req/s | ref req/s | BFF/direct | BFF/ref "
            "| BFF p50 / p99 ms | ref p50 / p99 ms | errors BFF / ref | BFF CPU ms/req "
            "| ref CPU ms/req |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]

    def f(v, fmt="{:.0f}"):
        return "–" if v is None else fmt.format(v)

    for name in LOAD_SCENARIOS:
        if name not in sc:
            continue
        r = sc[name]
        d, b, ref = r.get("direct", {}), r.get("bff", {}), r.get("reference", {})
        cells = [
            name, f(d.get("rate")), f(b.get("rate")), f(ref.get("rate")),
            f(b["rate"] / d["rate"] if b and d else None, "{:.2f}x"),
            f(b["rate"] / ref["rate"] if b and ref and ref["rate"] else None, "{:.2f}x"),
            f"{f(b.get('p50_ms'), '{:.1f}')} / {f(b.get('p99_ms'), '{:.1f}')}",
            f"{f(ref.get('p50_ms'), '{:.1f}')} / {f(ref.get('p99_ms'), '{:.1f}')}",
            f"{f(b.get('errors'))} / {f(ref.get('errors'))}",
            f(b.get("cpu_ms_per_req"), "{:.2f}"), f(ref.get("cpu_ms_per_req"), "{:.2f}"),
        ]
        rows.append("| " + " | ".join(cells) + " |")
    lines = ["\n".join(rows)] if len(rows) > 2 else []
    if "cold-herd" in sc:
        h = sc["cold-herd"]
        parts = []
        for t in ("bff", "reference"):
            if t in h:
                parts.append(f"{t}: {h[t]['provision_calls']} provision calls for "
                             f"{h['concurrent']} concurrent mints over {h[t]['processes']} "
                             f"process(es), per process {sorted(h[t]['per_process'].values())}, "
                             f"statuses {h[t]['statuses']}")
        lines.append("cold herd (provision 200 ms): " + "; ".join(parts))
    if "download" in sc:
        dl = sc["download"]
        parts = []
        for t in ("direct", "bff", "reference"):
            if t in dl:
                e = dl[t]
                s = f"{t} {e['mib_s']:.0f} MiB/s"
                if e.get("peak_rss_growth_mib") is not None:
                    s += f", peak RSS +{e['peak_rss_growth_mib']:.1f} MiB"
                if "release" in e:
                    rel = e["release"]
                    s += (f", upstream released {rel['after_ms']} ms after hang-up"
                          if rel.get("released") else ", upstream NOT released")
                parts.append(s)
        if "bff" in dl and "direct" in dl:
            parts.append(f"BFF/direct {dl['bff']['mib_s'] / dl['direct']['mib_s']:.2f}x")
        lines.append(f"download {dl['mib']} MiB: " + "; ".join(parts))
    if "scaling" in sc:
        parts = []
        for w in (1, 2):
            e = sc["scaling"].get(f"workers_{w}")
            if e:
                parts.append(f"{w} worker(s) {e['rate']:.0f} req/s (p99 {e['p99_ms']:.0f} ms, "
                             f"{e['cpu_ms_per_req']:.2f} ms CPU/req, {e['cores_used']} cores, "
                             f"RSS/worker {max(e['rss_mib_per_worker'] or [0]):.0f} MiB)")
        lines.append("scaling, mint 50 ms/256 conns, BFF on both cores: " + "; ".join(parts))
    return "\n\n".join(lines)


def targets_check(results: dict) -> list[str]:
    """The issue's targets, each PASS/FAIL with the measured figure."""
    sc, out = results["scenarios"], []

    def check(label, ok, figure):
        out.append(f"{'PASS' if ok else 'FAIL'}  {label}: {figure}")

    m0 = sc.get("mint-0ms-32", {}).get("bff")
    if m0:
        check("CPU per mint at 0 ms <= 0.8 ms", m0["cpu_ms_per_req"] <= 0.8,
              f"{m0['cpu_ms_per_req']:.2f} ms")
    m64 = sc.get("mint-50ms-64", {})
    if "bff" in m64:
        ratio = m64["bff"]["rate"] / m64["direct"]["rate"]
        check("mint 50 ms/64 conns >= 0.9x direct", ratio >= 0.9, f"{ratio:.2f}x")
    m256 = sc.get("mint-50ms-256", {})
    if "bff" in m256:
        b = m256["bff"]
        if "reference" in m256:
            ratio = b["rate"] / max(m256["reference"]["rate"], 1e-9)
            check("mint 50 ms/256 conns >= 2x reference", ratio >= 2, f"{ratio:.2f}x")
        check("mint 50 ms/256 conns p99 < 400 ms", b["p99_ms"] < 400, f"{b['p99_ms']:.0f} ms")
        check("mint 50 ms/256 conns zero errors", b["errors"] == 0, f"{b['errors']}")
    herd = sc.get("cold-herd", {}).get("bff")
    if herd:
        counts = list(herd["per_process"].values())
        ok = bool(counts) and all(c == 1 for c in counts) and "unknown" not in herd["per_process"]
        check("cold herd: one provision per worker", ok,
              f"{herd['provision_calls']} calls, per worker {counts}, "
              f"{herd['processes']} workers")
    dl = sc.get("download", {})
    if "bff" in dl:
        ratio = dl["bff"]["mib_s"] / dl["direct"]["mib_s"]
        check("download >= 0.8x direct", ratio >= 0.8, f"{ratio:.2f}x")
        growth = dl["bff"]["peak_rss_growth_mib"]
        check("download peak RSS growth < 4 MiB", growth < 4, f"{growth:.1f} MiB")
        rel = dl["bff"]["release"]
        check("upstream released on client disconnect", rel.get("released", False),
              f"{rel.get('after_ms', '-')} ms")
    return out


def loadavg() -> list[float]:
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def main() -> None:
    parser = argparse.ArgumentParser(description="craftkit-bff benchmark")
    parser.add_argument("--quick", action="store_true", help="3 s per run instead of 10 s")
    parser.add_argument("--seconds", type=float, help="measured seconds per run")
    parser.add_argument("--scenario", action="append",
                        help="run only these (repeatable; a prefix like 'mint' works): "
                             + ", ".join([*LOAD_SCENARIOS, *OTHER_SCENARIOS]))
    parser.add_argument("--no-reference", action="store_true", help="skip the Next.js reference")
    parser.add_argument("--cpus", choices=("split", "shared"), default="split",
                        help="split: clients+stand-in on cpu 0, server under test on cpu 1; "
                             "shared: no pinning")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: 2, or "
                                                    "gunicorn.conf.py's)")
    parser.add_argument("--threads", type=int, help="gunicorn threads (default: 16, or "
                                                    "gunicorn.conf.py's)")
    parser.add_argument("--gunicorn-arg", action="append", help="extra gunicorn argument")
    parser.add_argument("--repo", type=Path, default=servers.REPO,
                        help="checkout whose wsgi:app and gunicorn.conf.py to run (A/B runs)")
    parser.add_argument("--json", type=Path, default=servers.BENCH / "results" / "latest.json")
    args = parser.parse_args()

    names = [*LOAD_SCENARIOS, *OTHER_SCENARIOS]
    if args.scenario:
        names = [n for n in names if any(n.startswith(s) for s in args.scenario)]
        if not names:
            sys.exit(f"no scenario matches {args.scenario}")
    bench = Bench(args)
    wanted = ["standin", "bff"]
    why_not = servers.reference_ready()
    if not args.no_reference:
        if why_not:
            print(f"reference skipped: {why_not}", flush=True)
        else:
            wanted.append("reference")
    bench.results["loadavg_start"] = loadavg()
    try:
        bench.start(wanted)
        bench.results["servers"] = {k: {"pid": p.pid, "port": p.port}
                                    for k, p in bench.procs.items()}
        for name in names:
            if name in LOAD_SCENARIOS:
                bench.results["scenarios"][name] = bench.load(name)
            elif name == "cold-herd":
                bench.results["scenarios"][name] = bench.cold_herd()
            elif name == "download":
                bench.results["scenarios"][name] = bench.download()
            elif name == "scaling":
                bench.results["scenarios"][name] = bench.scaling()
    finally:
        bench.stop()
    bench.results["loadavg_end"] = loadavg()
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(bench.results, indent=2))
    (bench.log_dir / "results.json").write_text(json.dumps(bench.results, indent=2))
    print()
    print(table(bench.results))
    print()
    print("\n".join(targets_check(bench.results)))
    # Before anything starts the machine should be idle; the benchmark itself keeps ~3
    # processes busy, so the end figure is only informative.
    busy = bench.results["loadavg_start"][0]
    print(f"\nload average at start {bench.results['loadavg_start']}, at end "
          f"{bench.results['loadavg_end']}"
          + ("  (WARNING: other work was running; numbers are depressed and noisy)"
             if busy > 1.5 else ""))
    print(f"raw results: {args.json}  logs: {bench.log_dir}")


if __name__ == "__main__":
    main()
