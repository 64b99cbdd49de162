"""Start-up configuration: required settings fail early with a message naming them."""

import pytest

from bff import ConfigError, create_app
from bff.config import settings_from

from .support import ADMIN_KEY


def test_create_app_without_admin_key_names_the_variable(monkeypatch):
    monkeypatch.delenv("CRAFTKIT_ADMIN_KEY", raising=False)
    with pytest.raises(ConfigError, match="CRAFTKIT_ADMIN_KEY"):
        create_app({"SECRET_KEY": "s"})


def test_create_app_reads_environment(monkeypatch):
    monkeypatch.setenv("CRAFTKIT_ADMIN_KEY", ADMIN_KEY)
    monkeypatch.setenv("CRAFTKIT_BASE_URL", "http://upstream.test:5001/")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    app = create_app()
    assert app.extensions["craftkit_bff"].settings.base_url == "http://upstream.test:5001"
    assert app.secret_key == "from-env"


def test_create_app_session_identity_needs_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"CRAFTKIT_ADMIN_KEY": ADMIN_KEY})


@pytest.mark.parametrize(("name", "value"), [
    ("CRAFTKIT_BASE_URL", "ftp://x"), ("CRAFTKIT_BASE_URL", "not a url"),
    ("CRAFTKIT_KEY_TTL", "soon"), ("CRAFTKIT_KEY_TTL", "0"), ("CRAFTKIT_TIMEOUT", "fast"),
    ("CRAFTKIT_TIMEOUT", "1,2,3"), ("CRAFTKIT_TIMEOUT", "-1"),
    ("CRAFTKIT_ALLOWED_ORIGINS", "example.com"), ("CRAFTKIT_KEY_CACHE_SIZE", "0"),
])
def test_settings_reject_invalid_values_naming_the_variable(name, value):
    with pytest.raises(ConfigError, match=name):
        settings_from({"CRAFTKIT_ADMIN_KEY": "k", "CRAFTKIT_BASE_URL": "https://c.test",
                       "CRAFTKIT_KEY_TTL": 600, "CRAFTKIT_KEY_CACHE_SIZE": 10,
                       "CRAFTKIT_TIMEOUT": "10", "CRAFTKIT_SEAL_TTL": 3600,
                       "CRAFTKIT_MAX_BODY": 65536, "CRAFTKIT_AUTH_JWT_LEEWAY": 0, name: value})


def test_settings_parse_timeout_and_origins(app):
    from bff.config import DEFAULTS
    settings = settings_from({**DEFAULTS, "CRAFTKIT_ADMIN_KEY": "k", "CRAFTKIT_TIMEOUT": "10",
                              "CRAFTKIT_ALLOWED_ORIGINS": "https://a.test, https://b.test/"})
    assert settings.timeout == (3.05, 10.0)
    assert settings.allowed_origins == {"https://a.test", "https://b.test"}
    assert settings.url_prefix == "/api/craftkit"


def test_config_error_never_contains_the_admin_key():
    with pytest.raises(ConfigError) as caught:
        settings_from({"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_BASE_URL": "nope"})
    assert ADMIN_KEY not in str(caught.value)
