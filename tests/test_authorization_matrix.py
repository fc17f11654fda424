"""The authorization matrix (SPEC 8): every /api/v1 route against every kind of caller.

One world per route: clinic A with the patient P, their care-team therapist
T, a colleague T2 (same clinic, not on P's team), another patient Q of T and
an admin; clinic B with a therapist TB. P owns a shared and a private
check-in, a shared and a private entry, a measure response, a dosing
session, an integration session, a flag, a bearer token and a push device.
Path parameters are filled with P's things, so "another X" asks for P's.

Rules judged here (docs/developing.md, server/access.py): a wrong role is
403; another therapist's or another clinic's patient, and anybody else's
item, is 404; a private item is invisible to therapists (404); nobody but the
rightful caller gets a 2xx. Refusals are problem+json, never carry the
seeded health text and write nothing but the audit record of the refusal. A
route in `app.url_map` that is neither in MATRIX nor in PUBLIC fails
`test_every_route_is_in_the_matrix`.
"""

import base64
import contextlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import event, func, select

from server.audit.models import AuditEvent
from server.auth import services as auth_services
from server.db import utcnow
from server.extensions import db
from tests import factories
from tests.companion.helpers import CALM as AFTER_DOSE_ANSWERS

PREFIX = "/api/v1"
ORIGIN = "http://localhost"

#: Health text seeded in P's items; a refusal must never contain either, and
#: the private one reaches nobody but P.
SHARED_CANARY = "MATRIX-SHARED-4c1e tonight I felt the floor tilt"
PRIVATE_CANARY = "MATRIX-PRIVATE-9b2d only for me"

PRINCIPALS = (
    "anonymous",
    "the patient",
    "another patient",
    "care-team therapist",
    "another therapist",
    "other clinic's therapist",
    "admin",
)

#: Deliberately public routes: not in the matrix, each with its reason.
PUBLIC = {
    ("GET", "/openapi.json"): "the API description; no data of anyone",
    ("POST", "/auth/login"): "signing in is what an anonymous caller does",
    ("POST", "/auth/tokens"): "exchanges credentials for a bearer token, like login",
    ("GET", "/invites/<token>"): "the invitation's secret token is the credential",
    ("POST", "/invites/<token>/accept"): "the invitation's secret token is the credential",
    ("GET", "/push/vapid-public-key"): "a public key the browser needs before subscribing",
}


@dataclass(frozen=True)
class Because:
    """An authorized caller refused by validation or state, not by authorization."""

    status: int
    reason: str


OK = "ok"  # any 2xx

# --- Expectation rows ---------------------------------------------------------
_NONE = dict.fromkeys(PRINCIPALS, 403) | {"anonymous": 401}
SIGNED_IN = dict.fromkeys(PRINCIPALS, OK) | {"anonymous": 401}
ANY_PATIENT = _NONE | {"the patient": OK, "another patient": OK}
#: P's own item: P alone; another patient's 404 (not theirs); staff by role 403.
OWN_ITEM = _NONE | {"the patient": OK, "another patient": 404}
ANY_THERAPIST = _NONE | {
    "care-team therapist": OK,
    "another therapist": OK,
    "other clinic's therapist": OK,
}
#: Something of P's for their therapist; anyone else's patient is 404.
CARE_TEAM = ANY_THERAPIST | {"another therapist": 404, "other clinic's therapist": 404}
#: Something of clinic A (a prompt): clinic A's therapists; clinic B's 404.
CLINIC_THERAPISTS = ANY_THERAPIST | {"other clinic's therapist": 404}
ADMIN = _NONE | {"admin": OK}
STAFF = ANY_THERAPIST | {"admin": OK}
#: An invitation the admin made: the admin; a therapist who did not make it, 404.
INVITER = CARE_TEAM | {"care-team therapist": 404, "admin": OK}
#: A therapist's or admin's own things: signed in, but staff-only by role.

STAFF_ENROLLED = Because(409, "staff are already enrolled in TOTP")
NO_PENDING = Because(409, "no enrolment waiting for a code")
NOT_SET_UP = Because(409, "a patient has no TOTP to disable")
WRONG_CODE = Because(422, "the made-up code is checked before anything changes")
NO_TOTP_TO_RESET = Because(409, "P never set up TOTP, so an admin has nothing to reset")

