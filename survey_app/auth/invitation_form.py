"""The form behind an invitation link: choose a password (Flask-WTF, CSRF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

MIN_PASSWORD_LENGTH = 12


class SetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[
        DataRequired(_l("Choose a password.")),
        Length(min=MIN_PASSWORD_LENGTH,
               message=_l("The password must have at least 12 characters.")),
        Length(max=1000, message=_l("The password can have at most 1000 characters."))])
    confirm = PasswordField(_l("Repeat the password"), validators=[
        DataRequired(_l("Repeat the password.")),
        EqualTo("password", _l("The two passwords are not the same."))])
    submit = SubmitField(_l("Save the password and sign in"))
