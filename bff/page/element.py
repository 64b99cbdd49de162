"""Serve the <craftkit-embed> element from inside the installed package, wherever the BFF is
mounted: ``{CRAFTKIT_URL_PREFIX}/element/{version}/craftkit-embed.js`` (and the package's
modules under ``embed/`` beside it), so a host app that mounts the extension needs no copy of
the files. The version in the path makes the files safe to cache for a long time.

``{CRAFTKIT_URL_PREFIX}/element/craftkit-embed.js`` redirects to the current version's URL,
for code that cannot ask the server for it (a plain ``.js`` module's ``import``): browsers
resolve the module's own imports against the URL it was finally served from.

A file that is not there is the BFF's JSON 404 (the blueprint renders its own errors), in a
host app as in the standalone one.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, redirect, send_from_directory, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import NotFound as MissingFile

from .._version import __version__
from ..errors import NotFound, register_error_handlers

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
ENTRY_FILES = ("craftkit-embed.js", "craftkit-embed.d.ts")
PACKAGE_DIR = "embed/"
# The URL changes with every release, so a browser may keep a file for a year.
MAX_AGE = 365 * 24 * 3600

bp = Blueprint("craftkit_bff_element", __name__)
register_error_handlers(bp)


@bp.get("/element/<version>/<path:name>")
def element_file(version: str, name: str) -> Response:
    """Send one file of the element: the entry module, its types, or a package module."""
    if version != __version__ or not (name in ENTRY_FILES or (
            name.startswith(PACKAGE_DIR) and ".." not in name.split("/"))):
        raise _no_such_file()
    try:
        response = send_from_directory(STATIC_DIR, name, max_age=MAX_AGE)
    except MissingFile:
        raise _no_such_file() from None
    response.cache_control.immutable = True
    return response


@bp.get("/element/<name>")
def current_element_file(name: str) -> ResponseReturnValue:
    """Redirect to this version's entry module or types (never cached: versions change)."""
    if name not in ENTRY_FILES:
        raise _no_such_file()
    response = redirect(element_url(name), code=302)
    response.cache_control.no_cache = True
    return response


def element_url(name: str = "craftkit-embed.js") -> str:
    """Return the URL of an element file as this app serves it (for templates and pages)."""
    return url_for("craftkit_bff_element.element_file", version=__version__, name=name)


def _no_such_file() -> NotFound:
    return NotFound("There is no such file of the element: load "
                    f"element/{__version__}/craftkit-embed.js, or element/craftkit-embed.js "
                    "for the current version.")
