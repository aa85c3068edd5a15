"""The authors' workspace: drafts of a scheme's questionnaire, scheme entry and rules,
checked with every problem beside its line, previewed, and published (issue 15).

Works without JavaScript: the texts are text areas, files are uploaded with a plain
multipart form, and "Kontroller" is a post. Drafts are shared by all authors; a save is
refused when another author saved the draft since the page was opened (its `version`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from forms.builder import find_section, hidden_keys
from forms.loader import Problem, load_text
from forms.messages import Msg, message
from forms.model import Questionnaire
from forms.source import MAX_BYTES, decode, position
from survey_app import audit, page_input
from survey_app.access import Action, requires
from survey_app.extensions import db
from survey_app.models import AuthorDraft, PublishedDefinition
from survey_app.models.users import utcnow
from survey_app.preview.views import DEMO_CONTEXT, section_page
from survey_app.services.publishing import (
    PART_NAMES,
    PARTS,
    BundleCheck,
    PublishRefused,
    check_bundle,
    publish_draft,
)

bp = Blueprint("authoring", __name__)

TITLE_MAX = 200


class CsrfForm(FlaskForm):
    """Only the CSRF token: the texts are read from the post as they are."""


def _language() -> str:
    return str(get_locale() or "nb")


def _draft(draft_id: int) -> AuthorDraft:
    draft = db.session.get(AuthorDraft, draft_id) if draft_id < 2**31 else None
    if draft is None:
        abort(404)
    return draft


def _clean(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _uploaded(part: str) -> tuple[str | None, list[Problem]]:
    """An uploaded file's text for one part (None: nothing uploaded), or why it is refused."""
    upload: FileStorage | None = request.files.get(f"{part}_file")
    if upload is None or not upload.filename:
        return None, []
    text, found = decode(upload.read(MAX_BYTES + 1))
    if text is not None and "\x00" in text:  # PostgreSQL cannot store it: refused, not kept
        line, column = position(text, text.index("\x00"))
        text, found = None, [(line, column, Msg.Q_BINARY, {})]
    return (_clean(text) if text is not None else None), [
        Problem(PART_NAMES[part], line + 1, column + 1, code, params)
        for line, column, code, params in found]


@dataclass
class SourceLine:
    number: int
    text: str
    problems: list[str]
    gap_before: bool = False  # lines without problems are left out before this one


CONTEXT_LINES = 2  # lines shown around a problem's line


def source_lines(text: str, problems: list[Problem], language: str) -> list[SourceLine]:
    """The lines around each problem, each line with the messages of the problems on it (a
    problem beyond the last line is shown on the last); the text area holds the rest."""
    lines = text.split("\n") or [""]
    by_line: dict[int, list[str]] = {}
    column = _("Column")
    for problem in problems:
        number = min(max(problem.line, 1), len(lines))
        by_line.setdefault(number, []).append(
            f"{column} {problem.column}: {message(problem.code, language, **problem.params)}")
    shown = sorted({n for line in by_line for n in range(line - CONTEXT_LINES,
                                                         line + CONTEXT_LINES + 1)
                    if 1 <= n <= len(lines)})
    return [SourceLine(n, lines[n - 1], by_line.get(n, []),
                       gap_before=index > 0 and shown[index - 1] != n - 1)
            for index, n in enumerate(shown)]


@bp.route("/skjema/arbeidsrom")
@requires(Action.AUTHOR)
def workspace() -> str:
    drafts = db.session.scalars(sa.select(AuthorDraft).order_by(
        AuthorDraft.published_at.is_not(None), AuthorDraft.updated_at.desc())).all()
    published = db.session.scalars(sa.select(PublishedDefinition).order_by(
        PublishedDefinition.published_at.desc(), PublishedDefinition.id.desc()).limit(50)).all()
    return render_template("authoring/workspace.html", drafts=drafts, published=published,
                           form=CsrfForm())


