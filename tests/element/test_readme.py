"""The README's React / Next.js example is the one tsc compiles (tests/element/types)."""

from __future__ import annotations

import re

from .tooling import ROOT

EXAMPLE = ROOT / "tests" / "element" / "types" / "react-example.tsx"


def test_readme_react_example_is_the_type_checked_file():
    readme = (ROOT / "README.md").read_text()
    [block] = re.findall(r"```tsx\n(.*?)```", readme, flags=re.DOTALL)
    assert block == EXAMPLE.read_text(), (
        "README's tsx example and tests/element/types/react-example.tsx differ: change both")
