"""Templates and renders lists: shapes, per-org isolation, filters and pagination."""

from __future__ import annotations

import pytest

from .conftest import ACCOUNT_A, FIELDS, error_of

TEMPLATES = "/v1/embed/builder/templates"
RENDERS = "/v1/embed/renders"


def test_list_templates_returns_published_templates(emulator, org_key):
    template = emulator.template(org_key, name="Invoice")
    body = emulator.call("GET", TEMPLATES, org_key).json()
    assert body["next_cursor"] is None
    assert body["data"] == [template]
    assert set(template) == {"id", "name", "fields", "version", "publishedAt"}
    assert template["fields"] == FIELDS and template["version"] == 1


def test_list_templates_is_per_org(emulator, org_key):
    other_key = emulator.provision("org-b")["apiKey"]
    emulator.template(other_key, "org-b")
    assert emulator.call("GET", TEMPLATES, org_key).json()["data"] == []


def test_list_templates_paginates(emulator, org_key):
    names = [emulator.template(org_key, name=f"T{i}")["name"] for i in range(5)]
    seen, cursor = [], None
    while True:
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = emulator.call("GET", TEMPLATES + query, org_key).json()
        assert len(body["data"]) <= 2
        seen += [t["name"] for t in body["data"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == names


@pytest.mark.parametrize("url", [TEMPLATES, RENDERS])
@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=abc", "limit=-1",
                                   "cursor=bogus", "cursor=c2VxOng"])
def test_lists_bad_paging_is_422(emulator, org_key, url, query):
    assert error_of(emulator.call("GET", f"{url}?{query}", org_key)) == (422, "invalid_request")


@pytest.mark.parametrize("url", [TEMPLATES, RENDERS])
@pytest.mark.parametrize("key", [None, ACCOUNT_A, "ck_live_nope"])
def test_lists_without_project_key_are_401(emulator, url, key):
    assert error_of(emulator.call("GET", url, key)) == (401, "unauthorized")


def test_list_renders_newest_first_with_values(emulator, org_key):
    template = emulator.template(org_key)
    first = emulator.render(org_key, template["id"], {"customer.name": "Ann"})
    second = emulator.render(org_key, template["id"], {"customer.name": "Bob"})
    body = emulator.call("GET", RENDERS, org_key).json()
    assert [r["id"] for r in body["data"]] == [second["renderId"], first["renderId"]]
    render = body["data"][0]
    assert render["status"] == "completed" and render["templateId"] == template["id"]
    assert render["templateName"] == "Invoice" and render["createdAt"].endswith("Z")
    assert render["values"] == {"customer.name": "Bob", "customer.email": ""}


def test_list_renders_filters_by_template_and_status(emulator, org_key):
    a = emulator.template(org_key, name="A")
    b = emulator.template(org_key, name="B")
    emulator.render(org_key, a["id"], {"customer.name": "x"})
    only_b = emulator.render(org_key, b["id"], {"customer.name": "y"})
    body = emulator.call("GET", f"{RENDERS}?templateId={b['id']}", org_key).json()
    assert [r["id"] for r in body["data"]] == [only_b["renderId"]]
    assert len(emulator.call("GET", f"{RENDERS}?status=completed", org_key).json()["data"]) == 2
    assert emulator.call("GET", f"{RENDERS}?status=failed", org_key).json()["data"] == []
    bad = emulator.call("GET", f"{RENDERS}?status=done", org_key)
    assert error_of(bad) == (422, "invalid_request")


def test_list_renders_paginates_with_filters(emulator, org_key):
    template = emulator.template(org_key)
    ids = [emulator.render(org_key, template["id"], {"customer.name": str(i)})["renderId"]
           for i in range(3)]
    first = emulator.call("GET", f"{RENDERS}?limit=2&templateId={template['id']}",
                          org_key).json()
    rest = emulator.call("GET", f"{RENDERS}?limit=2&templateId={template['id']}"
                                f"&cursor={first['next_cursor']}", org_key).json()
    assert [r["id"] for r in first["data"] + rest["data"]] == ids[::-1]
    assert rest["next_cursor"] is None


def test_list_renders_is_per_org(emulator, org_key):
    other_key = emulator.provision("org-b")["apiKey"]
    template = emulator.template(other_key, "org-b")
    emulator.render(other_key, template["id"], {"customer.name": "x"}, org="org-b")
    assert emulator.call("GET", RENDERS, org_key).json()["data"] == []
