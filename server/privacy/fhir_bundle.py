"""A patient's measures as one FHIR R4 Bundle (type `collection`).

The resources come from `server.measures.fhir`; this module adds the
`Patient` and wraps everything in a Bundle. Each entry's `fullUrl` is a
`urn:uuid:` (there is no FHIR server behind Between to give RESTful URLs),
and references between entries are rewritten to those URNs: by the R4 rules
for resolving references in a Bundle, a relative `Patient/<id>` resolves
only against a RESTful `fullUrl`, so leaving it relative would leave every
QuestionnaireResponse pointing at nothing an importer can find.
"""

import uuid
from datetime import UTC

from server.db import utcnow
from server.measures.fhir import fhir_resources

# Resource ids that are not UUIDs (a total Observation is "<response id>-total")
# get a stable URN from this namespace, so the same export twice names them alike.
URN_NAMESPACE = uuid.UUID("3f0c7d1e-6a0b-4b8e-9d1c-5b1f6c2a9e47")


def patient_resource(patient, clinic) -> dict:
    resource = {
        "resourceType": "Patient",
        "id": str(patient.id),
        "active": True,
        "name": [{"text": patient.display_name}],
        "telecom": [{"system": "email", "value": patient.email}],
    }
    if clinic is not None:
        resource["managingOrganization"] = {"display": clinic.name}
    return resource


def _urn(resource: dict) -> str:
    try:
        return f"urn:uuid:{uuid.UUID(resource['id'])}"
    except ValueError:
        name = f"{resource['resourceType']}/{resource['id']}"
        return f"urn:uuid:{uuid.uuid5(URN_NAMESPACE, name)}"


def _rewrite_references(value, urns: dict[str, str]):
    if isinstance(value, dict):
        return {
            key: (
                urns.get(item, item)
                if key == "reference" and isinstance(item, str)
                else _rewrite_references(item, urns)
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_rewrite_references(item, urns) for item in value]
    return value


def bundle(patient, clinic, responses) -> dict:
    """The Bundle: the Patient first, then each response and its total Observation."""
    resources = [patient_resource(patient, clinic), *fhir_resources(responses, patient)]
    urns = {f"{r['resourceType']}/{r['id']}": _urn(r) for r in resources}
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "collection",
        "timestamp": utcnow().astimezone(UTC).isoformat(),
        "entry": [
            {"fullUrl": _urn(resource), "resource": _rewrite_references(resource, urns)}
            for resource in resources
        ],
    }
