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


def test_quiet_hours_are_both_times_or_neither(as_user, patient):
    client = as_user(patient)
    settings = "/api/v1/me/settings"
    off = client.patch(settings, json={"quiet_hours_start": None, "quiet_hours_end": None})
    assert off.status_code == 200
    # Half a window would silence nothing while the patient believes it does.
    half = client.patch(settings, json={"quiet_hours_start": "22:00:00"})
    assert half.status_code == 422 and half.mimetype == "application/problem+json"
    assert set(half.get_json()["errors"]) == {"quiet_hours_end"}
    empty = client.patch(
        settings, json={"quiet_hours_start": "22:00:00", "quiet_hours_end": "22:00:00"}
    )
    assert empty.status_code == 422 and set(empty.get_json()["errors"]) == {"quiet_hours_end"}
    stored = client.get(settings).get_json()
    assert (stored["quiet_hours_start"], stored["quiet_hours_end"]) == (None, None)

    whole = client.patch(
        settings, json={"quiet_hours_start": "22:00:00", "quiet_hours_end": "07:00:00"}
    )
    assert whole.status_code == 200
    # Changing one end of a window keeps the other; clearing one alone is refused.
    assert client.patch(settings, json={"quiet_hours_end": "06:30:00"}).status_code == 200
    cleared_one = client.patch(settings, json={"quiet_hours_start": None})
    assert set(cleared_one.get_json()["errors"]) == {"quiet_hours_start"}
    off = client.patch(settings, json={"quiet_hours_start": None, "quiet_hours_end": None})
    assert off.status_code == 200
    stored = client.get(settings).get_json()
    assert (stored["quiet_hours_start"], stored["quiet_hours_end"]) == (None, None)
