"""A page posted after its sign-in expired: kept on the server, saved once *that* user is
signed in again — and a post that did not come from this browser's own page is refused.

A post is only kept when its CSRF token matches the browser's session: a form on another
site cannot carry one, so it is refused and nothing of it is kept or shown back. The kept
post is bound to the browser (a random id in its session, kept across sign-in) and to the
user whose sign-in expired in it; it lives PENDING_POST_SECONDS and is used once. When
that user signs in again in that browser, it is saved through the same path as any post
(report.saving), conflict check included; a page saved by somebody else meanwhile is not
overwritten: the page then shows both answers, as after any conflict.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, user_logged_in
from flask_wtf.csrf import validate_csrf
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import ValidationError

from survey_app import audit
from survey_app.access import Action, can
from survey_app.extensions import db
from survey_app.models import Grant, PendingPost, User
from survey_app.models.users import utcnow
from survey_app.page_input import posted_controls
from survey_app.report import saving
from survey_app.services import responses

BROWSER = "browser"  # session key: this browser's random id, kept across sign-in
SIGNED_OUT_USER = "signed_out_user"  # session key: whose sign-in expired in this browser


def csrf_ok() -> bool:
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return True
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return False
    return True


def browser_id() -> str:
    """This browser's id (made on first use); it identifies nothing on its own."""
    if BROWSER not in session:
        session[BROWSER] = secrets.token_urlsafe(24)
    return str(session[BROWSER])


def refused() -> tuple[str, int]:
    """A post that did not come from this service's page in this browser: nothing kept."""
    return render_template(
        "errors/error.html", code=403, title=_("The form could not be saved"),
        message=_("The form was not sent from this service's own page in your browser, or "
                  "it was sent again. Nothing of it was saved. Open the page from the "
                  "service and fill it in there.")), 403


def interrupted(slug: str, year: int, number: str,
                section_id: str) -> WerkzeugResponse | tuple[str, int] | None:
    """What to answer instead of saving a page post, or None when it may be saved now."""
    if not csrf_ok():
        return refused()
    if current_user.is_authenticated:
        return None
    user_id = session.get(SIGNED_OUT_USER)
    grant = responses.find_grant(slug, year, number) if number.isdigit() else None
    if not isinstance(user_id, int) or grant is None:
        return refused()
    keep(grant, section_id, user_id)
    page = url_for("report.page", slug=slug, year=year, number=number, section_id=section_id)
    return redirect(url_for("auth.login", next=page), code=303)


def keep(grant: Grant, section_id: str, user_id: int) -> None:
    """Keeps the page's answer fields and controls (nothing else of the post) until that
    user signs in again; a newer post of the same page in this browser replaces it."""
    questionnaire = responses.questionnaire_of(grant, responses.response_of(grant))
    form = posted_controls(questionnaire, section_id, request.form)
    if form is None:  # not a page of this report
        return
    now = utcnow()
    browser = browser_id()
    db.session.execute(sa.delete(PendingPost).where(
        sa.or_(PendingPost.expires_at < now,
               sa.and_(PendingPost.browser == browser, PendingPost.grant_id == grant.id,
                       PendingPost.section_id == section_id))))
    lifetime = dt.timedelta(seconds=current_app.config["PENDING_POST_SECONDS"])
    db.session.add(PendingPost(browser=browser, user_id=user_id, grant_id=grant.id,
                               section_id=section_id, form=form, created_at=now,
                               expires_at=now + lifetime))
    audit.record("response.post-kept", "grant", grant.id,
                 after={"section": section_id, "user": user_id})
    db.session.commit()


def _pending(user: User) -> list[PendingPost]:
    browser = session.get(BROWSER)
    if browser is None:  # only a browser that had a post kept has an id (browser_id)
        return []
    return list(db.session.scalars(sa.select(PendingPost).where(
        PendingPost.browser == browser, PendingPost.user_id == user.id,
        PendingPost.expires_at >= utcnow()).order_by(PendingPost.id)))


def kept_here() -> bool:
    """Whether this browser has a post kept for whoever signs in (for the sign-in page)."""
    browser = session.get(BROWSER)
    if browser is None:
        return False
    kept = db.session.scalar(sa.select(sa.func.count()).where(
        PendingPost.browser == browser, PendingPost.expires_at >= utcnow()))
    return bool(kept)


def pending_for(grant: Grant, section_id: str) -> PendingPost | None:
    """A kept post of this page that could not be saved over a newer save (a conflict)."""
    if not current_user.is_authenticated:
        return None
    return next((p for p in _pending(current_user) if p.grant_id == grant.id
                 and p.section_id == section_id), None)


def forget(grant: Grant, section_id: str) -> None:
    """The page was saved by its user in this browser: a kept post of it is done with."""
    browser = session.get(BROWSER)
    if browser is None:  # nothing was ever kept in this browser: no query, no commit
        return
    db.session.execute(sa.delete(PendingPost).where(
        PendingPost.browser == browser, PendingPost.grant_id == grant.id,
        PendingPost.section_id == section_id))
    db.session.commit()


def _replay(pending: PendingPost, user: User, language: str) -> bool:
    """Saves one kept post as `user`; True when it is done with (saved or not allowed)."""
    grant = db.session.get(Grant, pending.grant_id)
    municipality = responses.municipality_of(grant) if grant is not None else None
    if grant is None or municipality is None or not can(user, Action.REPORT, municipality):
        return True
    response = responses.response_of(grant)
    questionnaire = responses.questionnaire_of(grant, response)
    section = next((s for s in questionnaire.sections if s.id == pending.section_id), None)
    if section is None:
        return True
    form: MultiDict[str, str] = MultiDict([(k, v) for k, v in pending.form])
    stored = saving.store(grant, municipality, response, questionnaire, section, form,
                          user.email, language)
    if stored.saved is not None and stored.saved.conflict is None:
        flash(_("The answers you typed before you were signed out have been saved."),
              "success")
        return True
    return stored.saved is None


def replay_after_sign_in(_app: Any, user: User, **_extra: Any) -> None:
    """Flask-Login's user_logged_in: save what this user posted here while signed out."""
    session.pop(SIGNED_OUT_USER, None)
    language = str(session.get("lang") or "nb")
    for pending in _pending(user):
        if _replay(pending, user, language):
            db.session.execute(sa.delete(PendingPost).where(PendingPost.id == pending.id))
            db.session.commit()


def init_app() -> None:
    user_logged_in.connect(replay_after_sign_in)
