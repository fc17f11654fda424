"""gunicorn settings for Between: `gunicorn -c gunicorn.conf.py wsgi:app`.

Threaded workers (gthread): a worker serves up to `threads` requests at
once, and an idle keep-alive connection waits in the worker's poller, not
in a thread. So a handful of slow clients (a phone on a bad network
trickling a request in) occupy a few threads, not every worker: the other
threads and workers go on answering (tests/test_gunicorn.py). The TLS
proxy in front (docs/deploy.md) still buffers slow clients; this is what
keeps the service answering if it is bypassed or overwhelmed.

Every setting can be changed with an environment variable.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", str(2 * multiprocessing.cpu_count())))
# Each thread may hold one pooled database connection: SQLAlchemy's pool
# (5, up to 15 with overflow) covers 8 threads.
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
# No endpoint should take seconds; a request stuck this long is abandoned.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
max_requests = 2000
max_requests_jitter = 200
# Request line and headers are small in this API; refuse oversized ones early.
limit_request_line = 4094
limit_request_fields = 50