MATRIX = {
    # audit
    ("GET", "/audit"): ADMIN,
    ("GET", "/audit/actions"): ADMIN,
    # auth and account
    # Logging out is harmless for anyone: it only ends the caller's own session.
    ("POST", "/auth/logout"): SIGNED_IN | {"anonymous": OK},
    ("GET", "/auth/me"): SIGNED_IN,
    ("POST", "/auth/password"): SIGNED_IN,
    ("POST", "/auth/totp/enrol"): SIGNED_IN
    | {
        "care-team therapist": STAFF_ENROLLED,
        "another therapist": STAFF_ENROLLED,
        "other clinic's therapist": STAFF_ENROLLED,
        "admin": STAFF_ENROLLED,
    },
    ("POST", "/auth/totp/confirm"): dict.fromkeys(PRINCIPALS, NO_PENDING) | {"anonymous": 401},
    ("POST", "/auth/totp/disable"): SIGNED_IN
    | {
        "the patient": NOT_SET_UP,
        "another patient": NOT_SET_UP,
        "care-team therapist": WRONG_CODE,
        "another therapist": WRONG_CODE,
        "other clinic's therapist": WRONG_CODE,
        "admin": WRONG_CODE,
    },
    ("GET", "/auth/tokens"): SIGNED_IN,
    ("DELETE", "/auth/tokens/<uuid:token_id>"): dict.fromkeys(PRINCIPALS, 404)
    | {"anonymous": 401, "the patient": OK},
    ("GET", "/staff"): ADMIN,
    ("GET", "/reports/outcomes"): ADMIN,
    ("POST", "/users/<uuid:user_id>/sessions/revoke"): ADMIN,
    # P has no TOTP: the admin is allowed, and told there is nothing to reset.
    ("POST", "/users/<uuid:user_id>/totp/reset"): ADMIN | {"admin": NO_TOTP_TO_RESET},
    ("POST", "/invites"): STAFF,
    # The admin made the world's invitation: no therapist (not its maker) may touch it.
    ("GET", "/invites"): STAFF,
    ("DELETE", "/invites/<uuid:invite_id>"): INVITER,
    ("POST", "/invites/<uuid:invite_id>/reissue"): INVITER,
    ("GET", "/me/settings"): SIGNED_IN,
    ("PATCH", "/me/settings"): SIGNED_IN,
    ("GET", "/me/device-key"): ANY_PATIENT,
    ("GET", "/me/export"): ANY_PATIENT,
    ("DELETE", "/me"): ANY_PATIENT,
    # journal: the patient's side
    ("POST", "/checkins"): ANY_PATIENT,
    ("GET", "/checkins"): ANY_PATIENT,
    ("GET", "/checkins/<uuid:checkin_id>"): OWN_ITEM,
    ("PATCH", "/checkins/<uuid:checkin_id>"): OWN_ITEM,
    ("DELETE", "/checkins/<uuid:checkin_id>"): OWN_ITEM,
    ("POST", "/entries"): ANY_PATIENT,
    ("GET", "/entries"): ANY_PATIENT,
    ("POST", "/entries/search"): ANY_PATIENT,
    ("GET", "/checkins/tags"): ANY_PATIENT,
    ("GET", "/entries/<uuid:entry_id>"): OWN_ITEM,
    ("PATCH", "/entries/<uuid:entry_id>"): OWN_ITEM,
    ("DELETE", "/entries/<uuid:entry_id>"): OWN_ITEM,
    ("GET", "/prompts/due"): ANY_PATIENT,
    # journal: the clinic's prompt library
    ("GET", "/prompts"): ANY_THERAPIST,
    ("POST", "/prompts"): ANY_THERAPIST,
    ("PATCH", "/prompts/<uuid:prompt_id>"): CLINIC_THERAPISTS,
    ("POST", "/patients/<uuid:patient_id>/prompt-assignments"): CARE_TEAM,
    ("GET", "/patients/<uuid:patient_id>/prompt-assignments"): CARE_TEAM,
    (
        "DELETE",
        "/patients/<uuid:patient_id>/prompt-assignments/<uuid:assignment_id>",
    ): CARE_TEAM,
    # measures
    ("GET", "/measures/responses"): ANY_PATIENT,
    ("GET", "/measures/responses/<uuid:response_id>"): OWN_ITEM,
    ("PATCH", "/measures/responses/<uuid:response_id>"): OWN_ITEM,
    ("DELETE", "/measures/responses/<uuid:response_id>"): OWN_ITEM,
    ("GET", "/measures/due"): ANY_PATIENT,
    ("GET", "/measures/<instrument>"): SIGNED_IN,
    ("POST", "/measures/<instrument>/responses"): ANY_PATIENT,
    ("GET", "/patients/<uuid:patient_id>/measure-plan"): CARE_TEAM,
    ("PATCH", "/patients/<uuid:patient_id>/measure-plan"): CARE_TEAM,
    (
        "PUT",
        "/patients/<uuid:patient_id>/ketamine-sessions/<uuid:session_id>/series-start",
    ): CARE_TEAM,
    ("GET", "/patients/<uuid:patient_id>/measures/<instrument>/table"): CARE_TEAM,
    # care: schedule
    ("POST", "/patients/<uuid:patient_id>/ketamine-sessions"): CARE_TEAM,
    ("GET", "/patients/<uuid:patient_id>/ketamine-sessions"): CARE_TEAM,
    ("PATCH", "/patients/<uuid:patient_id>/ketamine-sessions/<uuid:session_id>"): CARE_TEAM,
    ("POST", "/patients/<uuid:patient_id>/integration-sessions"): CARE_TEAM,
    ("GET", "/patients/<uuid:patient_id>/integration-sessions"): CARE_TEAM,
    ("PATCH", "/patients/<uuid:patient_id>/integration-sessions/<uuid:session_id>"): CARE_TEAM,
    ("GET", "/ketamine-sessions"): ANY_PATIENT,
    ("GET", "/integration-sessions"): ANY_PATIENT,
    ("GET", "/me/phase"): ANY_PATIENT,
    # care: the therapist's read side
    ("GET", "/patients"): ANY_THERAPIST,
    ("GET", "/patients/<uuid:patient_id>"): CARE_TEAM,
    ("GET", "/patients/<uuid:patient_id>/timeline"): CARE_TEAM,
    ("GET", "/patients/<uuid:patient_id>/brief"): CARE_TEAM,
    ("POST", "/checkins/<uuid:checkin_id>/read"): CARE_TEAM,
    ("POST", "/entries/<uuid:entry_id>/read"): CARE_TEAM,
    ("POST", "/measures/responses/<uuid:response_id>/read"): CARE_TEAM,
    # flags and crisis resources
    # An admin sees their clinic's escalated flags (none here: an empty list).
    ("GET", "/flags"): STAFF,
    ("GET", "/flags/summary"): STAFF,
    ("GET", "/flags/rules"): STAFF,
    ("POST", "/flags/<uuid:flag_id>/acknowledge"): CARE_TEAM,
    ("GET", "/clinic/flag-settings"): STAFF,
    ("PUT", "/clinic/flag-settings"): ADMIN,
    ("GET", "/crisis-resources"): SIGNED_IN,
    ("PUT", "/crisis-resources"): ADMIN,
    ("GET", "/crisis-resources/countries"): SIGNED_IN,
    ("GET", "/clinics/<uuid:clinic_id>/crisis-resources"): ADMIN,
    ("GET", "/clinic"): ADMIN,
    ("PUT", "/clinic"): ADMIN,
    ("PUT", "/clinics/<uuid:clinic_id>/crisis-resources"): ADMIN,
    # push
    ("POST", "/push/subscriptions"): SIGNED_IN,
    # Unsubscribing names P's device: only P may forget it.
    ("DELETE", "/push/subscriptions"): dict.fromkeys(PRINCIPALS, 404)
    | {"anonymous": 401, "the patient": OK},
    # The caller's own clinic's prompt times: its staff read them, its admin sets them.
    ("GET", "/clinic/push-schedule"): STAFF,
    ("PUT", "/clinic/push-schedule"): ADMIN,
    # companion: the patient's own, the clinic's checklist, the care team's view
    ("GET", "/me/companion"): ANY_PATIENT,
    ("GET", "/ketamine-sessions/<uuid:session_id>/checklist"): OWN_ITEM,
    ("PUT", "/ketamine-sessions/<uuid:session_id>/checklist"): OWN_ITEM,
    ("GET", "/intentions"): ANY_PATIENT,
    # Another patient naming P's session: refused by validation, as not theirs.
    ("POST", "/intentions"): ANY_PATIENT
    | {"another patient": Because(422, "P's dosing session is not theirs")},
    ("PATCH", "/intentions/<uuid:intention_id>"): OWN_ITEM,
    ("POST", "/intention-reflections"): ANY_PATIENT
    | {"another patient": Because(422, "P's intention is not theirs")},
    ("PATCH", "/intention-reflections/<uuid:reflection_id>"): OWN_ITEM,
    ("GET", "/after-dose-checks"): ANY_PATIENT,
    ("PATCH", "/after-dose-checks/<uuid:check_id>"): OWN_ITEM,
    ("POST", "/after-dose-checks"): ANY_PATIENT
    | {"another patient": Because(422, "P's dosing session is not theirs")},
    ("GET", "/clinic/checklist"): STAFF,
    ("PUT", "/clinic/checklist"): STAFF,
    ("GET", "/patients/<uuid:patient_id>/companion"): CARE_TEAM,
    # safety plan
    ("GET", "/me/safety-plan"): ANY_PATIENT,
    ("PUT", "/me/safety-plan"): ANY_PATIENT,
    ("GET", "/patients/<uuid:patient_id>/safety-plan"): CARE_TEAM,
}

