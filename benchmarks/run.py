"""Benchmark craftkit-bff against the upstream, its floors, its last release and the reference.

    .venv/bin/python benchmarks/run.py --release /tmp/release-0.2.0 --modes redis,account
                                       [--quick] [--rounds 3] [--scenario NAME ...]

Starts a fast upstream stand-in; the BFF from this checkout under `craftkit-bff serve`
(with its body gate), `serve --no-body-gate` (granian's WSGI interface) and gunicorn; with
--release, the previous release's `serve` from that checkout; with --modes, `serve` again
with Redis as its key store (warm keys: the local copy) and in account mode; the floors
(floors.py: a bare WSGI callable and a one-route Flask app making the same upstream call
with http.client, and a bare socket relay for downloads); and the seed's Next.js reference
if it is built. Each scenario runs every target in turn, --rounds times interleaved, and
reports medians; the issue's goals are printed PASS/FAIL, and benchmarks/results/latest.json
keeps every figure. Loopback only; every run is bounded in time. benchmarks/README.md says
what each number means.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import clients
import report
import scenarios
import servers
import standin

ADMIN_KEY = "ck_admin_benchmark_0123456789abcdef"
JWT_SECRET = "benchmark-jwt-secret-0123456789abcdef-0123456789"
BFF_ENV = {"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET,
           # One log line per request costs CPU and disk; gunicorn never wrote them (its
           # configuration leaves the root logger alone), so leave them off everywhere.
           "CRAFTKIT_LOG_LEVEL": "warning",
           # The stand-in's iframe_url is on its own embed origin (checkouts before 0.2
           # ignore this, and do not check iframe_url at all).
           "CRAFTKIT_IFRAME_ORIGINS": standin.EMBED_ORIGIN}


ACCOUNT_KEY = "ck_acct_benchmark_0123456789abcdef"
REGISTRY_SECRET = "benchmark-registry-secret-0123456789"


class Bench:
    """The running processes of one benchmark run, and its results."""

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
        # BFF target name -> (server kind, checkout, extra environment).
        self.bffs: dict[str, tuple[str, Path, dict]] = {}
        self.floors = [] if args.no_floors else ["floor-wsgi", "floor-flask"]
        self.results: dict = {"started": stamp, "seconds": self.seconds, "cpus": args.cpus,
                              "workers": args.workers, "rounds": args.rounds,
                              "scenarios": {}}

    def plan(self) -> None:
        """Decide which BFF targets run: this checkout's servers, modes, and the release."""
        for kind in self.args.servers:
            self.bffs[kind] = (kind, self.args.repo, {})
        if "redis" in self.args.modes:
            self.bffs["serve-redis"] = ("serve", self.args.repo, {})   # URL set at start
        if "account" in self.args.modes:
            registry = self.log_dir / "registry.sqlite3"
            self.bffs["serve-account"] = ("serve", self.args.repo, {
                "CRAFTKIT_ADMIN_KEY": "", "CRAFTKIT_ACCOUNT_KEY": ACCOUNT_KEY,
                "CRAFTKIT_REGISTRY_URL": f"sqlite:///{registry}",
                "CRAFTKIT_REGISTRY_SECRET": REGISTRY_SECRET})
        if self.args.release:
            kind = "serve" if servers.has_serve(self.args.release) else "gunicorn"
            self.bffs["release"] = (kind, self.args.release, {})
        self.results["targets"] = {name: {"kind": kind, "repo": str(repo),
                                          "commit": git_commit(repo)}
                                   for name, (kind, repo, _) in self.bffs.items()}

    # -- lifecycle ------------------------------------------------------------------------
    def start(self, reference: bool) -> None:
        if self.client_cpus:
            os.sched_setaffinity(0, {0})        # the herd/download clients live on cpu 0 too
        self.procs["standin"] = servers.start_standin(servers.free_port(), self.client_cpus,
                                                      self.log_dir)
        if "serve-redis" in self.bffs:
            redis = self.procs["redis"] = servers.start_redis(servers.free_port(), self.log_dir)
            self.bffs["serve-redis"][2]["CRAFTKIT_CACHE_URL"] = \
                f"redis://127.0.0.1:{redis.port}/0"
        for name in self.bffs:
            self.start_bff(name)
        for name in [*self.floors, "relay"] if not self.args.no_floors else []:
            self.procs[name] = servers.start_floor(
                name, servers.free_port(), self.procs["standin"].url, self.server_cpus,
                self.log_dir, self.args.workers, self.args.threads or 64)
        if reference:
            self.start_reference()

    def start_bff(self, name: str, workers: int | None = None,
                  cpus: str | None = "default") -> None:
        if name in self.procs:
            self.procs.pop(name).stop()
        kind, repo, extra = self.bffs[name]
        self.procs[name] = servers.start_bff(
            name, kind, servers.free_port(), self.procs["standin"].url, {**BFF_ENV, **extra},
            self.server_cpus if cpus == "default" else cpus, self.log_dir,
            workers or self.args.workers, self.args.threads, self.args.server_arg or [], repo)

    def start_reference(self) -> None:
        if "reference" in self.procs:
            self.procs.pop("reference").stop()
        self.procs["reference"] = servers.start_reference(
            servers.free_port(), self.procs["standin"].url, {"CRAFTKIT_ADMIN_KEY": ADMIN_KEY},
            self.server_cpus, self.log_dir)

    def stop(self) -> None:
        for proc in reversed(list(self.procs.values())):
            proc.stop()

    def standin(self, path: str, method: str = "GET") -> dict:
        return clients.http_json(self.procs["standin"].url + path, method)

    def configure(self, **settings) -> None:
        query = "&".join(f"{k}={v}" for k, v in settings.items())
        self.standin(f"/_config?{query}", "POST")

    def targets(self, floors: bool = True) -> list[str]:
        """Every target in table order: direct, the floors, the BFFs, the reference."""
        return ["direct", *(self.floors if floors else []), *self.bffs,
                *(["reference"] if "reference" in self.procs else [])]

    def report(self, line: str) -> None:
        print(line, flush=True)


