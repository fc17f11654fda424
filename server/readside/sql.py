"""SQL pieces the read side's lists share: the care team, bound parameters, the patient's day.

The caseload's statements pick their patients by a subquery of the
therapist's care team, or, where the planner needs the ids themselves to
pick an index, by one array parameter (`among`). A list of 200 bound ids
would make a statement too long for SQLAlchemy and the driver to cache its
compiled form, and compiling it on every request costs about what running
it does. (The flag counts come from the flags feature, which takes a list.)
"""

import uuid

from sqlalchemy import Date, Uuid, any_, bindparam, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from server.auth.models import User
from server.clinics.queries import on_care_team
from server.db import UTCDateTime
from server.extensions import db

# --- the patient's day ------------------------------------------------------------


class local_day(FunctionElement):
    """The calendar day of a UTC instant at the offset the patient's device sent with it.

    A check-in belongs to the day the patient lived it (23:30 stays on its
    evening), as on the patient's own screens; computed in SQL so a day's
    mean is aggregated by the database. Both dialects compute the same day.
    """

    type = Date()
    name = "local_day"
    inherit_cache = True


@compiles(local_day, "postgresql")
def _local_day_postgresql(element, compiler, **kw):
    at, offset = (compiler.process(clause, **kw) for clause in element.clauses)
    # AT TIME ZONE 'UTC' first: a timestamptz cast to date would use the
    # connection's TimeZone setting, not the patient's offset.
    return f"CAST(({at} AT TIME ZONE 'UTC') + make_interval(mins => {offset}) AS DATE)"


@compiles(local_day, "sqlite")
def _local_day_sqlite(element, compiler, **kw):
    at, offset = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"date({at}, ({offset}) || ' minutes')"


def care_team_patients(therapist: User):
    """A select of the patients on `therapist`'s care team, in their clinic only."""
    return care_team(therapist.id, therapist.clinic_id)


def care_team(therapist_id, clinic_id):
    return select(User).where(on_care_team(therapist_id, clinic_id, User.id))


# The caseload runs the same statements for every therapist at every moment,
# so they are composed once, with the therapist and the time as parameters:
# composed on each request, they cost as much CPU as running two of them.
THERAPIST_ID = bindparam("therapist_id", type_=User.id.type)
CLINIC_ID = bindparam("clinic_id", type_=User.clinic_id.type)
NOW = bindparam("now", type_=UTCDateTime())
DEFAULT_SINCE = bindparam("default_since", type_=UTCDateTime())
UNTIL = bindparam("until", type_=UTCDateTime())


def fetch_rows(statement, parameters: dict | None = None) -> list:
    """All rows of a statement of plain columns, run as Core on the session's connection.

    Same transaction as the ORM's, without its per-row loading machinery,
    which for a few thousand aggregated rows cost more than the query.
    """
    return db.session.connection().execute(statement, parameters).all()


def among(column, ids: list[uuid.UUID]):
    """`column IN ids`; on PostgreSQL as one array parameter, so the statement stays short."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(ids), type_=postgresql.ARRAY(Uuid())))
    return column.in_(ids)
