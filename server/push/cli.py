"""`flask push …`: VAPID keys, a test notification, the delivery worker."""

import click
from flask import current_app
from flask.cli import AppGroup

from server.auth.services import user_by_email
from server.extensions import db
from server.push import outbox, subscriptions, vapid, worker
from server.secrets import new_vapid_private_key, save_instance_secret

push_cli = AppGroup("push", help="Web Push: keys, test notifications, the delivery worker.")


@push_cli.command("keys")
def keys():
    """Create the VAPID key if missing; print its public key (applicationServerKey)."""
    config = current_app.config
    if not config.get("VAPID_PRIVATE_KEY"):
        # Only reachable when secrets are not generated at start-up; in
        # production the key comes from the environment and is never written.
        config["VAPID_PRIVATE_KEY"] = new_vapid_private_key()
        save_instance_secret(
            current_app.instance_path, "VAPID_PRIVATE_KEY", config["VAPID_PRIVATE_KEY"]
        )
        click.echo("Created a VAPID key in the instance secrets.", err=True)
    try:
        click.echo(subscriptions.vapid_public_key())
    except ValueError as error:
        raise click.ClickException(str(error)) from None


@push_cli.command("send-test")
@click.argument("email")
def send_test(email):
    """Queue a test notification, due now, on each of that user's devices."""
    user = user_by_email(email)
    if user is None:
        raise click.ClickException("No account with that email.")
    count = outbox.queue_test(user)
    db.session.commit()
    if count == 0:
        raise click.ClickException("That account has no device with notifications turned on.")
    click.echo(f"Queued a test notification for {count} device(s); the worker sends it.")


@push_cli.command("worker")
@click.option("--once", is_flag=True, help="Send what is due now, then exit.")
def run_worker(once):
    """Deliver due notifications until stopped (SIGTERM or Ctrl-C)."""
    _require_real_vapid_subject()
    sent = worker.run(current_app._get_current_object(), once=once)
    if once:
        click.echo(f"Sent {sent} notification(s).")


def _require_real_vapid_subject() -> None:
    """In production, no worker without a contact push services accept.

    Apple's push service refuses a placeholder subject, so a worker started
    with one would fail every push to an iPhone; better to stop now, saying why,
    as start-up does for a missing secret.
    """
    config = current_app.config
    if config.get("ENV_NAME") != "production":
        return  # development and tests keep the placeholder default
    problem = vapid.vapid_subject_problem(config.get("VAPID_SUBJECT"))
    if problem:
        raise click.ClickException(
            f"The push worker will not start in production: {problem}. Set VAPID_SUBJECT "
            "to a real mailto: address or https: page where push services can reach you "
            "(see README, Configuration)."
        )


cli_groups = [push_cli]
