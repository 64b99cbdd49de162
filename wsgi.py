"""WSGI entry point: ``gunicorn wsgi:app`` (configuration from CRAFTKIT_* variables)."""

from bff import create_app

app = create_app()
