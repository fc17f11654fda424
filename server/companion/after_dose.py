"""The check the morning after a dose: its questions, and what the answers mean.

Pure: no database. `assess` turns a check's answers into alerts (reasons)
and `advice` turns alerts into what the patient is told at once. The rules:

- red (a flag for the care team, and "call the clinic" at once): an effect
  that lasted over a day, chest pain (call emergency services), blood in
  the urine, ketamine taken outside the clinic's plan;
- urinary symptoms (pain, urgency, blood) after two or more doses: a
  warning flag, since ketamine is hard on the bladder with repeated use;
- palpitations or a very high blood pressure reading, and driving home:
  advice only.
"""

from dataclasses import dataclass

#: name -> the allowed answers, in the order the form offers them.
CHOICES = {
    "dissociation": ("none", "under_1h", "1_to_6h", "6_to_24h", "over_24h"),
    "nausea": ("none", "mild", "strong"),
    "headache": ("none", "mild", "strong"),
    "sleep": ("well", "some", "poorly", "hardly"),
    "travel_home": ("driven", "drove", "taxi_or_transit", "walked", "at_home"),
    "cravings": ("none", "some", "strong"),
}
#: Yes/no questions.
YES_NO = (
    "lasting_over_24h",
    "frightening",
    "urinary_pain",
    "urinary_urgency",
    "urinary_blood",
    "chest_pain",
    "palpitations",
    "high_blood_pressure",
    "outside_plan",
)
URINARY = ("urinary_pain", "urinary_urgency", "urinary_blood")

#: alert -> whether it is red (an urgent flag).
RED = ("lasting_over_24h", "chest_pain", "urinary_blood", "outside_plan")
#: Doses after which urinary symptoms raise a warning.
URINARY_WARNING_DOSES = 2


@dataclass(frozen=True)
class Advice:
    level: str  # "emergency", "call_clinic" or "note"
    text: str


ADVICE = {
    "chest_pain": Advice(
        "emergency",
        "Chest pain needs help now. Call your emergency number, or ask someone to take you "
        "to an emergency department. Let the clinic know afterwards.",
    ),
    "lasting_over_24h": Advice(
        "call_clinic",
        "Effects that last more than a day should be checked. Please call the clinic today.",
    ),
    "urinary_blood": Advice(
        "call_clinic",
        "Blood in your urine should be checked soon. Please call the clinic today.",
    ),
    "outside_plan": Advice(
        "call_clinic",
        "Thank you for saying so. Please call the clinic today so your team can keep you safe; "
        "nobody will judge you for it.",
    ),
    "urinary_repeated": Advice(
        "call_clinic",
        "Bladder symptoms can come with repeated ketamine doses. Please tell the clinic "
        "before your next session, and call sooner if they get worse.",
    ),
    "heart": Advice(
        "call_clinic",
        "A racing heart or a very high blood pressure reading after a dose is worth a call "
        "to the clinic. If you also have chest pain or feel faint, call your emergency number.",
    ),
    "drove": Advice(
        "note",
        "Next time, please arrange a ride: driving is not safe until the day after a dose.",
    ),
}


def assess(answers: dict, doses_so_far: int) -> list[str]:
    """The alerts `answers` raise, most serious first; `doses_so_far` includes this one."""
    alerts = []
    if answers.get("chest_pain"):
        alerts.append("chest_pain")
    if answers.get("lasting_over_24h") or answers.get("dissociation") == "over_24h":
        alerts.append("lasting_over_24h")
    for name in ("urinary_blood", "outside_plan"):
        if answers.get(name):
            alerts.append(name)
    if doses_so_far >= URINARY_WARNING_DOSES and any(answers.get(name) for name in URINARY):
        alerts.append("urinary_repeated")
    if answers.get("palpitations") or answers.get("high_blood_pressure"):
        alerts.append("heart")
    if answers.get("travel_home") == "drove":
        alerts.append("drove")
    return alerts


def is_red(alerts: list[str]) -> bool:
    return any(alert in RED for alert in alerts)


def advice(alerts: list[str]) -> list[Advice]:
    """What to tell the patient, emergency first, each piece once."""
    order = {"emergency": 0, "call_clinic": 1, "note": 2}
    return sorted((ADVICE[alert] for alert in alerts), key=lambda item: order[item.level])
