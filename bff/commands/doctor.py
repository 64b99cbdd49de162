"""``craftkit-bff doctor``: check a deployment's configuration and its way to Craftkit.

Each check prints one line (ok, skip, or FAIL with what to do); the exit status is 1 when
any failed. Nothing is created upstream unless ``--provision`` lets the framing check mint a
session for an org that may not exist yet.
"""

from __future__ import annotations

import sys
from typing import TextIO
from urllib.parse import urlsplit

import requests

from ..api.sessions import MINT_SESSION, session_body
from ..config import ConfigError, describe
from ..errors import BffError
from ..extension import command_state, environment_config
from ..identity import Identity
from ..ops.requestlog import request_id
from ..page.csp import frame_ancestors_allow
from ..parsers import without_credentials
from ..registry import KEYED
from ..state import BffState
from .checks import (
    check_account_key,
    check_admin_key,
    check_key_store_secret,
    check_registry,
)
from .report import Report

# Who the framing check's test session is for: a user no host app has.
DOCTOR = Identity("craftkit-bff-doctor", display_name="craftkit-bff doctor")


def doctor(org_id: str | None, host_origins: list[str], out: TextIO | None = None,
           may_provision: bool = False) -> int:
    """Check configuration, reachability, the keys, the registry and framing; print fixes.

    The framing check needs a session of ``org_id``, so a key for it: the admin API creates
    the org when it does not exist, so doctor only asks for one when ``may_provision``.
    """
    report = Report(out or sys.stdout)
    config = environment_config()
    try:
        state = command_state(config)
    except ConfigError as error:
        report.fail("configuration", without_credentials(str(error)),
                    "fix the environment variable named above")
        return report.exit_code()
    try:
        return _diagnose(report, state, config, org_id, host_origins, may_provision)
    finally:
        state.close()


def _diagnose(report: Report, state: BffState, config: dict, org_id: str | None,
              host_origins: list[str], may_provision: bool) -> int:
    craftkit = without_credentials(state.settings.base_url)
    report.ok("configuration", f"Craftkit at {craftkit}")
    for name, shown, source in describe(state.settings, config):
        report.detail(f"{name} = {without_credentials(shown)}"
                      + (" (default)" if source == "default" else ""))
    if not state.upstream.probe(2.0):
        report.fail("reachability", f"{craftkit} refused the connection or "
                    "did not answer within 2 s",
                    "check CRAFTKIT_BASE_URL, DNS and the egress firewall")
        return report.exit_code()
    report.ok("reachability", "Craftkit answers")
    if state.account_api is not None:
        check_account_key(report, state.account_api)
    elif state.admin_api is not None:
        check_admin_key(report, state.admin_api)
    check_registry(report, state)
    check_key_store_secret(report, state.settings)
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


def _already_keyed(state: BffState, org_id: str) -> bool:
    """Tell whether the registry holds a key for org_id, so a session creates nothing."""
    if state.registry is None:
        return False
    try:
        tenant = state.registry.get(org_id)
    except BffError:
        return False
    return tenant is not None and tenant.state == KEYED


def _check_framing(report: Report, state: BffState, org_id: str, origins: list[str]) -> None:
    try:
        key = state.keys.get(org_id, org_id)
        body = session_body(DOCTOR, org_id, org_id, {"mode": "create"},
                            state.settings.catalog_name)
        session = state.upstream.request_json(
            MINT_SESSION.method, MINT_SESSION.upstream, key, request_id(),
            label=MINT_SESSION.upstream, failure_code=MINT_SESSION.failure_code, json=body)
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
