"""The npm package in bff/static/embed: what `npm pack` ships, and that the tarball works in a
Node app and a TypeScript app as installed; and that the Python wheel ships the same files."""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import pytest

from .tooling import (
    NODE_MODULES,
    PACKAGE_DIR,
    ROOT,
    install_tarball,
    npm_pack,
    require_node_tooling,
    run,
)

TYPE_TESTS = Path(__file__).parent / "types"
# The React component is the Next.js example's own file (shown in docs/embedding.md).
REACT_EXAMPLE = ROOT / "examples" / "nextjs" / "app" / "documents" / "TemplateBuilder.tsx"
CONSUMER_FILES = (TYPE_TESTS / "consumer.ts", REACT_EXAMPLE, TYPE_TESTS / "react-props.tsx")


@pytest.fixture(scope="module")
def packed(tmp_path_factory):
    """The package packed by npm: (tarball, the paths inside it)."""
    require_node_tooling()
    return npm_pack(tmp_path_factory.mktemp("pack"))


def package_json() -> dict:
    return json.loads((PACKAGE_DIR / "package.json").read_text())


def export_targets(exports) -> list[str]:
    """Every file an ``exports`` map points at, whatever the condition."""
    if isinstance(exports, str):
        return [exports]
    return [target for value in exports.values() for target in export_targets(value)]


def test_npm_pack_ships_the_whole_package_directory_and_nothing_else(packed):
    _, files = packed
    on_disk = sorted(str(path.relative_to(PACKAGE_DIR)) for path in PACKAGE_DIR.rglob("*")
                     if path.is_file())
    assert files == on_disk
    meta = package_json()
    assert (meta["name"], meta["version"], meta["license"], meta["type"]) == (
        "@craftkit-bff/embed", "0.2.0", "MIT", "module")
    for target in export_targets(meta["exports"]) + [meta["main"], meta["types"]]:
        assert target.removeprefix("./") in files, f"{target} is exported but not packed"


def test_only_the_registering_entry_is_declared_to_have_side_effects():
    meta = package_json()
    assert meta["sideEffects"] == ["./define.js"]
    assert meta["exports"]["."]["default"] == "./index.js"
    assert meta["exports"]["./define"]["default"] == "./define.js"


@pytest.mark.timeout(300)
def test_the_packed_package_imports_in_a_node_app_with_no_dom(packed, tmp_path):
    tarball, _ = packed
    install_tarball(tarball, tmp_path)
    (tmp_path / "package.json").write_text('{"type": "module", "private": true}')
    (tmp_path / "check.js").write_text("""
        const main = await import("@craftkit-bff/embed");
        const entry = await import("@craftkit-bff/embed/define");
        let define;
        try { main.define(); } catch (error) { define = error.message; }
        console.log(JSON.stringify({
          main: Object.keys(main).sort(), entry: Object.keys(entry).sort(),
          same: main.CraftkitEmbedElement === entry.CraftkitEmbedElement,
          dom: ["document", "window", "customElements", "HTMLElement"]
            .filter((name) => name in globalThis),
          define,
        }));
    """)

    result = json.loads(run(["node", "check.js"], cwd=tmp_path))

    api = ["CraftkitEmbedElement", "CraftkitEmbedError", "define", "mount"]
    assert result["main"] == api and result["entry"] == api and result["same"] is True
    assert result["dom"] == []
    assert result["define"].startswith("define() needs a browser")


@pytest.mark.timeout(300)
def test_the_packed_types_resolve_for_a_nodenext_typescript_app(packed, tmp_path):
    tarball, _ = packed
    install_tarball(tarball, tmp_path)
    (tmp_path / "node_modules" / "@types").symlink_to(NODE_MODULES / "@types")
    (tmp_path / "package.json").write_text('{"type": "module", "private": true}')
    source = tmp_path / "src"
    source.mkdir()
    for path in CONSUMER_FILES:
        shutil.copy(path, source / path.name)
    (tmp_path / "tsconfig.json").write_text(json.dumps({
        "compilerOptions": {
            "module": "NodeNext", "moduleResolution": "NodeNext", "target": "ES2022",
            "lib": ["ES2022", "DOM", "DOM.Iterable"], "types": [], "strict": True,
            "noEmit": True, "jsx": "react-jsx",
        },
        "include": ["src"],
    }))

    run([str(NODE_MODULES / ".bin" / "tsc"), "-p", str(tmp_path / "tsconfig.json")], cwd=tmp_path)


def test_the_python_wheel_ships_every_file_of_the_package():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["bff"]
    shipped = {path for pattern in patterns for path in (ROOT / "bff").glob(pattern)}
    missing = [str(path.relative_to(ROOT)) for path in PACKAGE_DIR.rglob("*")
               if path.is_file() and path not in shipped]
    assert missing == [], f"add a package-data pattern for {missing}"
