"""Helpers shared by the scheduling tests: racing requests on threads."""

import contextlib
import threading

import pytest
from sqlalchemy import event

from server.extensions import db


def postgres_only():
    if db.engine.dialect.name != "postgresql":
        # SQLite allows one writer: the request that loses the race cannot
        # upgrade its read snapshot and fails; production runs PostgreSQL.
        pytest.skip("racing writers need PostgreSQL")


def race(requests, model, hook, timeout=10):
    """Run `requests` on threads, each held at `hook` until all have got there.

    A request that holds a lock at `hook` keeps the others from getting
    there: `timeout` must then stay under the database's lock timeout.
    """
    barrier = threading.Barrier(len(requests), timeout=timeout)

    def hold(*_args):
        # A request that never reaches the write (it failed first) breaks the
        # barrier by timing out, and the other one simply goes on.
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()

    event.listen(model, hook, hold)
    responses = [None] * len(requests)

    def run(index, request):
        responses[index] = request()

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        event.remove(model, hook, hold)
    return responses
