"""Projects merely named like an org's are never adopted, overwritten into a row, or
deleted: after a lost create only the project that create made is adopted."""

from __future__ import annotations

import json

import requests

from bff.registry.naming import marker_for
from tests.support.servers import serve_app

from .conftest import mint
from .test_lifecycle import as_json, cli  # noqa: F401 - fixture


def create(emulator, name: str) -> dict:
    answer = requests.post(f"{emulator.url}/v1/projects", json={"name": name},
                           headers=emulator.account, timeout=10)
    assert answer.status_code == 201
    return answer.json()


def test_a_lost_create_adopts_the_project_it_made_not_an_older_lookalike(emulator, make_app):
    lookalike = create(emulator, "Acme [ckbff:acme]")  # older, and named as 0.2 named it
    emulator.fault("POST", "/v1/projects", "drop")  # performed, then its answer lost
    app = make_app()
    with serve_app(app) as url:
        assert mint(url).status_code == 200
    tenant = app.extensions["craftkit_bff"].registry.get("acme")
    made = [p for p in emulator.projects(marker_for("acme")) if p["id"] != lookalike["id"]]
    assert len(made) == 1 and tenant.project_id == made[0]["id"]


def test_a_create_lost_before_it_landed_never_adopts_a_lookalike(emulator, make_app):
    lookalike = create(emulator, "Acme [ckbff:acme]")
    emulator.fault("POST", "/v1/projects", "drop", perform=False)
    app = make_app()
    with serve_app(app) as url:
        assert mint(url).status_code == 503
        assert mint(url).json()["error"] == "craftkit_provision_pending"
    tenant = app.extensions["craftkit_bff"].registry.get("acme")
    assert tenant.project_id is None and tenant.project_id != lookalike["id"]


def test_reconcile_never_deletes_a_lookalike_nor_the_real_project(cli, emulator):  # noqa: F811
    real = as_json(cli, "tenants", "provision", "acme", "--name", "Acme")
    lookalike = create(emulator, "Evil Corp [ckbff:acme]")
    findings = as_json(cli, "tenants", "reconcile", "--fix")
    assert [(f["kind"], f["project_id"], f["action"]) for f in findings] == [
        ("lookalike", lookalike["id"], None)]
    live = {p["id"] for p in emulator.projects(marker_for("acme"))}
    assert live == {real["project_id"], lookalike["id"]}


def test_a_marker_spelling_another_orgs_id_never_overwrites_its_row(cli, emulator):  # noqa: F811
    # "a[b" has a hashed marker; a plain marker spelling "a[b" is not its own.
    row = as_json(cli, "tenants", "provision", "a[b", "--name", "Bracket Org")
    forged = create(emulator, "Forged [ckbff:a[b]")
    findings = as_json(cli, "tenants", "reconcile", "--fix")
    unknown = [f for f in findings if f["project_id"] == forged["id"]]
    assert [(f["kind"], f["org_id"]) for f in unknown] == [("unknown", None)]
    code, out, _ = cli("tenants", "show", "a[b", "--json")
    assert json.loads(out)["project_id"] == row["project_id"]


def test_several_unknown_projects_for_one_org_are_reported_not_adopted(cli, emulator):  # noqa: F811
    first, second = (create(emulator, "Initech [ckbff:initech]") for _ in range(2))
    findings = as_json(cli, "tenants", "reconcile", "--fix")
    assert sorted((f["kind"], f["project_id"], f["action"]) for f in findings) == sorted(
        [("unknown", first["id"], None), ("unknown", second["id"], None)])
    code, _, err = cli("tenants", "show", "initech")
    assert code == 1 and "no org" in err
