"""The list of features: their models, API blueprints and CLI groups, in one place."""

FEATURES = (
    "auth",
    "clinics",
    "audit",
    "care",
    "journal",
    "measures",
    "flags",
    "crisis",
    "push",
    "privacy",
    "companion",
    "safetyplan",
    "readside",
)


def import_models():
    """Import every feature's models so the metadata (and Alembic) sees all tables."""
    import importlib

    for name in FEATURES:
        importlib.import_module(f"server.{name}.models")


def API_BLUEPRINTS():
    import importlib

    blueprints = []
    for name in FEATURES:
        try:
            module = importlib.import_module(f"server.{name}.routes")
        except ModuleNotFoundError as error:
            if error.name != f"server.{name}.routes":
                raise
            continue
        blueprints.append(module.blp)
    return blueprints


def CLI_GROUPS():
    """Every `AppGroup` named in a feature's `cli.py` (`cli_groups` list)."""
    import importlib

    groups = []
    for name in (*FEATURES, "demo"):
        try:
            module = importlib.import_module(f"server.{name}.cli")
        except ModuleNotFoundError as error:
            if error.name != f"server.{name}.cli":
                raise
            continue
        groups.extend(module.cli_groups)
    return groups
