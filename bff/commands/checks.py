"""Doctor's checks of the credentials, the key store and the tenant registry, each reported
on a Report."""

from __future__ import annotations

from urllib.parse import urlsplit

from ..credentials.account_api import PROJECTS, AccountApi
from ..credentials.admin_api import PROVISION, AdminApi
from ..errors import BffError
from ..registry import Registry, RowUnreadable, Tenant, shown_url
from ..state import BffState
from .report import Report


def check_admin_key(report: Report, api: AdminApi) -> None:
    """Report whether Craftkit accepts the admin key (a dry-run provision, nothing created)."""
    try:
        status = api.check()
    except BffError as error:
        report.fail("admin key", error.message, "retry when Craftkit is reachable")
        return
    if status in (404, 405):
        _wrong_base_url(report, "admin key", f"POST {PROVISION}", status)
    elif status in (401, 403):
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
    if status in (404, 405):
        _wrong_base_url(report, "account key", f"GET {PROJECTS}", status)
    elif status in (401, 403):
        report.fail("account key", f"Craftkit refused CRAFTKIT_ACCOUNT_KEY ({status})",
                    "set an account key (ck_acct_...) from Craftkit's dashboard")
    elif status != 200:
        report.fail("account key", f"Craftkit answered {status}", "retry later")
    else:
        report.ok("account key", "accepted (listed projects, nothing changed)")


def _wrong_base_url(report: Report, check: str, endpoint: str, status: int) -> None:
    report.fail(check, f"Craftkit answered {status} to {endpoint}: CRAFTKIT_BASE_URL does not "
                "look like Craftkit's API (no such endpoint there)",
                "set CRAFTKIT_BASE_URL to Craftkit's origin, e.g. https://www.craftkit.dev")


def check_key_store(report: Report, state: BffState, sample: int = 200) -> None:
    """Report whether the shared key store (Redis) answers and its entries open with our key."""
    settings = state.settings
    if not settings.cache_url:
        report.skip("key store", "in-process (CRAFTKIT_CACHE_URL is unset)")
        return
    from ..credentials.envelope import KeyEnvelope
    from ..credentials.redis_link import REDIS_FAULTS, connect
    from ..credentials.redis_store import KEY_PREFIX

    parts = urlsplit(settings.cache_url)
    where = f"Redis at {parts.hostname}:{parts.port or 6379}"  # never the password
    client = connect(settings.cache_url, max(settings.cache_timeout, 1.0))
    try:
        client.ping()
        names = [name for _, name in zip(range(sample), client.scan_iter(
            match=KEY_PREFIX + "*", count=sample), strict=False)]
        values = client.mget(names) if names else []
    except REDIS_FAULTS as error:
        report.fail("key store", f"{where} does not answer ({type(error).__name__})",
                    "check CRAFTKIT_CACHE_URL and that Redis is up (meanwhile each process "
                    "keeps its own keys, and provisions more)")
        return
    finally:
        client.close()
    envelope = KeyEnvelope(settings.cache_secret, settings.cache_secret_label,
                           previous=settings.cache_previous)
    opened = [(value, envelope.open(name.decode().removeprefix(KEY_PREFIX), value))
              for name, value in zip(names, values, strict=True) if isinstance(value, bytes)]
    unreadable = sum(1 for _, key in opened if key is None)
    if unreadable:
        report.fail("key store", f"{where}: {unreadable} of {len(opened)} entries do not open "
                    "with CRAFTKIT_CACHE_KEY (nor CRAFTKIT_CACHE_KEY_PREVIOUS): another "
                    "host writes them under another secret",
                    "set the same CRAFTKIT_CACHE_KEY on every host (during a rotation, the "
                    "old one as CRAFTKIT_CACHE_KEY_PREVIOUS)")
        return
    previous = sum(1 for value, _ in opened if not envelope.is_current(value))
    note = (f" ({previous} under the previous key; they expire within CRAFTKIT_KEY_TTL)"
            if previous else "")
    report.ok("key store", f"{where} answers; {len(opened)} entries checked, every one "
              f"opens{note}")


def check_registry(report: Report, state: BffState) -> None:
    """Report whether the registry opens and every sealed key in it decrypts."""
    registry = state.registry
    if registry is None:
        report.skip("registry", "none configured (optional with the admin key: "
                    "CRAFTKIT_REGISTRY_URL)")
        return
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
