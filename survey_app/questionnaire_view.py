"""A section's questions prepared for display once, not per request.

Everything in a question's markup that does not depend on the request — labels, help texts
and hints in the reader's language, ids, the static part of `aria-describedby`, options,
units — is resolved here once per (questionnaire id, version, content hash, section,
language, figures) and cached. `questionnaire/_fields.html` then renders each question in
one flat loop where only the values, the errors and the hidden state vary per request.

Question types rendered by a macro of their own (info, computed, group, matrix) get the
kind "macro" and carry only the question.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from flask_babel import force_locale, gettext
from markupsafe import Markup

from forms.builder import Carrier, choice_options, find_section, render_text
from forms.messages import Msg, message
from forms.model import Question, Questionnaire

Options = tuple[tuple[str, Any, str], ...]
Pieces = tuple[tuple[Any, Markup, Markup], ...]

CHOICES = ("single_choice", "multiple_choice", "yes_no", "scale")
SHORT = ("integer", "amount", "decimal", "percent", "date")
INPUT_MODES = {"integer": "numeric", "amount": "decimal", "decimal": "decimal",
               "percent": "decimal"}
OWN_MACRO = ("info", "computed", "group", "matrix")


@functools.lru_cache(maxsize=8)
def fixed_texts(language: str) -> dict[str, str]:
    """The interface's fixed strings of the question markup, translated once per language."""
    with force_locale(language):
        return {"optional": gettext("optional"), "shown_only": gettext("Shown only when:"),
                "error": gettext("Error:"), "choose": message(Msg.FORM_CHOOSE, language),
                "review_comment": gettext("Comment from the grant authority:")}


def section_fields(questionnaire: Questionnaire, section_id: str, language: str,
                   context: Mapping[str, object],
                   show_conditions: bool = True) -> tuple[dict[str, Any], ...]:
    """The display data of every question of the section, in order (cached).

    Cached by the figures the section's texts read, not by all of them: a grant's amount
    and municipality differ for every report, so a key of every figure was a miss on
    nearly every page load (issue 12's profile). The first build of a section notes which
    figures it reads; later ones are keyed by those figures' values alone."""
    base = (questionnaire.id, questionnaire.version, questionnaire.content_hash,
            section_id, language, show_conditions)
    read = _FIGURES_READ.get(base)
    if read is None:  # built once uncached, only to note what it reads
        recording = _RecordingFigures(context)
        _section_fields.__wrapped__(*base[:5], (), show_conditions, Carrier(questionnaire),
                                    recording)
        read = _FIGURES_READ[base] = frozenset(context) if recording.everything \
            else frozenset(recording.read)
    figures = tuple(sorted((name, context[name]) for name in read if name in context))
    return _section_fields(*base[:5], figures, show_conditions, Carrier(questionnaire))


# Which figures each (questionnaire, version, content, section, language, conditions shown)
# reads: bounded by the questionnaires served times three languages.
_FIGURES_READ: dict[tuple[object, ...], frozenset[str]] = {}


class _RecordingFigures(Mapping[str, object]):
    """A grant's figures that note which of them are read (all, if they are iterated)."""

    def __init__(self, figures: Mapping[str, object]) -> None:
        self._figures = figures
        self.read: set[str] = set()
        self.everything = False

    def __getitem__(self, name: str) -> object:
        self.read.add(name)
        return self._figures[name]

    def __contains__(self, name: object) -> bool:
        if isinstance(name, str):
            self.read.add(name)
        return name in self._figures

    def __iter__(self) -> Iterator[str]:
        self.everything = True
        return iter(self._figures)

    def __len__(self) -> int:
        self.everything = True
        return len(self._figures)

    def __bool__(self) -> bool:
        # render_text's `context or {}`: either way a figure not read is not shown.
        return True


@functools.lru_cache(maxsize=256)
def _section_fields(qid: str, version: int, content_hash: str, section_id: str,
                    language: str, context: tuple[tuple[str, object], ...],
                    show_conditions: bool, holder: Carrier,
                    recording: Mapping[str, object] | None = None
                    ) -> tuple[dict[str, Any], ...]:
    section = find_section(holder.questionnaire, section_id)
    figures = recording if recording is not None else dict(context)

    def t(text: Any) -> str:
        return render_text(text, language, figures)

    texts = fixed_texts(language)
    return tuple(question_view(q, t, language, texts, show_conditions, figures)
                 for q in section.questions)


def _hint(cls: str, id_: str, text: str, code: str = "") -> dict[str, str]:
    return {"cls": cls, "id": id_, "text": text, "code": code}


def _own_hints(q: Question, t: Callable[[Any], str], texts: Mapping[str, str],
               show_conditions: bool) -> list[dict[str, str]]:
    """The help text and the condition note (the `hints` of every question)."""
    hints = []
    if q.help:
        hints.append(_hint("hint", f"{q.id}-help", t(q.help)))
    if q.show_if is not None and show_conditions:
        hints.append(_hint("hint condition condition-note", f"{q.id}-condition",
                           texts["shown_only"], q.show_if.source))
    return hints


def _input_hints(q: Question, language: str) -> list[dict[str, str]]:
    """Length and date format hints, then the privacy warning, in that order."""
    hints = []
    if q.type == "long_text" or q.options.get("max_length"):
        limit = q.options.get("max_length", 4000 if q.type == "long_text" else 200)
        hints.append(_hint("hint", f"{q.id}-length",
                           message(Msg.FORM_MAX_LENGTH, language, max=limit)))
    if q.type == "date":
        hints.append(_hint("hint", f"{q.id}-format", message(Msg.FORM_DATE_HINT, language)))
    if q.type in ("text", "long_text"):
        hints.append(_hint("hint privacy", f"{q.id}-privacy",
                           message(Msg.FORM_PRIVACY_WARNING, language)))
    return hints


