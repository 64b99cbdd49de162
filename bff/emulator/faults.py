"""Fault knobs: perform a request, then lose its answer, so lost answers can be tested.

A knob matches a method and a path pattern (``/v1/projects/*/keys``) for its next ``times``
requests. Each match is served as usual (``perform``, the default) or not at all, and then
its answer is dropped: ``drop`` closes the connection without a word (the caller sees a
reset), ``timeout`` holds it past the caller's read timeout first (until ``hold`` seconds
pass or the knobs are cleared). Knobs live outside /v1, take the admin key, and exist
only in the emulator: ``POST /emulator/faults``, ``GET`` (with hit counts), ``DELETE``.
"""

from __future__ import annotations

import fnmatch
import socket
import struct
import threading
from dataclasses import dataclass, field, fields

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from . import bodies
from .auth import require_admin
from .errors import InvalidRequest

bp = Blueprint("emulator_faults", __name__, url_prefix="/emulator/faults")
ACTIONS = ("drop", "timeout")


@dataclass
class Fault:
    """One knob: which requests it catches, what it does with them, how often it did."""

    method: str
    path: str
    action: str
    times: int = 1
    perform: bool = True
    hold: float = 30.0
    hits: int = 0
    released: threading.Event = field(default_factory=threading.Event, repr=False)

    def public(self) -> dict:
        """Return the knob as JSON shows it."""
        return {item.name: getattr(self, item.name) for item in fields(self)
                if item.name != "released"}


class FaultTable:
    """The knobs of one emulator app, shared by its request threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        with self._lock:
            self.faults.append(fault)

    def take(self, method: str, path: str) -> Fault | None:
        """Return the first knob with uses left that matches, counting the hit."""
        with self._lock:
            for fault in self.faults:
                if (fault.hits < fault.times and fault.method == method
                        and fnmatch.fnmatchcase(path, fault.path)):
                    fault.hits += 1
                    return fault
        return None

    def clear(self) -> None:
        """Forget every knob and let held answers go (dropped all the same)."""
        with self._lock:
            for fault in self.faults:
                fault.released.set()
            self.faults = []


class FaultMiddleware:
    """WSGI middleware that serves a matched request, then drops its answer."""

    def __init__(self, app, table: FaultTable) -> None:
        self.app = app
        self.table = table

    def __call__(self, environ, start_response):
        fault = self.table.take(environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""))
        if fault is None:
            return self.app(environ, start_response)
        if fault.perform:
            answer = self.app(environ, lambda status, headers, exc_info=None: None)
            try:
                for _chunk in answer:
                    pass
            finally:
                getattr(answer, "close", lambda: None)()
        if fault.action == "timeout":
            fault.released.wait(fault.hold)
        _abort_connection(environ)
        # The servers treat this as a client that went away: no answer, no error page.
        raise ConnectionResetError("answer dropped by an emulator fault knob")


def _abort_connection(environ) -> None:
    sock = environ.get("werkzeug.socket") or environ.get("gunicorn.socket")
    if sock is None:
        return
    # Linger 0: closing resets the connection instead of a polite FIN after the answer.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def fault_table() -> FaultTable:
    return current_app.extensions["craftkit_emulator"]["faults"]


@bp.post("")
def add_fault() -> ResponseReturnValue:
    """Add a knob: {method, path, action: drop|timeout, times?, perform?, hold?}."""
    require_admin()
    body = bodies.json_object()
    action = body.get("action")
    if action not in ACTIONS:
        raise InvalidRequest(f"action must be one of {', '.join(ACTIONS)}.")
    times, hold = body.get("times", 1), body.get("hold", 30.0)
    if not isinstance(times, int) or isinstance(times, bool) or not 1 <= times <= 1000:
        raise InvalidRequest("times must be a whole number from 1 to 1000.")
    if not isinstance(hold, int | float) or isinstance(hold, bool) or not 0 <= hold <= 600:
        raise InvalidRequest("hold must be seconds from 0 to 600.")
    fault = Fault(method=bodies.string(body, "method").upper(),
                  path=bodies.string(body, "path"), action=action, times=times,
                  perform=bodies.boolean(body, "perform", "perform") if "perform" in body
                  else True, hold=float(hold))
    fault_table().add(fault)
    return jsonify(fault.public()), 201


@bp.get("")
def list_faults() -> ResponseReturnValue:
    """Show every knob with how many requests it caught."""
    require_admin()
    return jsonify({"data": [fault.public() for fault in fault_table().faults]})


@bp.delete("")
def clear_faults() -> ResponseReturnValue:
    """Remove every knob and release held answers."""
    require_admin()
    fault_table().clear()
    return "", 204
