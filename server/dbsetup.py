"""Engine settings per database, and the commit at the request boundary."""

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not pysqlite, decide where transactions begin, so
        # SAVEPOINTs (idempotent inserts, test rollbacks) work as documented.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
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
    if response.status_code < 400:
        db.session.commit()
    else:
        db.session.rollback()
    return response


def register(app: Flask) -> None:
    # Registered first, so it runs last: after every other after_request hook.
    app.after_request(commit_or_rollback)
