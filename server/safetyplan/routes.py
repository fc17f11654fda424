"""The safety plan: the patient reads and writes theirs; the care team reads it when shared."""

from flask_login import current_user
from flask_smorest import Blueprint

from server import access
from server.api import replaces
from server.audit.services import record, record_sharing_change
from server.errors import abort
from server.safetyplan import services
from server.safetyplan.schemas import SafetyPlanPutSchema, SafetyPlanSchema

blp = Blueprint(
    "safetyplan", __name__, url_prefix="/api/v1", description="The personal safety plan"
)


@blp.route("/me/safety-plan")
@access.patient_only
@blp.response(200, SafetyPlanSchema)
def my_safety_plan():
    """My safety plan (empty sections and version 0 until I write one)."""
    return services.view(services.plan_of(current_user.id))


@blp.route("/me/safety-plan", methods=["PUT"])
@access.patient_only
@replaces(blp, SafetyPlanPutSchema, answer=SafetyPlanSchema)
def save_safety_plan(data):
    """Write my whole safety plan; send the `version` you read (0 the first time)."""
    plan, sharing_changed = services.save(current_user, data)
    if sharing_changed:
        record_sharing_change(current_user.id, "safety_plan", plan.id)
    return services.view(plan)


@blp.route("/patients/<uuid:patient_id>/safety-plan")
@access.therapist_only
@blp.response(200, SafetyPlanSchema)
@blp.alt_response(404, description="No such patient on your care team, or no plan shared.")
def patient_safety_plan(patient_id):
    """A patient's safety plan, when they share it with their care team."""
    patient = access.patient_in_care(patient_id)
    plan = services.plan_of(patient.id)
    if plan is None or not plan.shared:
        abort(404, "No safety plan is shared.")
    record("safety_plan_read", patient_id=patient.id, object_type="safety_plan", object_id=plan.id)
    return services.view(plan)
