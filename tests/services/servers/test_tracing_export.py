"""A standalone BFF with CRAFTKIT_OTEL=true and no tracer provider of its own exports its
spans over OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT, as docs/operating.md shows."""

from __future__ import annotations

import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.support.secrets import secret

ADMIN_KEY = "ck_admin_tracing_export_0123456789"
JWT_SECRET = secret("tracing-export-jwt-secret-0123456789abcdef")

# A process that builds the standalone app, answers one browser request, and exits (the SDK
# flushes its batch at exit).
SCRIPT = f"""
from bff import create_app
app = create_app({{"CRAFTKIT_ADMIN_KEY": "{ADMIN_KEY}", "CRAFTKIT_OTEL": "true",
                  "CRAFTKIT_AUTH_JWT_SECRET": "{JWT_SECRET}"}})
assert app.test_client().get("/api/craftkit/templates").status_code == 401
"""


class Collector(BaseHTTPRequestHandler):
    """An OTLP/HTTP endpoint that keeps what it is sent."""

    received: list[tuple[str, bytes]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        """Quiet."""


def test_a_standalone_bff_exports_its_spans_over_otlp(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60,
            cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "OTEL_SERVICE_NAME": "bff-under-test",
                               "OTEL_EXPORTER_OTLP_ENDPOINT":
                               f"http://127.0.0.1:{server.server_port}"})
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == 0, done.stderr
    [(path, body)] = Collector.received
    assert path == "/v1/traces"
    assert b"GET /api/craftkit/templates" in body and b"bff-under-test" in body
    assert ADMIN_KEY.encode() not in body and JWT_SECRET.encode() not in body
