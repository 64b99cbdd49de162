"""Fixtures for the browser tests: one Chromium and one rig per session, a fresh page per test."""

import pytest

from .rig import EmbedPage, Rig


@pytest.fixture(scope="session")
def rig():
    rig = Rig()
    yield rig
    rig.stop()


@pytest.fixture
def bff(rig):
    """The fake BFF, reset to answer every call with success and a 600 s session."""
    rig.bff.reset()
    return rig.bff


@pytest.fixture
def embed(page, rig, bff):
    """The host page driver: ``embed.open(tenant="org-a")`` shows a <craftkit-embed>."""
    return EmbedPage(page, rig)
