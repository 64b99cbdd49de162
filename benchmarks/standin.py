"""A fast Craftkit stand-in for the benchmarks: asyncio (uvloop when installed), HTTP/1.1.

Not the emulator: no database, no crypto, canned answers. It exists so that the upstream is
never the bottleneck. Added latency is a timer (``loop.call_later``), so it costs no CPU.

Routes:
  POST /v1/admin/provision                  {apiKey, ...} after --provision-delay-ms; counted
  POST /v1/projects, POST /v1/projects/<id>/keys, GET /v1/projects    the account API (its
                                            key is the org's provision key; counted too)
  POST /v1/embed/sessions                   {session_token, iframe_url, renew_token, expires_at}
  GET  /v1/embed/builder/templates          a fixed page of three templates
  GET  /v1/embed/renders/<id>/download      --download-mib of bytes, application/pdf, streamed
  GET  /_stats                              counters (provision calls and their peers, downloads)
  POST /_config?latency_ms=&provision_delay_ms=&download_mib=    change settings
  POST /_reset                              zero the counters

Run: python benchmarks/standin.py --port 8100 [--latency-ms 0] [--provision-delay-ms 0]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

TEMPLATES = json.dumps({
    "data": [
        {"id": f"tpl_{i:04d}", "name": name, "version": 3,
         "publishedAt": f"2025-01-0{i}T10:00:00Z",
         "fields": [{"key": "customer.name", "label": "Name", "type": "text", "required": True},
                    {"key": "customer.email", "label": "Email", "type": "email",
                     "required": False},
                    {"key": "amount", "label": "Amount", "type": "number", "required": True}]}
        for i, name in enumerate(("Invoice", "Offer letter", "Purchase order"), start=1)
    ],
    "next_cursor": None,
}).encode()
# A session token the size of the emulator's HS256 JWTs.
TOKEN_PREFIX = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." + "x" * 260 + "."
# The BFF refuses a download that does not start like a PDF, so the first block does.
DOWNLOAD_BLOCK = (b"%PDF-1.7\n" + bytes(range(256)) * 4096)[:1 << 20]  # 1 MiB, again and again
# Where the stand-in's iframe_url points: a separate embed origin, as Craftkit's may be. The
# BFF accepts it only when allow-listed (CRAFTKIT_IFRAME_ORIGINS), as a user would configure.
EMBED_ORIGIN = "https://embed.example.test"


class Settings:
    latency = 0.0
    provision_delay = 0.0
    download_bytes = 200 * 1024 * 1024


class Stats:
    def __init__(self) -> None:
        self.requests = 0
        self.provision_calls = 0
        self.provision_peers: list[list] = []      # [org, peer port] per provision call
        self.sessions = 0
        self.templates = 0
        self.downloads_started = 0
        self.downloads_completed = 0
        self.downloads_aborted = 0
        self.downloads_open = 0
        self.connections_open = 0
        self.connections_total = 0

    def as_dict(self) -> dict:
        return dict(vars(self))


SETTINGS = Settings()
STATS = Stats()
PROJECTS: dict[str, str] = {}                    # account API: project id -> name
_expiry_cache: list = [0.0, ""]


def expires_at() -> str:
    now = time.time()
    if now - _expiry_cache[0] > 1.0:
        when = datetime.now(UTC) + timedelta(minutes=15)
        _expiry_cache[:] = [now, when.strftime("%Y-%m-%dT%H:%M:%SZ")]
    return _expiry_cache[1]


def head(status: str, length: int, content_type: bytes = b"application/json",
         extra: bytes = b"") -> bytes:
    return (b"HTTP/1.1 " + status.encode() + b"\r\nContent-Type: " + content_type
            + b"\r\nContent-Length: " + str(length).encode() + b"\r\n" + extra + b"\r\n")


def json_response(status: str, body: bytes) -> bytes:
    return head(status, len(body)) + body


NOT_FOUND = json_response("404 Not Found",
                          b'{"error":{"code":"not_found","message":"No such route."}}')
UNAUTHORIZED = json_response("401 Unauthorized",
                             b'{"error":{"code":"unauthorized","message":"Bearer key needed."}}')


class HttpProtocol(asyncio.Protocol):
    """One keep-alive connection; requests are answered in order, one at a time."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.busy = False
        self.closed = False
        self.close_after = False
        self.download_left = 0
        self.paused = False

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.set_write_buffer_limits(high=4 * 1024 * 1024, low=1024 * 1024)
        STATS.connections_open += 1
        STATS.connections_total += 1

    def connection_lost(self, exc) -> None:
        self.closed = True
        STATS.connections_open -= 1
        if self.download_left:
            self.download_left = 0
            STATS.downloads_open -= 1
            STATS.downloads_aborted += 1

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.busy:
            self.next_request()

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        if self.download_left:
            self.pump_download()

    def next_request(self) -> None:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        header_block = bytes(self.buffer[:end]).decode("latin-1")
        lines = header_block.split("\r\n")
        try:
            method, target, _version = lines[0].split(" ", 2)
        except ValueError:
            self.transport.close()
            return
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length") or 0)
        if len(self.buffer) < end + 4 + length:
            return
        body = bytes(self.buffer[end + 4:end + 4 + length])
        del self.buffer[:end + 4 + length]
        self.close_after = headers.get("connection", "").lower() == "close"
        self.busy = True
        STATS.requests += 1
        self.dispatch(method, target, headers, body)

    def finish(self, payload: bytes) -> None:
        if self.closed:
            return
        self.transport.write(payload)
        self.done()

    def done(self) -> None:
        self.busy = False
        if self.close_after:
            self.transport.close()
        elif self.buffer:
            self.next_request()

    def later(self, delay: float, payload: bytes) -> None:
        if delay > 0:
            asyncio.get_running_loop().call_later(delay, self.finish, payload)
        else:
            self.finish(payload)

    def dispatch(self, method: str, target: str, headers: dict, body: bytes) -> None:
        path, _, query = target.partition("?")
        if path.startswith("/_"):
            self.finish(self.control(method, path, query))
            return
        if not headers.get("authorization", "").startswith("Bearer "):
            self.finish(UNAUTHORIZED)
            return
        if method == "POST" and path == "/v1/embed/sessions":
            STATS.sessions += 1
            n = STATS.sessions
            token = f"{TOKEN_PREFIX}{n:012d}"
            answer = json.dumps({
                "session_token": token,
                "iframe_url": f"{EMBED_ORIGIN}/embed/builder#token={token}",
                "renew_token": f"rt_{n:040d}",
                "expires_at": expires_at(),
            }).encode()
            self.later(SETTINGS.latency, json_response("200 OK", answer))
        elif method == "GET" and path == "/v1/embed/builder/templates":
            STATS.templates += 1
            self.later(SETTINGS.latency, json_response("200 OK", TEMPLATES))
        elif method == "POST" and path == "/v1/admin/provision":
            self.provision(body)
        elif path.startswith("/v1/projects"):
            self.finish(self.projects(method, path, body))
        elif (method == "GET" and path.startswith("/v1/embed/renders/")
              and path.endswith("/download")):
            self.start_download(path)
        else:
            self.finish(NOT_FOUND)

    def provision(self, body: bytes) -> None:
        try:
            org = json.loads(body)["externalOrgId"]
        except (ValueError, KeyError, TypeError):
            self.finish(json_response("400 Bad Request",
                                      b'{"error":{"code":"invalid_request","message":"x"}}'))
            return
        STATS.provision_calls += 1
        peer = self.transport.get_extra_info("peername")
        STATS.provision_peers.append([org, peer[1] if peer else None])
        digest = hashlib.sha256(str(org).encode()).hexdigest()
        answer = json.dumps({"projectId": digest[:32], "partnerId": digest[32:],
                             "apiKey": "ck_live_bench_" + digest[:32],
                             "alreadyExisted": True}).encode()
        self.later(SETTINGS.provision_delay, json_response("200 OK", answer))

    def projects(self, method: str, path: str, body: bytes) -> bytes:
        """The account API, enough for the BFF's account mode: create, mint, list."""
        parts = path.split("/")                      # ['', 'v1', 'projects', id, 'keys']
        if method == "POST" and len(parts) == 3:
            try:
                name = json.loads(body)["name"]
            except (ValueError, KeyError, TypeError):
                return json_response("422 Unprocessable Entity",
                                     b'{"error":{"code":"invalid_request","message":"x"}}')
            STATS.provision_calls += 1
            project = hashlib.sha256(str(name).encode()).hexdigest()[:32]
            PROJECTS[project] = name
            return json_response("201 Created", json.dumps(
                {"id": project, "slug": project, "name": name}).encode())
        if method == "POST" and len(parts) == 5 and parts[4] == "keys" and parts[3] in PROJECTS:
            return json_response("201 Created", json.dumps(
                {"id": "k_" + parts[3], "prefix": "ck_live_bench",
                 "key": "ck_live_bench_" + parts[3]}).encode())
        if method == "GET" and len(parts) == 3:
            data = [{"id": k, "slug": k, "name": v} for k, v in PROJECTS.items()]
            return json_response("200 OK", json.dumps({"data": data,
                                                       "next_cursor": None}).encode())
        return NOT_FOUND

    def start_download(self, path: str) -> None:
        STATS.downloads_started += 1
        STATS.downloads_open += 1
        self.download_left = SETTINGS.download_bytes
        render_id = path.split("/")[4]
        self.transport.write(head(
            "200 OK", self.download_left, b"application/pdf",
            b'Content-Disposition: attachment; filename="' + render_id.encode()
            + b'.pdf"\r\n'))
        self.pump_download()

    def pump_download(self) -> None:
        view = memoryview(DOWNLOAD_BLOCK)
        while self.download_left and not self.paused and not self.closed:
            if self.transport.is_closing():
                # The peer reset: writes would be dropped silently; connection_lost will
                # count this download as aborted.
                return
            n = min(len(view), self.download_left)
            self.transport.write(view[:n])
            self.download_left -= n
        if not self.download_left and not self.closed:
            STATS.downloads_open -= 1
            STATS.downloads_completed += 1
            self.done()

    def control(self, method: str, path: str, query: str) -> bytes:
        global STATS
        if path == "/_stats":
            return json_response("200 OK", json.dumps(STATS.as_dict()).encode())
        if path == "/_reset" and method == "POST":
            open_downloads, open_connections = STATS.downloads_open, STATS.connections_open
            STATS = Stats()
            STATS.downloads_open, STATS.connections_open = open_downloads, open_connections
            return json_response("200 OK", b"{}")
        if path == "/_config" and method == "POST":
            args = {k: v[0] for k, v in parse_qs(query).items()}
            if "latency_ms" in args:
                SETTINGS.latency = float(args["latency_ms"]) / 1000
            if "provision_delay_ms" in args:
                SETTINGS.provision_delay = float(args["provision_delay_ms"]) / 1000
            if "download_mib" in args:
                SETTINGS.download_bytes = int(float(args["download_mib"]) * 1024 * 1024)
            return json_response("200 OK", json.dumps(vars_of(SETTINGS)).encode())
        return NOT_FOUND


def vars_of(settings: Settings) -> dict:
    return {"latency_ms": settings.latency * 1000,
            "provision_delay_ms": settings.provision_delay * 1000,
            "download_mib": settings.download_bytes / 1024 / 1024}


async def serve(host: str, port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(HttpProtocol, host, port, backlog=4096, reuse_address=True)
    print(f"standin ready on http://{host}:{port} loop={type(loop).__module__} "
          f"pid={os.getpid()}", flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--latency-ms", type=float, default=0)
    parser.add_argument("--provision-delay-ms", type=float, default=0)
    parser.add_argument("--download-mib", type=float, default=200)
    parser.add_argument("--no-uvloop", action="store_true")
    args = parser.parse_args()
    SETTINGS.latency = args.latency_ms / 1000
    SETTINGS.provision_delay = args.provision_delay_ms / 1000
    SETTINGS.download_bytes = int(args.download_mib * 1024 * 1024)
    run = asyncio.run
    if not args.no_uvloop:
        try:
            import uvloop
            run = uvloop.run
        except ImportError:
            pass
    try:
        run(serve(args.host, args.port))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