#: Statuses the code answers today that break the rules above, as
#: (method, rule, principal) -> what it answers. Each runs as a strict xfail.
KNOWN_GAPS: dict[tuple[str, str, str], str] = {}

#: The three kinds of P's items a therapist can act on, with the routes that name one.
ITEM_ROUTES = {
    "checkin": ("/checkins/<uuid:checkin_id>", "/checkins/<uuid:checkin_id>/read"),
    "entry": ("/entries/<uuid:entry_id>", "/entries/<uuid:entry_id>/read"),
    "response": (
        "/measures/responses/<uuid:response_id>",
        "/measures/responses/<uuid:response_id>/read",
    ),
}
ITEM_STATES = ("private", "unshared")


# --- The world ----------------------------------------------------------------


@dataclass(frozen=True)
class Thing:
    """What a request needs of a row: its id (and version), never a live ORM object.

    A refused request rolls back and expires every loaded row, so the world keeps
    plain values only.
    """

    id: uuid.UUID
    version: int | None = None
    email: str | None = None
    clinic_id: uuid.UUID | None = None


def _thing(row) -> Thing:
    return Thing(
        row.id,
        getattr(row, "version", None),
        getattr(row, "email", None),
        getattr(row, "clinic_id", None),
    )


@dataclass
class World:
    people: dict
    patient: Thing
    checkin: Thing
    private_checkin: Thing
    entry: Thing
    private_entry: Thing
    response: Thing
    private_response: Thing
    ketamine: Thing
    integration: Thing
    flag: Thing
    prompt: Thing
    token_id: uuid.UUID
    endpoint: str
    intention: Thing | None = None
    intention_session_id: uuid.UUID | None = None
    reflection: Thing | None = None
    after_dose_check: Thing | None = None
    invite: Thing | None = None
    assignment: Thing | None = None


