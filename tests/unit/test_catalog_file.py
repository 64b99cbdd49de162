"""CRAFTKIT_CATALOG_FILE: the seed's publish body, checked at start-up, and its version."""

import json

import pytest

from bff import ConfigError, create_app
from bff.catalogs.file import MAX_CATALOG_BYTES, load_catalog
from tests.support.craftkit_mock import ADMIN_KEY, JWT_SECRET

BODY = {"name": "my-catalog-v1", "catalog": {
    "allowCustom": False,
    "namespaces": [{"key": "customer", "label": "Customer", "fields": [
        {"key": "customer.name", "label": "Name", "dataType": "text", "required": True}]}],
    "loops": []}}


def write(tmp_path, content, name="catalog.json"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else json.dumps(content).encode())
    return str(path)


def start(**settings):
    return create_app({"CRAFTKIT_ADMIN_KEY": ADMIN_KEY, "CRAFTKIT_AUTH_JWT_SECRET": JWT_SECRET,
                       **settings})


def test_the_catalog_name_defaults_to_the_files(tmp_path):
    settings = start(CRAFTKIT_CATALOG_FILE=write(tmp_path, BODY)).extensions[
        "craftkit_bff"].settings
    assert settings.catalog_name == "my-catalog-v1"
    assert settings.catalog_file.publish_body() == BODY


def test_the_same_name_twice_is_fine_and_two_names_are_a_start_up_error(tmp_path):
    path = write(tmp_path, BODY)
    start(CRAFTKIT_CATALOG_FILE=path, CRAFTKIT_CATALOG_NAME="my-catalog-v1")
    with pytest.raises(ConfigError, match="CRAFTKIT_CATALOG_NAME.*CRAFTKIT_CATALOG_FILE"):
        start(CRAFTKIT_CATALOG_FILE=path, CRAFTKIT_CATALOG_NAME="my-catalog-v2")


def test_the_version_is_the_content_not_the_formatting(tmp_path):
    compact = load_catalog(write(tmp_path, json.dumps(BODY).encode(), "a.json"))
    pretty = load_catalog(write(tmp_path, json.dumps(BODY, indent=4).encode(), "b.json"))
    assert compact.version == pretty.version
    changed = {**BODY, "catalog": {**BODY["catalog"], "allowCustom": True}}
    assert load_catalog(write(tmp_path, changed, "c.json")).version != compact.version


@pytest.mark.parametrize(("content", "says"), [
    (b"{not json", "not valid JSON: Expecting property name"),
    (b"\xff\xfe", "not UTF-8"),
    ([BODY], 'exactly "name" and "catalog"'),
    ({"catalog": BODY["catalog"]}, 'exactly "name" and "catalog"'),
    ({**BODY, "extra": 1}, 'exactly "name" and "catalog"'),
    ({**BODY, "name": ""}, '"name" must be'),
    ({**BODY, "name": " padded "}, '"name" must be'),
    ({**BODY, "name": 7}, '"name" must be'),
    ({**BODY, "catalog": []}, '"catalog" must be an object'),
    ({**BODY, "catalog": {"allowCustom": False}}, "catalog.namespaces"),
    ({**BODY, "catalog": {**BODY["catalog"], "namespaces": []}}, "catalog.namespaces"),
    ({**BODY, "catalog": {**BODY["catalog"], "loops": {}}}, "catalog.loops"),
    ({**BODY, "catalog": {**BODY["catalog"], "allowCustom": "no"}}, "catalog.allowCustom"),
    (b" " * (MAX_CATALOG_BYTES + 1), "at most"),
])
def test_a_bad_catalog_file_fails_at_start_up_naming_the_setting(tmp_path, content, says):
    with pytest.raises(ConfigError, match="CRAFTKIT_CATALOG_FILE") as caught:
        start(CRAFTKIT_CATALOG_FILE=write(tmp_path, content))
    assert says in str(caught.value)


def test_a_missing_catalog_file_fails_at_start_up(tmp_path):
    with pytest.raises(ConfigError, match="CRAFTKIT_CATALOG_FILE.*cannot be read"):
        start(CRAFTKIT_CATALOG_FILE=str(tmp_path / "absent.json"))
