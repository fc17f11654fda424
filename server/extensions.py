"""Every Flask extension, created unbound and bound in create_app."""

from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from server.api import Api
from server.db import Base

# Rows stay loaded after commit: re-reading each one after every commit costs
# round trips on every write (see SPEC 10), and tests run with the same setting.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
login_manager = LoginManager()
api = Api()


def _client_address() -> str:
    from flask import request

    # Behind the TLS proxy, ProxyFix (see create_app) has already put the
    # client's address here.
    return request.remote_addr or "unknown"


limiter = Limiter(key_func=_client_address, default_limits=[], headers_enabled=False)
