"""The benchmark's printed table and the issue's targets, PASS/FAIL, from a results dict."""

from __future__ import annotations

from scenarios import LOAD

CPU_TARGET_MS = 0.8
DIRECT_RATIO = 0.9
REFERENCE_RATIO = 2.0
P99_MS = 400
DOWNLOAD_RATIO = 0.8
RSS_MIB = 4
LORIS_SECONDS = 1.0


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
                _f(e["cpu_ms_per_req"], "{:.2f}")]) + " |")
    return "\n".join(rows) if len(rows) > 2 else ""


def other_lines(results: dict) -> list[str]:
    sc, lines = results["scenarios"], []
    if "cold-herd" in sc:
        h = sc["cold-herd"]
        parts = [f"{t}: {e['provision_calls']} calls over {e['processes']} process(es), "
                 f"per process {sorted(e['per_process'].values())}"
                 for t, e in h.items() if isinstance(e, dict)]
        lines.append(f"- cold herd ({h['concurrent']} concurrent mints, provision 200 ms): "
                     + "; ".join(parts))
    if "download" in sc:
        dl = sc["download"]
        direct = dl.get("direct", {}).get("mib_s")
        for t, e in dl.items():
            if not isinstance(e, dict):
                continue
            s = f"- download {dl['mib']} MiB, {t}: {e['mib_s']:.0f} MiB/s"
            if direct and t != "direct":
                s += f" ({e['mib_s'] / direct:.2f}x direct)"
            if e.get("peak_rss_growth_mib") is not None:
                s += (f", peak RSS +{e['peak_rss_growth_mib']:.1f} MiB, throttled client "
                      f"+{e['throttled_rss_growth_mib']:.1f} MiB")
            rel = e.get("release")
            if rel:
                s += (f", upstream released {rel['after_ms']} ms after hang-up"
                      if rel.get("released") else ", upstream NOT released")
            lines.append(s)
    if "slowloris" in sc:
        lo = sc["slowloris"]
        for t, e in lo.items():
            if isinstance(e, dict):
                took = e["during"]["seconds"]
                lines.append(f"- slowloris, {t}: with {e['held']} slow connections open a "
                             "normal request took "
                             + (f"{took:.3f} s" if took is not None else "> 10 s (no answer)"))
    if "scaling" in sc:
        s = sc["scaling"]
        parts = [f"{w} worker(s) {s[f'workers_{w}']['rate']:.0f} req/s" for w in (1, 2)
                 if f"workers_{w}" in s]
        lines.append(f"- scaling ({s['target']}, mint 50 ms/256): " + ", ".join(parts))
    return lines


def table(results: dict) -> str:
    return "\n".join([issue_table(results), "", load_table(results), "", *other_lines(results)])


def targets_check(results: dict) -> list[str]:
    """The issue's targets for each BFF target, each PASS/FAIL with the measured figure."""
    out = []
    for target in results.get("targets", {}):
        out.append(f"targets for {_label(results, target)}:")
        out += [f"  {line}" for line in _checks(results["scenarios"], target)]
    return out


