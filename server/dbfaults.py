"""A database that is down or hung is answered with 503, never waited on.

Three limits bound every wait on PostgreSQL: libpq's connect timeout, the
server's `statement_timeout` and `lock_timeout`, and, for a server that
stops answering altogether (paused, or a network that drops packets), a
deadline on the client side: `DeadlineConnection` gives up on any exchange
that takes longer than the statement timeout plus a margin, and closes the
connection (its state is unknown). SQLite waits at most its busy timeout
for the write lock.

Errors that mean "the database cannot answer now" become a 503
problem+json with `Retry-After`. A write whose COMMIT went out but whose
answer never came back may have been stored: the client retries it with
the same id, and the idempotent create answers 200 with the stored item.
"""

import contextlib

import psycopg
from flask import current_app
from psycopg import errors as pg_errors
from sqlalchemy import exc

from server.errors import Problem, problem_response

DEADLINE_MARGIN = 1.0

#: Raised by SQLAlchemy (wrapping the driver) or by its pool when the
#: database is unreachable, hung, restarting, or the statement/lock limit hit.
UNAVAILABLE = (exc.OperationalError, exc.InterfaceError, exc.TimeoutError)


class DeadlineConnection(psycopg.Connection):
    """A psycopg connection that waits at most `io_timeout` seconds for the server.

    `statement_timeout` is enforced by the server, so a server that is
    paused or cut off never enforces it; this deadline is. `None` waits
    forever (migrations, which may legitimately run long).
    """

    io_timeout: float | None = None

    def wait(self, gen, interval=0.1, timeout=None):
        if timeout is None:
            timeout = self.io_timeout
        try:
            return super().wait(gen, interval=interval, timeout=timeout)
        except pg_errors._WaitTimeout:
            # Mid-exchange: the protocol state is unknown, so the connection
            # cannot be reused. Closing it makes SQLAlchemy discard it.
            self.pgconn.finish()
            raise psycopg.OperationalError(
                f"the database did not answer within {timeout:g} s"
            ) from None


def is_unavailable(error: BaseException | None) -> bool:
    if error is None:
        return False
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, UNAVAILABLE)


def unavailable_problem() -> Problem:
    retry_after = str(current_app.config.get("DATABASE_RETRY_AFTER", 5))
    return Problem(
        503,
        "The service cannot reach its database just now; try again shortly.",
        type_="/problems/database-unavailable",
        title="Service Unavailable",
        headers={"Retry-After": retry_after},
    )


def unavailable_response():
    return problem_response(unavailable_problem())


def safe_rollback(session) -> None:
    """Roll back, tolerating a connection that is already gone."""
    try:
        session.rollback()
    except Exception:
        # The connection is broken: there is nothing left to undo.
        with contextlib.suppress(Exception):
            session.close()
