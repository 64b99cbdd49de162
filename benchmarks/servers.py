"""Start and stop the processes under test, and read their CPU time and memory from /proc."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
REFERENCE = BENCH / "reference"
CLOCK_TICK = os.sysconf("SC_CLK_TCK")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pinned(cmd: list[str], cpus: str | None) -> list[str]:
    """Prefix cmd with taskset when a CPU list is given (children inherit the affinity)."""
    return ["taskset", "-c", cpus, *cmd] if cpus else cmd


def wait_http(url: str, timeout: float = 60.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited with {proc.returncode} before {url} answered")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return                       # any HTTP answer means it is serving
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


class Process:
    """A started server: its root pid, port and log file; stopped by its own pid only."""

    def __init__(self, name: str, cmd: list[str], port: int, env: dict, cwd: Path,
                 log_dir: Path) -> None:
        self.name, self.port = name, port
        self.log_path = log_dir / f"{name}.log"
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            # The process group of this server only (start_new_session above).
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self._log.close()


def start_standin(port: int, cpus: str | None, log_dir: Path) -> Process:
    cmd = pinned([sys.executable, str(BENCH / "standin.py"), "--port", str(port)], cpus)
    p = Process("standin", cmd, port, dict(os.environ), BENCH, log_dir)
    wait_http(p.url + "/_stats", 20, p.proc)
    return p


# This checkout's ways to run the BFF: `serve` (with its body gate), `serve-wsgi` (granian's
# WSGI interface, --no-body-gate) and gunicorn.
SERVER_KINDS = ("serve", "serve-wsgi", "gunicorn")
FLOOR_KINDS = {"floor-wsgi": "floors:bare", "floor-flask": "floors:flask"}


def has_serve(repo: Path) -> bool:
    """Tell whether a checkout has `craftkit-bff serve` (older ones only have gunicorn)."""
    return (repo / "bff" / "server.py").exists() or (repo / "bff" / "ops" / "server.py").exists()


def python_of(repo: Path) -> str:
    """The checkout's own virtualenv's Python if it has one, else this one."""
    own = repo / ".venv" / "bin" / "python"
    return str(own) if own.exists() else sys.executable


def bff_command(kind: str, port: int, workers: int, threads: int | None,
                extra_args: list[str], repo: Path = REPO) -> list[str]:
    """The command line of one BFF server, the way the README tells users to run it."""
    python = python_of(repo)
    if kind in ("serve", "serve-wsgi"):
        module = "bff.commands" if (repo / "bff" / "commands").is_dir() else "bff.cli"
        cmd = [python, "-m", module, "serve", "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers)]
        if kind == "serve-wsgi":
            cmd.append("--no-body-gate")
        return cmd + (["--threads", str(threads)] if threads else []) + extra_args
    # gunicorn reads the checkout's gunicorn.conf.py from the working directory.
    cmd = [python, "-m", "gunicorn", "wsgi:app", "--bind", f"127.0.0.1:{port}",
           "--no-control-socket", "--workers", str(workers)]
    return cmd + (["--threads", str(threads)] if threads else []) + extra_args


def start_bff(name: str, kind: str, port: int, upstream: str, env_extra: dict,
              cpus: str | None, log_dir: Path, workers: int, threads: int | None,
              extra_args: list[str], repo: Path = REPO) -> Process:
    """Start the BFF of a checkout under `serve` or gunicorn, from the checkout's root."""
    cmd = bff_command(kind, port, workers, threads, extra_args, repo)
    # PYTHONPATH first: the checkout's own bff package, whichever one the venv installed.
    env = dict(os.environ, CRAFTKIT_BASE_URL=upstream, PYTHONPATH=str(repo), **env_extra)
    p = Process(name, pinned(cmd, cpus), port, env, repo, log_dir)
    wait_http(p.url + "/healthz", 60, p.proc)
    return p


