"""The reviewer's decision forms. Each has a prefix, so several can share the case page
with distinct field ids, and a `fields()` list for the error summary."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, SelectField, SelectMultipleField, TextAreaField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # not in stubs 3.2
from wtforms.validators import InputRequired, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from survey_app.form_fields import DateField, OreField

COMMENT_ROWS = 3  # question comments offered at once in the return form


def _not_blank(message: Any) -> Any:
    def check(form: FlaskForm, field: Field) -> None:
        if not (field.data or "").strip():
            raise ValidationError(str(message))
    return check


class AmountField(OreField):
    """The amount to claim: more than 0 kr."""

    def pre_validate(self, form: Any) -> None:
        if self.data is not None and self.data <= 0:
            raise ValidationError(_("The amount to claim must be more than 0 kr."))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ClaimForm(FlaskForm):
    flags = MultiCheckboxField(_l("Flags the claim covers"), coerce=int, validators=[
        InputRequired(_l("Choose at least one flag to claim repayment for."))])
    amount = AmountField(_l("Amount to claim (kroner)"), description=_l(
        "The sum the rules propose; change it if the claim should be another amount."),
        validators=[InputRequired(_l("Enter the amount to claim."))])
    reason = TextAreaField(_l("Reason for the claim"), validators=[
        _not_blank(_l("Give the reason for claiming repayment."))])

    def fields(self) -> list[Field]:
        return [self.flags, self.amount, self.reason]


class WaiveForm(FlaskForm):
    reason = TextAreaField(_l("Reason for not claiming repayment"), validators=[
        _not_blank(_l("Give the reason for not claiming repayment."))])

    def fields(self) -> list[Field]:
        return [self.reason]


class ApproveForm(FlaskForm):
    def fields(self) -> list[Field]:
        return []


class ClaimStatusForm(FlaskForm):
    """Cancelling a claim (a claim is paid by the payments recorded on it, not by a
    status: ClaimPaymentForm)."""

    status = HiddenField(default="cancelled")
    reason = TextAreaField(_l("Reason for cancelling the claim"), validators=[
        _not_blank(_l("Give the reason for cancelling the claim."))])

    def fields(self) -> list[Field]:
        return [self.reason]


class RepaidAmountField(OreField):
    """The amount paid back: more than 0 kr."""

    def pre_validate(self, form: Any) -> None:
        if self.data is not None and self.data <= 0:
            raise ValidationError(_("The amount repaid must be more than 0 kr."))


class ClaimPaymentForm(FlaskForm):
    """A payment received on a claim: the whole outstanding amount or a part of it."""

    amount = RepaidAmountField(_l("Amount repaid (kroner)"), description=_l(
        "Prefilled with what is outstanding; a part payment is recorded as it is."),
        validators=[InputRequired(_l("Enter the amount repaid."))])
    paid_on = DateField(_l("Date received"), description=_l(
        "dd.mm.yyyy, for example 01.04.2023"),
        validators=[InputRequired(_l("Enter the day the payment was received."))])

    def fields(self) -> list[Field]:
        return [self.amount, self.paid_on]


class ReturnForm(FlaskForm):
    """A general comment and up to COMMENT_ROWS comments, each on a chosen question."""

    general = TextAreaField(_l("General comment to the municipality"))

    def question_pairs(self) -> list[tuple[Field, Field]]:
        return [(self[f"question_{i}"], self[f"comment_{i}"])
                for i in range(1, COMMENT_ROWS + 1)]

    def set_questions(self, groups: list[tuple[str, list[tuple[str, str]]]]) -> None:
        choices = [SelectChoice("", _("Choose a question"))]
        choices += [SelectChoice(value, label, optgroup=title)
                    for title, options in groups for value, label in options]
        for question, _comment in self.question_pairs():
            assert isinstance(question, SelectField)
            question.choices = choices

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        for question, comment in self.question_pairs():
            if (comment.data or "").strip() and not question.data:
                comment.errors = [*comment.errors, _("Choose the question the comment is on.")]
                ok = False
            elif question.data and not (comment.data or "").strip():
                comment.errors = [*comment.errors, _("Write the comment on the question.")]
                ok = False
        if ok and not self.comments():
            self.general.errors = [_("Write at least one comment for the municipality.")]
            ok = False
        return ok

    def comments(self) -> dict[str | None, str]:
        found: dict[str | None, str] = {}
        general = (self.general.data or "").strip()
        if general:
            found[None] = general
        for question, comment in self.question_pairs():
            text = (comment.data or "").strip()
            if question.data and text:
                earlier = found.get(question.data)
                found[question.data] = f"{earlier}\n{text}" if earlier else text
        return found

    def fields(self) -> list[Field]:
        return [self.general, *[f for pair in self.question_pairs() for f in pair]]


for _i in range(1, COMMENT_ROWS + 1):
    setattr(ReturnForm, f"question_{_i}", SelectField(
        _l("Question %(n)d", n=_i), validate_choice=False))
    setattr(ReturnForm, f"comment_{_i}", TextAreaField(_l("Comment on question %(n)d", n=_i)))


def claim_form(flags: list[tuple[int, str]], proposed_ore: int, **kwargs: Any) -> ClaimForm:
    """The claim form for a case's open flags (id, label), prefilled with all of them and
    the sum the rules propose."""
    form = ClaimForm(prefix="claim", **kwargs)
    form.flags.choices = [SelectChoice(flag_id, label) for flag_id, label in flags]
    # Prefilled unless this very form was posted: a refused waive or return re-renders
    # the page, and the claim form must then still offer the proposal.
    if not any(key.startswith("claim-") for key in request.form):
        form.flags.data = [flag_id for flag_id, _label in flags]
        form.amount.data = proposed_ore or None
    return form


def claim_payment_form(claim_id: int, outstanding_ore: int) -> ClaimPaymentForm:
    """The payment form of a claim, prefilled with what is outstanding unless posted."""
    form = ClaimPaymentForm(prefix=f"payment{claim_id}")
    if not any(key.startswith(f"payment{claim_id}-") for key in request.form):
        form.amount.data = outstanding_ore or None
    return form
