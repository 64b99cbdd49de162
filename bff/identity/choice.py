"""Which identity source an app uses: exactly one, decided once at start-up.

The sources are the host app's own loader (passed to ``CraftkitBFF``), and the built-in
ones below, each switched on by its settings. Two at once is a configuration error: a
silent winner would leave the other one's users signed out (or signed in as someone else)
without a word. Adding a built-in source is one module with its loader and one row here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from ..config import ConfigError, Settings
from . import IdentityLoader, session_identity_loader
from .jwt_loader import JwtIdentityLoader


class BuiltIn(NamedTuple):
    """A built-in identity source: what configures it, whether it is on, its loader."""

    settings: str
    configured: Callable[[Settings], bool]
    loader: Callable[[Settings], IdentityLoader]


BUILT_IN = (
    BuiltIn("CRAFTKIT_AUTH_JWT_SECRET, CRAFTKIT_AUTH_JWT_PUBLIC_KEY or CRAFTKIT_AUTH_JWKS_URL",
            lambda settings: settings.uses_jwt, JwtIdentityLoader),
)


def identity_loader_for(settings: Settings, host_loader: IdentityLoader | None = None,
                        ) -> IdentityLoader:
    """Return the one configured source's loader; the signed session when none is.

    :raises ConfigError: more than one source is configured.
    """
    chosen = [source for source in BUILT_IN if source.configured(settings)]
    named = [source.settings for source in chosen]
    if host_loader is not None:
        named.insert(0, "the identity_loader passed to CraftkitBFF")
    if len(named) > 1:
        raise ConfigError("Two identity sources are configured (" + "; ".join(named) + "): "
                          "keep one, so every request is identified the same way.")
    if host_loader is not None:
        return host_loader
    return chosen[0].loader(settings) if chosen else session_identity_loader
