"""CPU per request of the BFF's own code path, in-process: no HTTP server, real upstream.

    .venv/bin/python benchmarks/hotpath.py [--route mint|templates] [--requests 3000]
                                           [--rounds 5] [--repo PATH ...] [--profile]

Calls the WSGI app directly (a prebuilt environ, as any server would pass it) against the
benchmark stand-in over loopback, and reports the CPU time of the calling thread per
request (in the fastest batch of 50): Flask's request cycle, our hooks, JSON, sealing, the
JWT check and the client side of the upstream call, without the server in front. Each
--repo (default: this checkout) runs in its own process, rounds interleaved, so a busy
moment on a shared machine hits every checkout alike; the median round is reported.
--profile also prints the functions with the most own CPU time (cProfile). On a busy
machine CPU time is noisy; --instructions counts the instructions each request executes
under valgrind instead (deterministic, ~50x slower): two runs of different lengths, so
start-up and warm-up cancel out.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROUTES = ("mint", "templates")
BATCH = 50


def environ_for(route: str, token: str) -> dict:
    """The WSGI environ a server would build for one browser request."""
    body = json.dumps({"tenantExternalId": "bench-org", "mode": "create"}).encode()
    env = {"REQUEST_METHOD": "POST" if route == "mint" else "GET",
           "PATH_INFO": "/api/craftkit/session" if route == "mint"
           else "/api/craftkit/templates",
           "QUERY_STRING": "" if route == "mint" else "tenantExternalId=bench-org",
           "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
           "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1:8000",
           "HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_ACCEPT": "*/*",
           "HTTP_USER_AGENT": "hotpath", "wsgi.url_scheme": "http", "wsgi.version": (1, 0),
           "wsgi.errors": sys.stderr, "wsgi.multithread": True, "wsgi.multiprocess": True,
           "wsgi.run_once": False, "wsgi.input_terminated": True}
    if route == "mint":
        env.update(CONTENT_TYPE="application/json", CONTENT_LENGTH=str(len(body)))
    env["_body"] = body
    return env


def call(app, env: dict) -> int:
    """Run one request through the app and read its whole body; return the status."""
    status = []
    request = dict(env)
    request["wsgi.input"] = io.BytesIO(env["_body"])
    body = app(request, lambda s, h, exc=None: status.append(s))
    try:
        for _ in body:
            pass
    finally:
        getattr(body, "close", lambda: None)()
    return int(status[0].split()[0])


def measure(route: str, requests: int, upstream: str, profile: bool, log: bool) -> float:
    """CPU microseconds per request of this thread (after a warm-up)."""
    import logging

    import standin
    import targets

    from bff import create_app

    if log:  # request lines written, as a server's default logging does, to a file
        logging.basicConfig(level=logging.INFO, filename=os.devnull,
                            format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = create_app({"CRAFTKIT_ADMIN_KEY": "ck_admin_benchmark_0123456789abcdef",
                      "CRAFTKIT_BASE_URL": upstream,
                      "CRAFTKIT_AUTH_JWT_SECRET": targets.JWT_SECRET,
                      "CRAFTKIT_IFRAME_ORIGINS": standin.EMBED_ORIGIN})
    env = environ_for(route, targets.token_for(targets.ORG))
    for _ in range(200):
        assert call(app, env) == 200
    if profile:
        profiler = cProfile.Profile(time.thread_time)
        profiler.enable()
        for _ in range(requests):
            call(app, env)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats(os.environ.get("HOTPATH_SORT", "tottime"))
        stats.print_stats(int(os.environ.get("HOTPATH_TOP", "40")))
        print(out.getvalue())
    # Other work on a shared machine only ever adds CPU time (cache misses, migrations):
    # the fastest of many small batches is the closest to the code's own cost.
    batches = []
    for _ in range(max(1, requests // BATCH)):
        started = time.thread_time()
        for _ in range(BATCH):
            call(app, env)
        batches.append((time.thread_time() - started) * 1e6 / BATCH)
    return min(batches)


def child(args: argparse.Namespace) -> None:
    # The checkout under test first, then the benchmark helpers.
    sys.path[:0] = [str(args.child_repo), str(BENCH)]
    print(json.dumps({"us": measure(args.route, args.requests, args.upstream, args.profile,
                                    args.log)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--route", choices=ROUTES, default="mint")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repo", type=Path, action="append")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--instructions", action="store_true",
                        help="count instructions per request under valgrind")
    parser.add_argument("--log", action="store_true",
                        help="write the request log lines (CRAFTKIT_LOG_LEVEL=info) to /dev/null")
    parser.add_argument("--child-repo", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--upstream", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_repo:
        child(args)
        return
    sys.path.insert(0, str(BENCH))
    import servers

    repos = [r.resolve() for r in (args.repo or [BENCH.parent])]
    log_dir = BENCH / "results" / "hotpath"
    log_dir.mkdir(parents=True, exist_ok=True)
    standin = servers.start_standin(servers.free_port(), None, log_dir)
    figures: dict[Path, list[float]] = {r: [] for r in repos}
    try:
        for _ in range(1 if args.profile or args.instructions else args.rounds):
            for repo in repos:
                run = instructions if args.instructions else cpu_time
                figures[repo].append(run(args, repo, standin.url))
    finally:
        standin.stop()
    unit = "instructions" if args.instructions else "us CPU"
    for repo, values in figures.items():
        print(f"{args.route}: {statistics.median(values):9.1f} {unit} per request (rounds "
              f"{', '.join(f'{v:.0f}' for v in values)})  {repo}")


def child_command(args: argparse.Namespace, repo: Path, upstream: str, requests: int) -> list:
    return [sys.executable, __file__, "--child-repo", str(repo), "--upstream", upstream,
            "--route", args.route, "--requests", str(requests),
            *(["--log"] if args.log else []), *(["--profile"] if args.profile else [])]


def cpu_time(args: argparse.Namespace, repo: Path, upstream: str) -> float:
    out = subprocess.run(child_command(args, repo, upstream, args.requests),
                         capture_output=True, text=True, check=True,
                         env=dict(os.environ, PYTHONPATH=str(repo)))
    lines = out.stdout.strip().splitlines()
    if args.profile:
        print("\n".join(lines[:-1]))
    return json.loads(lines[-1])["us"]


def instructions(args: argparse.Namespace, repo: Path, upstream: str) -> float:
    counts = []
    for requests in (BATCH, BATCH + args.requests):
        cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
               *child_command(args, repo, upstream, requests)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True,
                             env=dict(os.environ, PYTHONPATH=str(repo)))
        counts.append(int(re.search(r"Collected : (\d+)", out.stderr)[1]))
    return (counts[1] - counts[0]) / args.requests


if __name__ == "__main__":
    main()
