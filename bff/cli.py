"""Deprecated module path, kept for one release: the command line is ``bff.commands``."""

from __future__ import annotations

from .commands import main

__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())
