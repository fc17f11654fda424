"""The log's vocabulary: every action recorded is listed, with its meaning, for the admin."""

import ast
from pathlib import Path

import pytest

from server.audit.actions import ACTIONS, UnknownAuditAction
from server.audit.services import record
from server.care import routes as care_routes
from tests import factories

SERVER = Path(__file__).resolve().parents[2] / "server"
#: Actions chosen at run time by the one place that passes a name, not a literal:
#: server/care/routes.py `_audit`, given one of its kinds' names (written whole in `KINDS`).
CHOSEN = {
    action for kind in care_routes.KINDS for action in (kind.created, kind.changed, kind.cancelled)
}


def recorded_in_the_code() -> tuple[set[str], list[str]]:
    """Names passed to record()/record_reads()/record_refusal() as literals, and where a
    name is not a literal."""
    names, composed = set(), []
    for path in SERVER.rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        # A module with a function of its own by one of these names (server/keycheck.py
        # records the key check) calls that one by its bare name, not the audit log's.
        own = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
        if path.parent.name == "audit":
            own = set()
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if called not in ("record", "record_reads", "record_refusal"):
                continue
            if isinstance(func, ast.Name) and called in own:
                continue
            first = node.args[0]
            if isinstance(first, ast.Constant):
                names.add(first.value)
            else:
                composed.append(f"{path.relative_to(SERVER.parent)}:{ast.unparse(first)}")
    return names, composed


def test_every_action_the_code_records_is_listed_and_every_listed_one_is_recorded():
    names, composed = recorded_in_the_code()
    assert names, "the scan found no record() calls"
    assert names - set(ACTIONS) == set()
    assert composed == ["server/care/routes.py:action"]
    assert CHOSEN - set(ACTIONS) == set()
    assert set(ACTIONS) - names - CHOSEN == set()


def test_an_unlisted_action_is_refused_before_anything_is_written(therapist, patient):
    from sqlalchemy import func, select

    from server.audit.models import AuditEvent
    from server.extensions import db

    with pytest.raises(UnknownAuditAction):
        record("entry_peeked", actor=therapist, patient_id=patient.id)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_admins_read_the_actions_with_their_meaning(as_user, clinic, therapist):
    response = as_user(factories.user(clinic, "admin")).get("/api/v1/audit/actions")
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [item["name"] for item in items] == list(ACTIONS)
    by_name = {item["name"]: item["description"] for item in items}
    assert by_name["brief_read"] == "A therapist read a patient's session brief"
    assert as_user(therapist).get("/api/v1/audit/actions").status_code == 403
