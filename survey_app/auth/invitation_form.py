"""The form behind an invitation link: choose a password (Flask-WTF, CSRF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SubmitField

from survey_app.auth.password_forms import NewPasswordForm


class SetPasswordForm(NewPasswordForm):
    """A new password, checked for strength (auth.passwords) against the invitee's
    address and name: set `person` before validating."""

    submit = SubmitField(_l("Save the password and sign in"))
