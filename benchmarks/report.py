"""The benchmark's printed tables and the issue's goals, PASS/FAIL, from a results dict."""

from __future__ import annotations

from scenarios import LOAD

CPU_TARGET_MS = 0.5
DIRECT_RATIO = 0.95
REFERENCE_RATIO = 3.0
P99_MS = 200
RELAY_RATIO = 0.95
RSS_MIB = 4
LORIS_SECONDS = 1.0
# Column order of the issue's table: the reference, the release, this checkout's servers
# and modes, then the floors.
COLUMNS = ("reference", "release", "gunicorn", "serve-wsgi", "serve", "serve-redis",
           "serve-account", "floor-flask", "floor-wsgi")


def _f(value, fmt="{:.0f}") -> str:
    return "–" if value is None else fmt.format(value)


def _ratio(a: dict | None, b: dict | None) -> float | None:
    if not a or not b or not b.get("rate"):
        return None
    return a["rate"] / b["rate"]


def _label(results: dict, target: str) -> str:
    info = results.get("targets", {}).get(target)
    if not info:
        return target
    at = f" @ {info['commit']}" if info.get("commit") else ""
    return f"{target} ({info['kind']}{at})"


def load_table(results: dict) -> str:
    """One row per scenario and target: req/s, ratios, latency, errors, CPU per request."""
    rows = ["| scenario | target | req/s | x direct | x reference | p50 / p99 ms | errors "
            "| CPU ms/req |", "|---|---|---|---|---|---|---|---|"]
    for name in LOAD:
        r = results["scenarios"].get(name)
        if not r:
            continue
        for target in [t for t in r if isinstance(r[t], dict)]:
            e = r[target]
            rows.append("| " + " | ".join([
                name, _label(results, target), _f(e["rate"]),
                _f(_ratio(e, r.get("direct")), "{:.2f}x") if target != "direct" else "",
                _f(_ratio(e, r.get("reference")), "{:.2f}x") if target not in
                ("direct", "reference") else "",
                f"{e['p50_ms']:.1f} / {e['p99_ms']:.1f}", _f(e["errors"]),
                _f(e["cpu_ms_per_req"], "{:.3f}")]) + " |")
    return "\n".join(rows) if len(rows) > 2 else ""


def other_lines(results: dict) -> list[str]:
    sc, lines = results["scenarios"], []
    if "download" in sc:
        dl = sc["download"]
        direct, relay = dl.get("direct", {}).get("mib_s"), dl.get("relay", {}).get("mib_s")
        for t, e in dl.items():
            if not isinstance(e, dict):
                continue
            s = f"- download {dl['mib']} MiB, {t}: {e['mib_s']:.0f} MiB/s (runs {e['all_mib_s']})"
            if direct and t != "direct":
                s += f", {e['mib_s'] / direct:.2f}x direct"
            if relay and t not in ("direct", "relay"):
                s += f", {e['mib_s'] / relay:.2f}x the bare relay"
            if e.get("cpu_ms_per_mib") is not None:
                s += f", {e['cpu_ms_per_mib']:.2f} CPU ms/MiB"
            if e.get("peak_rss_growth_mib") is not None:
                s += f", peak RSS growth per worker +{e['peak_rss_growth_mib']:.1f} MiB"
            if e.get("throttled_rss_growth_mib") is not None:
                s += f", throttled client +{e['throttled_rss_growth_mib']:.1f} MiB"
            rel = e.get("release")
            if rel:
                s += (f", upstream released {rel['after_ms']} ms after hang-up"
                      if rel.get("released") else ", upstream NOT released")
            lines.append(s)
    if "cold-herd" in sc:
        h = sc["cold-herd"]
        parts = [f"{t}: {e['provision_calls']} calls over {e['processes']} process(es)"
                 for t, e in h.items() if isinstance(e, dict)]
        lines.append(f"- cold herd ({h['concurrent']} concurrent mints): " + "; ".join(parts))
    if "slowloris" in sc:
        for t, e in sc["slowloris"].items():
            if isinstance(e, dict):
                took = e["during"]["seconds"]
                lines.append(f"- slowloris, {t}: with {e['held']} slow heads open a request "
                             "took " + (f"{took:.3f} s" if took is not None else "> 10 s"))
    return lines


