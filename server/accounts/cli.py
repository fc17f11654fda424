"""`flask clinic …` and `flask user …`: setting up a clinic from the shell."""

import io
import sys

import click
import segno
from flask.cli import AppGroup

from server.accounts.services import reset_second_factor
from server.auth import services as accounts
from server.auth import totp
from server.auth.models import ROLES
from server.clinics.models import Clinic
from server.clinics.services import create_clinic
from server.countries import country_names
from server.errors import Problem
from server.extensions import db

clinic_cli = AppGroup("clinic", help="Manage clinics.")
user_cli = AppGroup("user", help="Manage user accounts.")


@clinic_cli.command("create")
@click.argument("name")
@click.option("--phone", default=None, help="The clinic's phone, shown with crisis resources.")
@click.option("--phone-hours", default=None, help="When the phone is answered, shown beside it.")
@click.option(
    "--country",
    default="US",
    show_default=True,
    help="ISO 3166 code; chooses crisis lines for patients whose time zone names no country.",
)
def clinic_create(name, phone, phone_hours, country):
    """Create a clinic and print its id."""
    country = country.upper()
    if country not in country_names():
        raise click.BadParameter("not a country code, such as US, GB or AU", param_hint="--country")
    clinic = create_clinic(name, phone, country=country, phone_hours=phone_hours)
    db.session.commit()
    click.echo(str(clinic.id))


@user_cli.command("create")
@click.option("--clinic", "clinic_id", required=True, type=click.UUID)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--email", required=True)
@click.option("--name", "display_name", default=None)
@click.option(
    "--therapist",
    "therapist_email",
    default=None,
    help="For a patient: the therapist who cares for them.",
)
@click.option("--time-zone", default="UTC")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def user_create(clinic_id, role, email, display_name, therapist_email, time_zone, password_stdin):
    """Create a user; the password comes from stdin or a prompt, never an argument."""
    if db.session.get(Clinic, clinic_id) is None:
        raise click.UsageError(f"no clinic with id {clinic_id}")
    therapist = None
    if therapist_email:
        therapist = accounts.user_by_email(therapist_email)
        if therapist is None or therapist.role != "therapist" or therapist.clinic_id != clinic_id:
            raise click.UsageError("--therapist must name a therapist of that clinic")
        if role != "patient":
            raise click.UsageError("--therapist goes with --role patient")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = accounts.create_user(
            clinic_id=clinic_id,
            role=role,
            email=email,
            password=password,
            display_name=display_name,
            time_zone=time_zone,
            therapist=therapist,
        )
    except Problem as problem:
        db.session.rollback()
        messages = [m for ms in (problem.data["errors"] or {}).values() for m in ms]
        raise click.ClickException(" ".join([problem.description, *messages])) from None
    # Staff start enrolled, so there is no window in which the password
    # alone signs them in; whoever runs this hands the secret over.
    enrolment = _enrol_if_required(user)
    db.session.commit()
    if enrolment is not None:
        _print_totp_enrolment(*enrolment)
    # The id comes last, alone on its line, for scripts.
    click.echo(str(user.id))


def _enrol_if_required(user) -> tuple[str, list[str]] | None:
    """A new authenticator and recovery codes for staff: (URI, codes); None for patients."""
    if not user.totp_required:
        return None
    secret = totp.new_secret()
    totp.activate(user, secret)
    return totp.provisioning_uri(user, secret), totp.replace_recovery_codes(user)


def _print_totp_enrolment(uri: str, recovery_codes: list[str]) -> None:
    click.echo("Two-step sign-in is on for this account. Scan this with an authenticator app")
    click.echo("(or enter the URI); login then takes the app's code as `totp`:")
    # A QR right here, so nobody pastes the secret into an online QR generator.
    qr = io.StringIO()
    segno.make(uri, error="m").terminal(out=qr, compact=True)
    click.echo(qr.getvalue(), nl=False)
    click.echo(f"  {uri}")
    click.echo("Recovery codes, each usable once if the authenticator is lost:")
    for code in recovery_codes:
        click.echo(f"  {code}")


cli_groups = [clinic_cli, user_cli]


@user_cli.command("reset-totp")
@click.argument("email")
def user_reset_totp(email):
    """Give someone who lost their authenticator and recovery codes a new one.

    For the case the app cannot handle: a clinic's only admin. Whoever runs
    this on the server hands the new secret over in person. Every session and
    bearer token of theirs ends, and the reset is audited.
    """
    user = accounts.user_by_email(email)
    if user is None:
        raise click.UsageError("no account with that email")
    reset_second_factor(user, clinic_id=user.clinic_id)
    enrolment = _enrol_if_required(user)
    db.session.commit()
    if enrolment is not None:
        _print_totp_enrolment(*enrolment)
    else:
        click.echo("Two-step sign-in is off for this account; they may set it up again.")
