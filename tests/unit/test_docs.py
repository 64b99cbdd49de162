"""The README's reference tables are derived from the code, so they cannot drift from it."""

from __future__ import annotations

import re

from bff import errors
from bff.api import REGISTRY
from bff.config import markdown_table
from tests.support import ROOT

PLACEHOLDER = re.compile(r"\{(\w+)\}")
README = (ROOT / "README.md").read_text()


def _table_after(header: str) -> list[str]:
    start = README.index(header)
    lines = README[start:].split("\n\n", 1)[0].splitlines()
    return lines


def _every_error_code() -> set[str]:
    classes, codes = [errors.BffError], set()
    while classes:
        cls = classes.pop()
        # UpstreamRejected has no code of its own: each route names one (REGISTRY, below).
        if cls is not errors.UpstreamRejected:
            codes.add(cls.code)
        classes.extend(cls.__subclasses__())
    codes.update(value for name, value in vars(errors).items()
                 if name.isupper() and isinstance(value, str) and name.endswith(("_FAILED",
                                                                                 "_ERROR")))
    codes.update(route.failure_code for route in REGISTRY)
    return codes


def test_readme_configuration_table_is_the_declared_one():
    table = "\n".join(_table_after("| variable | default | meaning |"))
    assert table == markdown_table(), (
        "README's configuration table differs from bff/config.py; paste the output of "
        "`python -m bff.config` into README.md")


def test_readme_error_table_lists_every_code_the_bff_can_answer():
    rows = "\n".join(_table_after("| status | error | when |"))
    documented = set(re.findall(r"`([a-z_]+)`", rows))
    missing = _every_error_code() - documented
    assert not missing, f"add these error codes to README's error table: {sorted(missing)}"


def test_readme_route_table_lists_every_registered_route_and_its_upstream_call():
    rows = _table_after("| route | what it does | upstream call")[2:]
    documented = {}
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        documented[cells[0].strip("`")] = cells[2].strip("`")
    registered = {f"{route.method} {route.rule}":
                  f"{route.method} " + PLACEHOLDER.sub(r"<\1>", route.upstream)
                  for route in REGISTRY}
    assert documented == registered
