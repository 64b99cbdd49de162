"""Exactly once does not rest on every host's clock: on PostgreSQL the registry's times
are the database's, so a host whose clock runs 70 s ahead neither takes a live lease nor
creates a second project while an earlier create may still land."""

from __future__ import annotations

import time

import pytest

from bff.credentials.account import AccountProvisioner
from bff.errors import ProvisionPending, UpstreamTimeout
from bff.registry import RESERVED, Registry, RowCipher
from bff.registry import create_registry_engine as engine_for

from .conftest import SECRET

LEASE, GRACE = 60, 26


class LostCreate:
    """An account API whose create is sent and times out (it may still land upstream)."""

    def __init__(self) -> None:
        self.creates = 0

    def create(self, name):
        self.creates += 1
        raise UpstreamTimeout()

    def find(self, name, within=None):
        return None


@pytest.fixture
def registries(postgres):
    # PostgreSQL only: a SQLite registry is one host's file, so one clock (see below).
    url = postgres.new_database()
    engines = [engine_for(url, 5, 2) for _ in range(2)]
    yield [Registry(engine, RowCipher(SECRET)) for engine in engines]
    for engine in engines:
        engine.dispose()


def test_a_host_whose_clock_runs_ahead_waits_for_the_live_lease(registries, monkeypatch):
    api = LostCreate()
    ahead = AccountProvisioner(api, registries[1], lease=LEASE, wait=0.2, grace=GRACE)
    # The first host reserves the org and sends its create; the answer is lost, and the
    # host dies holding the lease (nothing releases it: the lease is the database's).
    registries[0].reserve("acme", "Acme", "account", "dead-host", LEASE)
    registries[0].update_leased("acme", "dead-host", create_sent_at=registries[0].now(),
                                create_tag="0123abcd")
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 70)
    with pytest.raises(ProvisionPending):
        ahead.provision("acme", "Acme")
    assert api.creates == 0
    tenant = registries[1].get("acme")
    assert (tenant.state, tenant.lease_owner) == (RESERVED, "dead-host")


def test_registry_times_are_the_databases_not_this_hosts(registries, monkeypatch):
    before = registries[0].now()
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 3600)
    assert abs(registries[1].now() - before) < 60
    registries[1].reserve("acme", "Acme", "account", "w1", LEASE)
    assert abs(registries[1].get("acme").updated_at - before) < 60


def test_a_sqlite_registry_keeps_the_one_hosts_clock(tmp_path, monkeypatch):
    # What docs/security.md says holds on SQLite: every worker shares one file on one host,
    # so the registry's times are that host's clock.
    engine = engine_for(f"sqlite:///{tmp_path}/registry.sqlite3", 5, 2)
    try:
        registry = Registry(engine, RowCipher(SECRET))
        real = time.time
        monkeypatch.setattr(time, "time", lambda: real() + 3600)
        assert abs(registry.now() - (real() + 3600)) < 60
    finally:
        engine.dispose()
