"""WSGI entry point: ``gunicorn -c python:bff.gunicorn_conf bff.wsgi:app`` from anywhere."""

from bff import create_app

app = create_app()