def build_world() -> World:
    clinic_a, clinic_b = factories.clinic(), factories.clinic()
    therapist = factories.user(clinic_a, "therapist")
    patient = factories.user(clinic_a, "patient", therapist=therapist, share_by_default=True)
    people = {
        "the patient": patient,
        "another patient": factories.user(clinic_a, "patient", therapist=therapist),
        "care-team therapist": therapist,
        "another therapist": factories.user(clinic_a, "therapist"),
        "other clinic's therapist": factories.user(clinic_b, "therapist"),
        "admin": factories.user(clinic_a, "admin"),
    }
    token, _clear = auth_services.issue_token(patient, "matrix")
    invite = _thing(
        auth_services.create_invite(
            people["admin"],
            email="matrix-invitee@example.test",
            role="patient",
            therapist=therapist,
        )[0]
    )
    db.session.commit()
    return World(
        people={name: _thing(user) for name, user in people.items()},
        patient=_thing(patient),
        checkin=_thing(factories.checkin(patient, note=SHARED_CANARY, shared=True)),
        private_checkin=_thing(factories.checkin(patient, note=PRIVATE_CANARY, shared=False)),
        entry=_thing(factories.entry(patient, SHARED_CANARY, shared=True)),
        private_entry=_thing(factories.entry(patient, PRIVATE_CANARY, shared=False)),
        response=_thing(factories.measure_response(patient, shared=True)),
        private_response=_thing(factories.measure_response(patient, "gad7", shared=False)),
        ketamine=_thing(factories.ketamine_session(patient, created_by=therapist)),
        integration=_thing(factories.integration_session(patient, therapist)),
        flag=_thing(factories.flag(patient)),
        prompt=_thing(factories.prompt(clinic_a)),
        token_id=token.id,
        endpoint=factories.push_subscription(patient).endpoint,
        **_companion_things(patient),
        invite=invite,
        assignment=_assignment(clinic_a, patient, therapist),
    )


def _assignment(clinic, patient, therapist) -> Thing:
    """A prompt P's therapist asked P to answer."""
    from server.journal.models import PromptAssignment

    made = PromptAssignment(
        id=uuid.uuid4(),
        patient_id=patient.id,
        prompt_id=factories.prompt(clinic, "Which moment stayed with you?").id,
        assigned_by_id=therapist.id,
        due_at=utcnow(),
    )
    db.session.add(made)
    db.session.commit()
    return _thing(made)


