"""The emulator's settings, from the environment and the config dict."""

from __future__ import annotations

import pytest

from bff.emulator import create_emulator_app
from bff.emulator.config import load_config


def test_load_config_without_admin_key_names_the_variable():
    with pytest.raises(RuntimeError, match="CRAFTKIT_ADMIN_KEY"):
        load_config({}, environ={})


def test_create_emulator_app_without_admin_key_raises(monkeypatch):
    monkeypatch.delenv("CRAFTKIT_ADMIN_KEY", raising=False)
    with pytest.raises(RuntimeError, match="CRAFTKIT_ADMIN_KEY"):
        create_emulator_app()


def test_load_config_reads_the_environment():
    config = load_config({}, environ={
        "CRAFTKIT_ADMIN_KEY": "admin",
        "CRAFTKIT_EMULATOR_ACCOUNT_KEYS": "ck_acct_one, ck_acct_two",
        "CRAFTKIT_EMULATOR_SESSION_TTL": "60",
        "CRAFTKIT_EMULATOR_FRAME_ANCESTORS": "https://a.example https://b.example,'self'",
    })
    assert config["ACCOUNT_KEYS"] == ["ck_acct_one", "ck_acct_two"]
    assert config["SESSION_TTL"] == 60 and config["GENERATED_ACCOUNT_KEY"] is None
    assert config["FRAME_ANCESTORS"] == ["https://a.example", "https://b.example", "'self'"]


def test_load_config_overrides_win_over_the_environment():
    environ = {"CRAFTKIT_ADMIN_KEY": "env", "CRAFTKIT_EMULATOR_SESSION_TTL": "9"}
    config = load_config({"ADMIN_KEY": "mine", "SESSION_TTL": 30}, environ=environ)
    assert (config["ADMIN_KEY"], config["SESSION_TTL"]) == ("mine", 30)


def test_load_config_generates_an_account_key_when_none_given():
    config = load_config({"ADMIN_KEY": "a"}, environ={})
    assert config["ACCOUNT_KEYS"] == [config["GENERATED_ACCOUNT_KEY"]]
    assert config["GENERATED_ACCOUNT_KEY"].startswith("ck_acct_")


@pytest.mark.parametrize("overrides", [
    {"ACCOUNT_KEYS": ["ck_live_wrong"]}, {"SESSION_TTL": 0}, {"SESSION_TTL": "soon"}])
def test_load_config_rejects_bad_values(overrides):
    with pytest.raises(RuntimeError):
        load_config({"ADMIN_KEY": "a", **overrides}, environ={})


@pytest.mark.parametrize("ancestor", ["http://a.example; script-src *", "'unsafe-inline'",
                                      "http://a.example/path"])
def test_load_config_rejects_frame_ancestors_that_are_not_sources(ancestor):
    with pytest.raises(RuntimeError, match="FRAME_ANCESTORS"):
        load_config({"ADMIN_KEY": "a", "FRAME_ANCESTORS": [ancestor]}, environ={})


@pytest.mark.parametrize("ancestor", ["'self'", "*", "https:", "https://*.example.com",
                                      "http://localhost:5000", "http://127.0.0.1:*"])
def test_load_config_accepts_csp_sources_as_frame_ancestors(ancestor):
    assert load_config({"ADMIN_KEY": "a", "FRAME_ANCESTORS": [ancestor]},
                       environ={})["FRAME_ANCESTORS"] == [ancestor]
