"""Every rule with its threshold, served for "why was this flagged?"."""

from server.flags import checkin_rules
from server.flags.models import KINDS, OUTCOMES
from server.measures import scoring


def test_every_kind_is_explained_with_the_numbers_the_rules_use(as_user, therapist):
    answer = as_user(therapist).get("/api/v1/flags/rules")
    assert answer.status_code == 200
    body = answer.get_json()
    rules = {rule["kind"]: rule for rule in body["items"]}
    assert set(rules) == set(KINDS)
    assert rules["phq9_item9"]["severity"] == rules["unsafe_checkin"]["severity"] == "urgent"
    assert "20 or more" in rules["phq9_severe"]["rule"]
    steps = scoring.RELIABLE_CHANGE
    worsening = rules["reliable_worsening"]["rule"]
    assert f"PHQ-9 {steps['phq9']} (reliable change)" in worsening
    assert f"GAD-7 {steps['gad7']} (reliable change)" in worsening
    # PCL-5's 10 is the clinically meaningful change, never called reliable change.
    assert "PCL-5 10 (clinically meaningful change)" in worsening
    assert "PCL-5 10 (reliable" not in worsening
    low = rules["low_mood"]["rule"]
    assert f"{checkin_rules.LOW_MOOD_RUN} shared check-ins in a row" in low
    assert f"mood of {checkin_rules.LOW_MOOD_MAX} or below" in low
    drop = rules["mood_drop"]["rule"]
    assert "28 days" in drop and "3 points and 3.5 times" in drop
    assert "two in a row each at least 2 points and 2 times" in drop
    assert "default 24 hours" in rules["phq9_item9"]["repeats"]
    assert body["outcomes"] == OUTCOMES


def test_admins_read_the_rules_too_and_patients_do_not(as_user, clinic, patient):
    from tests import factories

    assert as_user(factories.user(clinic, "admin")).get("/api/v1/flags/rules").status_code == 200
    assert as_user(patient).get("/api/v1/flags/rules").status_code == 403
