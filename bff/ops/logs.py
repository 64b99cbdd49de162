"""Log set-up: every logger of a process that runs the BFF as its own app, or only the BFF's
loggers in a host app.

``bff.wsgi`` (whatever server loads it) and the ``craftkit-bff`` commands call
``configure_logging``. A host app that mounts the extension keeps its own logging; as Python
writes only warnings until logging is configured, its request lines (INFO) stay silent
unless the host either sets the ``bff.request`` logger to INFO in its own configuration or
calls ``log_requests()``. Text lines read ``time level logger message``;
``CRAFTKIT_LOG_FORMAT=json`` writes one JSON object per line for log shippers
(python-json-logger), with a request line's fields (method, route, path, status,
duration_ms, org_id, request_id) as keys.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from pythonjsonlogger.json import JsonFormatter

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
_MARK = "_craftkit_bff_handler"


def configure_logging(level: str = "info", fmt: str = "text",
                      stream: TextIO | None = None) -> logging.Handler:
    """Send every logger's records at level and above to stream (stderr) in one format.

    Calling it again replaces the handler it installed before, never a host's own.
    """
    handler = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    handler.setFormatter(_formatter(fmt))
    setattr(handler, _MARK, True)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _MARK, False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Python's warnings (DeprecationWarning and the like) get a time and a level too.
    logging.captureWarnings(True)
    return handler


def log_requests(level: str = "info", fmt: str = "text",
                 stream: TextIO | None = None) -> logging.Handler:
    """Write the BFF's own log lines (one per request, and its warnings) in a host app.

    Gives the ``bff`` loggers a handler of their own, to stream (stderr), in the format the
    standalone BFF writes; the host's other loggers are left alone. Calling it again
    replaces that handler. A host that configures logging itself needs none of this: set
    the ``bff.request`` logger to INFO there instead.
    """
    handler = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    handler.setFormatter(_formatter(fmt))
    setattr(handler, _MARK, True)
    logger = logging.getLogger("bff")
    for old in [h for h in logger.handlers if getattr(h, _MARK, False)]:
        logger.removeHandler(old)
    logger.addHandler(handler)
    logger.setLevel(level.upper())
    return handler


class _StderrHandler(logging.StreamHandler):
    """Write to whatever sys.stderr is at the time of each record, not when set up.

    A command run in-process (tests, an embedding tool) may swap sys.stderr for a while;
    a handler that kept the old object would write to a closed file afterwards.
    """

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        """Ignore: the stream is always the current sys.stderr."""


def _formatter(fmt: str) -> logging.Formatter:
    if fmt == "json":
        return JsonFormatter(TEXT_FORMAT, rename_fields={"asctime": "time",
                                                         "levelname": "level",
                                                         "name": "logger"})
    return logging.Formatter(TEXT_FORMAT)
