"""Engine settings per database, and the commit at the request boundary."""

import logging
import traceback

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.exceptions import HTTPException, InternalServerError

from server import dbfaults
from server.errors import problem_response

log = logging.getLogger(__name__)


def engine_options(config) -> dict:
    """Pool and driver options bounding every wait on the database (server.dbfaults)."""
    url = config["SQLALCHEMY_DATABASE_URI"]
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
    connect_args = dict(options.get("connect_args", {}))
    if url.startswith("sqlite"):
        connect_args.setdefault("timeout", config["DATABASE_LOCK_TIMEOUT"])
    elif url.startswith("postgresql"):
        options.setdefault("pool_timeout", config["DATABASE_POOL_TIMEOUT"])
        connect_args.setdefault("connect_timeout", max(1, int(config["DATABASE_CONNECT_TIMEOUT"])))
        statement_ms = int(config["DATABASE_STATEMENT_TIMEOUT"] * 1000)
        lock_ms = int(config["DATABASE_LOCK_TIMEOUT"] * 1000)
        # Times come back in UTC whatever the server's TimeZone: psycopg then
        # gives them the `datetime.UTC` tzinfo itself, which the app's UTC
        # columns keep as they are instead of converting each one from a zone.
        connect_args.setdefault(
            "options",
            f"-c statement_timeout={statement_ms} -c lock_timeout={lock_ms} -c timezone=UTC",
        )
    options["connect_args"] = connect_args
    return options


def configure_engine(engine: Engine, config=None) -> None:
    if engine.dialect.name == "postgresql" and config is not None:
        deadline = config["DATABASE_STATEMENT_TIMEOUT"] + dbfaults.DEADLINE_MARGIN

        @event.listens_for(engine, "do_connect")
        def connect_with_deadline(_dialect, _record, cargs, cparams):
            connection = dbfaults.DeadlineConnection.connect(*cargs, **cparams)
            connection.io_timeout = deadline
            return connection

    if engine.dialect.name != "sqlite":
        return
    busy_ms = int((config or {}).get("DATABASE_LOCK_TIMEOUT", 15) * 1000)

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not pysqlite, decide where transactions begin, so
        # SAVEPOINTs (idempotent inserts, test rollbacks) work as documented.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        # IMMEDIATE takes the write lock up front: two requests that read and
        # then write would otherwise deadlock on the lock upgrade and one
        # would fail at once ("database is locked") instead of waiting.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def commit_or_rollback(response):
    """One commit per request: what a failed request wrote is never kept."""
    from server.extensions import db

    if not db.session.registry.has():
        return response  # this request never opened a session: nothing to end
    if response.status_code >= 400:
        dbfaults.safe_rollback(db.session)
        return response
    try:
        db.session.commit()
    except dbfaults.UNAVAILABLE as error:
        cause = getattr(error, "orig", None) or error
        log.warning("database unavailable at commit: %s", type(cause).__name__)
        # Whether the COMMIT took effect is unknown: the client retries with
        # the same id, and the idempotent create recognises a stored row.
        dbfaults.safe_rollback(db.session)
        return _replace_with(response, dbfaults.unavailable_response())
    return response


def _replace_with(response, problem):
    """Turn the response other hooks already decorated into `problem`, in place."""
    response.set_data(problem.get_data())
    response.status_code = problem.status_code
    response.mimetype = problem.mimetype
    for name in ("Location", "ETag"):
        response.headers.pop(name, None)
    response.headers["Retry-After"] = problem.headers["Retry-After"]
    return response


def register(app: Flask) -> None:
    # Registered first, so it runs last: after every other after_request hook.
    app.after_request(commit_or_rollback)


def register_errorhandlers(app: Flask) -> None:
    """Every error becomes problem+json, after rolling back what the request wrote."""
    from server.extensions import db

    @app.errorhandler(HTTPException)
    def handle_http(error):
        dbfaults.safe_rollback(db.session)
        if dbfaults.is_unavailable(getattr(error, "original_exception", None)):
            return dbfaults.unavailable_response()
        return problem_response(error)

    @app.errorhandler(Exception)
    def handle_unexpected(error):
        dbfaults.safe_rollback(db.session)
        if dbfaults.is_unavailable(error):
            cause = getattr(error, "orig", None) or error
            log.warning("database unavailable: %s", type(cause).__name__)
            return dbfaults.unavailable_response()
        # Log the type and place only: the exception text could quote user input.
        where = "".join(traceback.format_tb(error.__traceback__, limit=-3))
        log.error("unhandled %s at\n%s", type(error).__name__, where)
        return problem_response(InternalServerError())
