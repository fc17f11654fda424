import pytest

from server.readside import brief, caseload, summary, timeline
from tests.readside.world import NOW, build


@pytest.fixture
def frozen(monkeypatch):
    """The read side's clock at NOW (noon in New York), so days and windows are exact."""
    for module in (brief, caseload, summary, timeline):
        monkeypatch.setattr(module, "utcnow", lambda: NOW)
    return NOW


@pytest.fixture
def world(clinic, therapist):
    """The read side's patient with a history (tests/readside/world.py)."""
    return build(clinic, therapist)
