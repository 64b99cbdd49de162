"""Profile one BFF worker with py-spy under wrk load and print where its CPU goes.

    .venv/bin/python benchmarks/profile_worker.py [--route mint|templates] [--seconds 10]
                                           [--latency-ms 0] [--connections 32] [--svg]
                                           [--server serve|gunicorn]

Starts the stand-in and a one-worker BFF (under `serve` by default), loads it with wrk,
samples the worker with `py-spy record --nonblocking --gil` (only the thread holding the
GIL, i.e. Python CPU) and prints the top functions by inclusive and self time, and self
time per package. Raw stacks (and a flamegraph with --svg) go to benchmarks/results/.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import clients
import run
import servers
import targets


def frame_name(frame: str) -> str:
    return frame.split(" (", 1)[0] + " (" + frame.split(" (", 1)[1].rsplit(":", 1)[0] + ")" \
        if " (" in frame else frame


def package_of(frame: str) -> str:
    if " (" not in frame:
        return frame
    path = frame.split(" (", 1)[1].rsplit(":", 1)[0]
    if path.startswith("<"):
        return path
    parts = Path(path).parts
    if "site-packages" in parts:
        parts = parts[parts.index("site-packages") + 1:]
    if "bff" in parts:
        return "/".join(parts[parts.index("bff"):])
    return parts[0] if len(parts) > 1 else parts[-1]


def summarize(raw: Path, top: int) -> str:
    inclusive: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [f for f in stack.split(";") if f]
        if not frames:
            continue
        total += n
        for name in {frame_name(f) for f in frames}:
            inclusive[name] += n
        self_time[frame_name(frames[-1])] += n
        packages[package_of(frames[-1])] += n
    if not total:
        return "no samples"
    out = [f"{total} samples of the thread holding the GIL", "",
           "inclusive (function and callees):"]
    out += [f"  {100 * n / total:5.1f}%  {name}" for name, n in inclusive.most_common(top)]
    out += ["", "self (the function's own code):"]
    out += [f"  {100 * n / total:5.1f}%  {name}" for name, n in self_time.most_common(top)]
    out += ["", "self time by package/module:"]
    out += [f"  {100 * n / total:5.1f}%  {name}" for name, n in packages.most_common(top)]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description="py-spy profile of a BFF worker under load")
    parser.add_argument("--route", choices=("mint", "templates"), default="mint")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--latency-ms", type=float, default=0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--svg", action="store_true", help="also write a flamegraph SVG")
    parser.add_argument("--cpus", choices=("shared", "split"), default="shared")
    parser.add_argument("--server", choices=servers.SERVER_KINDS, default="serve")
    parser.add_argument("--server-arg", action="append", help="extra server argument")
    parser.add_argument("--spy-mode", default="--nonblocking --gil",
                        help="py-spy sampling flags: the default samples only the thread "
                             "holding the GIL; '' pauses the process and samples busy threads")
    parser.add_argument("--repo", type=Path, default=servers.REPO,
                        help="checkout whose wsgi:app and gunicorn.conf.py to run")
    args = parser.parse_args()
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(py_spy).exists():
        sys.exit("py-spy is missing: .venv/bin/pip install py-spy")

    bench = run.Bench(argparse.Namespace(
        quick=True, seconds=args.seconds, cpus=args.cpus, workers=1, threads=args.threads,
        server_arg=args.server_arg or [], repo=args.repo.resolve(), release=None,
        servers=[args.server], rounds=1, modes=[], no_floors=True))
    try:
        bench.plan()
        bench.start(reference=False)
        bench.configure(latency_ms=args.latency_ms)
        bff = bench.procs[args.server]
        worker = next(p for p in servers.tree(bff.pid) if p != bff.pid)
        req = targets.request_for(args.server, args.route, bff.url)
        load = dict(connections=args.connections, cpus=bench.client_cpus, **req)
        clients.run_wrk(seconds=2, **load)                     # warm up
        raw = bench.log_dir / f"profile-{args.route}.txt"
        spy = [py_spy, "record", "--pid", str(worker), *args.spy_mode.split(), "--rate", "200",
               "--duration", str(int(args.seconds)), "--format", "raw", "-o", str(raw)]
        result: dict = {}
        loader = threading.Thread(target=lambda: result.update(
            r=clients.run_wrk(seconds=args.seconds + 1, **load)))
        loader.start()
        subprocess.run(spy, capture_output=True, check=True)
        loader.join()
        if args.svg:
            svg = raw.with_suffix(".svg")
            clients.run_wrk(seconds=1, **load)
            loader = threading.Thread(target=lambda: clients.run_wrk(
                seconds=args.seconds + 1, **load))
            loader.start()
            subprocess.run([*spy[:-4], "--format", "flamegraph", "-o", str(svg)],
                           capture_output=True, check=True)
            loader.join()
            print(f"flamegraph: {svg}")
    finally:
        bench.stop()
    r = result.get("r")
    if r:
        print(f"load during the profile: {r.rate:.0f} req/s, p50 {r.p50_ms:.1f} ms, "
              f"p99 {r.p99_ms:.1f} ms, errors {r.errors}")
    print(summarize(raw, args.top))
    print(f"\nraw stacks: {raw}")


if __name__ == "__main__":
    main()