def git_commit(repo: Path) -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=10)
    except OSError:
        return None
    return out.stdout.strip() or None


def loadavg() -> list[float]:
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="craftkit-bff benchmark")
    parser.add_argument("--quick", action="store_true", help="3 s per run instead of 10 s")
    parser.add_argument("--seconds", type=float, help="measured seconds per run")
    parser.add_argument("--rounds", type=int, default=1,
                        help="run each load scenario this many times, targets interleaved, "
                             "and report medians (use 3+ on a busy machine)")
    parser.add_argument("--scenario", action="append",
                        help="run only these (repeatable; a prefix like 'mint' works): "
                             + ", ".join(scenarios.ALL))
    parser.add_argument("--no-reference", action="store_true", help="skip the Next.js reference")
    parser.add_argument("--servers", default="serve,serve-wsgi,gunicorn",
                        type=lambda text: [s for s in text.split(",") if s],
                        help="BFF servers to run from --repo: serve (with its body gate), "
                             "serve-wsgi (--no-body-gate), gunicorn (default: all three)")
    parser.add_argument("--release", "--before", type=Path, metavar="PATH",
                        help="also run the previous release's serve from this checkout "
                             "(`git worktree add /tmp/release-0.2.0 f61e53a`; its own .venv "
                             "is used if it has one), as the 'release' column")
    parser.add_argument("--modes", default="",
                        type=lambda text: [s for s in text.split(",") if s],
                        help="also run serve with Redis as its key store (redis) and in "
                             "account mode (account): --modes redis,account")
    parser.add_argument("--no-floors", action="store_true",
                        help="skip the floors (bare WSGI, one-route Flask, bare relay)")
    parser.add_argument("--cpus", choices=("shared", "split"), default="shared",
                        help="shared (default): no pinning, as on a real host; split: load "
                             "and stand-in on cpu 0, the server under test on cpu 1")
    parser.add_argument("--workers", type=int, default=2, help="BFF worker processes (2)")
    parser.add_argument("--threads", type=int,
                        help="threads per worker (default: each server's own default)")
    parser.add_argument("--server-arg", action="append", help="extra argument for every BFF "
                        "server's command line")
    parser.add_argument("--loris", type=int, default=512,
                        help="slow connections the slowloris scenario holds (512: twice "
                             "2 workers x 64 threads, as the kernel spreads them unevenly)")
    parser.add_argument("--repo", type=Path, default=servers.REPO,
                        help="checkout whose serve and gunicorn run (default: this one)")
    parser.add_argument("--json", type=Path, default=servers.BENCH / "results" / "latest.json")
    args = parser.parse_args(argv)
    unknown = set(args.servers) - set(servers.SERVER_KINDS)
    if unknown:
        parser.error(f"unknown servers {sorted(unknown)}; choose from {servers.SERVER_KINDS}")
    unknown_modes = set(args.modes) - {"redis", "account"}
    if unknown_modes:
        parser.error(f"unknown modes {sorted(unknown_modes)}; choose from redis, account")
    args.repo = args.repo.resolve()
    args.release = args.release.resolve() if args.release else None
    return args


def main(argv: list[str] | None = None) -> None:
    args = arguments(argv)
    names = scenarios.select(args.scenario)
    bench = Bench(args)
    bench.plan()
    why_not = servers.reference_ready()
    if why_not and not args.no_reference:
        print(f"reference skipped: {why_not}", flush=True)
    bench.results["loadavg_start"] = loadavg()
    # `kill` (SIGTERM) stops the run as Ctrl-C does: through the finally below, which stops
    # every server it started, instead of leaving them running.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        bench.start(reference=not args.no_reference and not why_not)
        bench.results["servers"] = {k: {"pid": p.pid, "port": p.port}
                                    for k, p in bench.procs.items()}
        for name in names:
            bench.results["scenarios"][name] = scenarios.run(bench, name)
    finally:
        bench.stop()
    bench.results["loadavg_end"] = loadavg()
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(bench.results, indent=2))
    (bench.log_dir / "results.json").write_text(json.dumps(bench.results, indent=2))
    print()
    print(report.table(bench.results))
    print()
    print("\n".join(report.targets_check(bench.results)))
    busy = bench.results["loadavg_start"][0]
    print(f"\nload average at start {bench.results['loadavg_start']}, at end "
          f"{bench.results['loadavg_end']}"
          + ("  (WARNING: other work was running; numbers are depressed and noisy)"
             if busy > 1.5 else ""))
    print(f"raw results: {args.json}  logs: {bench.log_dir}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
