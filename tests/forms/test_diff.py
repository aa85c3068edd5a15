"""The diff between two submissions: only what changed, formatted, in order."""

from __future__ import annotations

from forms.diff import Change, changes
from tests.forms.test_builder import QUESTIONNAIRE


def test_only_changed_answers_are_listed_with_both_values_formatted():
    old = {"used_amount": "80000.00", "received": "100000.00", "extra": "x"}
    new = {"used_amount": "90000.00", "received": "100000.00"}
    found = changes((QUESTIONNAIRE, old), (QUESTIONNAIRE, new), "nb", {})
    assert [c.question_id for c in found] == ["used_amount"]
    assert found[0].before == "80\xa0000\xa0kr" and found[0].after == "90\xa0000\xa0kr"
    assert isinstance(found[0], Change) and found[0].label
