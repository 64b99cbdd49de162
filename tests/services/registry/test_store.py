"""The registry's rows: unique reservations, leases, sealed keys, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest

from bff.config import ConfigError
from bff.registry import CREATED, DEPROVISIONED, KEYED, RESERVED, RowUnreadable
from bff.registry.schema import SCHEMA_VERSION

from .conftest import OTHER_SECRET, SECRET
from .support import database_text

KEY = "ck_live_registry_test_key_0123456789abcd"


def test_prepare_creates_the_schema_at_the_current_version(registry):
    registry.prepare()
    with registry.transaction() as connection:
        version = connection.exec_driver_sql(
            "SELECT value FROM craftkit_registry_meta WHERE name = 'schema_version'").scalar()
    assert int(version) == SCHEMA_VERSION
    assert registry.all() == []


def test_prepare_from_many_workers_at_once_creates_the_schema_once(open_registry):
    registries = [open_registry() for _ in range(6)]
    errors = []

    def prepare(one):
        try:
            one.prepare()
        except Exception as error:  # noqa: BLE001 - any failure fails the test below
            errors.append(error)

    threads = [threading.Thread(target=prepare, args=(one,)) for one in registries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert registries[0].reserve("org", "Org", "account", "w1", 30)


def test_a_newer_schema_is_refused_naming_what_to_do(registry, open_registry):
    registry.prepare()
    with registry.transaction() as connection:
        connection.exec_driver_sql("UPDATE craftkit_registry_meta SET value = '99' "
                                   "WHERE name = 'schema_version'")
    with pytest.raises(ConfigError, match="upgrade craftkit-bff"):
        open_registry().prepare()


def test_only_one_of_many_concurrent_reservations_wins(open_registry):
    registries = [open_registry() for _ in range(4)]
    won = []

    def reserve(index):
        if registries[index % 4].reserve("acme", "Acme", "account", f"w{index}", 30):
            won.append(index)

    threads = [threading.Thread(target=reserve, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1
    tenant = registries[0].get("acme")
    assert tenant.state == RESERVED and tenant.lease_owner == f"w{won[0]}"


def test_a_live_lease_cannot_be_claimed_an_expired_one_can(registry, clock):
    assert registry.reserve("acme", "Acme", "account", "w1", 30)
    assert not registry.claim("acme", "w2", 30)
    clock.advance(31)
    assert registry.claim("acme", "w2", 30)
    # The first worker lost it: its writes no longer land.
    assert not registry.update_leased("acme", "w1", state=CREATED, project_id="p1")
    assert registry.update_leased("acme", "w2", state=CREATED, project_id="p2")
    assert registry.get("acme").project_id == "p2"


def test_release_frees_the_lease_for_another_worker(registry):
    registry.reserve("acme", "Acme", "account", "w1", 30)
    registry.release("acme", "w1")
    assert registry.claim("acme", "w2", 30)


def test_a_deprovisioned_row_cannot_be_claimed_only_revived(registry):
    registry.reserve("acme", "Acme", "account", "w1", 30)
    registry.update_leased("acme", "w1", state=DEPROVISIONED, lease_owner=None,
                           lease_until=None)
    assert not registry.claim("acme", "w2", 30)
    assert registry.revive("acme", "Acme Again", "w2", 30)
    tenant = registry.get("acme")
    assert (tenant.state, tenant.org_name, tenant.project_id) == (RESERVED, "Acme Again", None)


def test_keys_are_sealed_and_open_only_for_their_own_row(registry):
    registry.reserve("acme", "Acme", "account", "w1", 30)
    registry.update_leased("acme", "w1", state=KEYED, project_id="p1", key=KEY)
    assert registry.open_key(registry.get("acme")) == KEY
    # The same sealed value moved to another org's row does not open.
    registry.reserve("globex", "Globex", "account", "w1", 30)
    registry.update_leased("globex", "w1", state=KEYED, project_id="p1", key="ck_live_other")
    with registry.transaction() as connection:
        connection.exec_driver_sql(
            "UPDATE craftkit_tenants SET key_sealed = (SELECT key_sealed FROM craftkit_tenants "
            "WHERE org_id = 'acme') WHERE org_id = 'globex'")
    with pytest.raises(RowUnreadable):
        registry.open_key(registry.get("globex", verify=False))


def test_no_plaintext_key_is_stored(registry, registry_url, request):
    registry.reserve("acme", "Acme", "account", "w1", 30)
    registry.update_leased("acme", "w1", state=KEYED, project_id="p1", key=KEY)
    registry.engine.dispose()
    postgres = request.getfixturevalue("postgres") if "postgresql" in registry_url else None
    text = database_text(registry_url, postgres)
    assert "acme" in text  # the dump really holds the row
    assert KEY not in text and "ck_live_" not in text


def test_another_secret_is_refused_at_open_naming_the_variable(registry, open_registry):
    registry.prepare()
    with pytest.raises(ConfigError, match="CRAFTKIT_REGISTRY_SECRET") as caught:
        open_registry(OTHER_SECRET).prepare()
    assert OTHER_SECRET not in str(caught.value) and SECRET not in str(caught.value)


def test_the_previous_secret_keeps_old_rows_readable_during_a_rotation(registry,
                                                                       open_registry):
    registry.reserve("acme", "Acme", "account", "w1", 30)
    registry.update_leased("acme", "w1", state=KEYED, project_id="p1", key=KEY)
    rotated = open_registry(OTHER_SECRET, previous=SECRET)
    tenant = rotated.get("acme")
    assert rotated.open_key(tenant) == KEY
    assert not rotated.cipher.is_current(tenant.key_sealed)
    assert rotated.reseal(tenant)
    rotated.write_key_check()
    # Once re-encrypted, the new secret alone opens everything; the old one is refused.
    alone = open_registry(OTHER_SECRET)
    assert alone.open_key(alone.get("acme")) == KEY
    with pytest.raises(ConfigError, match="CRAFTKIT_REGISTRY_SECRET"):
        open_registry(SECRET).prepare()


def test_record_does_not_overwrite_a_deprovisioned_row(registry):
    assert registry.record("acme", "Acme", "admin", state=KEYED, project_id="p1")
    assert registry.record("acme", "Acme Corp", "admin", state=KEYED, project_id="p1")
    assert registry.get("acme").org_name == "Acme Corp"
    registry.claim("acme", "op", 30)
    registry.update_leased("acme", "op", state=DEPROVISIONED)
    assert not registry.record("acme", "Acme", "admin", state=KEYED, project_id="p1")
    assert registry.get("acme").state == DEPROVISIONED


def test_record_that_loses_the_insert_to_another_host_updates_its_row(registry, monkeypatch):
    # Two hosts record a new org at once: both find no row to update, both insert. The one
    # whose insert loses must not take the org for deprovisioned.
    change = registry._change
    raced = []

    def other_host_inserts_first(*args, **kwargs):
        if not raced:
            raced.append(True)
            assert registry.insert("acme", "Acme", "admin", state=KEYED, project_id="p1")
            return False  # our update ran before their insert committed
        return change(*args, **kwargs)

    monkeypatch.setattr(registry, "_change", other_host_inserts_first)
    assert registry.record("acme", "Acme Corp", "admin", state=KEYED, project_id="p1")
    tenant = registry.get("acme")
    assert (tenant.state, tenant.org_name, tenant.project_id) == (KEYED, "Acme Corp", "p1")
