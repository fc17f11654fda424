"""The app as a whole: health checks, headers, problem+json, the OpenAPI document."""

import pytest


def test_liveness_and_readiness(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["database"] == "ok"


def test_the_pwa_page_is_served_with_a_strict_policy(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Between" in response.data
    csp = response.headers["Content-Security-Policy"]
    for directive in (
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "script-src 'self'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_api_answers_are_never_stored_by_caches(client):
    assert client.get("/api/v1/auth/me").headers["Cache-Control"] == "no-store"


def test_unknown_api_route_is_a_problem_document(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 404 and body["title"] and body["detail"] and body["type"]


def test_openapi_document_lists_every_api_route(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    documented = {
        (path, method.upper())
        for path, operations in document["paths"].items()
        for method in operations
        if method in ("get", "post", "patch", "put", "delete")
    }
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint.startswith("api-docs"):
            continue
        path = rule.rule
        for argument in rule.arguments:
            path = path.replace(f"<uuid:{argument}>", f"{{{argument}}}")
            path = path.replace(f"<{argument}>", f"{{{argument}}}")
            path = path.replace(f"<int:{argument}>", f"{{{argument}}}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (path, method) not in documented:
                missing.append(f"{method} {path}")
    assert missing == []


def test_production_refuses_to_start_without_secrets(monkeypatch, tmp_path):
    from config import ProductionConfig
    from server import create_app

    for name in ("SECRET_KEY", "ENCRYPTION_KEYS", "VAPID_PRIVATE_KEY"):
        monkeypatch.setattr(ProductionConfig, name, None)
    monkeypatch.setattr(ProductionConfig, "SQLALCHEMY_DATABASE_URI", None)
    with pytest.raises(RuntimeError, match="DATABASE_URL"):
        create_app(ProductionConfig)
    monkeypatch.setattr(
        ProductionConfig, "SQLALCHEMY_DATABASE_URI", "sqlite:///" + str(tmp_path / "p.db")
    )
    with pytest.raises(RuntimeError, match="SECRET_KEY, ENCRYPTION_KEYS, VAPID_PRIVATE_KEY"):
        create_app(ProductionConfig)


def test_development_generates_secrets_once_into_the_instance_folder(monkeypatch, tmp_path):
    from config import DevelopmentConfig
    from server import create_app

    monkeypatch.setenv("BETWEEN_INSTANCE_PATH", str(tmp_path))
    for name in ("SECRET_KEY", "ENCRYPTION_KEYS", "VAPID_PRIVATE_KEY"):
        monkeypatch.setattr(DevelopmentConfig, name, None)
    monkeypatch.setattr(DevelopmentConfig, "SQLALCHEMY_DATABASE_URI", None)
    first = create_app(DevelopmentConfig)
    second = create_app(DevelopmentConfig)
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert first.config["ENCRYPTION_KEYS"] == second.config["ENCRYPTION_KEYS"]
    assert first.config["SQLALCHEMY_DATABASE_URI"].endswith(str(tmp_path / "between.db"))
    secrets_file = tmp_path / "secrets.json"
    assert secrets_file.stat().st_mode & 0o077 == 0


def test_the_feature_lists_name_every_routes_and_commands_module():
    """features.py lists routes and commands explicitly; the lists match the files."""
    import pathlib

    from server import features

    server = pathlib.Path(features.__file__).parent
    routes = {path.parent.name for path in server.glob("*/routes.py")}
    commands = {path.parent.name for path in server.glob("*/cli.py")}
    assert set(features.ROUTES) == routes
    assert set(features.COMMANDS) == commands
    assert set(features.FEATURES) >= routes


def test_the_app_connects_each_feature_s_receivers(app):
    from server.journal import prompts as journal
    from server.push import receivers
    from server.signals import dosing_session_changed, item_created

    assert dosing_session_changed.has_receivers_for(None)
    connected = set(dosing_session_changed.receivers_for(None)) | set(
        item_created.receivers_for(None)
    )
    assert journal._follow_session in connected and receivers.on_item_created in connected
