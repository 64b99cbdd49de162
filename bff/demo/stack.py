"""The demo stack: the emulator and the BFF on two local origins, seeded, started and stopped."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import requests
from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .. import create_app, get_org_api_key
from ..emulator import create_emulator_app
from .modes import DemoCredentials
from .pages import ORGS, STATE_NOTE, USERS, register_demo

HOST = "127.0.0.1"
# The seed's "customer" namespace, extended a little so a template looks like a real one.
# The BFF publishes it to each org's project before its first session, as in production.
CATALOG_FILE = str(Path(__file__).with_name("catalog.json"))
MIN_SESSION_TTL = 2  # the element refreshes no sooner than a second into a session


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        """Leave request logging to the BFF's own one line per API call."""


@dataclass
class DemoStack:
    """A running demo: open ``url``; ``stop()`` shuts both servers down."""

    url: str
    emulator_url: str
    bff_app: Flask
    emulator_app: Flask
    _servers: list[BaseWSGIServer] = field(default_factory=list, repr=False)
    _threads: list[threading.Thread] = field(default_factory=list, repr=False)
    _credentials: DemoCredentials | None = field(default=None, repr=False)

    def stop(self) -> None:
        """Stop serving and close both listening sockets."""
        # shutdown() waits out a poll interval; do both at once to stop twice as fast.
        stoppers = [threading.Thread(target=server.shutdown) for server in self._servers]
        for stopper in stoppers:
            stopper.start()
        for stopper in stoppers:
            stopper.join()
        for server, thread in zip(self._servers, self._threads, strict=True):
            thread.join(5)
            server.server_close()
        if self._credentials is not None:
            self._credentials.cleanup()

    def __enter__(self) -> DemoStack:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def start_demo(port: int = 0, emulator_port: int = 0, session_ttl: int = 900,
               account: bool = False) -> DemoStack:
    """Start the seeded emulator and BFF on 127.0.0.1 (port 0: a free one) in threads.

    :param account: provision with an account key and a tenant registry, not the admin key.
    """
    credentials = DemoCredentials.generate(account)
    emulator_app = create_emulator_app({**credentials.emulator_config(),
                                        "SESSION_TTL": session_ttl, "DATA_PATH": None})
    servers: list[BaseWSGIServer] = []
    try:
        servers.append(_bind(emulator_app, emulator_port))
        emulator_url = f"http://{HOST}:{servers[0].port}"
        bff_app = create_demo_app(credentials.bff_config(), emulator_url)
        servers.append(_bind(bff_app, port))
    except BaseException:
        for server in servers:
            server.server_close()
        credentials.cleanup()
        raise
    bff_port = servers[1].port
    # Only the demo page may frame the emulator's pages, under either local name.
    emulator_app.config["FRAME_ANCESTORS"] = [f"http://{HOST}:{bff_port}",
                                              f"http://localhost:{bff_port}"]
    emulator_thread, bff_thread = [
        threading.Thread(target=s.serve_forever, name="craftkit-demo", daemon=True)
        for s in servers]
    stack = DemoStack(f"http://{HOST}:{bff_port}/", emulator_url, bff_app, emulator_app,
                      servers, [emulator_thread, bff_thread], credentials)
    # Seeding talks to the emulator and to the BFF app in-process; the BFF starts answering
    # once every org is ready, so nobody signs in to a half-seeded demo (its socket already
    # listens: an early request waits in the backlog, it is not refused).
    emulator_thread.start()
    try:
        seed_orgs(bff_app, emulator_url, credentials)
    except BaseException:
        bff_thread.start()  # stop() can shut down only a server that runs
        stack.stop()
        raise
    bff_thread.start()
    return stack


def create_demo_app(credentials: dict, craftkit_url: str) -> Flask:
    """Build the BFF with the demo pages, ignoring any CRAFTKIT_* in the environment.

    :param credentials: the provisioning settings (DemoCredentials.bff_config()).
    """
    # An explicit config replaces the environment, so a developer's own CRAFTKIT_* variables
    # (a JWT secret, a URL prefix) cannot turn the demo into something it was not built for.
    config = {**credentials, "CRAFTKIT_BASE_URL": craftkit_url,
              "CRAFTKIT_CATALOG_FILE": CATALOG_FILE, "CRAFTKIT_TIMEOUT": "2,10",
              "SECRET_KEY": secrets.token_urlsafe(32),
              # Cookies ignore ports: a name of its own keeps other local apps' sessions apart.
              "SESSION_COOKIE_NAME": "craftkit_demo_session", "SESSION_COOKIE_SAMESITE": "Lax"}
    app = create_app(config)
    register_demo(app)
    return app


def seed_orgs(bff_app: Flask, craftkit_url: str, credentials: DemoCredentials) -> None:
    """Provision every demo org with embed mode on (the BFF publishes the catalog itself)."""
    with bff_app.app_context(), requests.Session() as http:
        for org_id, org_name in ORGS.items():
            get_org_api_key(org_id, org_name)
            credentials.enable_embed(bff_app, craftkit_url, org_id, http)


def run_demo(port: int = 5000, emulator_port: int = 5001, session_ttl: int = 900,
             account: bool = False) -> int:
    """Run the demo in the foreground until Ctrl-C (or SIGTERM); return the exit status."""
    if session_ttl < MIN_SESSION_TTL:
        print(f"craftkit-bff demo: --session-ttl must be at least {MIN_SESSION_TTL} seconds.",
              file=sys.stderr)
        return 2
    try:
        stack = start_demo(port, emulator_port, session_ttl, account)
    except OSError as error:
        print(f"craftkit-bff demo: cannot listen on {error.strerror or error}; pick free ports "
              "with --port and --emulator-port.", file=sys.stderr)
        return 1
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    users = ", ".join(f"{user.display_name} ({' and '.join(user.orgs.values())})"
                      for user in USERS.values())
    print(f"craftkit-bff demo is running.\n\n  Open {stack.url} and sign in as one of\n"
          f"  {users}.\n\n"
          f"  The BFF and the demo pages:  {stack.url.rstrip('/')}\n"
          f"  The Craftkit emulator:       {stack.emulator_url}\n"
          f"  Embed sessions last {session_ttl} s; orgs are provisioned with "
          f"{'an account key and a tenant registry' if account else 'the admin key'}.\n"
          f"  {STATE_NOTE}\n\n"
          "Press Ctrl-C to stop.", flush=True)
    try:
        # Wake up now and then: a signal handler only runs between the main thread's steps.
        while not stopping.wait(0.5):
            pass
    finally:
        stack.stop()
        print("Stopped.", flush=True)
    return 0


def _bind(app: Flask, port: int) -> BaseWSGIServer:
    # Bind here rather than in make_server, which prints and exits when the port is taken.
    try:
        listener = socket.create_server((HOST, port))
    except OSError as error:
        reason = os.strerror(error.errno) if error.errno else str(error)
        raise OSError(error.errno, f"{HOST}:{port} ({reason})") from error
    with listener:
        return make_server(HOST, listener.getsockname()[1], app, threaded=True,
                           request_handler=_QuietHandler, fd=listener.fileno())