@bp.route("/skjema/arbeidsrom/ny", methods=["POST"])
@requires(Action.AUTHOR)
def new_draft() -> Response | tuple[str, int]:
    form = CsrfForm()
    if not form.validate_on_submit():
        abort(400)
    title = " ".join(request.form.get("title", "").split())[:TITLE_MAX]
    if not title or any(ord(c) < 32 for c in title):
        flash(_("Give the draft a title, for example the scheme's name."), "error")
        return redirect(url_for("authoring.workspace"), code=303)
    texts: dict[str, str] = {}
    refused: list[Problem] = []
    for part in PARTS:
        text, problems = _uploaded(part)
        refused += problems
        texts[part] = text or ""
    if refused:
        flash(" ".join(p.text(_language()) for p in refused), "error")
        return redirect(url_for("authoring.workspace"), code=303)
    draft = AuthorDraft(title=title, questionnaire_text=texts["questionnaire"],
                        scheme_text=texts["scheme"], rules_text=texts["rules"],
                        created_by=current_user.email, updated_by=current_user.email)
    db.session.add(draft)
    db.session.flush()
    audit.record("author_draft.created", "author_draft", draft.id, after={"title": title})
    db.session.commit()
    return redirect(url_for("authoring.draft", draft_id=draft.id), code=303)


def _render(draft: AuthorDraft, texts: dict[str, str], check: BundleCheck | None,
            refused: dict[str, list[Problem]], conflict: bool = False,
            status: int = 200) -> tuple[str, int]:
    language = _language()
    problems = {part: (check.problems[part] if check else []) + refused.get(part, [])
                for part in PARTS}
    # The preview opens whenever the saved questionnaire loads (nynorsk missing or not).
    saved, _problems = loaded_questionnaire(draft.questionnaire_text)
    return render_template(
        "authoring/draft.html", draft=draft, texts=texts, check=check, problems=problems,
        first_page=saved.sections[0].id if saved and saved.sections else None,
        count=sum(len(found) for found in problems.values()), conflict=conflict,
        lines={part: source_lines(texts[part], problems[part], language)
               for part in PARTS if problems[part]},
        names=PART_NAMES, form=CsrfForm(), language=language, msg=message), status


def _posted_texts(texts: dict[str, str]) -> dict[str, list[Problem]]:
    """Puts the posted texts (an uploaded file over its text area) into `texts`; returns
    the uploads refused, by part."""
    refused: dict[str, list[Problem]] = {}
    for part in PARTS:
        posted = request.form.get(part)
        if posted is not None:
            texts[part] = _clean(posted)
        uploaded, problems = _uploaded(part)
        if uploaded is not None:
            texts[part] = uploaded
        if problems:
            refused[part] = problems
    return refused


@bp.route("/skjema/arbeidsrom/<int:draft_id>", methods=["GET", "POST"])
@requires(Action.AUTHOR)
def draft(draft_id: int) -> Response | tuple[str, int]:
    draft = _draft(draft_id)
    texts = {"questionnaire": draft.questionnaire_text, "scheme": draft.scheme_text,
             "rules": draft.rules_text}
    if request.method == "GET":
        check = check_bundle(*texts.values()) if request.args.get("kontroller") else None
        return _render(draft, texts, check, {})
    form = CsrfForm()
    if not form.validate_on_submit():
        abort(400)
    refused = _posted_texts(texts)
    if request.form.get("version") != str(draft.version):
        # Another author saved since this page was opened: nothing is overwritten; the
        # author's texts are shown again beside a link to the newer draft.
        return _render(draft, texts, None, refused, conflict=True, status=409)
    if refused:
        return _render(draft, texts, None, refused, status=400)
    changed = [part for part in PARTS if texts[part] != getattr(draft, f"{part}_text")]
    if changed:
        for part in changed:
            setattr(draft, f"{part}_text", texts[part])
        draft.version += 1
        draft.updated_by = current_user.email
        draft.updated_at = utcnow()
        audit.record("author_draft.saved", "author_draft", draft.id,
                     after={"parts": changed, "version": draft.version})
        db.session.commit()
    if request.form.get("handling") == "kontroller":
        check = check_bundle(*texts.values())
        return _render(draft, texts, check, {}, status=200 if check.ok else 422)
    flash(_("The draft is saved."), "success")
    return redirect(url_for("authoring.draft", draft_id=draft.id), code=303)


