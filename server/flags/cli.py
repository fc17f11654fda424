"""`flask flags scan`: raise the flags that depend on time passing, not on a request."""

import click
from flask.cli import AppGroup

from server.db import utcnow
from server.extensions import db
from server.flags.services import scan_missed_checkins

flags_cli = AppGroup("flags", help="Flags for the care team.")


@flags_cli.command("scan")
def scan():
    """Flag dosing sessions followed by 3 days without a shared check-in (run hourly)."""
    raised = scan_missed_checkins(utcnow())
    db.session.commit()
    # A count only: which patients were flagged is for the care team, not the log.
    click.echo(f"{len(raised)} new flag(s) raised")


cli_groups = [flags_cli]
