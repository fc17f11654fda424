"""Configuration classes, read from the environment (12-factor).

`BETWEEN_ENV` picks the class: development (default), testing or production.
Secrets missing in development and testing are generated into the instance
folder by `server.secrets`; in production a missing secret stops start-up.
"""

import os


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


class Config:
    ENV_NAME = "base"
    SECRET_KEY = _env("SECRET_KEY")
    ENCRYPTION_KEYS = _env("ENCRYPTION_KEYS")
    VAPID_PRIVATE_KEY = _env("VAPID_PRIVATE_KEY")
    VAPID_SUBJECT = _env("VAPID_SUBJECT", "mailto:operator@between.invalid")
    REDIS_URL = _env("REDIS_URL")
    # Proxies in front of the app whose X-Forwarded-* headers are believed;
    # unset means 0, except in production where it must be set (docs/deploy.md).
    TRUSTED_PROXY_HOPS = _env("TRUSTED_PROXY_HOPS")
    # None means "SQLite in the instance folder", resolved in create_app.
    SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # A database that is down or hung is answered, not waited on (docs/deploy.md,
    # "When something fails"): seconds to open a connection, to run one
    # statement, to wait for a row lock (PostgreSQL) or the write lock (SQLite's
    # busy timeout), and to wait for a free pooled connection. A request that
    # meets any of them answers 503 with Retry-After.
    DATABASE_CONNECT_TIMEOUT = int(_env("DATABASE_CONNECT_TIMEOUT", "3"))
    DATABASE_STATEMENT_TIMEOUT = float(_env("DATABASE_STATEMENT_TIMEOUT", "5"))
    DATABASE_LOCK_TIMEOUT = float(_env("DATABASE_LOCK_TIMEOUT", "3"))
    DATABASE_POOL_TIMEOUT = float(_env("DATABASE_POOL_TIMEOUT", "3"))
    DATABASE_RETRY_AFTER = 5
    # /readyz answers 503 after this long, whatever the database does.
    READYZ_TIMEOUT = float(_env("READYZ_TIMEOUT", "2"))

    SESSION_COOKIE_NAME = "between_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_DURATION = 0
    # Absolute session lifetime; idle limits per role live in server.auth.sessions.
    PERMANENT_SESSION_LIFETIME = 12 * 60 * 60
    # Bearer tokens (native clients): unused this long, or this old, they stop
    # working (server/auth/tokens.py). Staff hold patients' data: shorter.
    TOKEN_IDLE_HOURS = {"patient": 14 * 24, "therapist": 12, "admin": 12}
    TOKEN_LIFETIME_HOURS = {"patient": 90 * 24, "therapist": 7 * 24, "admin": 7 * 24}
    MAX_CONTENT_LENGTH = 256 * 1024
    JSON_SORT_KEYS = False

    API_TITLE = "Between API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"

    # How far ahead of the server's clock a time a device reports may be (a
    # phone running fast); stored as the server's time, the phone's kept
    # beside it. Further ahead is refused (server/fields.py, DeviceTime).
    CLOCK_SKEW_SECONDS = int(_env("CLOCK_SKEW_SECONDS", "900"))
    INVITE_LIFETIME_HOURS = 72
    # Per address, per account-and-address, and per account for re-authentication
    # (server/auth/throttle.py); the account's backstop from every address is slower.
    LOGIN_FAILURE_LIMIT = "10 per 15 minutes"
    LOGIN_ACCOUNT_LIMIT = "100 per day"
    RATELIMIT_ENABLED = True
    # "At most 10 failures in 15 minutes" (SPEC 8) means in any 15 minutes: a
    # fixed window lets a guesser spend 10 just before it resets and 10 after.
    RATELIMIT_STRATEGY = "moving-window"
    # Redis unreachable or hung: sign-in fails closed with a 503 (server/auth/
    # throttle.py) rather than giving each process a fresh budget in memory.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = False
    # Seconds a hung Redis may cost one request.
    RATELIMIT_SOCKET_TIMEOUT = float(_env("RATELIMIT_SOCKET_TIMEOUT", "0.5"))
    ALLOW_HTTP_PUSH_ENDPOINTS = False
    # Refuse ENCRYPTION_KEYS that open none of the stored data (server/keycheck.py).
    KEY_CHECK = True
    # Where the push worker may connect (server/push/egress.py, docs/deploy.md):
    # comma-separated push-service host suffixes (unset: any host on a public
    # address), and ports (unset: 443 only in production, any elsewhere).
    PUSH_ALLOWED_HOST_SUFFIXES = _env("PUSH_ALLOWED_HOST_SUFFIXES")
    PUSH_ALLOWED_PORTS = _env("PUSH_ALLOWED_PORTS")


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    SESSION_COOKIE_SECURE = False
    ALLOW_HTTP_PUSH_ENDPOINTS = True


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SESSION_COOKIE_SECURE = False
    ALLOW_HTTP_PUSH_ENDPOINTS = True
    SQLALCHEMY_DATABASE_URI = _env("TEST_DATABASE_URL")
    # A cheap Argon2id for the test suite only, where hashing dominated the run
    # time; every other config keeps argon2-cffi's strong defaults (see
    # server/auth/passwords.py and tests/auth/test_passwords.py).
    # 64 KiB is still Argon2id, and leaves signing in almost free for the suite.
    ARGON2_PROFILE = {"time_cost": 1, "memory_cost": 64, "parallelism": 1}
    # The suite's concurrency tests share two cores with everything else; a
    # request waiting its turn for SQLite's write lock must not be cut short.
    DATABASE_LOCK_TIMEOUT = 15.0
    # The suite's app starts before its tables exist and each test brings its
    # own keys; tests/test_keycheck.py turns the check on for apps of its own.
    KEY_CHECK = False


class ProductionConfig(Config):
    ENV_NAME = "production"
    # __Host-: the browser keeps it only if Secure, for path / and this exact
    # host (no Domain), so a sibling subdomain cannot set or shadow it.
    SESSION_COOKIE_NAME = "__Host-between_session"
    # No placeholder here: Apple's push service refuses one, so the push worker
    # will not start in production without a real contact (server/push/cli.py).
    VAPID_SUBJECT = _env("VAPID_SUBJECT")
    PREFERRED_URL_SCHEME = "https"


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_for_environment() -> type[Config]:
    name = _env("BETWEEN_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"BETWEEN_ENV={name!r} is not one of: {', '.join(CONFIGS)}") from None
