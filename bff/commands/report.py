"""Doctor's report: one line per check (ok, skip, FAIL with a fix) and the exit status."""

from __future__ import annotations

from typing import TextIO


class Report:
    """Print one line per check and remember whether any failed."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.failed = False

    def ok(self, check: str, detail: str) -> None:
        """Report a check that passed."""
        print(f"ok    {check}: {detail}", file=self.out)

    def detail(self, text: str) -> None:
        """Print an indented line under the last check."""
        print(f"      {text}", file=self.out)

    def skip(self, check: str, detail: str) -> None:
        """Report a check that could not run, and why."""
        print(f"skip  {check}: {detail}", file=self.out)

    def fail(self, check: str, detail: str, fix: str) -> None:
        """Report a failed check and what to do about it."""
        self.failed = True
        print(f"FAIL  {check}: {detail}\n      fix: {fix}", file=self.out)

    def exit_code(self) -> int:
        """Return 1 if any check failed, else 0."""
        return 1 if self.failed else 0
