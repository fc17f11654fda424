"""The list of features: their models, API blueprints and CLI groups, in one place."""

FEATURES = (
    "auth",
    "accounts",
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
    """Import every feature's models so the metadata (and Alembic) sees all tables.

    The core holds two tables of its own: the tombstones of deleted items
    (`server.items`) and the key check values (`server.keycheck`).
    """
    import importlib

    for name in ("items", "keycheck"):
        importlib.import_module(f"server.{name}")
    for name in MODELS:
        importlib.import_module(f"server.{name}.models")


#: Features with API routes (`routes.py`, a Blueprint `blp`), with commands
#: (`cli.py`, a `cli_groups` list), and with signal receivers (`init_app(app)`
#: connects them); tests/test_app.py holds these lists to the files.
#: Features with tables (`models.py`): all but `accounts`, which works on auth's.
MODELS = tuple(name for name in FEATURES if name != "accounts")
ROUTES = tuple(name for name in FEATURES if name not in ("auth", "clinics"))
COMMANDS = ("accounts", "journal", "flags", "push", "demo")
RECEIVERS = ("journal.prompts", "push.receivers", "flags.receivers", "companion.receivers")


def API_BLUEPRINTS():
    import importlib

    return [importlib.import_module(f"server.{name}.routes").blp for name in ROUTES]


def CLI_GROUPS():
    """Every `AppGroup` named in a feature's `cli.py` (`cli_groups` list)."""
    import importlib

    groups = []
    for name in COMMANDS:
        groups.extend(importlib.import_module(f"server.{name}.cli").cli_groups)
    return groups


def connect_receivers(app) -> None:
    """Connect every feature's signal receivers, explicitly, not as an import's side effect."""
    import importlib

    for name in RECEIVERS:
        importlib.import_module(f"server.{name}").init_app(app)
