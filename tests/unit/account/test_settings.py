"""Start-up settings of the two strategies: exactly one key, the registry's own secret."""

from __future__ import annotations

import pytest

from bff import ConfigError, create_app
from bff.config import describe, settings_from
from bff.credentials.renew_tokens import RenewTokenSealer
from tests.support.secrets import secret

ACCOUNT_KEY = "ck_acct_settingstests0123456789abcdef"
SECRET = secret("account-settings-registry-secret-0123456789")

ADMIN = "ck_admin_settings_0123456789"
ACCOUNT = {"CRAFTKIT_ACCOUNT_KEY": ACCOUNT_KEY, "CRAFTKIT_REGISTRY_SECRET": SECRET}


def test_neither_key_is_a_start_up_error_naming_both():
    with pytest.raises(ConfigError) as refused:
        settings_from({})
    assert "CRAFTKIT_ADMIN_KEY" in str(refused.value)
    assert "CRAFTKIT_ACCOUNT_KEY" in str(refused.value)


def test_both_keys_is_a_start_up_error_that_says_to_choose():
    with pytest.raises(ConfigError, match="Both CRAFTKIT_ADMIN_KEY and CRAFTKIT_ACCOUNT_KEY"
                       ) as refused:
        settings_from({"CRAFTKIT_ADMIN_KEY": ADMIN, **ACCOUNT})
    assert ADMIN not in str(refused.value) and ACCOUNT_KEY not in str(refused.value)


@pytest.mark.parametrize(("config", "variable"), [
    ({"CRAFTKIT_ACCOUNT_KEY": "ck_live_not_an_account_key", "CRAFTKIT_REGISTRY_SECRET": SECRET},
     "CRAFTKIT_ACCOUNT_KEY"),
    ({"CRAFTKIT_ACCOUNT_KEY": ACCOUNT_KEY}, "CRAFTKIT_REGISTRY_SECRET"),
    ({**ACCOUNT, "CRAFTKIT_REGISTRY_SECRET": "short"}, "CRAFTKIT_REGISTRY_SECRET"),
    ({**ACCOUNT, "CRAFTKIT_REGISTRY_SECRET": ACCOUNT_KEY}, "CRAFTKIT_REGISTRY_SECRET"),
    ({"CRAFTKIT_ADMIN_KEY": ADMIN, "CRAFTKIT_REGISTRY_SECRET": ADMIN},
     "CRAFTKIT_REGISTRY_SECRET"),
    ({"CRAFTKIT_ADMIN_KEY": ADMIN, "CRAFTKIT_REGISTRY_SECRET_PREVIOUS": SECRET},
     "CRAFTKIT_REGISTRY_SECRET_PREVIOUS"),
    ({**ACCOUNT, "CRAFTKIT_REGISTRY_LEASE": "0"}, "CRAFTKIT_REGISTRY_LEASE"),
])
def test_unusable_account_settings_name_the_variable(config, variable):
    with pytest.raises(ConfigError, match=variable) as refused:
        settings_from(config)
    assert ACCOUNT_KEY not in str(refused.value) and SECRET not in str(refused.value)


def test_the_strategy_follows_from_the_key_and_account_mode_defaults_to_a_sqlite_file():
    admin, account = settings_from({"CRAFTKIT_ADMIN_KEY": ADMIN}), settings_from(ACCOUNT)
    assert (admin.strategy, admin.registry_location) == ("admin", None)
    assert account.strategy == "account"
    assert account.registry_location == "sqlite:///craftkit-registry.sqlite3"


def test_account_mode_creates_the_default_registry_in_the_working_directory(tmp_path,
                                                                            monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = create_app({**ACCOUNT, "SECRET_KEY": "s"})
    app.extensions["craftkit_bff"].registry.engine.dispose()
    assert (tmp_path / "craftkit-registry.sqlite3").exists()


def test_a_bad_registry_url_fails_at_start_up_naming_the_variable():
    with pytest.raises(ConfigError, match="CRAFTKIT_REGISTRY_URL"):
        create_app({**ACCOUNT, "SECRET_KEY": "s", "CRAFTKIT_REGISTRY_URL": "mysql://u:p@h/d"})


def test_account_mode_seals_renew_tokens_under_the_account_key_with_its_own_label():
    account = settings_from(ACCOUNT)
    assert account.seal_secret == ACCOUNT_KEY.encode()
    assert account.seal_secret_label == b"account-key"
    # The same string as an admin key derives another seal key: no seal crosses over.
    as_admin = settings_from({"CRAFTKIT_ADMIN_KEY": ACCOUNT_KEY})
    sealed = RenewTokenSealer(account.seal_secret, account.seal_secret_label, 60).seal(
        "rt", "acme", "ada")
    from bff.errors import RefreshRejected

    with pytest.raises(RefreshRejected):
        RenewTokenSealer(as_admin.seal_secret, as_admin.seal_secret_label, 60).open(sealed)
    with_seal_key = settings_from({**ACCOUNT, "CRAFTKIT_SEAL_KEY": "seal-key-0123456789"})
    assert with_seal_key.seal_secret_label == b"seal-key"


def test_doctor_hides_the_account_key_registry_url_and_secrets():
    config = {**ACCOUNT, "CRAFTKIT_REGISTRY_SECRET_PREVIOUS": "previous-secret-0123456789",
              "CRAFTKIT_REGISTRY_URL": "postgresql://app:pg-password@db/craftkit"}
    shown = dict((name, value) for name, value, _ in describe(settings_from(config), config))
    for name in ("CRAFTKIT_ACCOUNT_KEY", "CRAFTKIT_REGISTRY_URL", "CRAFTKIT_REGISTRY_SECRET",
                 "CRAFTKIT_REGISTRY_SECRET_PREVIOUS"):
        assert shown[name] == "(hidden)"
    assert "pg-password" not in str(shown) and ACCOUNT_KEY not in str(shown)
