"""Operator commands: resolve an org's Craftkit project, and diagnose a deployment."""

from __future__ import annotations

import sys
from typing import TextIO
from urllib.parse import urlsplit

import requests
from flask import Flask

from .. import create_app
from ..api.sessions import BUILDER_PERMISSIONS
from ..config import ConfigError, describe
from ..credentials import validate_org_id
from ..errors import SESSION_FAILED, BffError
from ..ops.requestlog import request_id
from ..registry import KEYED
from .checks import check_account_key, check_registry

DOCTOR_ACTOR = {"externalId": "craftkit-bff-doctor", "displayName": "craftkit-bff doctor"}


def provision(org_id: str, org_name: str | None, show_key: bool,
              out: TextIO | None = None) -> int:
    """Resolve an org's project and print its ids (the key only when asked)."""
    out = out or sys.stdout
    app = environment_app()
    state = app.extensions["craftkit_bff"]
    try:
        validate_org_id(org_id)
        if state.settings.strategy == "account":
            key = state.keys.get(org_id, org_name or org_id)
            tenant = state.registry.get(org_id)
            record = {"projectId": tenant.project_id, "slug": tenant.project_slug, "apiKey": key}
        else:
            record = state.upstream.provision_record(org_id, org_name or org_id, request_id())
    except BffError as error:
        print(f"craftkit-bff: could not provision {org_id!r}: {error.message}", file=out)
        return 1
    finally:
        close_app(app)
    for field in ("projectId", "partnerId", "slug", "alreadyExisted"):
        if field in record:
            print(f"{field}: {record.get(field)}", file=out)
    if show_key:
        print(f"apiKey: {record['apiKey']}", file=out)
    return 0


def doctor(org_id: str | None, host_origins: list[str], out: TextIO | None = None,
           may_provision: bool = False) -> int:
    """Check configuration, reachability, the admin key and framing; print what to fix.

    The framing check needs a session of ``org_id``, so a key for it: the admin API creates
    the org when it does not exist, so doctor only asks for one when ``may_provision``.
    """
    report = _Report(out or sys.stdout)
    try:
        app = environment_app()
    except ConfigError as error:
        report.fail("configuration", str(error), "fix the environment variable named above")
        return report.exit_code()
    try:
        return _diagnose(report, app, org_id, host_origins, may_provision)
    finally:
        close_app(app)


def _diagnose(report: _Report, app: Flask, org_id: str | None, host_origins: list[str],
              may_provision: bool) -> int:
    state = app.extensions["craftkit_bff"]
    report.ok("configuration", f"Craftkit at {state.settings.base_url}")
    for name, shown, source in describe(state.settings, app.config):
        report.detail(f"{name} = {shown}" + (" (default)" if source == "default" else ""))
    if not state.upstream.probe(2.0):
        report.fail("reachability", f"{state.settings.base_url} refused the connection or "
                    "did not answer within 2 s",
                    "check CRAFTKIT_BASE_URL, DNS and the egress firewall")
        return report.exit_code()
    report.ok("reachability", "Craftkit answers")
    if state.settings.strategy == "account":
        check_account_key(report, state.keys.provisioner.api)
    else:
        _check_admin_key(report, state.upstream)
    check_registry(report, state)
    origins = host_origins or sorted(state.settings.allowed_origins)
    if org_id and origins and not (may_provision or _already_keyed(state, org_id)):
        report.skip("framing", f"checking framing needs a session of {org_id!r}, and so its "
                    "key: provisioning creates the org if it does not exist. Add "
                    "--provision to allow that (or use an org you know exists)")
    elif org_id and origins:
        _check_framing(report, state, org_id, origins)
    else:
        report.skip("framing", "pass --org ORG and --host-origin URL (or set "
                    "CRAFTKIT_ALLOWED_ORIGINS) to check the iframe's frame-ancestors")
    return report.exit_code()


def environment_app() -> Flask:
    """Build the BFF from the CRAFTKIT_* environment, as the server would, for a command."""
    # A command has no caller to identify: a loader that answers nobody needs no SECRET_KEY.
    return create_app(identity_loader=lambda: None)


