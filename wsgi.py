"""WSGI entry point in the repository root: ``gunicorn wsgi:app`` (the same as bff.wsgi)."""

from bff.wsgi import app

__all__ = ["app"]
