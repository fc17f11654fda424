"""Security headers and cookie flags, on every kind of response (SPEC 8)."""

import re

import pytest

from tests import factories

LOGIN = "/api/v1/auth/login"


def csp_directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {
        part.split()[0]: " ".join(part.split()[1:])
        for part in (p.strip() for p in policy.split(";"))
        if part
    }


@pytest.fixture
def responses(client, as_user, patient):
    """One response of each kind: the page, API success, and API errors."""
    signed_in = as_user(patient)
    return {
        "html page": client.get("/"),
        "service worker": client.get("/sw.js"),
        "openapi document": client.get("/api/v1/openapi.json"),
        "api 200 with health settings": signed_in.get("/api/v1/me/settings"),
        "api 401": client.get("/api/v1/auth/me"),
        "api 404": client.get("/api/v1/nothing-here"),
        "api 422": signed_in.patch("/api/v1/me/settings", json={"time_zone": "Mars/Base"}),
        "api 415": client.post(LOGIN, data="x", content_type="text/plain"),
        "api 413": client.post(LOGIN, data="x" * (300 * 1024), content_type="application/json"),
    }


def test_every_response_has_a_strict_content_security_policy(responses):
    for name, response in responses.items():
        directives = csp_directives(response)
        assert directives["default-src"] == "'self'", name
        assert directives["script-src"] == "'self'", name
        assert directives["object-src"] == "'none'", name
        assert directives["base-uri"] == "'none'", name
        assert directives["frame-ancestors"] == "'none'", name
        policy = response.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, name
        assert not re.search(r"(^|\s)(\*|https?:|data:)(\s|;|$)", directives["script-src"]), name


def test_every_response_refuses_sniffing_framing_and_referrers(responses):
    for name, response in responses.items():
        assert response.headers["X-Content-Type-Options"] == "nosniff", name
        assert response.headers["Referrer-Policy"] == "no-referrer", name
        assert response.headers["X-Frame-Options"] == "DENY", name


def test_every_api_response_is_no_store(responses):
    for name, response in responses.items():
        if name.startswith(("api", "openapi")):
            assert response.headers["Cache-Control"] == "no-store", name


def test_a_rate_limited_answer_is_no_store_too(app):
    client = app.test_client()
    client.environ_base.update(HTTP_ORIGIN="http://localhost", REMOTE_ADDR="192.0.2.77")
    for _ in range(11):
        response = client.post(LOGIN, json={"email": "x@clinic.test", "password": "wrong one!"})
    assert response.status_code == 429
    assert response.headers["Cache-Control"] == "no-store"
    assert "object-src 'none'" in response.headers["Content-Security-Policy"]


def test_no_hsts_outside_production(responses):
    for name, response in responses.items():
        assert "Strict-Transport-Security" not in response.headers, name


@pytest.fixture
def production_app(app, tmp_path):
    """A production-configured app. It shares the test database session (the
    fixtures swap `db.session`) and the encryption keys, so it sees the test's rows."""
    from config import ProductionConfig
    from server import create_app

    class Config(ProductionConfig):
        SECRET_KEY = "production-like-secret-key-for-tests-only"
        ENCRYPTION_KEYS = app.config["ENCRYPTION_KEYS"]
        VAPID_PRIVATE_KEY = app.config["VAPID_PRIVATE_KEY"]
        SQLALCHEMY_DATABASE_URI = "sqlite:///" + str(tmp_path / "production.db")
        REDIS_URL = None
        RATELIMIT_STORAGE_URI = "memory://"
        TRUSTED_PROXY_HOPS = "1"

    production = create_app(Config)
    yield production
    # The limiter is one module object; point it back at the test app's storage.
    from server.extensions import limiter

    limiter.init_app(app)


def test_production_sends_hsts_and_secure_cookies(production_app, patient):
    client = production_app.test_client()  # https://localhost: PREFERRED_URL_SCHEME
    client.environ_base["HTTP_ORIGIN"] = "https://localhost"
    page = client.get("/")
    hsts = page.headers["Strict-Transport-Security"]
    max_age = int(re.search(r"max-age=(\d+)", hsts).group(1))
    assert max_age >= 365 * 24 * 3600 and "includeSubDomains" in hsts
    login = client.post(LOGIN, json={"email": patient.email, "password": factories.PASSWORD})
    assert login.status_code == 200, login.get_json()
    assert login.headers["Strict-Transport-Security"] == hsts
    cookie = login.headers["Set-Cookie"]
    assert "; Secure" in cookie and "; HttpOnly" in cookie and "SameSite=Lax" in cookie
    # The __Host- prefix: Secure, Path=/ and no Domain, or browsers drop it.
    assert cookie.startswith("__Host-between_session=")
    assert "; Path=/;" in cookie + ";" and "Domain=" not in cookie
    assert client.get("/api/v1/auth/me").status_code == 200  # the prefixed cookie is read back


def test_session_cookies_are_httponly_and_samesite_lax(client, patient):
    login = client.post(LOGIN, json={"email": patient.email, "password": factories.PASSWORD})
    cookie = login.headers["Set-Cookie"]
    assert cookie.startswith("between_session=")
    assert "; HttpOnly" in cookie and "SameSite=Lax" in cookie
    # The testing configuration, like development, runs over plain http.
    assert "; Secure" not in cookie


def test_only_development_and_testing_drop_the_secure_flag():
    from config import CONFIGS

    assert {name for name, c in CONFIGS.items() if not c.SESSION_COOKIE_SECURE} == {
        "development",
        "testing",
    }
