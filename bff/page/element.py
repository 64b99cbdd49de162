"""Serve the <craftkit-embed> element from inside the installed package, wherever the BFF is
mounted: ``{CRAFTKIT_URL_PREFIX}/element/{version}/craftkit-embed.js`` (and the package's
modules under ``embed/`` beside it), so a host app that mounts the extension needs no copy of
the files. The version in the path makes the files safe to cache for a long time.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, send_from_directory, url_for

from .._version import __version__
from ..errors import NotFound

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
ENTRY_FILES = ("craftkit-embed.js", "craftkit-embed.d.ts")
PACKAGE_DIR = "embed/"
# The URL changes with every release, so a browser may keep a file for a year.
MAX_AGE = 365 * 24 * 3600

bp = Blueprint("craftkit_bff_element", __name__)


@bp.get("/element/<version>/<path:name>")
def element_file(version: str, name: str) -> Response:
    """Send one file of the element: the entry module, its types, or a package module."""
    if version != __version__ or not (name in ENTRY_FILES or (
            name.startswith(PACKAGE_DIR) and ".." not in name.split("/"))):
        raise NotFound("There is no such file of the element (is the version in the URL "
                       f"{__version__}?).")
    response = send_from_directory(STATIC_DIR, name, max_age=MAX_AGE)
    response.cache_control.immutable = True
    return response


def element_url(name: str = "craftkit-embed.js") -> str:
    """Return the URL of an element file as this app serves it (for templates and pages)."""
    return url_for("craftkit_bff_element.element_file", version=__version__, name=name)
