"""What every patient-written item shares, whichever feature keeps it.

Check-ins and journal entries (journal) and questionnaire responses
(measures) are items a patient writes, may share with their care team, and
may delete.
"""

from sqlalchemy.sql.elements import ColumnElement


def visible_to_care_team(model) -> ColumnElement[bool]:
    """SQL: an item of `model` that its patient's care team may see.

    Shared, and not deleted: a deleted item's row is gone (its tombstone
    holds no content), so a statement that finds the row finds a live item.
    A private item is invisible to the care team, even as a count.
    """
    return model.shared.is_(True)