def table(results: dict) -> str:
    return "\n".join([issue_table(results), "", load_table(results), "", *other_lines(results)])


def _columns(results: dict, present: set[str]) -> list[str]:
    return [c for c in COLUMNS if c in present]


def issue_table(results: dict) -> str:
    """The issue's table: one row per figure, one column per target, then the goal."""
    sc = results["scenarios"]
    present = {t for r in sc.values() if isinstance(r, dict) for t in r
               if isinstance(r[t], dict)}
    columns = _columns(results, present)
    rows = ["| scenario | " + " | ".join(columns) + " | goal |",
            "|---|" + "---|" * (len(columns) + 1)]

    def row(label: str, cell, goal: str) -> None:
        rows.append(f"| {label} | " + " | ".join(cell(c) for c in columns) + f" | {goal} |")

    for route, label in (("mint", "mint"), ("templates", "listing")):
        zero = sc.get(f"{route}-0ms-32", {})
        if zero:
            row(f"{label}, 0 ms upstream, 32 conns: CPU per request",
                lambda c, z=zero: _f((z.get(c) or {}).get("cpu_ms_per_req"), "{:.3f} ms"),
                f"<= {CPU_TARGET_MS} ms")
    mid, many = sc.get("mint-50ms-64", {}), sc.get("mint-50ms-256", {})
    if mid:
        row("mint, 50 ms, 64 conns (x direct)",
            lambda c: _f(_ratio(mid.get(c), mid.get("direct")), "{:.2f}"), f">= {DIRECT_RATIO}")
    if many:
        row("mint, 50 ms, 256 conns: req/s, p99, errors",
            lambda c: "–" if c not in many else
            f"{many[c]['rate']:.0f}, {many[c]['p99_ms']:.0f} ms, {many[c]['errors']}",
            f">= {REFERENCE_RATIO:.0f}x reference, p99 < {P99_MS} ms, 0")
    dl = sc.get("download", {})
    if dl:
        direct, relay = dl.get("direct"), dl.get("relay")
        row(f"{dl['mib']} MiB download (x direct), peak RSS growth per worker",
            lambda c: "–" if c not in dl else
            f"{dl[c]['mib_s'] / direct['mib_s']:.2f}, {dl[c]['peak_rss_growth_mib']:.1f} MiB",
            f"< {RSS_MIB} MiB")
        if relay:
            row(f"{dl['mib']} MiB download (x the bare relay, {relay['mib_s']:.0f} MiB/s)",
                lambda c: "–" if c not in dl else f"{dl[c]['mib_s'] / relay['mib_s']:.2f}",
                f">= {RELAY_RATIO}")
    bodies = sc.get("slow-bodies", {})
    if bodies:
        row(f"/healthz with {bodies['connections']} slow bodies open",
            lambda c: "–" if c not in bodies else _seconds(bodies[c]["healthz"]),
            f"<= {LORIS_SECONDS:.0f} s")
    stall = sc.get("org-stall", {})
    if stall:
        row(f"another org's download while one org stalls {stall['stalled']}",
            lambda c: "–" if c not in stall else
            f"{stall[c]['status']}, {stall[c]['seconds']:.2f} s", "200")
    return "\n".join(rows)


def _seconds(timed: dict) -> str:
    took = timed.get("seconds")
    return "no answer in 10 s" if took is None else f"{took:.3f} s ({timed['status']})"


