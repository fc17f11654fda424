"""Every paged list's cursor: it hides where it points, and opens only in its own list.

The lists are found from the routes (every query schema built on
`server.fields.Cursor`), so a new paged list fails here until its cursor is
shown to be sealed and bound like the others.
"""

import base64
from datetime import UTC, datetime, timedelta

import pytest

from server.fields import Cursor
from tests import factories

HOUR = timedelta(hours=1)


def _paged_rules(app) -> set[str]:
    found = set()
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        for parameter in getattr(view, "_apidoc", {}).get("arguments", {}).get("parameters", []):
            schema = parameter["schema"]
            if issubclass(schema if isinstance(schema, type) else type(schema), Cursor):
                found.add(rule.rule)
    return found


@pytest.fixture
def lists(as_user, clinic, therapist, patient):
    """Each paged list as its reader sees it: rule -> (client, URL), each with two pages."""
    admin = factories.user(clinic, "admin")
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    for hours in (1, 2, 3):
        at = start - hours * HOUR
        factories.checkin(patient, recorded_at=at, shared=True)
        factories.entry(patient, written_at=at, shared=True)
        factories.measure_response(patient, completed_at=at)
        factories.flag(patient, raised_at=at)
        factories.ketamine_session(patient, scheduled_at=start + hours * HOUR)
        factories.integration_session(patient, therapist, scheduled_at=start + hours * 24 * HOUR)
    mine, theirs, admins = as_user(patient), as_user(therapist), as_user(admin)
    for _ in range(3):  # audit events, for the admin's log
        theirs.get(f"/api/v1/patients/{patient.id}/brief")
    about = f"/api/v1/patients/{patient.id}"
    return {
        "/api/v1/checkins": (mine, "/api/v1/checkins"),
        "/api/v1/entries": (mine, "/api/v1/entries"),
        "/api/v1/measures/responses": (mine, "/api/v1/measures/responses"),
        "/api/v1/ketamine-sessions": (mine, "/api/v1/ketamine-sessions"),
        "/api/v1/integration-sessions": (mine, "/api/v1/integration-sessions"),
        "/api/v1/patients/<uuid:patient_id>/ketamine-sessions": (
            theirs,
            f"{about}/ketamine-sessions",
        ),
        "/api/v1/patients/<uuid:patient_id>/integration-sessions": (
            theirs,
            f"{about}/integration-sessions",
        ),
        "/api/v1/patients/<uuid:patient_id>/timeline": (theirs, f"{about}/timeline"),
        "/api/v1/flags": (theirs, "/api/v1/flags"),
        "/api/v1/audit": (admins, "/api/v1/audit"),
    }


def _get(client, url, **query):
    # The timeline opens on the last 30 days by default; the world is older.
    return client.get(url, query_string={"since": "2026-01-01T00:00:00Z"} | query)


def _first_cursor(client, url) -> str:
    response = _get(client, url, limit=1)
    assert response.status_code == 200, (url, response.get_json())
    cursor = response.get_json()["next_cursor"]
    assert cursor, url
    return cursor


def _refused(response) -> bool:
    return response.status_code == 422 and "cursor" in response.get_json()["errors"]


def test_every_paged_list_is_checked_here(app, lists):
    assert _paged_rules(app) == set(lists)


#: One list seen by two readers: the patient's own sessions, as the care team sees them too.
SAME_LIST = {
    frozenset(
        {"/api/v1/ketamine-sessions", "/api/v1/patients/<uuid:patient_id>/ketamine-sessions"}
    ),
    frozenset(
        {"/api/v1/integration-sessions", "/api/v1/patients/<uuid:patient_id>/integration-sessions"}
    ),
}


def test_a_cursor_opens_only_in_the_list_that_made_it(lists):
    cursors = {rule: _first_cursor(*reader) for rule, reader in lists.items()}
    for rule, (client, url) in lists.items():
        # Its own cursor leads on to the second page.
        assert _get(client, url, limit=1, cursor=cursors[rule]).status_code == 200, rule
        for other, cursor in cursors.items():
            if other != rule and frozenset({rule, other}) not in SAME_LIST:
                assert _refused(_get(client, url, cursor=cursor)), f"{other}'s cursor on {rule}"


def test_a_cursor_reveals_no_time_and_no_id(lists, patient):
    for rule, reader in lists.items():
        cursor = _first_cursor(*reader)
        opened = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        assert b"2026-" not in opened, rule
        assert str(patient.id).encode() not in opened, rule


def test_a_tampered_or_forged_cursor_is_a_422(lists):
    forged = base64.urlsafe_b64encode(b'["2026-03-02T08:00:00+00:00", 1]').decode().rstrip("=")
    for rule, (client, url) in lists.items():
        cursor = _first_cursor(client, url)
        flipped = cursor[:-5] + ("A" if cursor[-5] != "A" else "B") + cursor[-4:]
        for bad in (flipped, cursor[:-3], forged, "%%%not", "x" * 4000):
            assert _refused(_get(client, url, cursor=bad)), (rule, bad[:20])
