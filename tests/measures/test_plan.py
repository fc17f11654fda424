"""The therapist's measure plan: the index event, series marks, the item table, what is due."""

from datetime import timedelta

from sqlalchemy import select

from server.audit.models import AuditEvent
from server.db import utcnow
from server.extensions import db
from server.measures.models import MeasurePlan
from tests import factories


def plan_url(patient):
    return f"/api/v1/patients/{patient.id}/measure-plan"


def test_the_index_event_is_encrypted_and_shown_to_its_patient_only(
    as_user, clinic, therapist, patient
):
    event = "the flood at the farm in 2021"
    changed = as_user(therapist).patch(plan_url(patient), json={"pcl5": True, "index_event": event})
    assert changed.status_code == 200 and changed.get_json()["index_event"] == event
    stored = db.session.scalar(
        select(MeasurePlan.index_event_ciphertext).where(MeasurePlan.patient_id == patient.id)
    )
    assert event.encode() not in stored
    assert as_user(patient).get("/api/v1/measures/pcl5").get_json()["index_event"] == event
    other = factories.user(clinic, "patient", therapist=therapist)
    assert as_user(other).get("/api/v1/measures/pcl5").get_json()["index_event"] is None
    assert as_user(therapist).get("/api/v1/measures/pcl5").get_json()["index_event"] is None
    cleared = as_user(therapist).patch(plan_url(patient), json={"index_event": "  "})
    assert cleared.get_json()["index_event"] is None


def test_the_definition_carries_the_difficulty_item_after_the_last(as_user, patient):
    phq9 = as_user(patient).get("/api/v1/measures/phq9").get_json()
    assert phq9["difficulty"]["text"].startswith("If you checked off any problems")
    assert phq9["difficulty"]["options"][3] == "Extremely difficult"
    assert as_user(patient).get("/api/v1/measures/pcl5").get_json()["difficulty"] is None


def test_marking_a_new_series_moves_the_baseline(as_user, therapist, patient):
    start = utcnow() - timedelta(days=60)
    factories.measure_response(patient, "phq9", [2] * 9, completed_at=start)
    factories.ketamine_session(patient, scheduled_at=start + timedelta(days=1))
    factories.measure_response(patient, "phq9", [1] * 9, completed_at=start + timedelta(days=20))
    second = factories.ketamine_session(patient, scheduled_at=start + timedelta(days=30))
    client = as_user(therapist)
    view = client.get(plan_url(patient)).get_json()
    assert [len(one["baselines"]) for one in view["series"]] == [1]
    # Each series lists its sessions, so a screen can offer any of them to mark.
    (only,) = view["series"]
    assert [each["id"] for each in only["sessions"]][1] == str(second.id)
    assert len(only["sessions"]) == only["dosing_sessions"] == 2
    marked = client.put(
        f"/api/v1/patients/{patient.id}/ketamine-sessions/{second.id}/series-start",
        json={"new_series": True},
    ).get_json()
    assert [(one["number"], one["marked"]) for one in marked["series"]] == [(1, False), (2, True)]
    assert [[each["id"] for each in one["sessions"]] for one in marked["series"]][1] == [
        str(second.id)
    ]
    assert [one["baselines"][0]["total"] for one in marked["series"]] == [18, 9]
    assert marked["days_since_last_dose"] == 30
    unmarked = client.put(
        f"/api/v1/patients/{patient.id}/ketamine-sessions/{second.id}/series-start",
        json={"new_series": False},
    ).get_json()
    assert len(unmarked["series"]) == 1
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action == "series_start_changed")
    ).all()
    assert len(actions) == 2


def test_another_patients_session_cannot_be_marked(as_user, clinic, therapist, patient):
    other = factories.user(clinic, "patient", therapist=therapist)
    session = factories.ketamine_session(other, scheduled_at=utcnow())
    response = as_user(therapist).put(
        f"/api/v1/patients/{patient.id}/ketamine-sessions/{session.id}/series-start",
        json={"new_series": True},
    )
    assert response.status_code == 404


def test_the_item_table_marks_changed_items_shared_only(as_user, therapist, patient):
    start = utcnow() - timedelta(days=50)
    answers = [[2] * 7, [2, 2, 1, 2, 2, 2, 2], [1, 2, 1, 2, 2, 2, 0]]
    for day, each in enumerate(answers):
        factories.measure_response(
            patient, "gad7", each, completed_at=start + timedelta(days=14 * day), difficulty=day
        )
    factories.measure_response(
        patient, "gad7", [0] * 7, completed_at=start + timedelta(days=45), shared=False
    )
    url = f"/api/v1/patients/{patient.id}/measures/gad7/table"
    table = as_user(therapist).get(url).get_json()
    assert [row["total"] for row in table["rows"]] == [14, 13, 10]
    assert [row["changed"] for row in table["rows"]] == [[], [3], [1, 7]]
    assert [row["difficulty"] for row in table["rows"]] == [0, 1, 2]
    assert table["difficulty_options"][2] == "Very difficult"
    # The last two only: the first shown still knows what changed before it.
    two = as_user(therapist).get(url, query_string={"limit": 2}).get_json()
    assert [row["changed"] for row in two["rows"]] == [[3], [1, 7]]
    pcl5 = as_user(therapist).get(f"/api/v1/patients/{patient.id}/measures/pcl5/table")
    assert pcl5.get_json()["clusters"] == {"B": [1, 5], "C": [6, 7], "D": [8, 14], "E": [15, 20]}
    assert (
        as_user(therapist).get(f"/api/v1/patients/{patient.id}/measures/bdi/table").status_code
        == 404
    )


def test_the_item_table_and_plan_cost_the_same_statements_for_1_or_30_responses(
    as_user, clinic, therapist, count_statements
):
    from server.measures.plan_queries import item_table, plan_view

    few = factories.user(clinic, "patient", therapist=therapist)
    many = factories.user(clinic, "patient", therapist=therapist)
    start = utcnow() - timedelta(days=400)
    factories.measure_response(few, "phq9", [1] * 9, completed_at=start)
    for week in range(30):
        factories.measure_response(
            many, "phq9", [week % 4] * 9, completed_at=start + timedelta(weeks=week)
        )
        if week % 5 == 0:
            factories.ketamine_session(many, scheduled_at=start + timedelta(weeks=week, days=1))

    def cost(run):
        with count_statements() as statements:
            run()
        return len(statements)

    assert cost(lambda: item_table(few.id, "phq9", 100)) == cost(
        lambda: item_table(many.id, "phq9", 100)
    )
    assert cost(lambda: plan_view(few, utcnow())) == cost(lambda: plan_view(many, utcnow()))
