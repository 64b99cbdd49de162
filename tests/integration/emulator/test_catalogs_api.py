"""POST /v1/embed/catalogs: the seed's schema, checked strictly, and catalogRef use."""

from __future__ import annotations

import copy

import jwt
import pytest

from .conftest import ACCOUNT_A, error_of

URL = "/v1/embed/catalogs"
SEED_CATALOG = {
    "name": "my-catalog-v1",
    "catalog": {
        "allowCustom": False,
        "namespaces": [{
            "key": "customer", "label": "Customer",
            "fields": [
                {"key": "customer.name", "label": "Name", "dataType": "text", "required": True},
                {"key": "customer.email", "label": "Email", "dataType": "email",
                 "required": False},
            ],
        }],
        "loops": [],
    },
}


def test_publish_catalog_seed_example_is_201(emulator, org_key):
    response = emulator.call("POST", URL, org_key, json=SEED_CATALOG)
    assert response.status_code == 201
    assert response.json()["catalog"] == SEED_CATALOG["catalog"]


def test_publish_catalog_same_name_replaces_with_200(emulator, org_key):
    emulator.call("POST", URL, org_key, json=SEED_CATALOG)
    changed = copy.deepcopy(SEED_CATALOG)
    changed["catalog"]["allowCustom"] = True
    response = emulator.call("POST", URL, org_key, json=changed)
    assert response.status_code == 200 and response.json()["catalog"]["allowCustom"] is True


def test_publish_catalog_loops_default_to_empty(emulator, org_key):
    body = copy.deepcopy(SEED_CATALOG)
    del body["catalog"]["loops"]
    assert emulator.call("POST", URL, org_key, json=body).json()["catalog"]["loops"] == []


def test_session_catalog_ref_is_per_org(emulator, org_key):
    emulator.call("POST", URL, org_key, json=SEED_CATALOG)
    token = emulator.session(org_key, catalog="my-catalog-v1")["session_token"]
    assert jwt.decode(token, options={"verify_signature": False})["cat"] == "my-catalog-v1"
    other_key = emulator.provision("org-b")["apiKey"]
    response = emulator.mint(other_key, "org-b", catalog="my-catalog-v1")
    assert error_of(response) == (404, "not_found")


def _put(path, value):
    def apply(body):
        holder = body
        for part in path[:-1]:
            holder = holder[part]
        if value is KeyError:
            del holder[path[-1]]
        else:
            holder[path[-1]] = value
    return apply


NS = ["catalog", "namespaces", 0]
FIELD = [*NS, "fields", 0]
BAD = {
    "name": (_put(["name"], KeyError), "name"),
    "name empty": (_put(["name"], " "), "name"),
    "catalog missing": (_put(["catalog"], KeyError), "catalog"),
    "catalog list": (_put(["catalog"], []), "catalog"),
    "extra catalog key": (_put(["catalog", "theme"], "dark"), "catalog.theme"),
    "allowCustom missing": (_put(["catalog", "allowCustom"], KeyError), "catalog.allowCustom"),
    "allowCustom string": (_put(["catalog", "allowCustom"], "false"), "catalog.allowCustom"),
    "namespaces missing": (_put(["catalog", "namespaces"], KeyError), "catalog.namespaces"),
    "namespaces empty": (_put(["catalog", "namespaces"], []), "catalog.namespaces"),
    "namespace not object": (_put(NS, "customer"), "catalog.namespaces[0]"),
    "namespace key bad": (_put([*NS, "key"], "cus tomer"), "catalog.namespaces[0].key"),
    "namespace label missing": (_put([*NS, "label"], KeyError), "catalog.namespaces[0].label"),
    "namespace extra": (_put([*NS, "icon"], "x"), "catalog.namespaces[0].icon"),
    "fields not list": (_put([*NS, "fields"], {}), "catalog.namespaces[0].fields"),
    "field key missing": (_put([*FIELD, "key"], KeyError), "catalog.namespaces[0].fields[0].key"),
    "field key outside namespace": (_put([*FIELD, "key"], "order.name"),
                                    "catalog.namespaces[0].fields[0].key"),
    "field label empty": (_put([*FIELD, "label"], ""), "catalog.namespaces[0].fields[0].label"),
    "field type unknown": (_put([*FIELD, "dataType"], "blob"),
                           "catalog.namespaces[0].fields[0].dataType"),
    "field required string": (_put([*FIELD, "required"], "yes"),
                              "catalog.namespaces[0].fields[0].required"),
    "field extra": (_put([*FIELD, "default"], "x"), "catalog.namespaces[0].fields[0].default"),
    "field key twice": (_put([*NS, "fields", 1, "key"], "customer.name"),
                        "catalog.namespaces[0].fields[1].key"),
    "loops not list": (_put(["catalog", "loops"], {}), "catalog.loops"),
    "loop bad": (_put(["catalog", "loops"], [{"key": "items"}]), "catalog.loops[0].label"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_publish_catalog_invalid_is_422_naming_the_path(emulator, org_key, case):
    mutate, path = BAD[case]
    body = copy.deepcopy(SEED_CATALOG)
    mutate(body)
    response = emulator.call("POST", URL, org_key, json=body)
    assert error_of(response) == (422, "invalid_request")
    assert path in response.json()["error"]["message"]


def test_publish_catalog_non_json_is_400(emulator, org_key):
    assert error_of(emulator.call("POST", URL, org_key, data="[")) == (400, "invalid_json")


def test_publish_catalog_with_account_key_is_401(emulator):
    response = emulator.call("POST", URL, ACCOUNT_A, json=SEED_CATALOG)
    assert error_of(response) == (401, "unauthorized")
