"""A three-origin rig for driving <craftkit-embed> in a real browser.

- the host origin serves the repo's real ``static/`` and a host page, plus a scriptable fake BFF
  (``POST /api/craftkit/session`` and ``/refresh``) whose answers, delays and calls tests control;
- the frame origin serves a fake Craftkit page that posts messages to its parent (or opener) on
  command and records the messages it receives;
- a foreign origin serves the same page, to play a sender the element must ignore.

A test may also have the host origin serve its own directories at ``/app/`` and
``/node_modules/`` (``rig.mounts``), e.g. a page that imports the packed npm package.

Every server is a werkzeug server bound to 127.0.0.1 on a free port, in a daemon thread.

Reuse: ``ServerThread(app)`` serves any WSGI app (the real BFF, the emulator) the same way, and
the ``browser`` and ``page`` fixtures of ``conftest.py`` need no rig. Pages that send a strict CSP
(the demo's ``script-src 'self'``) refuse ``page.wait_for_function`` string predicates: prefer
locator assertions there, or open the context with ``bypass_csp=True``. Messages the element
posts are observable in the frame page (``window.received``); only the element's own iframe
window at the minted origin is listened to, so forged senders need a window of their own.
"""

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from flask import Flask, Response, jsonify, request, send_from_directory

from tests.support import ROOT
from tests.support.servers import WsgiServer

STATIC_DIR = ROOT / "bff" / "static"
ROUTES = ("session", "refresh")
EMBED_EVENTS = ("craftkit:published", "craftkit:completed", "craftkit:refreshed", "craftkit:error")


class ServerThread(WsgiServer):
    """Serve a WSGI app on a free 127.0.0.1 port, quietly, until ``stop()``."""

    def __init__(self, app):
        super().__init__(app, quiet=True)
        self.origin = self.url


@dataclass
class Call:
    """One request the fake BFF received."""

    route: str
    body: dict
    content_type: str
    at: float = field(default_factory=time.monotonic)


class FakeBff:
    """The host's ``/api/craftkit`` routes, answering as each test scripts them.

    Successful answers are numbered per route: the n-th ``/session`` call returns
    ``session_token="tok-s<n>"``, ``renew_token="sealed-s<n>"`` and an ``iframe_url`` of
    ``{frame_origin}/frame?session=s<n>`` (plus ``&tenant=`` when one was sent); the n-th
    ``/refresh`` call returns ``tok-r<n>`` and ``sealed-r<n>``. ``fail()`` queues error answers
    that are served before the next successes; ``hold()`` keeps answers back until ``release()``.
    """

    def __init__(self):
        self.frame_origin = ""
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self.reset()

    def reset(self):
        with self._lock:
            self.calls: list[Call] = []
            self.expires_in: float = 600
            self.delay = dict.fromkeys(ROUTES, 0.0)
            self._failures = {route: deque() for route in ROUTES}
            for gate in getattr(self, "_gates", {}).values():
                gate.set()  # free any request a previous test left waiting
            self._gates = {route: threading.Event() for route in ROUTES}
            for gate in self._gates.values():
                gate.set()

    def hold(self, route):
        """Make calls to ``route`` wait (after being recorded) until ``release(route)``."""
        self._gates[route].clear()

    def release(self, route):
        self._gates[route].set()

    def fail(self, route, status, error, *, times=1, message="Scripted failure."):
        """Answer the next ``times`` calls to ``route`` with ``status`` and ``{error, message}``."""
        with self._lock:
            self._failures[route].extend([(status, error, message)] * times)

    def calls_to(self, route):
        with self._lock:
            return [call for call in self.calls if call.route == route]

    def wait_for_calls(self, route, count, timeout=5.0):
        """Block until ``route`` has been called ``count`` times; return those calls."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len([c for c in self.calls if c.route == route]) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = len([c for c in self.calls if c.route == route])
                    raise AssertionError(f"expected {count} call(s) to /{route}, saw {seen}")
                self._changed.wait(remaining)
        return self.calls_to(route)

    def answer(self, route):
        """Record the current request to ``route`` and answer it as scripted."""
        body = request.get_json(silent=True)
        with self._changed:
            self.calls.append(Call(route, body, request.content_type or ""))
            number = len([c for c in self.calls if c.route == route])
            failure = self._failures[route].popleft() if self._failures[route] else None
            delay, expires_in, gate = self.delay[route], self.expires_in, self._gates[route]
            self._changed.notify_all()
        gate.wait(timeout=30)
        if delay:
            time.sleep(delay)
        if failure:
            status, error, message = failure
            return jsonify(error=error, message=message), status
        prefix = route[0]
        query = {"session": f"{prefix}{number}"}
        if isinstance(body, dict) and body.get("tenantExternalId"):
            query["tenant"] = body["tenantExternalId"]
        expires_at = datetime.now(UTC) + timedelta(seconds=expires_in)
        response = jsonify(
            session_token=f"tok-{prefix}{number}",
            iframe_url=f"{self.frame_origin}/frame?{urlencode(query)}",
            expires_at=expires_at.isoformat(),
            expires_in=expires_in,
            renew_token=f"sealed-{prefix}{number}",
        )
        response.headers["Cache-Control"] = "no-store"
        return response


HOST_PAGE = """<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>Fake host</title>
<link rel="icon" href="data:,">
<style>craftkit-embed { height: 320px; }</style>
<script>
  // Test clock: lets a test pretend the machine slept, without waiting.
  (() => {
    const realNow = performance.now.bind(performance);
    let offset = 0;
    performance.now = () => realNow() + offset;
    window.advanceClock = (ms) => { offset += ms; };
  })();