def targets_check(results: dict) -> list[str]:
    """The issue's goals for each BFF target, each PASS/FAIL with the measured figure."""
    out = []
    for target in results.get("targets", {}):
        out.append(f"goals for {_label(results, target)}:")
        out += [f"  {line}" for line in _checks(results["scenarios"], target)]
    return out


def _checks(sc: dict, target: str) -> list[str]:
    out = []

    def check(label, ok, figure):
        out.append(f"{'PASS' if ok else 'FAIL'}  {label}: {figure}")

    for route in ("mint", "templates"):
        zero = sc.get(f"{route}-0ms-32", {}).get(target)
        if zero and zero.get("cpu_ms_per_req") is not None:
            check(f"{route}: CPU per request at 0 ms <= {CPU_TARGET_MS} ms",
                  zero["cpu_ms_per_req"] <= CPU_TARGET_MS, f"{zero['cpu_ms_per_req']:.3f} ms")
    mid = sc.get("mint-50ms-64", {})
    ratio = _ratio(mid.get(target), mid.get("direct"))
    if ratio is not None:
        check(f"mint: 50 ms/64 conns >= {DIRECT_RATIO}x direct", ratio >= DIRECT_RATIO,
              f"{ratio:.2f}x")
    many = sc.get("mint-50ms-256", {})
    if target in many:
        e = many[target]
        ratio = _ratio(e, many.get("reference"))
        if ratio is not None:
            check(f"mint: 50 ms/256 conns >= {REFERENCE_RATIO:.0f}x the reference",
                  ratio >= REFERENCE_RATIO, f"{ratio:.2f}x")
        check(f"mint: 50 ms/256 conns p99 < {P99_MS} ms", e["p99_ms"] < P99_MS,
              f"{e['p99_ms']:.0f} ms")
        check("mint: 50 ms/256 conns no errors", e["errors"] == 0, f"{e['errors']}")
    _download_checks(sc.get("download", {}), target, check)
    herd = sc.get("cold-herd", {}).get(target)
    if herd:
        counts = list(herd["per_process"].values())
        ok = bool(counts) and all(c == 1 for c in counts) and "unknown" not in herd["per_process"]
        check("cold herd: one provision call per worker", ok,
              f"{herd['provision_calls']} calls, per worker {counts}")
    bodies = sc.get("slow-bodies", {}).get(target)
    if bodies:
        took = bodies["healthz"]["seconds"]
        check(f"slow bodies: /healthz answers within {LORIS_SECONDS:.0f} s",
              took is not None and took <= LORIS_SECONDS, _seconds(bodies["healthz"]))
    stall = sc.get("org-stall", {}).get(target)
    if stall:
        check("org stall: another org's download is served", stall["status"] == 200
              and stall["complete"], f"{stall['status']} in {stall['seconds']} s")
    loris = sc.get("slowloris", {}).get(target)
    if loris:
        took = loris["during"]["seconds"]
        check(f"slowloris: a request answers within {LORIS_SECONDS:.0f} s", took is not None
              and took <= LORIS_SECONDS, "no answer in 10 s" if took is None else f"{took} s")
    return out


def _download_checks(dl: dict, target: str, check) -> None:
    e = dl.get(target)
    if not e:
        return
    relay = dl.get("relay")
    if relay:
        ratio = e["mib_s"] / relay["mib_s"]
        check(f"download >= {RELAY_RATIO}x the bare relay", ratio >= RELAY_RATIO,
              f"{ratio:.2f}x")
    check(f"download peak RSS growth per worker < {RSS_MIB} MiB",
          e["peak_rss_growth_mib"] < RSS_MIB, f"{e['peak_rss_growth_mib']:.1f} MiB")
    check(f"throttled download RSS growth per worker < {RSS_MIB} MiB",
          e["throttled_rss_growth_mib"] < RSS_MIB, f"{e['throttled_rss_growth_mib']:.1f} MiB")
    rel = e["release"]
    check("upstream released on client disconnect", rel.get("released", False),
          f"{rel.get('after_ms', '-')} ms")
