"""Account mode over real HTTP: cold herds across two BFFs, lost answers, rejected keys.

Each test ends by counting what Craftkit (the emulator) holds: one project per org.
"""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor

from bff.registry import KEYED
from bff.registry.naming import marker_for
from tests.support.servers import serve_app

from .conftest import ACCOUNT_KEY, SECRET, mint


def one_project(emulator, org="acme") -> dict:
    projects = emulator.projects(marker_for(org))
    assert len(projects) == 1, projects
    return projects[0]


def held_key(app, org="acme") -> str:
    registry = app.extensions["craftkit_bff"].registry
    tenant = registry.get(org)
    assert tenant.state == KEYED
    return registry.open_key(tenant)


def test_cold_herd_across_two_bffs_makes_one_project_and_one_key(emulator, make_app,
                                                                 stored_text):
    first, second = make_app(), make_app()
    with serve_app(first) as url_a, serve_app(second) as url_b:
        with ThreadPoolExecutor(24) as pool:
            answers = list(pool.map(lambda i: mint((url_a, url_b)[i % 2]), range(24)))
    assert [a.status_code for a in answers] == [200] * 24, answers[0].text
    project = one_project(emulator)
    assert emulator.key_count(project["id"]) == 1
    # The create's tag sits before the marker (registry/naming.py).
    assert re.fullmatch(r"Acme ~[0-9a-f]{8} \[ckbff:acme\]", project["name"])
    key = held_key(first)
    assert emulator.key_works(key)
    text = stored_text()
    assert key not in text and "ck_live_" not in text and ACCOUNT_KEY not in text


def test_a_rejected_key_is_replaced_by_a_new_key_for_the_same_project(emulator, make_app):
    app = make_app()
    with serve_app(app) as url:
        assert mint(url).status_code == 200
        old = held_key(app)
        # Craftkit stops accepting the key (e.g. revoked in the dashboard).
        emulator.app.extensions["craftkit_emulator"]["store"].execute(
            "DELETE FROM project_keys")
        assert not emulator.key_works(old)
        assert mint(url).status_code == 200
    new = held_key(app)
    assert new != old and emulator.key_works(new)
    one_project(emulator)


def test_a_create_whose_answer_is_dropped_adopts_the_project_it_made(emulator, make_app):
    emulator.fault("POST", "/v1/projects", "drop")
    with serve_app(make_app()) as url:
        answer = mint(url)
    assert answer.status_code == 200, answer.text
    assert emulator.fault_hits() == 1
    one_project(emulator)


def test_a_create_that_times_out_after_creating_adopts_the_project(emulator, make_app):
    emulator.fault("POST", "/v1/projects", "timeout", hold=4)
    with serve_app(make_app()) as url:
        answer = mint(url)
    assert answer.status_code == 200, answer.text
    one_project(emulator)


def test_a_create_lost_before_it_landed_is_retried_only_after_the_grace(emulator, make_app):
    emulator.fault("POST", "/v1/projects", "drop", perform=False)
    app = make_app()
    with serve_app(app) as url:
        first = mint(url)
        assert first.status_code == 503 and first.json()["error"] == "craftkit_unavailable"
        # Nothing is found, but the first create might still land: no second create yet.
        assert mint(url).json()["error"] == "craftkit_provision_pending"
        assert emulator.projects(marker_for("acme")) == []
        time.sleep(2 * (1 + 1.5) + 0.2)  # the grace: two full upstream timeouts
        assert mint(url).status_code == 200
    one_project(emulator)


def test_a_mint_whose_answer_is_lost_mints_again_for_the_same_project(emulator, make_app):
    emulator.fault("POST", "/v1/projects/*/keys", "drop")
    app = make_app()
    with serve_app(app) as url:
        assert mint(url).status_code == 503
        assert mint(url).status_code == 200
    project = one_project(emulator)
    # The first key never reached us: an orphan upstream, never used or stored.
    assert emulator.key_count(project["id"]) == 2
    assert emulator.key_works(held_key(app))


def test_an_unreachable_registry_is_a_503_and_nothing_is_created(emulator, make_app,
                                                                  registry_url, request,
                                                                  tmp_path):
    if registry_url.startswith("sqlite"):
        app = make_app(CRAFTKIT_REGISTRY_URL=f"sqlite:///{tmp_path}/no/such/dir/r.sqlite3")
    else:
        postgres = request.getfixturevalue("postgres")
        app = make_app()
        postgres.pause()
        request.addfinalizer(postgres.resume)
    with serve_app(app) as url:
        answer = mint(url)
    assert answer.status_code == 503
    assert answer.json()["error"] == "registry_unavailable"
    assert emulator.projects() == []


def test_a_second_bff_with_another_secret_is_refused_at_start(make_app):
    import pytest

    from bff import ConfigError

    make_app()
    with pytest.raises(ConfigError, match="CRAFTKIT_REGISTRY_SECRET") as refused:
        make_app(CRAFTKIT_REGISTRY_SECRET="a-different-registry-secret-000")
    assert SECRET not in str(refused.value)


def test_a_row_that_does_not_decrypt_is_a_clear_error_naming_the_variable(
        emulator, make_app, caplog):
    app = make_app()
    registry = app.extensions["craftkit_bff"].registry
    with serve_app(app) as url:
        assert mint(url).status_code == 200
        key = held_key(app)
        # A row sealed under some other secret (the check row still matches ours).
        from bff.registry import RowCipher

        foreign = RowCipher("some-other-registry-secret-0000").seal(key, "x")
        owner = "test"
        registry.claim("acme", owner, 30)
        registry.update_leased("acme", owner, key_sealed=foreign, lease_owner=None)
        app.extensions["craftkit_bff"].keys.store.delete("acme")
        answer = mint(url)
    assert answer.status_code == 500
    assert answer.json()["error"] == "registry_secret_mismatch"
    assert "CRAFTKIT_REGISTRY_SECRET" in answer.json()["message"]
    assert "CRAFTKIT_REGISTRY_SECRET" in caplog.text and key not in caplog.text
    one_project(emulator)


def test_metrics_label_account_calls_by_template_not_by_project(emulator, make_app):
    app = make_app(CRAFTKIT_METRICS="true")
    with serve_app(app) as url:
        for org in ("acme", "globex", "initech"):
            assert mint(url, org).status_code == 200
        text = app.test_client().get("/metrics").get_data(as_text=True)
    keys_series = [line for line in text.splitlines()
                   if line.startswith("craftkit_bff_upstream_duration_seconds_count{")
                   and "/keys" in line]
    # One series for every project's key mint (the registry is process-wide: other tests'
    # mints count in it too), never one per project.
    assert [line.rsplit(" ", 1)[0] for line in keys_series] == [
        'craftkit_bff_upstream_duration_seconds_count{endpoint="/v1/projects/{id}/keys",'
        'outcome="201"}']
    for project in emulator.projects():
        assert project["id"] not in text
