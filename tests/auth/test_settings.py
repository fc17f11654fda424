"""My settings: time zone, reminder time, quiet hours, sharing default."""


def test_patient_reads_and_changes_settings(as_user, patient):
    client = as_user(patient)
    settings = client.get("/api/v1/me/settings").get_json()
    assert settings["time_zone"] == "America/New_York" and settings["share_by_default"] is True
    changed = client.patch(
        "/api/v1/me/settings",
        json={
            "time_zone": "Europe/Lisbon",
            "checkin_time": "19:30:00",
            "quiet_hours_start": "21:00:00",
            "quiet_hours_end": "07:30:00",
            "share_by_default": False,
        },
    )
    assert changed.status_code == 200
    again = client.get("/api/v1/me/settings").get_json()
    assert again["time_zone"] == "Europe/Lisbon" and again["checkin_time"] == "19:30:00"
    assert again["share_by_default"] is False


def test_bad_settings_name_each_field_and_change_nothing(as_user, patient):
    client = as_user(patient)
    response = client.patch(
        "/api/v1/me/settings",
        json={"time_zone": "Mars/Olympus", "checkin_time": "25:00", "colour": "blue"},
    )
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"time_zone", "checkin_time", "colour"}
    assert client.get("/api/v1/me/settings").get_json()["time_zone"] == "America/New_York"


def test_settings_need_sign_in(client):
    response = client.get("/api/v1/me/settings")
    assert response.status_code == 401 and response.mimetype == "application/problem+json"