def _companion_things(patient) -> dict:
    """P's intention for a past dose (read by its id), its reflection, a check after an
    earlier dose, a shared safety plan."""
    from server.companion import services as companion
    from server.safetyplan import services as safetyplan

    dose = factories.ketamine_session(patient, scheduled_at=utcnow() - timedelta(days=1))
    intention, _ = companion.create_intention(
        patient,
        {"id": uuid.uuid4(), "ketamine_session_id": dose.id, "body": SHARED_CANARY},
    )
    reflection, _ = companion.create_reflection(
        patient,
        {"id": uuid.uuid4(), "intention_id": intention.id, "body": SHARED_CANARY, "shared": True},
    )
    earlier = factories.ketamine_session(patient, scheduled_at=utcnow() - timedelta(days=3))
    check, _ = companion.create_after_dose_check(
        patient,
        {"id": uuid.uuid4(), "ketamine_session_id": earlier.id, "answers": AFTER_DOSE_ANSWERS},
    )
    sections = {"warning_signs": [SHARED_CANARY]}
    safetyplan.save(patient, {"sections": sections, "shared": True, "version": 0})
    db.session.commit()
    return {
        "intention": _thing(intention),
        "intention_session_id": dose.id,
        "reflection": _thing(reflection),
        "after_dose_check": _thing(check),
    }


def _version_if_kept(model, item_id) -> int:
    """As `_version`, for P's items that an earlier route (DELETE /me) may have removed."""
    db.session.expire_all()
    item = db.session.get(model, item_id)
    return item.version if item is not None else 1


def _safety_plan_version(principal: str, world: World) -> int:
    """The caller's own plan's version now (0 before a first plan)."""
    from server.safetyplan.services import plan_of

    if principal not in world.people:
        return 0
    db.session.expire_all()
    plan = plan_of(world.people[principal].id)

    return plan.version if plan is not None else 0


def fill(rule: str, world: World, **override) -> str:
    """The rule's path with P's things in it."""
    session = world.ketamine if "ketamine" in rule else world.integration
    values = {
        "<uuid:patient_id>": world.patient.id,
        "<uuid:user_id>": world.patient.id,
        "<uuid:checkin_id>": override.get("checkin", world.checkin).id,
        "<uuid:entry_id>": override.get("entry", world.entry).id,
        "<uuid:response_id>": override.get("response", world.response).id,
        "<uuid:session_id>": session.id,
        "<uuid:flag_id>": world.flag.id,
        "<uuid:prompt_id>": world.prompt.id,
        "<uuid:token_id>": world.token_id,
        "<uuid:intention_id>": world.intention.id,
        "<uuid:reflection_id>": world.reflection.id,
        "<uuid:check_id>": world.after_dose_check.id,
        "<instrument>": "phq9",
        "<uuid:clinic_id>": world.people["admin"].clinic_id,
        "<uuid:invite_id>": world.invite.id,
        "<uuid:assignment_id>": world.assignment.id,
    }
    path = rule
    for placeholder, value in values.items():
        path = path.replace(placeholder, str(value))
    assert "<" not in path, f"no value for a parameter of {rule}"
    return PREFIX + path


def _push_keys() -> dict:
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    encode = base64.urlsafe_b64encode
    return {
        "p256dh": encode(point).rstrip(b"=").decode(),
        "auth": encode(secrets.token_bytes(16)).rstrip(b"=").decode(),
    }


def _version(model, item_id) -> int:
    """The stored version now (an earlier allowed caller may have bumped it)."""
    db.session.expire_all()
    return db.session.get(model, item_id).version


