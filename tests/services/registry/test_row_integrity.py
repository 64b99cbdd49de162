"""Registry rows at rest: someone who can write the database, but knows no secret, cannot
serve an old key, a deprovisioned org, or one org's key as another's (SQLite, PostgreSQL)."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest

from bff.commands.checks import check_registry
from bff.commands.report import Report
from bff.config import ConfigError
from bff.credentials.account import AccountProvisioner
from bff.credentials.recording import RecordingAdminProvisioner
from bff.errors import RegistrySecretMismatch
from bff.registry import DEPROVISIONED, KEYED, Registry, RowCipher, RowUnreadable
from bff.registry import create_registry_engine as engine_for
from bff.registry.schema import tenants

from .conftest import SECRET

OLD, NEW = "ck_live_before_the_rotation", "ck_live_after_the_rotation"
GOLDEN_SECRET = "golden-registry-secret-0123"
# A row sealed by craftkit-bff 0.2.0 (format v1, bound to "tenant-key:org:a:proj-1").
ROW_020 = "v1.02ed5513.W4mzMNLfXLC1hlRAPu3h3Z772Fuxh9zwzhIJwg6N6um_JUv7wKrBrHhs"


def keyed(registry: Registry, org_id: str, key: str, project: str = "p1") -> None:
    registry.reserve(org_id, org_id.title(), "account", "w1", 30)
    registry.update_leased(org_id, "w1", state=KEYED, project_id=project, key=key,
                           lease_owner=None, lease_until=None)


class NoUpstream:
    """An account API that must not be called: the registry alone decides these cases."""

    def __getattr__(self, name):
        raise AssertionError(f"unexpected upstream call: {name}")


def test_an_older_key_written_back_after_a_rotation_is_refused(registry):
    keyed(registry, "acme", OLD)
    before = registry.get("acme")
    old_sealed, old_generation = before.key_sealed, before.generation
    registry.claim("acme", "op", 30)
    registry.update_leased("acme", "op", key=NEW, lease_owner=None, lease_until=None)
    provisioner = AccountProvisioner(NoUpstream(), registry, lease=30, wait=0.1, grace=60)
    assert provisioner.provision("acme", "Acme") == NEW
    for restored in ({"key_sealed": old_sealed},
                     {"key_sealed": old_sealed, "generation": old_generation}):
        with registry.engine.begin() as connection:
            connection.execute(tenants.update().where(tenants.c.org_id == "acme").values(
                **restored))
        with pytest.raises(RegistrySecretMismatch):
            provisioner.provision("acme", "Acme")


def test_a_deprovisioned_org_flipped_back_to_keyed_is_not_served(registry):
    registry.record("acme", "Acme", "admin", state=KEYED, project_id="p1")
    registry.claim("acme", "op", 30)
    registry.update_leased("acme", "op", state=DEPROVISIONED, lease_owner=None,
                           lease_until=None)
    with registry.engine.begin() as connection:
        connection.execute(tenants.update().where(tenants.c.org_id == "acme").values(
            state=KEYED))
    with pytest.raises(RegistrySecretMismatch):
        RecordingAdminProvisioner(NoUpstream(), registry).provision("acme", "Acme")


def test_a_key_bound_to_one_org_and_project_never_opens_for_another_split(registry):
    # "a:b" with project "c" and "a" with project "b:c" read the same in 0.2's context.
    keyed(registry, "a:b", "ck_live_of_org_a_b", project="c")
    keyed(registry, "a", "ck_live_of_org_a", project="b:c")
    with registry.engine.begin() as connection:
        moved = connection.execute(tenants.select().where(tenants.c.org_id == "a")).first()
        connection.execute(tenants.update().where(tenants.c.org_id == "a:b").values(
            key_sealed=moved.key_sealed, generation=moved.generation))
    with pytest.raises(RowUnreadable):
        registry.open_key(registry.get("a:b", verify=False))
    with pytest.raises(RegistrySecretMismatch):
        registry.get("a:b")


def test_a_row_whose_seal_was_removed_is_refused(registry):
    keyed(registry, "acme", OLD)
    with registry.engine.begin() as connection:
        connection.execute(tenants.update().values(row_seal=None))
    with pytest.raises(RegistrySecretMismatch):
        registry.get("acme")
    assert not registry.intact(registry.all()[0])


def test_a_host_without_the_secret_refuses_a_registry_whose_rows_are_sealed(registry,
                                                                          open_registry):
    keyed(registry, "acme", OLD)
    with pytest.raises(ConfigError, match="CRAFTKIT_REGISTRY_SECRET"):
        open_registry(secret=None).prepare()


def test_a_registry_written_by_0_2_is_sealed_on_first_open(registry_url):
    """0.2's schema (version 1) and row, upgraded: the v1 key re-sealed, the row sealed."""
    engine = engine_for(registry_url, 5, 2)
    try:
        from bff.registry import schema

        with engine.begin() as connection:
            schema._create_v1(connection)
            schema.meta.create(connection)
            schema.write_meta(connection, "schema_version", "1", exists=False)
            schema.write_meta(connection, "key_check", RowCipher(GOLDEN_SECRET).seal(
                "craftkit-bff tenant registry key check", "registry-key-check"), exists=False)
            connection.exec_driver_sql(
                "INSERT INTO craftkit_tenants (org_id, org_name, strategy, state, project_id, "
                "key_sealed, created_at, updated_at) VALUES ('org:a', 'Org A', 'account', "
                f"'keyed', 'proj-1', '{ROW_020}', 1, 1)")
        registry = Registry(engine, RowCipher(GOLDEN_SECRET))
        tenant = registry.get("org:a")
        assert registry.open_key(tenant) == "ck_live_golden"
        assert tenant.key_sealed.startswith("v2.") and tenant.row_seal
        assert registry.intact(tenant)
    finally:
        engine.dispose()