@bp.route("/skjema/arbeidsrom/<int:draft_id>/publiser", methods=["GET", "POST"])
@requires(Action.AUTHOR)
def publish(draft_id: int) -> Response | tuple[str, int]:
    draft = _draft(draft_id)
    check = check_bundle(draft.questionnaire_text, draft.scheme_text, draft.rules_text)
    if request.method == "POST":
        form = CsrfForm()
        if not form.validate_on_submit():
            abort(400)
        if request.form.get("version") != str(draft.version):
            flash(_("Another author has changed the draft since you opened it. Check it "
                    "again before you publish."), "error")
            return redirect(url_for("authoring.publish", draft_id=draft.id), code=303)
        try:
            rows = publish_draft(draft, current_user)
        except PublishRefused:
            db.session.rollback()
            return redirect(url_for("authoring.draft", draft_id=draft.id, kontroller=1),
                            code=303)
        except sa.exc.IntegrityError:
            db.session.rollback()  # another author published the same version a moment ago
            flash(_("This version was published by someone else a moment ago. Check the "
                    "draft again."), "error")
            return redirect(url_for("authoring.draft", draft_id=draft.id, kontroller=1),
                            code=303)
        db.session.commit()
        if rows:
            flash(_("Published. Every server shows the new version from now on."), "success")
        else:
            flash(_("Nothing new to publish: these texts are published already."), "info")
        return redirect(url_for("authoring.workspace"), code=303)
    if not check.ok:
        return redirect(url_for("authoring.draft", draft_id=draft.id, kontroller=1), code=303)
    return render_template("authoring/publish.html", draft=draft, check=check,
                           form=CsrfForm()), 200


def _draft_questionnaire(draft: AuthorDraft) -> Questionnaire | None:
    """The draft's questionnaire when it loads (nynorsk missing or not: a preview shows
    what there is), read once per text."""
    questionnaire, _problems = loaded_questionnaire(draft.questionnaire_text)
    return questionnaire


@functools.lru_cache(maxsize=32)
def loaded_questionnaire(text: str) -> tuple[Questionnaire | None, list[Problem]]:
    return load_text(text, PART_NAMES["questionnaire"])


@bp.route("/skjema/arbeidsrom/<int:draft_id>/forhandsvis/<section_id>",
          methods=["GET", "POST"])
@requires(Action.AUTHOR)
def preview(draft_id: int, section_id: str) -> str | Response:
    """A page of the draft as municipalities would see it, with the demo municipality's
    figures, in the written standard asked for (`?sprak=nn`), before it is published."""
    draft = _draft(draft_id)
    questionnaire = _draft_questionnaire(draft)
    if questionnaire is None:  # it does not load: the problems are on the draft's page
        return redirect(url_for("authoring.draft", draft_id=draft.id, kontroller=1), code=303)
    try:
        current = find_section(questionnaire, section_id)
    except KeyError:
        abort(404)
    language = request.args.get("sprak", _language())
    if language not in current_app.config["LANGUAGES"]:
        abort(404)
    with force_locale(language):  # the whole page in that standard, the session unchanged
        return section_page(questionnaire, current, language, draft_id=draft.id)


@bp.route("/skjema/arbeidsrom/<int:draft_id>/forhandsvis/<section_id>/synlighet",
          methods=["POST"])
@requires(Action.AUTHOR)
def visibility(draft_id: int, section_id: str) -> Response:
    """Which questions the typed answers hide on a draft's page (conditions.js)."""
    questionnaire = _draft_questionnaire(_draft(draft_id))
    if questionnaire is None:
        abort(404)
    try:
        current = find_section(questionnaire, section_id)
    except KeyError:
        abort(404)
    posted = page_input.form_data(current, request.form)
    return jsonify(hidden=hidden_keys(questionnaire, section_id, posted, DEMO_CONTEXT, {}))
