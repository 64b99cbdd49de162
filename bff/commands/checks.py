"""Doctor's checks of the credentials and the tenant registry, each reported on a Report."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..config import Settings
from ..credentials.account_api import PROJECTS, AccountApi
from ..credentials.admin_api import PROVISION, AdminApi
from ..errors import BffError
from ..ops.requestlog import printable
from ..registry import RowUnreadable, Tenant
from ..state import BffState
from .report import Report

if TYPE_CHECKING:
    from ..registry import Registry


def check_admin_key(report: Report, api: AdminApi) -> None:
    """Report whether Craftkit accepts the admin key (a dry-run provision, nothing created)."""
    _check_key(report, api.check, "admin key", f"POST {PROVISION}",
               refused=("CRAFTKIT_ADMIN_KEY", "set the admin key Craftkit issued for this account"),
               accepted=lambda status: status < 500,
               accepted_text="accepted (dry run, nothing provisioned)")


def check_account_key(report: Report, api: AccountApi) -> None:
    """Report whether Craftkit accepts the account key (it lists one project)."""
    _check_key(report, api.check, "account key", f"GET {PROJECTS}",
               refused=("CRAFTKIT_ACCOUNT_KEY",
                        "set an account key (ck_acct_...) from Craftkit's dashboard"),
               accepted=lambda status: status == 200,
               accepted_text="accepted (listed projects, nothing changed)")


def _check_key(report: Report, check: Callable[[], int], name: str, endpoint: str, *,
               refused: tuple[str, str], accepted: Callable[[int], bool],
               accepted_text: str) -> None:
    """Report what Craftkit answered a key's check: accepted, refused, wrong URL or down."""
    try:
        status = check()
    except BffError as error:
        report.fail(name, error.message, "retry when Craftkit is reachable")
        return
    if status in (404, 405):
        _wrong_base_url(report, name, endpoint, status)
    elif status in (401, 403):
        variable, fix = refused
        report.fail(name, f"Craftkit refused {variable} ({status})", fix)
    elif not accepted(status):
        report.fail(name, f"Craftkit answered {status}", "retry later")
    else:
        report.ok(name, accepted_text)


def _wrong_base_url(report: Report, check: str, endpoint: str, status: int) -> None:
    report.fail(check, f"Craftkit answered {status} to {endpoint}: CRAFTKIT_BASE_URL does not "
                "look like Craftkit's API (no such endpoint there)",
                "set CRAFTKIT_BASE_URL to Craftkit's origin, e.g. https://www.craftkit.dev")


# A cache key shorter than this is guessable; the registry secret has the same floor.
MIN_CACHE_KEY = 16


def check_key_store_secret(report: Report, settings: Settings) -> None:
    """Report what the Redis key store's entries are sealed under (never an empty secret)."""
    if not settings.cache_url:
        report.skip("key store secret", "keys stay in each process (CRAFTKIT_CACHE_URL unset)")
        return
    if not settings.cache_secret:
        report.fail("key store secret", "Redis entries would be sealed under an empty secret",
                    "set CRAFTKIT_CACHE_KEY (e.g. `openssl rand -hex 32`) on every host")
    elif settings.cache_key and len(settings.cache_key) < MIN_CACHE_KEY:
        report.fail("key store secret", f"CRAFTKIT_CACHE_KEY is shorter than {MIN_CACHE_KEY} "
                    "characters: anyone who can read Redis could guess it",
                    "set a long random CRAFTKIT_CACHE_KEY (e.g. `openssl rand -hex 32`)")
    elif settings.cache_key:
        report.ok("key store secret", "Redis entries are sealed under CRAFTKIT_CACHE_KEY")
    else:
        source = "CRAFTKIT_ADMIN_KEY" if settings.admin_key else "CRAFTKIT_ACCOUNT_KEY"
        report.ok("key store secret", f"Redis entries are sealed under a key derived from "
                  f"{source} (set CRAFTKIT_CACHE_KEY to rotate them apart from it)")


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
    tampered = [t.org_id for t in tenants if not registry.intact(t)]
    if tampered:
        report.fail("registry", f"{len(tampered)} row(s) fail their seal (changed outside "
                    "craftkit-bff, or sealed under another secret): orgs "
                    f"{', '.join(map(printable, tampered[:10]))}; they are not served",
                    "restore them from a backup taken with this secret, or deprovision and "
                    "provision them again (`craftkit-bff tenants`)")
        return
    if unreadable:
        report.fail("registry", f"{len(unreadable)} row(s) cannot be decrypted with "
                    "CRAFTKIT_REGISTRY_SECRET (nor CRAFTKIT_REGISTRY_SECRET_PREVIOUS): "
                    f"orgs {', '.join(map(printable, unreadable[:10]))}",
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
    if cipher is None:
        report.detail("rows are not sealed: set CRAFTKIT_REGISTRY_SECRET so that a change made "
                      "to the database behind craftkit-bff's back (a deprovisioned org's state, "
                      "say) is refused")


def _opens(registry: Registry, tenant: Tenant) -> bool:
    try:
        registry.open_key(tenant)
    except RowUnreadable:
        return False
    return True