def _checks(sc: dict, target: str) -> list[str]:
    out = []

    def check(label, ok, figure):
        out.append(f"{'PASS' if ok else 'FAIL'}  {label}: {figure}")

    for route in ("mint", "templates"):
        zero = sc.get(f"{route}-0ms-32", {}).get(target)
        if zero:
            check(f"{route}: CPU per request at 0 ms <= {CPU_TARGET_MS} ms",
                  zero["cpu_ms_per_req"] <= CPU_TARGET_MS, f"{zero['cpu_ms_per_req']:.2f} ms")
        mid = sc.get(f"{route}-50ms-64", {})
        ratio = _ratio(mid.get(target), mid.get("direct"))
        if ratio is not None:
            check(f"{route}: 50 ms/64 conns >= {DIRECT_RATIO}x direct", ratio >= DIRECT_RATIO,
                  f"{ratio:.2f}x")
        many = sc.get(f"{route}-50ms-256", {})
        if target in many:
            e = many[target]
            ratio = _ratio(e, many.get("reference"))
            if ratio is not None:
                check(f"{route}: 50 ms/256 conns >= {REFERENCE_RATIO:.0f}x the reference",
                      ratio >= REFERENCE_RATIO, f"{ratio:.2f}x")
            check(f"{route}: 50 ms/256 conns p99 < {P99_MS} ms", e["p99_ms"] < P99_MS,
                  f"{e['p99_ms']:.0f} ms")
            check(f"{route}: 50 ms/256 conns no errors", e["errors"] == 0, f"{e['errors']}")
    _download_checks(sc.get("download", {}), target, check)
    herd = sc.get("cold-herd", {}).get(target)
    if herd:
        counts = list(herd["per_process"].values())
        ok = bool(counts) and all(c == 1 for c in counts) and "unknown" not in herd["per_process"]
        check("cold herd: one provision call per worker", ok,
              f"{herd['provision_calls']} calls, per worker {counts}")
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
    ratio = e["mib_s"] / dl["direct"]["mib_s"]
    check(f"download >= {DOWNLOAD_RATIO}x direct", ratio >= DOWNLOAD_RATIO, f"{ratio:.2f}x")
    check(f"download peak RSS growth < {RSS_MIB} MiB", e["peak_rss_growth_mib"] < RSS_MIB,
          f"{e['peak_rss_growth_mib']:.1f} MiB")
    check(f"throttled download RSS growth < {RSS_MIB} MiB",
          e["throttled_rss_growth_mib"] < RSS_MIB, f"{e['throttled_rss_growth_mib']:.1f} MiB")
    rel = e["release"]
    check("upstream released on client disconnect", rel.get("released", False),
          f"{rel.get('after_ms', '-')} ms")


def issue_table(results: dict) -> str:
    """The issue's table: one row per target figure, one column per server, then the goal."""
    sc = results["scenarios"]
    columns = ["reference", *[t for t in ("before", "gunicorn", "serve")
                              if t in results.get("targets", {})]]
    rows = ["| scenario | " + " | ".join(_label(results, c) for c in columns) + " | goal |",
            "|---|" + "---|" * (len(columns) + 1)]

    def row(label: str, cell, goal: str) -> None:
        rows.append(f"| {label} | " + " | ".join(cell(c) for c in columns) + f" | {goal} |")

    for route in ("mint", "templates"):
        zero, mid, many = (sc.get(f"{route}-0ms-32", {}), sc.get(f"{route}-50ms-64", {}),
                           sc.get(f"{route}-50ms-256", {}))
        if zero:
            row(f"{route}: CPU per request, 0 ms upstream, 32 conns",
                lambda c, z=zero: _f((z.get(c) or {}).get("cpu_ms_per_req"), "{:.2f} ms"),
                f"<= {CPU_TARGET_MS} ms")
        if mid:
            row(f"{route}: 50 ms upstream, 64 conns (x direct)",
                lambda c, m=mid: _f(_ratio(m.get(c), m.get("direct")), "{:.2f}x"),
                f">= {DIRECT_RATIO}x")
        if many:
            row(f"{route}: 50 ms, 256 conns: req/s, p99, errors",
                lambda c, m=many: "–" if c not in m else
                f"{m[c]['rate']:.0f}, {m[c]['p99_ms']:.0f} ms, {m[c]['errors']}",
                f">= {REFERENCE_RATIO:.0f}x ref req/s, p99 < {P99_MS} ms, 0 errors")
    dl = sc.get("download", {})
    if dl:
        row(f"{dl['mib']} MiB download (x direct), peak RSS growth, throttled",
            lambda c: "–" if c not in dl else
            f"{dl[c]['mib_s'] / dl['direct']['mib_s']:.2f}x, {dl[c]['peak_rss_growth_mib']:.1f}"
            f" MiB, {dl[c]['throttled_rss_growth_mib']:.1f} MiB",
            f">= {DOWNLOAD_RATIO}x, < {RSS_MIB} MiB, < {RSS_MIB} MiB")
    herd = sc.get("cold-herd", {})
    if herd:
        row("cold herd: provision calls per process",
            lambda c: "–" if c not in herd else
            "/".join(str(v) for v in sorted(herd[c]["per_process"].values())), "1 per worker")
    loris = sc.get("slowloris", {})
    if loris:
        row(f"a request while {loris['connections']} slowloris connections are open",
            lambda c: "–" if c not in loris else
            ("no answer in 10 s" if loris[c]["during"]["seconds"] is None
             else f"{loris[c]['during']['seconds']:.2f} s"), f"<= {LORIS_SECONDS:.0f} s")
    return "\n".join(rows)
