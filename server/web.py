"""Serves the PWA from pwa/, the service worker at the root scope, and health checks."""

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
    return {"status": "ok"}


@bp.route("/readyz")
def readyz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        current_app.logger.warning("readiness check: database unreachable")
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}