@pytest.fixture
def registry(open_registry):
    """A registry on the database clock (no test clock), as the BFF opens one."""
    return open_registry(clock=None)


@pytest.fixture
def open_registry(registry_url):
    opened = []

    def _open(secret: str | None = SECRET, clock=None) -> Registry:
        engine = engine_for(registry_url, 5, 4)
        opened.append(engine)
        return Registry(engine, RowCipher(secret) if secret else None, clock)

    yield _open
    for engine in opened:
        engine.dispose()


def test_doctor_names_a_row_that_fails_its_seal(registry, registry_url):
    keyed(registry, "acme", OLD)
    keyed(registry, "globex", NEW)
    with registry.engine.begin() as connection:
        connection.execute(tenants.update().where(tenants.c.org_id == "acme").values(
            state=DEPROVISIONED))
    out = io.StringIO()
    report = Report(out)
    check_registry(report, SimpleNamespace(
        registry=registry, settings=SimpleNamespace(registry_location=registry_url)))
    assert report.exit_code() == 1
    assert "1 row(s) fail their seal" in out.getvalue() and "orgs acme;" in out.getvalue()


def test_a_row_that_fails_its_seal_is_never_sealed_again_except_to_deprovision_it(registry):
    registry.record("acme", "Acme", "admin", state=KEYED, project_id="p1")
    registry.claim("acme", "op", 30)
    registry.update_leased("acme", "op", state=DEPROVISIONED, lease_owner=None,
                           lease_until=None)
    with registry.engine.begin() as connection:
        connection.execute(tenants.update().values(state=KEYED))  # flipped behind our back
    # A repair (reconcile pointing the row at a project, say) would vouch for the flip.
    assert registry.claim("acme", "op", 30)  # a lease alone seals nothing
    with pytest.raises(RegistrySecretMismatch):
        registry.update_leased("acme", "op", state="created", project_id="p2")
    assert not registry.intact(registry.all()[0])
    # Deprovisioning it serves nothing: allowed, and the org can be provisioned again.
    assert registry.update_leased("acme", "op", state=DEPROVISIONED, lease_owner=None,
                                  lease_until=None)
    assert registry.get("acme").state == DEPROVISIONED
    assert registry.revive("acme", "Acme", "op2", 30)
    assert registry.intact(registry.get("acme"))
