"""Fault scenarios over a real TCP hop: start the stack, inject each fault, measure.

Used by the fault tests and by ``python -m tests.services.faults.table`` (prints the fault table).
"""

from __future__ import annotations

import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import requests
import urllib3

from bff.emulator import create_emulator_app
from tests.support.fault_proxy import FaultProxy
from tests.support.secrets import secret
from tests.support.servers import bff_command, free_port, run_process, serve_app
from tests.support.tokens import mint_jwt

ADMIN_KEY = "ck_admin_fault_secret_0123456789"
JWT_SECRET = secret("fault-jwt-secret-0123456789abcdef0123")
READ_TIMEOUT = 1.5
FAULTS = ("refuse", "delay", "reset", "error", "truncate", "hang")


@dataclass
class Outcome:
    """What a caller saw during one fault."""

    fault: str
    route: str
    status: int | None
    code: str | None
    seconds: float
    aborted: bool = False


@dataclass
class Stack:
    """The emulator behind a fault proxy, and the BFF (either server) in front of it."""

    proxy: FaultProxy
    bff_url: str
    auth: dict[str, str]
    template_id: str
    render_id: str

    def call(self, route: str) -> requests.Response:
        api = self.bff_url + "/api/craftkit"
        if route == "session":
            return requests.post(api + "/session", json={"mode": "create"}, headers=self.auth,
                                 timeout=10)
        return requests.get(api + f"/renders/{self.render_id}/download", headers=self.auth,
                            timeout=10, stream=True)


@contextmanager
def fault_stack(workers: int = 1, threads: int = 4, server: str = "serve"):
    """Start emulator, proxy and the BFF (under `serve` or gunicorn); seed a render."""
    with ExitStack() as stack:
        emulator = create_emulator_app({"ADMIN_KEY": ADMIN_KEY, "ACCOUNT_KEYS": []})
        emulator_url = stack.enter_context(serve_app(emulator))
        proxy = FaultProxy(int(emulator_url.rsplit(":", 1)[1]), delay=READ_TIMEOUT + 1)
        stack.callback(proxy.close)
        port = free_port()
        env = {"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET,
               "CRAFTKIT_BASE_URL": proxy.url, "CRAFTKIT_TIMEOUT": f"0.5,{READ_TIMEOUT}",
               "CRAFTKIT_BREAKER_THRESHOLD": "1000"}
        bff_url = f"http://127.0.0.1:{port}"
        stack.enter_context(run_process(bff_command(server, port, workers, threads), env,
                                        bff_url + "/healthz"))
        token = mint_jwt(JWT_SECRET, "fay", ["acme"], expires_in=3600)
        auth = {"Authorization": f"Bearer {token}"}
        template_id, render_id = _seed(bff_url, auth)
        yield Stack(proxy, bff_url, auth, template_id, render_id)


def measure(stack: Stack, fault: str, route: str) -> Outcome:
    """Inject fault, make one call on route, and report what the caller saw."""
    stack.proxy.set(fault)
    if fault in ("reset", "truncate") and route == "download":
        stack.proxy.keep_bytes = 1500  # past the head, inside the body: a broken transfer
    else:
        stack.proxy.keep_bytes = 300   # inside the head
    started = time.monotonic()
    response = stack.call(route)
    aborted = False
    if response.status_code == 200 and route == "download":
        try:
            body = response.raw.read(decode_content=False)
            aborted = len(body) != int(response.headers["Content-Length"])
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as error:
            aborted = bool(error)
    code = _code(response)
    stack.proxy.set("pass")
    return Outcome(fault, route, response.status_code, code, time.monotonic() - started, aborted)


def _code(response: requests.Response) -> str | None:
    if response.headers.get("Content-Type", "").startswith("application/json"):
        try:
            return response.json().get("error")
        except ValueError:
            return None
    return None


def _seed(bff_url: str, auth: dict[str, str]) -> tuple[str, str]:
    api = bff_url + "/api/craftkit"
    session = requests.post(api + "/session", json={"mode": "create"}, headers=auth,
                            timeout=10).json()
    origin = session["iframe_url"].split("/embed/")[0]
    fields = [{"key": "customer.name", "label": "Name", "dataType": "text", "required": True},
              {"key": "document.notes", "label": "Notes", "dataType": "longtext",
               "required": False}]
    bearer = {"Authorization": f"Bearer {session['session_token']}"}
    template = requests.post(origin + "/v1/embed/iframe/templates", headers=bearer, timeout=10,
                             json={"name": "Fault drill", "fields": fields}).json()["template"]
    fill = requests.post(api + "/session", headers=auth, timeout=10,
                         json={"mode": "fill", "templateExternalId": template["id"]}).json()
    notes = ("A long note so the PDF spans several TCP segments. " * 38)[:2000]
    render = requests.post(origin + "/v1/embed/iframe/submissions", timeout=10,
                           headers={"Authorization": f"Bearer {fill['session_token']}"},
                           json={"values": {"customer.name": "Ada", "document.notes": notes}})
    return template["id"], render.json()["renderId"]
