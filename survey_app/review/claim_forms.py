"""The forms of a claim's process on the case page, one per step; each has a prefix with
the claim's id, so several claims can share the page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, TextAreaField
from wtforms.validators import InputRequired

from survey_app.form_fields import DateField
from survey_app.review.forms import AmountField, _not_blank


class SendNoticeForm(FlaskForm):
    def fields(self) -> list[Field]:
        return []


class ResponseForm(FlaskForm):
    text = TextAreaField(_l("What the municipality answered"), validators=[
        _not_blank(_l("Write what the municipality answered."))])
    received_on = DateField(_l("Date received"), description=_l(
        "dd.mm.yyyy, for example 01.04.2023"),
        validators=[InputRequired(_l("Enter the day the answer was received."))])

    def fields(self) -> list[Field]:
        return [self.text, self.received_on]


class DecisionForm(FlaskForm):
    amount = AmountField(_l("Amount to claim (kroner)"), description=_l(
        "At most the amount of the notice."),
        validators=[InputRequired(_l("Enter the amount to claim."))])
    reason = TextAreaField(_l("Reasons for the decision, written for the municipality"),
                           description=_l("Quoted in the decision letter. Say how you have "
                                          "weighed the municipality's answer, if it gave one."),
                           validators=[_not_blank(_l("Give the reasons for the decision, for "
                                                     "the municipality."))])

    def fields(self) -> list[Field]:
        return [self.amount, self.reason]


class ApproveDecisionForm(FlaskForm):
    def fields(self) -> list[Field]:
        return []


def forms_for(claim_id: int, amount_ore: int) -> dict[str, FlaskForm]:
    """Every step's form of one claim; the decision form prefilled with the claim's amount
    unless it was posted."""
    decision = DecisionForm(prefix=f"decision{claim_id}")
    if decision.amount.data is None and not decision.is_submitted():
        decision.amount.data = amount_ore
    return {"notice": SendNoticeForm(prefix=f"notice{claim_id}"),
            "response": ResponseForm(prefix=f"response{claim_id}"),
            "decision": decision,
            "approve": ApproveDecisionForm(prefix=f"approval{claim_id}")}