</script>
<main id="app"></main>
<script type="module">
  import * as craftkit from "/static/craftkit-embed.js";
  window.craftkit = craftkit;
  window.craftkitEvents = [];
  for (const type of %(events)s) {
    document.addEventListener(type, (event) => {
      window.craftkitEvents.push({ type, detail: event.detail });
    });
  }
  // Every query parameter but "manual" becomes an attribute of a <craftkit-embed>.
  const params = new URLSearchParams(location.search);
  if (!params.has("manual")) {
    const element = document.createElement("craftkit-embed");
    for (const [name, value] of params) element.setAttribute(name, value);
    document.getElementById("app").append(element);
  }
  window.hostReady = true;
</script>
</html>
"""


def create_host_app(bff, mounts):
    """The host origin: the repo's static files, a host page, and the fake BFF; and the
    directories a test mounts at ``/app/`` and ``/node_modules/`` (``mounts["app"]``...)."""
    app = Flask(__name__, static_folder=None)

    @app.get("/<any(app, node_modules):mount>/<path:name>")
    def mounted_file(mount, name):
        if mounts.get(mount) is None:
            return jsonify(error="not_found", message=f"No directory mounted at /{mount}/."), 404
        response = send_from_directory(mounts[mount], name)
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.get("/")
    def host_page():
        return HOST_PAGE % {"events": json.dumps(list(EMBED_EVENTS))}

    @app.get("/static/<path:name>")
    def static_file(name):
        response = send_from_directory(STATIC_DIR, name)
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.post("/api/craftkit/<route>")
    def bff_route(route):
        if route not in ROUTES:
            return jsonify(error="not_found", message="No such route."), 404
        return bff.answer(route)

    return app


FRAME_PAGE = """<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>Fake Craftkit</title>
<link rel="icon" href="data:,">
<p>Fake Craftkit, session <b id="session"></b></p>
<input data-testid="draft" aria-label="Draft">
<script>
  const parentOrigin = %(parent_origin)s;
  const session = new URLSearchParams(location.search).get("session");
  document.getElementById("session").textContent = session;
  window.received = [];
  window.addEventListener("message", (event) => {
    const fromParent = event.source === window.parent;
    window.received.push({ origin: event.origin, data: event.data, fromParent });
  });
  // Post to the embedding page (or to the opener, from a popup), as Craftkit's pages do.
  window.send = (message, target = "parent") => {
    (target === "opener" ? window.opener : window.parent).postMessage(message, parentOrigin);
  };
