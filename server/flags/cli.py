"""`flask flags scan`: the flags' time-driven work by hand (the push worker runs it too)."""

import click
from flask.cli import AppGroup

from server.db import utcnow
from server.extensions import db
from server.flags import tasks

flags_cli = AppGroup("flags", help="Flags for the care team.")


@flags_cli.command("scan")
def scan():
    """Flag missed check-ins after dosing, escalate overdue urgent flags, drop old notices."""
    done = tasks.run(utcnow())
    db.session.commit()
    # Counts only: which patients were flagged is for the care team, not the log.
    click.echo(
        f"{done['missed_checkins']} new flag(s) raised, {done['escalated']} escalated, "
        f"{done['notices_removed']} old deletion notice(s) removed"
    )


cli_groups = [flags_cli]
