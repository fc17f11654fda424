"""The Between application factory: wiring only."""

import logging
import os
from pathlib import Path

from flask import Flask

from config import Config, config_for_environment

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: type[Config] | dict | None = None) -> Flask:
    """Build the app. `config` is a config class, or a dict of overrides for tests."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("BETWEEN_INSTANCE_PATH", str(PROJECT_ROOT / "instance")),
        static_folder=None,
    )
    overrides = {}
    if isinstance(config, dict):
        overrides = config
        config = None
    app.config.from_object(config or config_for_environment())
    app.config.update(overrides)
    configure_database_url(app)
    from server.secrets import resolve_secrets

    resolve_secrets(app.config, app.instance_path, app.config["ENV_NAME"])
    configure_logging(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_request_hooks(app)
    register_commands(app)
    from server.keycheck import verify_at_startup

    verify_at_startup(app)
    return app


def configure_database_url(app: Flask) -> None:
    url = app.config.get("SQLALCHEMY_DATABASE_URI")
    if not url:
        if app.config["ENV_NAME"] == "production":
            from server.secrets import ConfigurationError

            raise ConfigurationError("Between will not start in production without DATABASE_URL.")
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        url = "sqlite:///" + str(Path(app.instance_path) / "between.db")
    # psycopg 3 is the PostgreSQL driver; accept the plain URL scheme operators use.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    from server.dbsetup import engine_options

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)


def configure_logging(app: Flask) -> None:
    if not app.testing and not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def register_extensions(app: Flask) -> None:
    from server import crypto
    from server.extensions import api, db, limiter, login_manager, migrate

    app.extensions["between.keyring"] = crypto.Keyring(app.config["ENCRYPTION_KEYS"])
    db.init_app(app)
    with app.app_context():
        from server.dbsetup import configure_engine

        configure_engine(db.engine, app.config)
    migrate.init_app(
        app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True, compare_type=True
    )
    from server import downgrade_guard

    downgrade_guard.install(app)
    login_manager.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    if app.config["RATELIMIT_STORAGE_URI"].startswith(("redis://", "rediss://")):
        # A hung Redis costs a request at most this long (server/auth/throttle.py).
        timeout = app.config["RATELIMIT_SOCKET_TIMEOUT"]
        options = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {
            **options,
            **app.config.get("RATELIMIT_STORAGE_OPTIONS", {}),
        }
    limiter.init_app(app)
    api.init_app(app)
    hops = trusted_proxy_hops(app.config)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def trusted_proxy_hops(config) -> int:
    """How many proxies in front of the app may say who the client is (docs/deploy.md).

    0 (development's default): `X-Forwarded-*` headers are ignored, so a
    client reaching the app directly cannot forge its address for the login
    limits or the audit log. Production names it explicitly.
    """
    value = config.get("TRUSTED_PROXY_HOPS")
    if value is None:
        if config["ENV_NAME"] == "production":
            raise RuntimeError(
                "Between will not start in production without TRUSTED_PROXY_HOPS: the number "
                "of proxies in front of it (1 behind nginx alone; 0 if clients reach it "
                "directly). See docs/deploy.md."
            )
        return 0
    try:
        hops = int(value)
    except (TypeError, ValueError):
        hops = -1
    if hops < 0:
        raise RuntimeError("TRUSTED_PROXY_HOPS must be a whole number, 0 or more.")
    return hops


def register_blueprints(app: Flask) -> None:
    from server import web
    from server.extensions import api
    from server.features import API_BLUEPRINTS, connect_receivers, import_models

    import_models()
    for blueprint in API_BLUEPRINTS():
        api.register_blueprint(blueprint)
    connect_receivers(app)
    app.register_blueprint(web.bp)


def register_errorhandlers(app: Flask) -> None:
    from server import dbsetup

    dbsetup.register_errorhandlers(app)


def register_request_hooks(app: Flask) -> None:
    from server import api, dbsetup, headers, keycheck
    from server.auth import sessions

    keycheck.register(app)
    dbsetup.register(app)
    api.register(app)
    sessions.register(app)
    headers.register(app)


def register_commands(app: Flask) -> None:
    from server.features import CLI_GROUPS

    for group in CLI_GROUPS():
        app.cli.add_command(group)
