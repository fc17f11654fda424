"""The audit log screen says every action in plain words, from one list
(pwa/therapist/js/audit-words.js) that must name exactly the server's actions."""

import pathlib
import re

from server.audit.actions import ACTIONS

WORDS = pathlib.Path(__file__).resolve().parents[2] / "pwa/therapist/js/audit-words.js"


def _words() -> dict[str, str]:
    text = WORDS.read_text()
    body = text[text.index("export const ACTION_WORDS = {") : text.index("};")]
    return dict(re.findall(r'^\s+([a-z0-9_]+): "([^"]+)",$', body, re.MULTILINE))


def test_every_action_the_server_records_has_words_and_no_more():
    words = _words()
    assert sorted(set(ACTIONS) - set(words)) == [], "actions the log would show by name"
    assert sorted(set(words) - set(ACTIONS)) == [], "words for actions the server never records"


def test_the_words_are_words_not_the_action_names():
    for action, text in _words().items():
        assert "_" not in text and text != action, action
        assert text[0].isupper() and not text.endswith("."), action
