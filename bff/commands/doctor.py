"""``craftkit-bff doctor``: check a deployment's configuration and its way to Craftkit.

Each check prints one line (ok, skip, or FAIL with what to do); the exit status is 1 when
any failed. Checks: the configuration, Craftkit's reachability and the admin or account
key (a 404 there is a wrong CRAFTKIT_BASE_URL), the key store (Redis answers, its entries
open with our secret), the registry, and with ``--org`` a real session (embed mode, the
catalog, the iframe's origin) and its framing. Nothing is created upstream unless
``--provision`` lets the session check mint for an org that may not exist yet.
"""

from __future__ import annotations

import sys
from typing import TextIO
from urllib.parse import urlsplit

import requests

from ..api.session_answer import iframe_refusal
from ..api.sessions import MINT_SESSION, session_body
from ..config import ConfigError, describe
from ..credentials.tenant_client import TenantClient
from ..errors import BffError, CatalogFailed, KeyRejected, UpstreamRejected
from ..extension import command_state, environment_config
from ..identity import Identity
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
from .store_checks import check_key_store

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
    check_key_store(report, state)
    check_registry(report, state)
    check_key_store_secret(report, state.settings)
    origins = host_origins or sorted(state.settings.allowed_origins)
    if org_id and not (may_provision or _already_keyed(state, org_id)):
        report.skip("framing", f"checking a session and framing needs a session of "
                    f"{org_id!r}, and so its key: provisioning creates the org if it does not "
                    "exist. Add --provision to allow that (or use an org you know exists)")
        return report.exit_code()
    iframe_url = _check_session(report, state, org_id) if org_id else None
    if iframe_url and origins:
        _check_framing(report, iframe_url, origins)
    elif iframe_url:
        report.skip("framing", "pass --host-origin URL (or set CRAFTKIT_ALLOWED_ORIGINS) to "
                    "check the iframe's frame-ancestors")
    elif not org_id:
        report.skip("session", "pass --org ORG (with --provision for an org that may not "
                    "exist) to mint a real session: embed mode, the catalog, the iframe's "
                    "origin and its frame-ancestors")
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


def _check_session(report: Report, state: BffState, org_id: str) -> str | None:
    """Mint a real session for org_id as a route would; report what stops it, or its origin."""
    client = TenantClient(state.upstream, state.keys, org_id, org_id)
    body = session_body(DOCTOR, org_id, org_id, {"mode": "create"}, state.settings.catalog_name)

    def mint() -> dict:
        return client.request(MINT_SESSION.method, MINT_SESSION.upstream, json=body,
                              failure_code=MINT_SESSION.failure_code)

    try:
        session = mint() if state.catalogs is None else state.catalogs.session(
            org_id, org_id, mint)
    except BffError as error:
        _report_session_failure(report, state, org_id, error)
        return None
    url = session.get("iframe_url")
    refusal = iframe_refusal(url, state.settings)
    if refusal is not None:
        report.fail("iframe origin", f"Craftkit's iframe_url for {org_id!r}: {refusal}",
                    "list that origin in CRAFTKIT_IFRAME_ORIGINS if it is Craftkit's (every "
                    "session is a 502 until then)")
        return None
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(str(url)))
    report.ok("session", f"minted for {org_id!r}; its iframe is on {origin} (allowed)")
    return str(url)


def _report_session_failure(report: Report, state: BffState, org_id: str,
                            error: BffError) -> None:
    if isinstance(error, KeyRejected) and error.embed_mode_off:
        project = _project_of(state, org_id)
        report.fail("embed mode", f"off for the project of {org_id!r} ({project}): Craftkit "
                    "refuses its sessions",
                    "switch it on in Craftkit's dashboard (Project, Embed, Enable embed "
                    "mode); with the emulator: POST /dashboard/projects/<project>/embed with "
                    "the account key. Rotating the key does not help")
    elif isinstance(error, CatalogFailed):
        report.fail("catalog", f"{state.settings.catalog_name!r} could not be published to "
                    f"{org_id!r}: {error.message} (status {error.status})",
                    "check CRAFTKIT_CATALOG_FILE against Craftkit's catalog schema, then "
                    "`craftkit-bff catalogs publish --org ORG`")
    elif isinstance(error, UpstreamRejected) and error.status == 404 and (
            state.settings.catalog_name and state.catalogs is None):
        report.fail("session", f"Craftkit answered 404: catalog "
                    f"{state.settings.catalog_name!r} (CRAFTKIT_CATALOG_NAME) is not in the "
                    f"project of {org_id!r}",
                    "set CRAFTKIT_CATALOG_FILE so the BFF publishes it to every org (or "
                    "unset CRAFTKIT_CATALOG_NAME)")
    elif isinstance(error, KeyRejected):
        report.fail("session", f"Craftkit refused the project key of {org_id!r} "
                    f"({error.upstream_code or 'no code'})",
                    "check that the org's project still exists (`craftkit-bff tenants "
                    "reconcile` in account mode)")
    else:
        report.fail("session", f"no session for {org_id!r}: {error.message} ({error.code})",
                    "run the checks above first; the org id must be provisionable")


def _project_of(state: BffState, org_id: str) -> str:
    try:
        tenant = state.registry.get(org_id) if state.registry is not None else None
    except BffError:
        tenant = None
    if tenant is not None and tenant.project_id:
        return f"project {tenant.project_id}"
    return "no tenant registry to name it"


def _check_framing(report: Report, iframe_url: str, origins: list[str]) -> None:
    try:
        page = requests.get(iframe_url.split("#")[0], timeout=5)
    except requests.RequestException as error:
        report.fail("framing", f"could not load the iframe page ({type(error).__name__})",
                    "check that this host can reach Craftkit's iframe origin")
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
