"""The README's React / Next.js example is the one tsc compiles (tests/browser/element/types)."""

from __future__ import annotations

import re
from pathlib import Path

from .tooling import ROOT

EXAMPLE = Path(__file__).parent / "types" / "react-example.tsx"


def test_readme_react_example_is_the_type_checked_file():
    readme = (ROOT / "README.md").read_text()
    [block] = re.findall(r"```tsx\n(.*?)```", readme, flags=re.DOTALL)
    assert block == EXAMPLE.read_text(), (
        f"README's tsx example and {EXAMPLE.relative_to(ROOT)} differ: change both")
