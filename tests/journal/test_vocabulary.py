"""The feelings a patient can choose are the same words on the phone, the server and in the demo."""

import json
import re
from pathlib import Path

from server.demo import history
from server.journal.models import EMOTIONS, FEELINGS

FEELINGS_JS = Path(__file__).resolve().parents[2] / "pwa" / "js" / "feelings.js"


def test_the_app_offers_the_servers_groups_word_for_word():
    source = FEELINGS_JS.read_text()
    block = re.search(r"export const FEELINGS = (\{.*?\n\});", source, re.S).group(1)
    as_json = re.sub(r",(\s*[\]}])", r"\1", block)  # trailing commas
    assert json.loads(as_json) == {group: list(words) for group, words in FEELINGS.items()}


def test_the_demo_uses_only_feelings_the_app_offers():
    assert set(history.EMOTIONS_GOOD) | set(history.EMOTIONS_HARD) <= set(EMOTIONS)
