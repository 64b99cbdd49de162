"""The emulator's notion of now (swappable in tests) and its one timestamp format."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app


def now() -> float:
    """Return seconds since the epoch from the app's CLOCK."""
    return float(current_app.config["CLOCK"]())


def iso(timestamp: float) -> str:
    """Format a timestamp as ISO-8601 UTC with a Z, to the second: 2026-11-21T16:30:00Z."""
    return datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
