"""Registry URLs as users write them, and a database that cannot be reached."""

from __future__ import annotations

import time

import pytest

from bff.config import ConfigError
from bff.errors import RegistryUnavailable
from bff.registry import Registry, RowCipher, create_registry_engine, shown_url
from bff.registry.engine import parse_registry_url
from tests.support.servers import free_port

from .conftest import SECRET


@pytest.mark.parametrize("url", [
    "postgresql://app:s3cret@db.internal:5432/craftkit",
    "postgres://app:s3cret@db.internal/craftkit",
    "postgresql+psycopg2://app:s3cret@db.internal/craftkit",
])
def test_postgres_urls_as_users_write_them_use_psycopg_3(url):
    parsed = parse_registry_url(url)
    assert parsed.drivername == "postgresql+psycopg"
    assert parsed.database == "craftkit" and parsed.password == "s3cret"


def test_shown_url_hides_the_password():
    shown = shown_url("postgresql://app:s3cret@db.internal:5432/craftkit")
    assert "s3cret" not in shown and "db.internal:5432/craftkit" in shown


@pytest.mark.parametrize("url", ["mysql://u:p@h/db", "sqlite://", "sqlite:///:memory:",
                                 "not a url", "redis://localhost"])
def test_other_urls_are_refused_naming_the_variable(url):
    with pytest.raises(ConfigError, match="CRAFTKIT_REGISTRY_URL"):
        parse_registry_url(url)


def test_a_new_sqlite_registry_is_readable_by_its_owner_only(tmp_path):
    path = tmp_path / "registry.sqlite3"
    registry = Registry(create_registry_engine(f"sqlite:///{path}", 5, 1), RowCipher(SECRET))
    try:
        registry.prepare()
        files = sorted(tmp_path.iterdir())
        assert path in files and len(files) >= 2  # the database and its WAL files
        assert {f.name: oct(f.stat().st_mode & 0o777) for f in files} == {
            f.name: "0o600" for f in files}
    finally:
        registry.engine.dispose()


def test_an_existing_sqlite_registry_keeps_its_mode(tmp_path):
    path = tmp_path / "registry.sqlite3"
    path.touch(mode=0o640)
    path.chmod(0o640)
    create_registry_engine(f"sqlite:///{path}", 5, 1).dispose()
    assert path.stat().st_mode & 0o777 == 0o640


def unreachable(url: str) -> Registry:
    return Registry(create_registry_engine(url, 1, 2), RowCipher(SECRET))


def test_an_unreachable_postgres_is_a_quick_registry_unavailable(caplog):
    registry = unreachable(f"postgresql://u:p4ss@127.0.0.1:{free_port()}/db")
    started = time.monotonic()
    with pytest.raises(RegistryUnavailable):
        registry.get("acme")
    assert time.monotonic() - started < 5
    assert "p4ss" not in caplog.text


def test_an_sqlite_file_that_cannot_be_opened_is_registry_unavailable(tmp_path):
    registry = unreachable(f"sqlite:///{tmp_path}/missing-directory/registry.sqlite3")
    with pytest.raises(RegistryUnavailable):
        registry.reserve("acme", "Acme", "account", "w1", 30)


def test_a_postgres_outage_is_unavailable_and_recovers(postgres):
    url = postgres.new_database()
    registry = Registry(create_registry_engine(url, 2, 2), RowCipher(SECRET))
    registry.reserve("acme", "Acme", "account", "w1", 30)
    postgres.pause()
    try:
        with pytest.raises(RegistryUnavailable):
            registry.get("acme")
    finally:
        postgres.resume()
    assert registry.get("acme").org_name == "Acme"
    registry.engine.dispose()