def body(method: str, rule: str, world: World, principal: str = "anonymous"):
    """A valid-looking body, so that authorization (not validation) decides."""
    from server.companion.models import AfterDoseCheck, Intention, IntentionReflection
    from server.journal.models import Prompt

    soon = (utcnow() + timedelta(days=3)).isoformat()
    now = utcnow().isoformat()
    bodies = {
        ("POST", "/auth/password"): {
            "current_password": factories.PASSWORD,
            "new_password": "a different long passphrase",
        },
        ("POST", "/auth/totp/confirm"): {"code": "123456"},
        ("POST", "/auth/totp/disable"): {"code": "123456", "password": factories.PASSWORD},
        ("POST", "/invites"): {
            "email": f"invitee-{uuid.uuid4().hex[:8]}@example.test",
            "role": "patient",
        }
        # An admin names the therapist who will care for the patient.
        | (
            {"therapist_id": str(world.people["care-team therapist"].id)}
            if principal == "admin"
            else {}
        ),
        ("PATCH", "/me/settings"): {"display_name": "New name"},
        ("DELETE", "/me"): {"password": factories.PASSWORD},
        ("POST", "/checkins"): {"id": str(uuid.uuid4()), "mood": 5, "recorded_at": now},
        ("PATCH", "/checkins/<uuid:checkin_id>"): {"version": world.checkin.version, "mood": 4},
        ("POST", "/entries"): {"id": str(uuid.uuid4()), "body": "A new page.", "written_at": now},
        ("POST", "/entries/search"): {"q": "floor"},
        ("PATCH", "/entries/<uuid:entry_id>"): {
            "version": world.entry.version,
            "discuss_next_session": True,
        },
        ("POST", "/prompts"): {
            "text": "What did you notice in your body?",
            "phases": ["integration"],
            "theme": "body",
        },
        ("PATCH", "/prompts/<uuid:prompt_id>"): {
            "version": _version(Prompt, world.prompt.id),
            "active": False,
        },
        ("POST", "/patients/<uuid:patient_id>/prompt-assignments"): {
            "prompt_ids": [str(world.prompt.id)]
        },
        ("PATCH", "/measures/responses/<uuid:response_id>"): {
            "version": world.response.version,
            "discuss_next_session": True,
        },
        ("POST", "/measures/<instrument>/responses"): {
            "id": str(uuid.uuid4()),
            "answers": [0] * 9,
        },
        ("PATCH", "/patients/<uuid:patient_id>/measure-plan"): {"gad7": True},
        (
            "PUT",
            "/patients/<uuid:patient_id>/ketamine-sessions/<uuid:session_id>/series-start",
        ): {"new_series": True},
        ("POST", "/patients/<uuid:patient_id>/ketamine-sessions"): {
            "scheduled_at": soon,
            "route": "im",
        },
        ("PATCH", "/patients/<uuid:patient_id>/ketamine-sessions/<uuid:session_id>"): {
            "version": world.ketamine.version,
            "dose_mg": 40.0,
        },
        ("POST", "/patients/<uuid:patient_id>/integration-sessions"): {"scheduled_at": soon},
        ("PATCH", "/patients/<uuid:patient_id>/integration-sessions/<uuid:session_id>"): {
            "version": world.integration.version,
            "duration_minutes": 60,
        },
        ("PUT", "/crisis-resources"): {
            "resources": [{"name": "Crisis line", "phone": "988"}],
        },
        ("POST", "/flags/<uuid:flag_id>/acknowledge"): {"outcome": "contacted_patient"},
        ("PUT", "/clinic/flag-settings"): {"escalate_after_hours": 12},
        ("PUT", "/clinic"): {"name": "Clinic A", "country": "GB", "phone": None},
        ("PUT", "/clinics/<uuid:clinic_id>/crisis-resources"): {
            "country": "GB",
            "phone": "020 7946 0000",
            "resources": None,
        },
        ("POST", "/push/subscriptions"): {
            "endpoint": f"https://push.example.test/{secrets.token_urlsafe(12)}",
            "keys": _push_keys(),
        },
        ("DELETE", "/push/subscriptions"): {"endpoint": world.endpoint},
        ("PUT", "/clinic/push-schedule"): {
            "session_prompts": [{"name": "day_1", "days": 1, "at": "19:00"}]
        },
        ("PUT", "/ketamine-sessions/<uuid:session_id>/checklist"): {
            "item": "ride-home",
            "done": True,
        },
        ("POST", "/intentions"): {
            "id": str(uuid.uuid4()),
            "ketamine_session_id": str(world.ketamine.id),
            "body": "To stay curious.",
        },
        ("PATCH", "/intentions/<uuid:intention_id>"): {
            "version": _version_if_kept(Intention, world.intention.id),
            "discuss_next_session": True,
        },
        ("PATCH", "/intention-reflections/<uuid:reflection_id>"): {
            "version": _version_if_kept(IntentionReflection, world.reflection.id),
            "shared": False,
        },
        ("PATCH", "/after-dose-checks/<uuid:check_id>"): {
            "version": _version_if_kept(AfterDoseCheck, world.after_dose_check.id),
            "shared": False,
        },
        ("POST", "/intention-reflections"): {
            "id": str(uuid.uuid4()),
            "intention_id": str(world.intention.id),
            "body": "It came back as a memory.",
        },
        ("POST", "/after-dose-checks"): {
            "id": str(uuid.uuid4()),
            "ketamine_session_id": str(world.intention_session_id),
            "answers": AFTER_DOSE_ANSWERS,
        },
        ("PUT", "/clinic/checklist"): {"items": [{"key": "water", "text": "Water is ready."}]},
        ("PUT", "/me/safety-plan"): {
            "sections": {"on_my_own": ["A walk"]},
            "shared": True,
            "version": _safety_plan_version(principal, world),
        },
    }
    return bodies.get((method, rule))