def close_app(app: Flask) -> None:
    """Close a command's connections now (pooled upstream and registry ones)."""
    app.extensions["craftkit_bff"].close()


def _check_admin_key(report: _Report, upstream) -> None:
    try:
        status = upstream.check_admin_key(request_id())
    except BffError as error:
        report.fail("admin key", error.message, "retry when Craftkit is reachable")
        return
    if status in (401, 403):
        report.fail("admin key", f"Craftkit refused CRAFTKIT_ADMIN_KEY ({status})",
                    "set the admin key Craftkit issued for this account")
    elif status >= 500:
        report.fail("admin key", f"Craftkit answered {status}", "retry later")
    else:
        report.ok("admin key", "accepted (dry run, nothing provisioned)")


def _already_keyed(state, org_id: str) -> bool:
    """Tell whether the registry holds a key for org_id, so a session creates nothing."""
    if state.registry is None:
        return False
    try:
        tenant = state.registry.get(org_id)
    except BffError:
        return False
    return tenant is not None and tenant.state == KEYED


def _check_framing(report: _Report, state, org_id: str, origins: list[str]) -> None:
    upstream = state.upstream
    try:
        key = state.keys.get(org_id, org_id)
        body = {"tenant": {"externalId": org_id, "displayName": org_id},
                "actor": DOCTOR_ACTOR, "scope": {"mode": "create"},
                "permissions": BUILDER_PERMISSIONS}
        session = upstream.request_json("POST", "/v1/embed/sessions", key, request_id(),
                                        failure_code=SESSION_FAILED, json=body)
        page = requests.get(str(session["iframe_url"]).split("#")[0], timeout=5)
    except (BffError, requests.RequestException, KeyError) as error:
        report.fail("framing", f"could not load an iframe page ({type(error).__name__})",
                    "run the checks above first; the org id must be provisionable")
        return
    policy = page.headers.get("Content-Security-Policy", "")
    frame_origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
    for origin in origins:
        if frame_ancestors_allow(policy, page.headers.get("X-Frame-Options"), origin,
                                 frame_origin):
            report.ok("framing", f"{origin} may embed the builder")
        else:
            report.fail("framing", f"the iframe refuses to be framed by {origin}",
                        "add this origin to the allowed embed origins of your Craftkit "
                        "project (its frame-ancestors)")


def frame_ancestors_allow(policy: str, frame_options: str | None, origin: str,
                          frame_origin: str) -> bool:
    """Tell whether a page with these headers may be framed by origin."""
    for directive in policy.split(";"):
        name, *sources = directive.split() or [""]
        if name.lower() == "frame-ancestors":
            return any(_source_matches(s, origin, frame_origin) for s in sources)
    options = (frame_options or "").strip().upper()
    return options != "DENY" and (options != "SAMEORIGIN" or origin == frame_origin)


def _source_matches(source: str, origin: str, frame_origin: str) -> bool:
    if source == "*":
        return True
    if source == "'self'":
        return origin == frame_origin
    want, have = urlsplit(source if "://" in source else "https://" + source), urlsplit(origin)
    if want.scheme != have.scheme:
        return False
    host = want.hostname or ""
    if host.startswith("*."):
        host_ok = (have.hostname or "").endswith(host[1:])
    else:
        host_ok = host == have.hostname
    port_ok = want.netloc.endswith(":*") or (want.port or _default_port(want.scheme)) == (
        have.port or _default_port(have.scheme))
    return host_ok and port_ok


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


class _Report:
    """Print one line per check and remember whether any failed."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.failed = False

    def ok(self, check: str, detail: str) -> None:
        print(f"ok    {check}: {detail}", file=self.out)

    def detail(self, text: str) -> None:
        print(f"      {text}", file=self.out)

    def skip(self, check: str, detail: str) -> None:
        print(f"skip  {check}: {detail}", file=self.out)

    def fail(self, check: str, detail: str, fix: str) -> None:
        self.failed = True
        print(f"FAIL  {check}: {detail}\n      fix: {fix}", file=self.out)

    def exit_code(self) -> int:
        return 1 if self.failed else 0