def _extra_ids(q: Question) -> list[str]:
    """The ids an input's own hints and unit add to `aria-describedby`, in that order."""
    ids = []
    if q.type in ("text", "long_text"):
        ids.append(f"{q.id}-privacy")
    if q.type == "long_text" or q.options.get("max_length"):
        ids.append(f"{q.id}-length")
    if q.type == "date":
        ids.append(f"{q.id}-format")
    if q.type in ("amount", "percent") or q.options.get("unit"):
        ids.append(f"{q.id}-unit")
    return ids


def unit_text(q: Question, t: Callable[[Any], str]) -> str:
    if q.type == "amount":
        return "kr"
    if q.type == "percent":
        return "%"
    unit = q.options.get("unit")
    if not unit:
        return ""
    return t(unit) if isinstance(unit, Mapping) else str(unit)


def _kind(q: Question) -> str:
    if q.type in OWN_MACRO:
        return "macro"
    if q.type == "single_choice" and q.options.get("display") == "select":
        return "select"
    if q.type in CHOICES:
        return "fieldset"
    return "textarea" if q.type == "long_text" else "input"


def _caption(kind: str, key: str, label: str, optional: bool,
             texts: Mapping[str, str]) -> Markup:
    """The `<legend>` or `<label>` of a question, escaped once (static per language)."""
    note = Markup(' <span class="optional">({})</span>').format(texts["optional"]) \
        if optional else ""
    if kind == "fieldset":
        return Markup("<legend>{}{}</legend>").format(label, note)
    return Markup('<label for="{}">{}{}</label>').format(key, label, note)


def _hints_html(hints: list[dict[str, str]]) -> Markup:
    """The hint paragraphs, escaped once (static per language)."""
    return Markup("").join(
        Markup('<p class="{}" id="{}">{}{}</p>').format(
            h["cls"], h["id"], h["text"],
            Markup(" <code>{}</code>").format(h["code"]) if h["code"] else "")
        for h in hints)


def _choice_markup(key: str, input_type: str, options: Options) -> Pieces:
    """Each radio or checkbox as (value, markup up to its state, markup after it): only
    `checked` and `aria-invalid` vary per request."""
    return tuple((value,
                  Markup('\n    <div class="choice">\n      <input class="ds-input" type="{}" '
                         'id="{}" name="{}" value="{}"').format(input_type, id_, key, value),
                  Markup('>\n      <label for="{}">{}</label>\n    </div>').format(id_, label))
                 for id_, value, label in options)


def _option_markup(options: Options) -> Pieces:
    """Each `<option>` of a select as (code, markup up to `selected`, the rest)."""
    return tuple((code, Markup('\n    <option value="{}"').format(code),
                  Markup(">{}</option>").format(label)) for _, code, label in options)


def question_view(q: Question, t: Callable[[Any], str], language: str,
                  texts: Mapping[str, str], show_conditions: bool = True,
                  context: Mapping[str, object] | None = None) -> dict[str, Any]:
    """One question's display data; see questionnaire/_fields.html `questions`."""
    kind = _kind(q)
    view: dict[str, Any] = {"id": q.id, "kind": kind, "question": q}
    if kind == "macro":
        return view
    hints = _own_hints(q, t, texts, show_conditions)
    describedby = [h["id"] for h in hints]
    view.update(label=t(q.label), optional=not q.required)
    if kind in ("select", "fieldset"):
        options = tuple((f"{q.id}-{n}", code, label)
                        for n, (code, label) in enumerate(choice_options(q, language,
                                                                          context)))
        input_type = "checkbox" if q.type == "multiple_choice" else "radio"
        view.update(options=options, hints=hints,
                    describedby=" ".join(describedby), input_type=input_type,
                    fieldset_class="choices scale" if q.type == "scale" else "choices",
                    caption=_caption(kind, q.id, view["label"], view["optional"], texts),
                    hints_html=_hints_html(hints),
                    choices=_choice_markup(q.id, input_type, options)
                    if kind == "fieldset" else _option_markup(options))
        return view
    hints = hints + _input_hints(q, language)
    view.update(caption=_caption(kind, q.id, view["label"], view["optional"], texts),
                hints_html=_hints_html(hints))
    view.update(hints=hints,
                describedby=" ".join(describedby + _extra_ids(q)), unit=unit_text(q, t),
                mode=INPUT_MODES.get(q.type, "text"), plain=q.type != "text",
                short=q.type in SHORT)
    return view


def problem_lines(section: Any, errors: Mapping[str, list[str]], anchors: Mapping[str, str],
                  t: Callable[[Any], str]) -> list[tuple[str, str]]:
    """The error summary's lines, in order: (the input's id, a text naming the question,
    and in a table its row and column, before the message)."""
    questions = {q.id: q for q in section.questions}
    lines = []
    for key, messages in errors.items():
        owner, _, rest = key.partition("-")
        question = questions.get(owner)
        name = t(question.label) if question is not None else ""
        if question is not None and rest and question.type == "group":
            index, _, column_id = rest.partition("-")
            column = next((c for c in question.columns if c.id == column_id), None)
            if column is not None and index.isdigit():
                name = gettext("%(table)s, row %(number)d, %(column)s", table=name,
                               number=int(index) + 1, column=t(column.label))
        elif question is not None and rest and question.type == "matrix":
            row = next((r for r in question.rows if r.code == rest), None)
            if row is not None:
                name = f"{name}, {t(row.label)}"
        for text in messages:
            lines.append((anchors.get(key, key), f"{name}: {text}" if name else text))
    return lines
