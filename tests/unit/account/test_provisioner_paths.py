"""The account provisioner's error paths, over a real registry with a scripted account API."""

from __future__ import annotations

import pytest

from bff.credentials.account import AccountProvisioner
from bff.errors import (
    ProvisionFailed,
    ProvisionPending,
    TenantDeprovisioned,
    UpstreamRejected,
    UpstreamTimeout,
)
from bff.registry import DEPROVISIONED, KEYED, RESERVED, Registry, RowCipher
from bff.registry import create_registry_engine as engine_for
from tests.support.secrets import secret

SECRET = secret("provisioner-paths-registry-secret-0123456789")


class ScriptedApi:
    """An account API whose answers each test scripts; it records what was asked."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.create_error: Exception | None = None
        self.mint_error: Exception | None = None
        self.found: dict | None = None
        self.keys = 0

    def create(self, name):
        self.calls.append("create")
        if self.create_error:
            raise self.create_error
        return {"id": "p1", "slug": "acme"}

    def mint(self, project_id):
        self.calls.append("mint")
        if self.mint_error:
            raise self.mint_error
        self.keys += 1
        return {"id": f"k{self.keys}", "key": f"ck_live_scripted_{self.keys}"}

    def find(self, name, within=None):
        self.calls.append("find")
        return self.found


@pytest.fixture
def registry(tmp_path):
    engine = engine_for(f"sqlite:///{tmp_path}/r.sqlite3", 5, 1)
    yield Registry(engine, RowCipher(SECRET))
    engine.dispose()


@pytest.fixture
def api():
    return ScriptedApi()


@pytest.fixture
def provisioner(api, registry):
    return AccountProvisioner(api, registry, lease=30, wait=0.3, grace=60)


def test_a_live_lease_of_another_worker_makes_the_caller_wait_then_503(provisioner,
                                                                       registry, api):
    registry.reserve("acme", "Acme", "account", "someone-else", 30)
    with pytest.raises(ProvisionPending):
        provisioner.provision("acme", "Acme")
    assert api.calls == []


def test_an_expired_lease_is_taken_over(provisioner, registry, api):
    registry.reserve("acme", "Acme", "account", "crashed-worker", -1)
    assert provisioner.provision("acme", "Acme") == "ck_live_scripted_1"
    assert api.calls == ["create", "mint"]
    assert registry.get("acme").state == KEYED


def test_a_refused_create_fails_and_leaves_a_row_that_looks_before_creating(provisioner,
                                                                            registry, api):
    api.create_error = UpstreamRejected(status=409, code="craftkit_provision_failed")
    with pytest.raises(ProvisionFailed):
        provisioner.provision("acme", "Acme")
    tenant = registry.get("acme")
    assert tenant.state == RESERVED and tenant.create_sent_at is not None
    assert tenant.lease_owner is None  # released: the next request need not wait
    api.create_error, api.found = None, {"id": "p1", "slug": "acme"}
    assert provisioner.provision("acme", "Acme") == "ck_live_scripted_1"
    assert api.calls == ["create", "find", "mint"]


def test_a_timed_out_create_with_nothing_found_is_not_repeated_within_the_grace(
        provisioner, registry, api):
    api.create_error = UpstreamTimeout()
    with pytest.raises(UpstreamTimeout):
        provisioner.provision("acme", "Acme")
    with pytest.raises(ProvisionPending):
        provisioner.provision("acme", "Acme")
    assert api.calls == ["create", "find", "find"]


def test_a_project_gone_upstream_is_a_provision_failure_not_a_new_project(provisioner,
                                                                         registry, api,
                                                                         caplog):
    provisioner.provision("acme", "Acme")
    api.mint_error = UpstreamRejected(status=404, code="craftkit_provision_failed")
    with pytest.raises(ProvisionFailed):
        provisioner.provision("acme", "Acme", rejected_key="ck_live_scripted_1")
    assert "create" not in api.calls[2:]
    assert "tenants reconcile" in caplog.text


def test_a_key_already_replaced_by_another_worker_is_returned_without_minting(
        provisioner, api):
    provisioner.provision("acme", "Acme")
    assert provisioner.provision("acme", "Acme", rejected_key="ck_live_some_older_key") == (
        "ck_live_scripted_1")
    assert api.calls == ["create", "mint"]


def test_a_deprovisioned_org_is_refused_and_only_provision_again_revives_it(
        provisioner, registry, api):
    provisioner.provision("acme", "Acme")
    registry.claim("acme", "op", 30)
    registry.update_leased("acme", "op", state=DEPROVISIONED, key_sealed=None,
                           lease_owner=None)
    with pytest.raises(TenantDeprovisioned):
        provisioner.provision("acme", "Acme")
    assert provisioner.provision_again("acme", "Acme") == "ck_live_scripted_2"
    assert api.calls == ["create", "mint", "create", "mint"]


def test_a_row_of_the_admin_strategy_is_not_served_in_account_mode(provisioner, registry,
                                                                   caplog):
    registry.record("acme", "Acme", "admin", state=KEYED, project_id="p0")
    with pytest.raises(ProvisionFailed):
        provisioner.provision("acme", "Acme")
    assert "admin strategy" in caplog.text


def test_a_lost_lease_discards_the_work_and_says_pending(provisioner, registry, api):
    def create_while_another_worker_takes_over(name):
        # Our lease ran out mid-call and another worker claimed the org.
        with registry.transaction() as connection:
            connection.exec_driver_sql("UPDATE craftkit_tenants SET lease_owner = 'usurper'")
        return {"id": "p1", "slug": "acme"}

    api.create = create_while_another_worker_takes_over
    with pytest.raises(ProvisionPending):
        provisioner.provision("acme", "Acme")
    tenant = registry.get("acme")
    assert (tenant.state, tenant.project_id, tenant.lease_owner) == (RESERVED, None, "usurper")