</script>
</html>
"""


def create_frame_app(parent_origin):
    """A Craftkit-like origin whose page posts to ``parent_origin`` on command."""
    app = Flask(__name__, static_folder=None)

    @app.get("/frame")
    def frame_page():
        return Response(
            FRAME_PAGE % {"parent_origin": json.dumps(parent_origin)},
            headers={"Cache-Control": "no-store"},
        )

    return app


class Rig:
    """The three servers and the fake BFF; ``stop()`` shuts them down."""

    def __init__(self):
        self.bff = FakeBff()
        self.mounts = {}  # "app" / "node_modules" -> a directory the host origin serves
        self.host = ServerThread(create_host_app(self.bff, self.mounts))
        self.frame = ServerThread(create_frame_app(self.host.origin))
        self.foreign = ServerThread(create_frame_app(self.host.origin))
        self.bff.frame_origin = self.frame.origin

    def host_url(self, **attributes):
        """The host page, with a <craftkit-embed> carrying ``attributes`` (``manual=1``: none)."""
        query = urlencode({name.replace("_", "-"): value for name, value in attributes.items()})
        return f"{self.host.origin}/?{query}"

    def stop(self):
        for server in (self.host, self.frame, self.foreign):
            server.stop()


class EmbedPage:
    """A Playwright page on the host page, with helpers that read like what a user sees."""

    def __init__(self, page, rig):
        self.page = page
        self.rig = rig

    def open(self, wait_for="ready", **attributes):
        """Load the host page with a <craftkit-embed> of ``attributes``; wait for ``data-state``."""
        self.page.goto(self.rig.host_url(**attributes))
        self.page.wait_for_function("window.hostReady === true")
        if wait_for and "manual" not in attributes:
            self.wait_for_state(wait_for)
        return self

    @property
    def element(self):
        return self.page.locator("craftkit-embed")

    def state(self):
        return self.element.get_attribute("data-state")

    def wait_for_state(self, state, timeout=5000):
        self.page.wait_for_function(
            "(state) => document.querySelector('craftkit-embed')?.dataset.state === state",
            arg=state,
            timeout=timeout,
        )

    def iframe_src(self):
        return self.element.locator("iframe").get_attribute("src")

    def wait_for_session(self, session, timeout=5000):
        """Wait until the element frames the session numbered ``session`` (e.g. ``"s2"``)."""
        self.page.wait_for_function(
            """(session) => {
                const element = document.querySelector('craftkit-embed');
                const frame = element?.shadowRoot?.querySelector('iframe');
                return frame && new URL(frame.src).searchParams.get('session') === session;
            }""",
            arg=session,
            timeout=timeout,
        )

    def frame(self):
        """The element's iframe, once its page can ``send``."""
        frame = self.element.locator("iframe").element_handle().content_frame()
        frame.wait_for_function("typeof window.send === 'function'")
        return frame

    def send(self, message, frame=None, target="parent"):
        """Have ``frame`` (default: the element's iframe) post ``message`` to the host page."""
        (frame or self.frame()).evaluate("([m, t]) => window.send(m, t)", [message, target])

    def events(self, type=None):
        events = self.page.evaluate("window.craftkitEvents")
        return [event for event in events if type is None or event["type"] == type]

    def wait_for_events(self, type, count=1, timeout=5000):
        self.page.wait_for_function(
            "([t, n]) => window.craftkitEvents.filter((event) => event.type === t).length >= n",
            arg=[type, count],
            timeout=timeout,
        )
        return self.events(type)

    def advance_clock(self, ms):
        """Move the page's ``performance.now()`` forward, as if the machine had slept ``ms``."""
        self.page.evaluate("(ms) => window.advanceClock(ms)", ms)

    def listener_counts(self, target):
        """How many listeners of each type ``target`` ("window" or "document") has, via CDP."""
        cdp = self.page.context.new_cdp_session(self.page)
        try:
            handle = cdp.send("Runtime.evaluate", {"expression": target})["result"]["objectId"]
            listeners = cdp.send("DOMDebugger.getEventListeners", {"objectId": handle})["listeners"]
        finally:
            cdp.detach()
        counts = {}
        for listener in listeners:
            counts[listener["type"]] = counts.get(listener["type"], 0) + 1
        return counts
