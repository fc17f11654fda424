"""`flask demo seed`: a demo clinic, its therapist and patients (idempotent)."""

import click
from flask import current_app
from flask.cli import AppGroup

from server.demo.seed import DEMO_ACCOUNTS, DEMO_TOTP_SECRET, seed_demo
from server.extensions import db

demo_cli = AppGroup("demo", help="Demo data for development.")


@demo_cli.command("seed")
@click.option("--if-empty", is_flag=True, help="Seed only when the database has no clinic.")
def seed(if_empty):
    """Create the demo clinic with a therapist and patients; print the logins."""
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("demo data has well-known passwords; not in production")
    created = seed_demo(only_if_empty=if_empty)
    db.session.commit()
    click.echo("Demo clinic " + ("created." if created else "already present."))
    click.echo("Logins (email / password):")
    for account in DEMO_ACCOUNTS:
        click.echo(f"  {account.role:<9} {account.email} / {account.password}")
    click.echo("The therapist and admin also give a TOTP code (`totp`) from the demo's")
    click.echo(f"fixed, public secret {DEMO_TOTP_SECRET} (add it to an authenticator app).")


cli_groups = [demo_cli]
