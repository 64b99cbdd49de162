"""The load: wrk for throughput runs; small socket clients for the herd, downloads, slowloris."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from servers import pinned

WRK_DONE = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRKJSON {\"requests\":%d,\"duration_us\":%d,\"connect\":%d,\"read\":%d,\"write\":%d," ..
    "\"status\":%d,\"timeout\":%d,\"p50_us\":%d,\"p99_us\":%d,\"max_us\":%d}\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""


@dataclass
class LoadResult:
    requests: int
    seconds: float
    errors: int             # socket errors + timeouts + HTTP statuses >= 400
    p50_ms: float
    p99_ms: float
    detail: dict

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _lua_string(text: str) -> str:
    return "[==[" + text + "]==]"


def wrk_script(method: str, headers: dict[str, str], body: str | None) -> str:
    lines = [f"wrk.method = {_lua_string(method)}"]
    for name, value in headers.items():
        lines.append(f"wrk.headers[ {_lua_string(name)} ] = {_lua_string(value)}")
    if body is not None:
        lines.append(f"wrk.body = {_lua_string(body)}")
    return "\n".join(lines) + "\n" + WRK_DONE


def run_wrk(url: str, *, method: str = "GET", headers: dict[str, str] | None = None,
            body: str | None = None, connections: int, seconds: float, threads: int = 2,
            cpus: str | None = None, timeout_s: int = 10) -> LoadResult:
    """Run wrk against url with a fixed number of keep-alive connections and duration."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed: apt-get install -y wrk")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(wrk_script(method, headers or {}, body))
        script = f.name
    cmd = pinned(["wrk", "-t", str(min(threads, connections)), "-c", str(connections),
                  "-d", f"{max(1, round(seconds))}s", "--timeout", f"{timeout_s}s",
                  "-s", script, url], cpus)
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    finally:
        os.unlink(script)
    line = next((x for x in out.stdout.splitlines() if x.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {out.stdout[-500:]} {out.stderr[-500:]}")
    d = json.loads(line[8:])
    errors = d["connect"] + d["read"] + d["write"] + d["status"] + d["timeout"]
    return LoadResult(d["requests"], d["duration_us"] / 1e6, errors, d["p50_us"] / 1000,
                      d["p99_us"] / 1000, d)


# --- raw HTTP/1.1 helpers -----------------------------------------------------------------

def request_bytes(url: str, method: str, headers: dict[str, str], body: bytes | None) -> bytes:
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"{method} {target} HTTP/1.1", f"Host: {parts.netloc}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


async def _one_request(url: str, method: str, headers: dict, body: bytes | None,
                       start: asyncio.Event) -> int:
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        await start.wait()
        writer.write(request_bytes(url, method, {**headers, "Connection": "close"}, body))
        await writer.drain()
        status_line = await reader.readline()
        await reader.read()               # until the server closes (Connection: close)
        return int(status_line.split()[1])
    finally:
        writer.close()


async def _herd(url: str, method: str, headers: dict, body: bytes | None, n: int) -> list:
    start = asyncio.Event()
    tasks = [asyncio.create_task(_one_request(url, method, headers, body, start))
             for _ in range(n)]
    await asyncio.sleep(0.2)                # every connection open before anyone sends
    start.set()
    return await asyncio.gather(*tasks, return_exceptions=True)


def herd(url: str, *, method: str, headers: dict, body: bytes | None, n: int) -> dict:
    """Send n requests at once over n fresh connections; count statuses."""
    started = time.perf_counter()
    results = asyncio.run(_herd(url, method, headers, body, n))
    statuses: dict[str, int] = {}
    for r in results:
        key = str(r) if isinstance(r, int) else type(r).__name__
        statuses[key] = statuses.get(key, 0) + 1
    return {"statuses": statuses, "seconds": time.perf_counter() - started}


def download(url: str, headers: dict[str, str], stop_after: int | None = None) -> dict:
    """GET url and read the body into a reusable buffer; optionally hang up early."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
    started = time.perf_counter()
    sock.sendall(request_bytes(url, "GET", {**headers, "Connection": "close"}, None))
    buf = bytearray(1024 * 1024)
    view = memoryview(buf)
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(65536)
        if not chunk:
            raise RuntimeError("connection closed before the headers")
        head += chunk
    header_block, _, rest = head.partition(b"\r\n\r\n")
    status = int(header_block.split(b" ", 2)[1])
    length, chunked = None, False
    for line in header_block.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        got, complete = _read_chunked(sock, bytearray(rest), view, stop_after)
        length = got if complete else None
    else:
        got = len(rest)
        while length is None or got < length:
            if stop_after is not None and got >= stop_after:
                break
            n = sock.recv_into(view)
            if not n:
                break
            got += n
    elapsed = time.perf_counter() - started
    sock.close()
    return {"status": status, "bytes": got, "length": length, "seconds": elapsed,
            "mib_s": got / 1024 / 1024 / elapsed if elapsed else 0.0,
            "complete": length is not None and got == length}


def _read_chunked(sock: socket.socket, buf: bytearray, view: memoryview,
                  stop_after: int | None) -> tuple[int, bool]:
    """Read a chunked body; return (payload bytes, whether the final chunk arrived)."""
    got = 0

    def fill(n: int) -> bool:
        while len(buf) < n:
            data = sock.recv(65536)
            if not data:
                return False
            buf.extend(data)
        return True

    while True:
        while b"\r\n" not in buf:
            data = sock.recv(65536)
            if not data:
                return got, False
            buf.extend(data)
        line_end = buf.index(b"\r\n")
        size = int(bytes(buf[:line_end]).split(b";")[0], 16)
        del buf[:line_end + 2]
        if size == 0:
            return got, True
        take = min(size, len(buf))
        del buf[:take]
        got, left = got + take, size - take
        while left:
            n = sock.recv_into(view, min(left, len(view)))
            if not n:
                return got, False
            got, left = got + n, left - n
        if stop_after is not None and got >= stop_after:
            return got, False
        if not fill(2):
            return got, False
        del buf[:2]


def timed_get(url: str, headers: dict[str, str], timeout: float = 10.0) -> dict:
    """One GET on a fresh connection: its status and how long it took (None: no answer)."""
    started = time.perf_counter()
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError:
        return {"status": None, "seconds": None}
    return {"status": status, "seconds": round(time.perf_counter() - started, 3)}


def http_json(url: str, method: str = "GET") -> dict:
    """Call a control endpoint (the stand-in's /_stats, /_config) and return its JSON."""
    request = urllib.request.Request(url, method=method, data=None)
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())
