"""Two push workers on PostgreSQL, one killed mid-run: few duplicates, and none without a kill.

Runs bench/push_kill.py: real `flask push worker` processes and the
loopback push service, which counts what each device received.
"""

import pytest

from bench.push_kill import measure
from server.extensions import db
from server.push.delivery import DEFAULT_CONCURRENCY


def _postgresql(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("several workers need PostgreSQL (FOR UPDATE SKIP LOCKED)")


@pytest.mark.committed
def test_a_worker_killed_mid_run_resends_at_most_what_it_had_in_flight(app, tmp_path):
    _postgresql(app)
    result = measure(app, kill=True, logs=tmp_path)
    print(result)
    assert result["delivered"] >= result["messages"]
    # Outcomes are recorded as they come, and a worker has at most
    # DEFAULT_CONCURRENCY messages sent and not yet recorded (in flight, or
    # back but not committed): only those are sent twice. Before, its whole
    # claimed batch could be.
    assert result["duplicates"] <= DEFAULT_CONCURRENCY
    assert result["every message kept its Topic"]


@pytest.mark.committed
def test_two_workers_send_each_message_once_when_nothing_dies(app, tmp_path):
    _postgresql(app)
    result = measure(app, kill=False, logs=tmp_path)
    print(result)
    assert result["delivered"] == result["messages"]
    assert result["duplicates"] == 0
    assert result["every message kept its Topic"]
