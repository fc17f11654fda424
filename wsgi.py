"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi …`.

A configuration mistake (a missing secret, a malformed or wrong
ENCRYPTION_KEYS) stops start-up with one line saying what to fix, not a
traceback. Exit status 4 is gunicorn's "app failed to load": the master
stops rather than restart workers that can never boot.
"""

import sys

from server import create_app
from server.secrets import ConfigurationError

try:
    app = create_app()
except ConfigurationError as error:
    sys.stderr.write(f"Between will not start: {error}\n")
    raise SystemExit(4) from None
