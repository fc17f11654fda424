"""Check-ins are answered by `checkin_json`, built without marshmallow: the schema's dump."""

from datetime import timedelta, timezone

import pytest

from server.db import utcnow
from server.journal.schemas import CheckInSchema, checkin_json
from tests import factories

SHAPES = [
    {},
    {"note": "a long walk, then rain", "emotions": ["calm", "tired"]},
    {"anxiety": 0, "energy": 10, "sleep_quality": 3, "discuss_next_session": True},
    {"shared": False, "mood": 0, "note": ""},
    {"recorded_at": utcnow().astimezone(timezone(timedelta(hours=5, minutes=30)))},
    {"recorded_at": utcnow().astimezone(timezone(timedelta(hours=-9)))},
]


@pytest.mark.parametrize("fields", SHAPES)
def test_checkin_json_is_what_the_schema_dumps(patient, fields):
    checkin = factories.checkin(patient, **fields)
    assert checkin_json(checkin) == CheckInSchema().dump(checkin)


def test_the_api_answers_what_the_schema_dumps(patient_client, patient):
    made = [factories.checkin(patient, **fields) for fields in SHAPES]
    listed = patient_client.get("/api/v1/checkins").get_json()["items"]
    by_id = {item["id"]: item for item in listed}
    for checkin in made:
        assert by_id[str(checkin.id)] == CheckInSchema().dump(checkin)
        one = patient_client.get(f"/api/v1/checkins/{checkin.id}").get_json()
        assert one == CheckInSchema().dump(checkin)
