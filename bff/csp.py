"""Deprecated module path, kept for one release: the host page's CSP is ``bff.page.csp``."""

from __future__ import annotations

from .page.csp import apply_csp, craftkit_origin, frame_src_policy

__all__ = ["apply_csp", "craftkit_origin", "frame_src_policy"]
