"""The care team as a rule other features compose into their statements.

"This therapist is on this patient's care team" is written here once, as a
SQL condition: `server.access` asks it for one patient, the read side and
flags put it in their list statements.
"""

from sqlalchemy import exists
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from server.auth.models import CareTeamMember, User

_patient = aliased(User, name="care_team_patient")


def on_care_team(therapist_id, clinic_id, patient_id) -> ColumnElement[bool]:
    """SQL: `patient_id` is a patient of clinic `clinic_id` on `therapist_id`'s care team.

    Each argument is a value, a bound parameter or a column (`Flag.patient_id`,
    `User.id`), so the condition correlates with the statement it is put in.
    Another clinic's patient is never on the care team, even if a stray
    membership row said so.
    """
    return exists().where(
        CareTeamMember.therapist_id == therapist_id,
        CareTeamMember.patient_id == patient_id,
        _patient.id == CareTeamMember.patient_id,
        _patient.role == "patient",
        _patient.clinic_id == clinic_id,
    )
