"""Answers for the check after a dose: all calm unless a test says otherwise."""

CALM = {
    "dissociation": "under_1h",
    "nausea": "none",
    "headache": "mild",
    "sleep": "well",
    "travel_home": "driven",
    "cravings": "none",
    "lasting_over_24h": False,
    "frightening": False,
    "urinary_pain": False,
    "urinary_urgency": False,
    "urinary_blood": False,
    "chest_pain": False,
    "palpitations": False,
    "high_blood_pressure": False,
    "outside_plan": False,
}


def answers(**changes) -> dict:
    return CALM | changes
