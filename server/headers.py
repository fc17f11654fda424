"""Security headers on every response."""

from flask import Flask, request

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; worker-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)

SECURITY_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
HSTS = ("Strict-Transport-Security", "max-age=63072000; includeSubDomains")


def _headers_hook(defaults: tuple[tuple[str, str], ...]):
    lowered = [(name.lower(), name, value) for name, value in defaults]

    def security_headers(response):
        """Add each header a view did not set itself: one pass over what it set."""
        headers = response.headers
        present = {name.lower() for name, _ in headers.items()}
        for key, name, value in lowered:
            if key not in present:
                headers.add(name, value)
        if request.path.startswith("/api/"):
            # API answers may carry health data: never store them anywhere.
            headers["Cache-Control"] = "no-store"
            if "pragma" not in present:
                headers.add("Pragma", "no-cache")
        return response

    return security_headers


def register(app: Flask) -> None:
    defaults = SECURITY_HEADERS
    if app.config["ENV_NAME"] == "production":
        defaults = (*defaults, HSTS)
    app.after_request(_headers_hook(defaults))
