"""The docs stay true: reference tables derived from the code, examples that are the tested
files, links that resolve, a short README that starts with its two commands, and no words
from the project's own history. Each failure names the file to change."""

from __future__ import annotations

import re
import tomllib

import pytest

from bff import errors
from bff.api import REGISTRY
from bff.config import markdown_table
from bff.emulator.config import _ENV as EMULATOR_VARIABLES
from bff.extras import EXTRAS
from tests.support import ROOT

DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md")), ROOT / "benchmarks" / "HISTORY.md"]
PLACEHOLDER = re.compile(r"\{(\w+)\}")
# Words of the project's own making that mean nothing to a user.
JARGON = re.compile(r"this round|round [0-9]|seed 00[0-9]|the seeds?\b|the issue'?s?\b|"
                    r"shared/seeds", re.IGNORECASE)
# Each example file and the page that shows it whole, in a code block.
EXAMPLES = {
    "examples/flask_host/app.py": "docs/flask.md",
    "examples/flask_host/static/documents.js": "docs/flask.md",
    "examples/nextjs/app/signin/route.ts": "docs/nextjs.md",
    "examples/nextjs/next.config.mjs": "docs/nextjs.md",
    "examples/nextjs/app/documents/page.tsx": "docs/nextjs.md",
    "examples/nextjs/app/documents/TemplateBuilder.tsx": "docs/embedding.md",
}


def read(relative: str) -> str:
    return (ROOT / relative).read_text()


def table_after(page: str, header: str) -> list[str]:
    """The lines of the table that starts with header in page (a path from the root)."""
    text = read(page)
    assert header in text, f"{page} has lost its table starting {header!r}"
    return text[text.index(header):].split("\n\n", 1)[0].splitlines()


def every_error_code() -> set[str]:
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


def code_blocks(text: str) -> list[str]:
    return re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.DOTALL)


def test_configuration_table_is_the_declared_one():
    table = "\n".join(table_after("docs/configuration.md", "| variable | default | meaning |"))
    assert table == markdown_table(), (
        "docs/configuration.md's table differs from bff/config.py: paste the output of "
        "`python -m bff.config` into docs/configuration.md")


def test_error_table_lists_every_code_the_bff_can_answer():
    rows = "\n".join(table_after("docs/api.md", "| status | error | when |"))
    missing = every_error_code() - set(re.findall(r"`([a-z_]+)`", rows))
    assert not missing, f"add these error codes to the error table in docs/api.md: {missing}"


def test_route_table_lists_every_registered_route():
    documented = {}
    for row in table_after("docs/api.md", "| route | what it does | upstream call")[2:]:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        documented[cells[0].strip("`")] = cells[2].strip("`")
    registered = {f"{route.method} {route.rule}":
                  f"{route.method} " + PLACEHOLDER.sub(r"<\1>", route.upstream)
                  for route in REGISTRY}
    assert documented == registered, "docs/api.md's route table differs from bff/api"


def test_every_extra_is_declared_and_documented():
    declared = tomllib.loads(read("pyproject.toml"))["project"]["optional-dependencies"]
    assert set(declared) == set(EXTRAS) | {"dev"}, "pyproject.toml's extras and bff/extras.py"
    for page, header in (("docs/deploying.md", "| extra | adds | needed for |"),
                         ("README.md", "| extra | adds |")):
        listed = {row.split("|")[1].strip().strip("`")
                  for row in table_after(page, header)[2:]}
        assert listed == set(EXTRAS), f"the extras table in {page} differs from bff/extras.py"


def test_the_emulators_variables_are_documented():
    text = read("docs/emulator.md")
    missing = [name for name in EMULATOR_VARIABLES.values() if f"`{name}`" not in text]
    assert not missing, f"document these in docs/emulator.md's configuration: {missing}"


@pytest.mark.parametrize(("example", "page"), sorted(EXAMPLES.items()))
def test_docs_show_the_examples_that_are_tested(example, page):
    assert read(example) in code_blocks(read(page)), (
        f"{page} must show {example} whole, as it is: change both")


@pytest.mark.parametrize("page", PAGES, ids=lambda path: str(path.relative_to(ROOT)))
def test_links_between_pages_resolve(page):
    text = page.read_text()
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue  # another site
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        where = f"{page.relative_to(ROOT)} links to {target}"
        assert linked.exists(), f"{where}, which does not exist"
        if anchor and linked.suffix == ".md":
            assert anchor in anchors(linked.read_text()), f"{where}: no such heading"


def anchors(markdown: str) -> set[str]:
    """The anchors the repository host gives a page's headings."""
    found = set()
    for heading in re.findall(r"^#+ (.+)$", markdown, flags=re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.lower().replace("`", "")).replace(" ", "-")
        found.add(slug)
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda path: str(path.relative_to(ROOT)))
def test_pages_speak_to_users(page):
    words = sorted({match.group(0) for match in JARGON.finditer(page.read_text())})
    assert not words, f"{page.relative_to(ROOT)} speaks in project-internal terms: {words}"


def test_readme_is_short_and_starts_with_the_two_commands():
    readme = read("README.md")
    lines = readme.splitlines()
    assert len(lines) <= 150, f"README.md has {len(lines)} lines: move detail into docs/"
    first = code_blocks(readme)[0]
    assert first.split("\n")[:-1] == ["./dev demo", "./dev test"], (
        "README.md's first code block must be the two commands, ./dev demo and ./dev test")
