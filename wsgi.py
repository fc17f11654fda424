"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi …`."""

from server import create_app

app = create_app()
