"""Start-up configuration: required settings fail early with a message naming them."""

import pytest

from bff import ConfigError, create_app
from bff.config import settings_from
from tests.support.craftkit_mock import ADMIN_KEY


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


def test_create_app_with_a_config_does_not_read_the_environment(monkeypatch):
    monkeypatch.setenv("CRAFTKIT_URL_PREFIX", "/from-env")
    monkeypatch.setenv("CRAFTKIT_AUTH_JWT_SECRET", "from-env-secret-0123456789abcdef")
    app = create_app({"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "SECRET_KEY": "s"})
    settings = app.extensions["craftkit_bff"].settings
    assert settings.url_prefix == "/api/craftkit"
    assert settings.jwt_secret is None


def test_mounted_extension_reads_the_environment_for_what_the_app_config_lacks(monkeypatch):
    from flask import Flask

    from bff import CraftkitBFF

    monkeypatch.setenv("CRAFTKIT_ADMIN_KEY", ADMIN_KEY)
    monkeypatch.setenv("CRAFTKIT_KEY_TTL", "120")
    monkeypatch.setenv("CRAFTKIT_URL_PREFIX", "/from-env")
    app = Flask(__name__)
    app.config.update(SECRET_KEY="host-secret", CRAFTKIT_URL_PREFIX="/mine")
    CraftkitBFF(app)
    settings = app.extensions["craftkit_bff"].settings
    assert settings.admin_key == ADMIN_KEY and settings.key_ttl == 120
    assert settings.url_prefix == "/mine"  # the app's own config wins


@pytest.mark.parametrize("value", ["y", "disabled", "enabled", "2", "tru"])
def test_booleans_are_parsed_strictly(value):
    with pytest.raises(ConfigError, match="CRAFTKIT_OPS_ROUTES must be true or false"):
        create_app({"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "SECRET_KEY": "s",
                    "CRAFTKIT_OPS_ROUTES": value})


@pytest.mark.parametrize(("value", "expected"), [
    ("true", True), ("ON", True), ("1", True), ("yes", True),
    ("false", False), ("off", False), ("0", False), ("No", False)])
def test_booleans_accept_the_usual_spellings(value, expected):
    settings = settings_from({"CRAFTKIT_ADMIN_KEY": "k", "CRAFTKIT_METRICS": value})
    assert settings.metrics is expected


def test_gunicorn_settings_use_the_same_parsers():
    from bff.config import server_settings

    assert server_settings({"CRAFTKIT_METRICS": "on", "CRAFTKIT_THREADS": "8"}).threads == 8
    with pytest.raises(ConfigError, match="CRAFTKIT_METRICS"):
        server_settings({"CRAFTKIT_METRICS": "y"})
    with pytest.raises(ConfigError, match="CRAFTKIT_LOG_LEVEL"):
        server_settings({"CRAFTKIT_LOG_LEVEL": "loud"})


def test_doctor_report_hides_every_secret():
    from bff.config import describe

    config = {"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_SEAL_KEY": "seal-secret-value",
              "CRAFTKIT_AUTH_JWT_SECRET": "jwt-secret-value", "SECRET_KEY": "flask-secret"}
    report = dict((name, shown) for name, shown, _ in describe(settings_from(config), config))
    assert report["CRAFTKIT_ADMIN_KEY"] == "(hidden)"
    assert report["CRAFTKIT_AUTH_JWT_PUBLIC_KEY"] == "(unset)"
    assert report["CRAFTKIT_TIMEOUT"] == "3.05,10.0"
    text = str(report)
    for secret in (ADMIN_KEY, "seal-secret-value", "jwt-secret-value", "flask-secret"):
        assert secret not in text
