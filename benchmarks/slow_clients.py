"""Slow clients: a throttled download reader and slowloris, and the slowloris scenario."""

from __future__ import annotations

import socket
import threading
import time
from urllib.parse import urlsplit

import clients
from clients import request_bytes
from targets import request_for


def throttled_download(url: str, headers: dict[str, str], seconds: float,
                       mib_per_s: float, on_tick=None) -> dict:
    """Read a download at about mib_per_s for `seconds`, then hang up (a slow browser).

    The receive buffer is kept small so the server, not the kernel, has to hold back;
    on_tick() is called between reads (the runner samples the server's memory there).
    """
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    sock.sendall(request_bytes(url, "GET", {**headers, "Connection": "close"}, None))
    chunk, got = 16 * 1024, 0
    pause = chunk / (mib_per_s * 1024 * 1024)
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        data = sock.recv(chunk)
        if not data:
            break
        got += len(data)
        if on_tick is not None:
            on_tick()
        time.sleep(pause)
    sock.close()
    return {"bytes": got, "seconds": time.perf_counter() - started}


class Slowloris:
    """Hold n connections that send a request's headers one line at a time, never ending.

    Each connection sends a request line, then one more header every `interval` seconds
    from a background thread, so a server that parses headers on a request thread keeps
    that thread waiting; one that reads headers without a thread only holds a socket.
    """

    def __init__(self, url: str, n: int, interval: float = 1.0) -> None:
        parts = urlsplit(url)
        self.address = (parts.hostname, parts.port)
        self.n, self.interval = n, interval
        self.socks: list[socket.socket] = []
        self.refused = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._trickle, daemon=True)

    def __enter__(self) -> Slowloris:
        for _ in range(self.n):
            try:
                sock = socket.create_connection(self.address, timeout=5)
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: bench\r\n")
                self.socks.append(sock)
            except OSError:
                self.refused += 1
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)
        for sock in self.socks:
            sock.close()

    def _trickle(self) -> None:
        line = 0
        while not self._stop.wait(self.interval):
            line += 1
            for sock in list(self.socks):
                try:
                    sock.sendall(f"X-Slow-{line}: a\r\n".encode())
                except OSError:
                    self.socks.remove(sock)   # the server hung up on it

    @property
    def open(self) -> int:
        return len(self.socks)


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
            with Slowloris(url, bench.args.loris) as loris:
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
