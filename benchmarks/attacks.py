"""Two of a signed-in user's ways to starve a worker, and what everyone else sees meanwhile.

- ``slow-bodies``: 200 connections send a POST's head and one byte of its body, then
  nothing; a health check and a template listing are timed while they are open.
- ``org-stall``: one org opens 120 downloads and reads none of them; a user of another
  org then downloads a file, timed.
"""

from __future__ import annotations

import socket
import time
from urllib.parse import urlsplit

import clients
from targets import ORG, token_for

SLOW_BODIES = 200
STALLED_DOWNLOADS = 120
OTHER_ORG = "bench-other-org"


def _connect(url: str, rcvbuf: int | None = None) -> socket.socket | None:
    parts = urlsplit(url)
    try:
        sock = socket.socket()
        if rcvbuf:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.settimeout(5)
        sock.connect((parts.hostname, parts.port))
        return sock
    except OSError:
        return None


def slow_bodies(bench) -> dict:
    """Time /healthz and a listing while SLOW_BODIES bodies trickle in (1 byte of 100)."""
    out = {"connections": SLOW_BODIES}
    head = ("POST /api/craftkit/session HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer "
            f"{token_for(ORG)}\r\nContent-Type: application/json\r\nContent-Length: 100"
            "\r\n\r\n{").encode()
    for target in bench.bffs:
        url = bench.procs[target].url
        socks = [s for s in (_connect(url) for _ in range(SLOW_BODIES)) if s]
        for sock in socks:
            try:
                sock.sendall(head)
            except OSError:
                pass
        time.sleep(1)
        health = clients.timed_get(url + "/healthz", {}, timeout=10)
        listing = clients.timed_get(url + f"/api/craftkit/templates?tenantExternalId={ORG}",
                                    {"Authorization": f"Bearer {token_for(ORG)}"}, timeout=10)
        for sock in socks:
            sock.close()
        out[target] = {"held": len(socks), "healthz": health, "templates": listing}
        bench.report(f"slow-bodies {target:<13} {len(socks)} open: /healthz {health}, "
                     f"templates {listing}")
        time.sleep(1)
    return out


def org_stall(bench) -> dict:
    """One org holds STALLED_DOWNLOADS unread downloads; time another org's download."""
    out = {"stalled": STALLED_DOWNLOADS, "mib": 8}
    bench.configure(download_mib=8)
    for target in bench.bffs:
        url = bench.procs[target].url
        path = f"/api/craftkit/renders/r_stall/download?tenantExternalId={ORG}"
        request = (f"GET {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer "
                   f"{token_for(ORG)}\r\n\r\n").encode()
        socks = []
        for _ in range(STALLED_DOWNLOADS):
            sock = _connect(url, rcvbuf=4096)
            if sock is not None:
                sock.sendall(request)
                socks.append(sock)
        time.sleep(2)
        other = f"{url}/api/craftkit/renders/r_other/download?tenantExternalId={OTHER_ORG}"
        started = time.perf_counter()
        got = clients.download(other, {"Authorization": f"Bearer {token_for(OTHER_ORG)}"})
        seconds = round(time.perf_counter() - started, 3)
        for sock in socks:
            sock.close()
        out[target] = {"status": got["status"], "complete": got["complete"],
                       "seconds": seconds}
        bench.report(f"org-stall   {target:<13} another org's {out['mib']} MiB download: "
                     f"status {got['status']} complete={got['complete']} in {seconds} s")
        time.sleep(2)                            # the servers let go of the closed ones
    bench.configure(download_mib=200)
    return out