def _client(app, world: World, principal: str):
    client = app.test_client()
    client.environ_base["HTTP_ORIGIN"] = ORIGIN
    if principal != "anonymous":
        from tests.conftest import Auth

        Auth(client).login(world.people[principal])
    return client


def _patient_audit_count(patient_id) -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.patient_id == patient_id)
    )


_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)


@contextlib.contextmanager
def _tables_written():
    """The tables the statements run inside write to."""
    tables = set()

    def before(conn, cursor, statement, *args):
        if match := _WRITE.match(statement):
            tables.add(match.group(1))

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield tables
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def _is_allowed(expected) -> bool:
    return expected == OK


def check(response, expected, principal: str, label: str, patient_id) -> None:
    """One cell of the matrix."""
    got = response.status_code
    text = response.get_data(as_text=True)
    if expected == OK:
        assert 200 <= got < 300, f"{label}: {principal} got {got}, expected 2xx: {text[:300]}"
    else:
        status = expected.status if isinstance(expected, Because) else expected
        assert got == status, f"{label}: {principal} got {got}, expected {status}: {text[:300]}"
        assert response.mimetype == "application/problem+json", f"{label}: {principal}"
    if expected != OK:
        assert SHARED_CANARY not in text and PRIVATE_CANARY not in text, (
            f"{label}: {principal}'s refusal carries health text"
        )
    if principal != "the patient":
        assert PRIVATE_CANARY not in text, f"{label}: {principal} saw P's private text"
    if principal in OUTSIDERS:
        assert str(patient_id) not in text, f"{label}: {principal}'s answer names P"


#: Neither P, nor on P's care team, nor P's clinic's admin: P must not show up at all.
OUTSIDERS = {"anonymous", "another patient", "another therapist", "other clinic's therapist"}


def _routes(app) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PREFIX + "/"):
            path = rule.rule.removeprefix(PREFIX)
            found |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def test_every_route_is_in_the_matrix(app):
    routes = _routes(app)
    missing = sorted(routes - set(MATRIX) - set(PUBLIC))
    assert not missing, f"routes missing from the authorization matrix: {missing}"
    stale = sorted((set(MATRIX) | set(PUBLIC)) - routes)
    assert not stale, f"matrix rows for routes that no longer exist: {stale}"
    assert not set(MATRIX) & set(PUBLIC)
    for row in MATRIX.values():
        assert set(row) == set(PRINCIPALS)
    cells = len(MATRIX) * len(PRINCIPALS)
    states = len(ITEM_ROUTES) * 2 * len(ITEM_STATES) * len(PRINCIPALS)
    print(
        f"\nauthorization matrix: {len(MATRIX)} route-methods x {len(PRINCIPALS)} principals"
        f" = {cells} cells; item states: {states} cells; {len(PUBLIC)} public routes"
    )


