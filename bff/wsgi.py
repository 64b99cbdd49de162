"""WSGI entry point: ``gunicorn -c python:bff.gunicorn_conf bff.wsgi:app`` from anywhere.

A process that serves the BFF on its own also owns its logging: one format for every
logger, request lines included (CRAFTKIT_LOG_LEVEL, CRAFTKIT_LOG_FORMAT).
"""

from bff.app import create_app
from bff.config import server_settings
from bff.ops.logs import configure_logging

_settings = server_settings()
configure_logging(_settings.log_level, _settings.log_format)
app = create_app()
