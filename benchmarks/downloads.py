"""The download scenario: 200 MiB through each target, a throttled reader, a hang-up.

Peak RSS growth is per worker process, the kernel's high-water mark included (a spike
between two samples counts); the bare relay (floors.py) is the floor a Python relay can
reach on this machine, measured in the same rounds.
"""

from __future__ import annotations

import time

import clients
import servers
import slow_clients
from targets import ORG, org_key, token_for

DOWNLOAD_MIB = 200
THROTTLE_MIB_S, THROTTLE_SECONDS = 8, 6


def _download_plan(bench) -> dict:
    plan = {}
    relay = ["relay"] if "relay" in bench.procs else []
    for target in ["direct", *relay, *bench.targets(floors=False)[1:]]:
        if target == "direct":
            url = bench.procs["standin"].url + "/v1/embed/renders/r_bench/download"
            plan[target] = (url, {"Authorization": f"Bearer {org_key(ORG)}"}, [])
            continue
        url = bench.procs[target].url + f"/api/craftkit/renders/r_bench/download?" \
                                        f"tenantExternalId={ORG}"
        headers = {} if target == "reference" else {"Authorization":
                                                     f"Bearer {token_for(ORG)}"}
        root = bench.procs[target].pid
        pids = servers.tree(root)
        # Per worker: a server's master (granian's, gunicorn's) relays nothing.
        workers = [p for p in pids if p != root] or pids
        plan[target] = (url, headers, workers)
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
    cpu: dict[str, list[float]] = {t: [] for t in plan}
    complete = {t: True for t in plan}
    for _ in range(max(runs, bench.args.rounds)):
        for target, (url, headers, pids) in plan.items():
            cpu0 = servers.cpu_seconds(pids)
            with servers.PeakPerWorker(pids) as peak:
                got = clients.download(url, headers)
            cpu[target].append((servers.cpu_seconds(pids) - cpu0) * 1000 / DOWNLOAD_MIB)
            complete[target] = complete[target] and got["complete"] and got["status"] == 200
            rates[target].append(got["mib_s"])
            if pids:
                growth[target].append(peak.worst_mib)
    for target, (url, headers, pids) in plan.items():
        values = sorted(rates[target])
        entry = {"mib_s": round(values[len(values) // 2], 1),
                 "all_mib_s": [round(r, 1) for r in rates[target]],
                 "cpu_ms_per_mib": round(sorted(cpu[target])[len(cpu[target]) // 2], 3)
                 if pids else None,
                 "complete": complete[target],
                 "peak_rss_growth_mib": round(max(growth[target]), 2) if pids else None}
        if target not in ("direct", "relay"):
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
    """Peak RSS growth per worker while a client reads at THROTTLE_MIB_S (held back)."""
    with servers.PeakPerWorker(pids) as peak:
        slow_clients.throttled_download(url, headers, THROTTLE_SECONDS, THROTTLE_MIB_S)
    return round(peak.worst_mib, 2)


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
