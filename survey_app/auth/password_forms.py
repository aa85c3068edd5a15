"""Forms for choosing a password (Flask-WTF: CSRF on each): after an invitation, when
changing one's own, after a reset link; and asking for a reset link."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, Field, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from survey_app.auth import passwords


class NewPasswordForm(FlaskForm):
    """A new password, typed twice, that passes auth.passwords.problems for the person
    `person` (e-mail address, name), which the view sets before validating."""

    person: tuple[str, str] = ("", "")

    password = PasswordField(_l("New password"), validators=[
        DataRequired(_l("Choose a password."))])
    confirm = PasswordField(_l("Repeat the password"), validators=[
        DataRequired(_l("Repeat the password.")),
        EqualTo("password", _l("The two passwords are not the same."))])

    def validate_password(self, field: Field) -> None:
        found = passwords.problems(field.data or "", *self.person)
        if found:
            raise ValidationError(" ".join(found))


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(_l("Your current password"), validators=[
        # As the sign-in form: a password chosen before the 128 limit still works here.
        DataRequired(_l("Enter your current password.")), Length(max=1000)])
    submit = SubmitField(_l("Change the password"))


class ResetPasswordForm(NewPasswordForm):
    submit = SubmitField(_l("Save the new password"))


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[
        DataRequired(_l("Enter your e-mail address.")), Length(max=254)])
    submit = SubmitField(_l("Send me a link"))
