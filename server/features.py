"""The list of features: their API blueprints and CLI groups, in one place."""


def API_BLUEPRINTS():
    from server.auth.routes import blp as auth

    return [auth]


def CLI_GROUPS():
    from server.clinics.cli import clinic_cli, user_cli
    from server.demo.cli import demo_cli

    return [clinic_cli, user_cli, demo_cli]


def import_models():
    """Import every feature's models so the metadata (and Alembic) sees all tables."""
    import server.audit.models
    import server.auth.models
    import server.clinics.models  # noqa: F401
