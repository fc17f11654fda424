"""Outcomes across a clinic, per questionnaire, for its admin: counts only, no patient named.

Per instrument: `started` (patients with a baseline: a response before a
treatment series' first dose), `followed_up` (of those, patients with a
later response in a series that has a baseline), and `responded` and
`remitted` (of those, patients whose latest such response shows response or
remission by `server.measures.scoring.markers`, the same judgement the
caseload and charts show). Each rate comes with its numerator and
denominator. Shared responses only, as everywhere staff see scores: a
private response is not counted. Four statements for any clinic size.
"""

import csv
import io
import uuid

from flask import Response
from sqlalchemy import select

from server.auth.models import User
from server.extensions import db
from server.measures import scoring, trend
from server.measures.criteria import criteria
from server.measures.models import MeasureResponse


def outcomes(clinic_id: uuid.UUID) -> list[dict]:
    in_clinic = select(User.id).where(User.clinic_id == clinic_id, User.role == "patient")
    patient_ids = list(db.session.scalars(in_clinic))
    trends = trend.load(patient_ids, shared_only=True)
    started = {name: 0 for name in scoring.INSTRUMENTS}
    latest = {}
    for patient_id, patient_trend in trends.items():
        for name, rows in patient_trend.rows.items():
            contexts = [(row, patient_trend.contexts[row.id]) for row in rows]
            if any(context.baseline_of is not None for _, context in contexts):
                started[name] += 1
            later = [
                (row, context)
                for row, context in contexts
                if context.baseline_id is not None and context.baseline_id != row.id
            ]
            if later:
                latest[(patient_id, name)] = later[-1]
    answers = dict(
        db.session.execute(
            select(MeasureResponse.id, MeasureResponse.answers).where(
                MeasureResponse.id.in_([row.id for row, _ in latest.values()])
            )
        ).all()
        if latest
        else ()
    )
    report = []
    for name in scoring.INSTRUMENTS:
        followed = responded = remitted = 0
        for (_, instrument), (row, context) in latest.items():
            if instrument != name:
                continue
            followed += 1
            markers = scoring.markers(
                name, answers[row.id], row.total, baseline_total=context.baseline_total
            )
            responded += bool(markers["response"])
            remitted += bool(markers["remission"])
        judged = criteria(name).response_drop_percent is not None
        report.append(
            {
                "instrument": name,
                "started": started[name],
                "followed_up": followed,
                # PCL-5's data defines no response or remission: none, not zero.
                "responded": responded if judged else None,
                "remitted": remitted if judged else None,
                "response_rate": _rate(responded, followed) if judged else None,
                "remission_rate": _rate(remitted, followed) if judged else None,
            }
        )
    return report


def _rate(count: int, out_of: int) -> float | None:
    return None if out_of == 0 else round(count / out_of, 3)


CSV_COLUMNS = (
    "instrument",
    "started",
    "followed_up",
    "responded",
    "remitted",
    "response_rate",
    "remission_rate",
)


def as_csv(rows: list[dict]) -> Response:
    """The report as CSV (the csv module quotes whatever needs it); a download."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: "" if row[key] is None else row[key] for key in CSV_COLUMNS})
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="outcomes.csv"'},
    )
