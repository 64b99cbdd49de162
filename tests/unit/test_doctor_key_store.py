"""doctor's check of what the Redis key store seals its entries under."""

from __future__ import annotations

import io

import pytest

from bff.commands.checks import check_key_store_secret
from bff.commands.report import Report
from bff.config import DEFAULTS, settings_from

ACCOUNT = {"CRAFTKIT_ACCOUNT_KEY": "ck_acct_doctor_0123456789abcdef",
           "CRAFTKIT_REGISTRY_SECRET": "doctor-registry-secret-0123456789"}
ADMIN = {"CRAFTKIT_ADMIN_KEY": "ck_admin_doctor_0123456789"}
REDIS = {"CRAFTKIT_CACHE_URL": "redis://127.0.0.1:6379/0"}


def check(config: dict) -> tuple[int, str]:
    out = io.StringIO()
    report = Report(out)
    check_key_store_secret(report, settings_from({**DEFAULTS, **config}))
    return report.exit_code(), out.getvalue()


@pytest.mark.parametrize(("config", "source"), [(ACCOUNT, "CRAFTKIT_ACCOUNT_KEY"),
                                                (ADMIN, "CRAFTKIT_ADMIN_KEY")])
def test_without_a_cache_key_entries_are_sealed_under_the_craftkit_key(config, source):
    code, text = check({**config, **REDIS})
    assert code == 0 and f"derived from {source}" in text
    assert config.get("CRAFTKIT_ACCOUNT_KEY", config.get("CRAFTKIT_ADMIN_KEY")) not in text


def test_a_short_cache_key_fails_with_a_fix():
    code, text = check({**ACCOUNT, **REDIS, "CRAFTKIT_CACHE_KEY": "short"})
    assert code == 1 and "FAIL  key store secret" in text and "openssl rand" in text
    assert "short" not in text.replace("shorter", "")


def test_a_long_cache_key_passes_and_no_redis_is_a_skip():
    assert check({**ADMIN, **REDIS, "CRAFTKIT_CACHE_KEY": "c" * 32})[0] == 0
    code, text = check(ADMIN)
    assert code == 0 and text.startswith("skip  key store secret")
