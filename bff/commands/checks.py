"""Doctor's checks of the credentials and the tenant registry, each reported on a Report."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..credentials.account_api import AccountApi
from ..credentials.admin_api import AdminApi
from ..errors import BffError
from ..registry import RowUnreadable, Tenant
from ..state import BffState
from .report import Report

if TYPE_CHECKING:
    from ..registry import Registry


def check_admin_key(report: Report, api: AdminApi) -> None:
    """Report whether Craftkit accepts the admin key (a dry-run provision, nothing created)."""
    try:
        status = api.check()
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


def check_account_key(report: Report, api: AccountApi) -> None:
    """Report whether Craftkit accepts the account key (it lists one project)."""
    try:
        status = api.check()
    except BffError as error:
        report.fail("account key", error.message, "retry when Craftkit is reachable")
        return
    if status in (401, 403):
        report.fail("account key", f"Craftkit refused CRAFTKIT_ACCOUNT_KEY ({status})",
                    "set an account key (ck_acct_...) from Craftkit's dashboard")
    elif status != 200:
        report.fail("account key", f"Craftkit answered {status}", "retry later")
    else:
        report.ok("account key", "accepted (listed projects, nothing changed)")


def check_registry(report: Report, state: BffState) -> None:
    """Report whether the registry opens and every sealed key in it decrypts."""
    registry = state.registry
    if registry is None:
        report.skip("registry", "none configured (optional with the admin key: "
                    "CRAFTKIT_REGISTRY_URL)")
        return
    from ..registry import shown_url  # SQLAlchemy: loaded only when a registry is in use

    where = shown_url(state.settings.registry_location or "")
    try:
        tenants = registry.all()
    except BffError as error:
        report.fail("registry", f"{where}: {error.message}",
                    "check CRAFTKIT_REGISTRY_URL and that the database is up")
        return
    unreadable = [t.org_id for t in tenants if t.key_sealed and not _opens(registry, t)]
    if unreadable:
        report.fail("registry", f"{len(unreadable)} row(s) cannot be decrypted with "
                    "CRAFTKIT_REGISTRY_SECRET (nor CRAFTKIT_REGISTRY_SECRET_PREVIOUS): "
                    f"orgs {', '.join(unreadable[:10])}",
                    "set CRAFTKIT_REGISTRY_SECRET (or _PREVIOUS, during a rotation) to the "
                    "secret these rows were written with, then run `craftkit-bff tenants "
                    "reencrypt`")
        return
    cipher = registry.cipher
    stale = sum(1 for t in tenants if t.key_sealed and cipher is not None
                and not cipher.is_current(t.key_sealed))
    report.ok("registry", f"{where}: {len(tenants)} org(s), every key decrypts"
              + (f"; {stale} still under the previous secret (run `craftkit-bff tenants "
                 "reencrypt`)" if stale else ""))


def _opens(registry: Registry, tenant: Tenant) -> bool:
    try:
        registry.open_key(tenant)
    except RowUnreadable:
        return False
    return True