def start_floor(name: str, port: int, upstream: str, cpus: str | None, log_dir: Path,
                workers: int, threads: int) -> Process:
    """Start a floor (benchmarks/floors.py): a WSGI floor under granian, or the bare relay."""
    env = dict(os.environ, BENCH_UPSTREAM=upstream, PYTHONPATH=str(BENCH))
    if name == "relay":
        cmd = [sys.executable, str(BENCH / "floors.py"), "relay", "--port", str(port),
               "--upstream", upstream]
    else:
        cmd = [sys.executable, "-m", "granian", "--interface", "wsgi", FLOOR_KINDS[name],
               "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
               "--blocking-threads", str(threads), "--http", "1", "--no-ws",
               "--log-level", "warning"]
    p = Process(name, pinned(cmd, cpus), port, env, BENCH, log_dir)
    wait_http(p.url + "/healthz", 60, p.proc)
    return p


def start_redis(port: int, log_dir: Path) -> Process:
    """A throwaway redis-server on a loopback port, nothing saved."""
    cmd = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
           "--appendonly", "no"]
    p = Process("redis", cmd, port, dict(os.environ), log_dir, log_dir)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return p
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


def reference_ready() -> str | None:
    """Return why the Next.js reference cannot run, or None if it is built."""
    if not (REFERENCE / "node_modules" / ".bin" / "next").exists():
        return ("benchmarks/reference/node_modules is missing "
                "(cd benchmarks/reference && npm install)")
    if not (REFERENCE / ".next" / "BUILD_ID").exists():
        return "benchmarks/reference is not built (cd benchmarks/reference && npx next build)"
    return None


def start_reference(port: int, upstream: str, env_extra: dict, cpus: str | None,
                    log_dir: Path) -> Process:
    cmd = [str(REFERENCE / "node_modules" / ".bin" / "next"), "start", "-H", "127.0.0.1",
           "-p", str(port)]
    env = dict(os.environ, CRAFTKIT_BASE_URL=upstream, NODE_ENV="production",
               NEXT_TELEMETRY_DISABLED="1", **env_extra)
    p = Process("reference", pinned(cmd, cpus), port, env, REFERENCE, log_dir)
    wait_http(p.url + "/api/craftkit/templates", 60, p.proc)
    return p


# --- /proc accounting -------------------------------------------------------------------

def tree(pid: int) -> list[int]:
    """pid and all its descendants (gunicorn master + workers, next + its children)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of the given processes (all their threads), in seconds."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])     # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return total / CLOCK_TICK


def rss_kib(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1]) * PAGE_KIB
        except (OSError, IndexError, ValueError):
            pass
    return total


class RssSampler:
    """Sample the summed RSS of a process tree every few milliseconds; keep the peak."""

    def __init__(self, pids: list[int], interval: float = 0.005) -> None:
        self.pids, self.interval = pids, interval
        self.before = rss_kib(pids)
        self.peak = self.before
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.after = rss_kib(self.pids)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_kib(self.pids))
            time.sleep(self.interval)


def sockets_by_local_port(pids: list[int]) -> dict[int, int]:
    """Map the local TCP port of each loopback socket a process holds to that process."""
    inodes: dict[str, int] = {}
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    target = os.readlink(f"/proc/{pid}/fd/{fd}")
                except OSError:
                    continue
                if target.startswith("socket:["):
                    inodes[target[8:-1]] = pid
        except OSError:
            continue
    ports: dict[int, int] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    parts = line.split()
                    local, inode = parts[1], parts[9]
                    if inode in inodes:
                        ports[int(local.rsplit(":", 1)[1], 16)] = inodes[inode]
        except OSError:
            continue
    return ports


def _status_kib(pid: int, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class PeakPerWorker:
    """Each process's peak RSS growth over a block, its high-water mark included.

    The kernel's own peak (VmHWM) is reset at the start (writing 5 to clear_refs), so a
    spike between two samples counts too; growth is that peak minus the RSS at the start.
    """

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids

    def __enter__(self) -> PeakPerWorker:
        for pid in self.pids:
            try:
                with open(f"/proc/{pid}/clear_refs", "w") as f:
                    f.write("5")
            except OSError:
                pass
        self.before = {pid: _status_kib(pid, "VmRSS") for pid in self.pids}
        return self

    def __exit__(self, *exc) -> None:
        self.growth_kib = {pid: max(0, _status_kib(pid, "VmHWM") - self.before[pid])
                           for pid in self.pids}

    @property
    def worst_mib(self) -> float:
        return max(self.growth_kib.values(), default=0) / 1024
