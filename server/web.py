"""Serves the PWA from pwa/, the service worker at the root scope, and health checks."""

import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

from flask import Blueprint, current_app, redirect, send_from_directory
from sqlalchemy import text

from server.extensions import db

PWA_DIR = Path(__file__).resolve().parent.parent / "pwa"

bp = Blueprint("web", __name__)


@bp.route("/")
def index():
    response = send_from_directory(PWA_DIR, "index.html")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/sw.js")
def service_worker():
    # Served from the root so its scope is the whole app; never cached by HTTP,
    # so a new version is seen on the next visit.
    response = send_from_directory(PWA_DIR, "sw.js", mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.route("/therapist")
@bp.route("/therapist/")
def therapist_workspace():
    # Staff type the workspace's address without its page name; send them on.
    return redirect("/therapist/index.html", code=302)


@bp.route("/manifest.webmanifest")
def manifest():
    return send_from_directory(
        PWA_DIR, "manifest.webmanifest", mimetype="application/manifest+json"
    )


@bp.route("/<any(js, css, icons, vendor, patient, therapist):folder>/<path:filename>")
def static_file(folder, filename):
    response = send_from_directory(PWA_DIR / folder, filename)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/healthz")
def healthz():
    """Liveness: touches neither the database nor Redis."""
    return {"status": "ok"}


_probe_lock = threading.Lock()


def _probe(app) -> dict:
    from server import keycheck

    with app.app_context():
        try:
            db.session.execute(text("SELECT 1"))
            keys_wrong = keycheck.verify(app)
        except Exception:  # any failure means "not ready"
            return {"database": "unreachable"}
        finally:
            db.session.remove()
        if keys_wrong:
            current_app.logger.error("readiness check: %s", keys_wrong)
            return {"database": "ok", "encryption_keys": "mismatch"}
        return {"database": "ok"}


def _running_probe(app) -> Future:
    """The probe in flight, or a new one: a hung database never piles up threads."""
    with _probe_lock:
        future = app.extensions.get("between.readyz")
        if future is None or future.done():
            future = Future()
            app.extensions["between.readyz"] = future

            def run():
                future.set_result(_probe(app))

            threading.Thread(target=run, name="readyz", daemon=True).start()
        return future


@bp.route("/readyz")
def readyz():
    """Readiness: the database answers within READYZ_TIMEOUT seconds."""
    app = current_app._get_current_object()
    try:
        result = _running_probe(app).result(timeout=app.config["READYZ_TIMEOUT"])
    except FutureTimeout:
        result = {"database": "timeout"}
    if result != {"database": "ok"}:
        current_app.logger.warning("readiness check: %s", result)
        return {"status": "unavailable", **result}, 503, {"Retry-After": "5"}
    return {"status": "ok", **result}