@pytest.mark.parametrize(
    ("method", "rule"), sorted(MATRIX), ids=[f"{m} {r}" for m, r in sorted(MATRIX)]
)
def test_route(app, method, rule):
    """Every principal against one route, in a fresh world; refusals first, then the allowed."""
    world = build_world()
    row = MATRIX[(method, rule)]
    order = sorted(PRINCIPALS, key=lambda principal: _is_allowed(row[principal]))
    failures = []
    for principal in order:
        client = _client(app, world, principal)
        before = _patient_audit_count(world.patient.id)
        with _tables_written() as written:
            response = client.open(
                fill(rule, world), method=method, json=body(method, rule, world, principal)
            )
        label = f"{method} {rule}"
        gap = KNOWN_GAPS.get((method, rule, principal))
        if gap is not None:
            continue  # asserted (as a strict xfail) by test_known_gap
        try:
            check(response, row[principal], principal, label, world.patient.id)
            if row[principal] != OK:
                assert _patient_audit_count(world.patient.id) == before, (
                    f"{label}: a refusal for {principal} was audited as a read of P's data"
                )
                # Nothing of the refused request is kept but the audit record of
                # the refusal: no read mark, no changed session, no half a row.
                assert written <= {"audit_events"}, (
                    f"{label}: a refusal for {principal} wrote to {sorted(written)}"
                )
        except AssertionError as error:
            failures.append(str(error).splitlines()[0])
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("state", ITEM_STATES)
@pytest.mark.parametrize("kind", sorted(ITEM_ROUTES))
def test_item_state(app, kind, state):
    """A private item, and one shared then unshared, is 404 to the care team too.

    The unshared case first shows the therapist the shared item (so the 404 is
    the unsharing, not a wrong id), then P unshares it, then every principal asks.
    """
    from server.journal.models import CheckIn, JournalEntry
    from server.measures.models import MeasureResponse

    world = build_world()
    item_path, read_path = ITEM_ROUTES[kind]
    if state == "private":
        item = {
            "checkin": world.private_checkin,
            "entry": world.private_entry,
            "response": world.private_response,
        }[kind]
    else:
        item = getattr(world, kind)
        therapist = _client(app, world, "care-team therapist")
        seen = therapist.post(fill(read_path, world))
        assert seen.status_code == 204, seen.get_json()
        model = {"checkin": CheckIn, "entry": JournalEntry, "response": MeasureResponse}[kind]
        unshared = _client(app, world, "the patient").patch(
            fill(item_path, world),
            json={"version": _version(model, item.id), "shared": False},
        )
        assert unshared.status_code == 200, unshared.get_json()
        # The very next request of the same therapist session no longer sees it.
        again = therapist.post(fill(read_path, world))
        check(again, 404, "care-team therapist", f"POST {read_path} ({state})", world.patient.id)
    failures = []
    for rule, method in ((item_path, "GET"), (read_path, "POST")):
        row = MATRIX[(method, rule)]
        if row["care-team therapist"] == OK:  # (a 403 by role stays a 403)
            row = row | {"care-team therapist": 404}
        order = sorted(PRINCIPALS, key=lambda principal: _is_allowed(row[principal]))
        for principal in order:
            client = _client(app, world, principal)
            before = _patient_audit_count(world.patient.id)
            with _tables_written() as written:
                response = client.open(fill(rule, world, **{kind: item}), method=method)
            label = f"{method} {rule} ({state})"
            try:
                check(response, row[principal], principal, label, world.patient.id)
                if row[principal] != OK:
                    assert _patient_audit_count(world.patient.id) == before, label
                    assert written <= {"audit_events"}, f"{label}: {principal} wrote {written}"
            except AssertionError as error:
                failures.append(str(error).splitlines()[0])
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(("method", "rule", "principal"), sorted(KNOWN_GAPS))
@pytest.mark.xfail(strict=True, reason="a known authorization gap (KNOWN_GAPS)")
def test_known_gap(app, method, rule, principal):
    """What the rules require where the code does not do it yet; strict, so a fix is noticed."""
    world = build_world()
    response = _client(app, world, principal).open(
        fill(rule, world), method=method, json=body(method, rule, world, principal)
    )
    check(response, MATRIX[(method, rule)][principal], principal, rule, world.patient.id)


# --- Audit coverage ----------------------------------------------------------
#
# Every read of a patient's data by someone else leaves an audit event (SPEC 8).
#
# A world like the matrix's; every GET route that a member of
# P's care team or P's clinic's admin may call, called by them. When the answer
# carries anything of P's (P's id, an id of P's items, P's shared text), at
# least one audit event about P must have been written by that request. A new
# route is covered the day it is added to the matrix.

AUDITED_READERS = ("care-team therapist", "admin")

#: Answers that mention P without being P's data, each with its reason.
NOT_PATIENT_DATA = {
    ("GET", "/audit"): "the audit log itself: who read what, no health data; reading it is "
    "recorded as its own event (tests/audit/test_audit_log.py)",
}


@pytest.mark.parametrize("principal", AUDITED_READERS)
def test_every_staff_read_of_a_patients_data_is_audited(app, principal):
    world = build_world()
    marks = {str(world.patient.id), SHARED_CANARY} | {
        str(thing.id)
        for thing in (
            world.checkin,
            world.entry,
            world.response,
            world.ketamine,
            world.integration,
            world.flag,
        )
    }
    client = _client(app, world, principal)
    read, unaudited = [], []
    for method, rule in sorted(MATRIX):
        if method != "GET" or MATRIX[(method, rule)][principal] != OK:
            continue
        before = _patient_audit_count(world.patient.id)
        response = client.get(fill(rule, world))
        assert 200 <= response.status_code < 300, (rule, response.get_json())
        text = response.get_data(as_text=True)
        if not any(mark in text for mark in marks) or (method, rule) in NOT_PATIENT_DATA:
            continue
        read.append(rule)
        if _patient_audit_count(world.patient.id) == before:
            unaudited.append(rule)
    assert not unaudited, f"{principal} read P's data without an audit event: {unaudited}"
    if principal == "care-team therapist":
        # The screens a therapist prepares a session with are all among them.
        assert {
            "/patients",
            "/patients/<uuid:patient_id>/timeline",
            "/patients/<uuid:patient_id>/brief",
        } <= set(read), read
