"""Doctor's check of the shared key store: Redis answers, and its entries open with our secret.

A host whose CRAFTKIT_CACHE_KEY differs from the one the entries were written with reads
every entry as a miss and provisions again; a Redis that does not answer makes every
process keep its own keys. Neither fails a request, so only this check names them.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ..credentials.envelope import KeyEnvelope
from ..state import BffState
from .report import Report


def check_key_store(report: Report, state: BffState, sample: int = 200) -> None:
    """Report whether Redis answers and whether sampled entries open with our secrets."""
    settings = state.settings
    if not settings.cache_url:
        report.skip("key store", "in-process (CRAFTKIT_CACHE_URL is unset)")
        return
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
    opened = [(value, _opens(envelope, name.decode().removeprefix(KEY_PREFIX), value))
              for name, value in zip(names, values, strict=True) if isinstance(value, bytes)]
    unreadable = sum(1 for _, readable in opened if not readable)
    if unreadable:
        report.fail("key store", f"{where}: {unreadable} of {len(opened)} entries do not open "
                    "with CRAFTKIT_CACHE_KEY (nor CRAFTKIT_CACHE_KEY_PREVIOUS): another "
                    "host writes them under another secret (or an older version did)",
                    "set the same CRAFTKIT_CACHE_KEY on every host (during a rotation, the "
                    "old one as CRAFTKIT_CACHE_KEY_PREVIOUS)")
        return
    previous = sum(1 for value, _ in opened if not envelope.is_current(value))
    note = (f" ({previous} under the previous key; they expire within CRAFTKIT_KEY_TTL)"
            if previous else "")
    report.ok("key store", f"{where} answers; {len(opened)} entries checked, every one "
              f"opens{note}")


def _opens(envelope: KeyEnvelope, org_id: str, entry: bytes) -> bool:
    """Tell whether an entry is a key or a tombstone of org_id under our secrets."""
    return envelope.open(org_id, entry) is not None or envelope.is_tombstone(org_id, entry)
