"""Rendering a 40-question questionnaire page: the service's way against a floor.

Three renders of the same page, timed side by side in one process, in alternating rounds
(the machines are shared and noisy, so only the ratios are compared, never the µs):

* A — the service: the preview view's per-request work (find the questionnaire and the
  section, prefill, row counts, the partials) and `render_template("preview/section.html")`
  with the context the view passes, inside a test request of the real app, signed in as a
  reviewer. The page is the Jinja macros of questionnaire/_fields.html over the model.
* B — the floor: the same page from one cached, hand-written pure-Jinja template over a
  precomputed list of plain dicts (labels resolved, ids, options, hints...), one loop.
  The page's fixed parts (header, navigation, footer) are literal template text.
* W — the trap: the same 40 inputs through WTForms widgets (`field()`, `field.label()`),
  form instantiated per render, in the same page around them.

Goal: A/B ≤ 2×. W/B is printed to show why the service does not render through widgets.
"""

from __future__ import annotations

import gc
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = Path(__file__).resolve().parent / "templates"  # B's and W's field loops
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import jinja2  # noqa: E402
import wtforms  # noqa: E402
from flask import Flask, g, render_template  # noqa: E402

from forms.answers import prefilled  # noqa: E402
from forms.builder import choice_options, find_section, render_text  # noqa: E402
from forms.loader import load_text  # noqa: E402
from forms.messages import message  # noqa: E402
from forms.model import Question, Questionnaire  # noqa: E402
from survey_app import page_input  # noqa: E402
from survey_app.questionnaire_view import unit_text  # noqa: E402

GOAL = 2.0  # A/B
ROUNDS = 7
SECTION = "main"
TYPES = ("amount", "integer", "text", "long_text", "single_choice", "multiple_choice",
         "yes_no", "scale", "date", "percent")
QUESTIONS = 40
# A few conditions, each on an earlier question (the loader allows nothing else).
SHOW_IF = {
    "text_2": "yes_no_1 == true",
    "percent_2": "single_choice_1 == 'c2'",
    "long_text_3": "'c1' in multiple_choice_1",
    "amount_4": "integer_1 > 10",
    "scale_4": "answered(date_1)",
}


# ---- the synthetic questionnaire -----------------------------------------------------------


def _text_block(key: str, nb: str, indent: int) -> list[str]:
    pad = " " * indent
    return [f"{pad}{key}:", f'{pad}  nb: "{nb}"', f'{pad}  nn: "{nb} (nynorsk)"',
            f'{pad}  en: "{nb} (English)"']


def _choices(count: int, indent: int) -> list[str]:
    lines = [" " * indent + "choices:"]
    for n in range(1, count + 1):
        lines.append(" " * indent + f"  - code: c{n}")
        lines += _text_block("label", f"Svaralternativ nummer {n} med en litt lengre tekst",
                             indent + 4)
    return lines


def _type_lines(qtype: str, n: int) -> list[str]:
    pad = " " * 8
    if qtype == "amount":
        lines = [f"{pad}min: 0", f"{pad}max: 100000000"]
        return lines + ([f"{pad}prefill: grant.amount"] if n == 1 else [])
    if qtype == "integer":
        return [f"{pad}min: 0", f"{pad}unit: årsverk"] if n % 2 else [f"{pad}min: 0"]
    if qtype == "text":
        return [f"{pad}max_length: 200"]
    if qtype == "long_text":
        return [f"{pad}max_length: 2000"]
    if qtype == "single_choice":
        return _choices(6, 8) + ([f"{pad}display: select"] if n == 4 else [])
    if qtype == "multiple_choice":
        return [*_choices(8, 8), f"{pad}min_selected: 1"]
    if qtype == "scale":
        return [f"{pad}min: 1", f"{pad}max: 5", *_text_block("min_label", "I liten grad", 8),
                *_text_block("max_label", "I stor grad", 8), f"{pad}dont_know: true"]
    if qtype == "date":
        return [f'{pad}min: "01.01.2020"']
    if qtype == "percent":
        return [f"{pad}min: 0", f"{pad}max: 100"]
    return []


def questionnaire_yaml() -> str:
    """40 questions of ten types, round robin; help texts, optional ones and conditions."""
    lines = ["id: bench-forty", "version: 1", 'scheme: "000.00"',
             *_text_block("title", "Benchmark med førti spørsmål", 0),
             *_text_block("intro", "Kommunen fikk {grant.amount} i {grant.year}.", 0),
             "sections:", "  - id: main", *_text_block("title", "Førti spørsmål", 4),
             *_text_block("intro", "Svar for {municipality.name}.", 4), "    questions:"]
    for index in range(QUESTIONS):
        qtype, n = TYPES[index % len(TYPES)], index // len(TYPES) + 1
        qid = f"{qtype}_{n}"
        lines += [f"      - id: {qid}", f"        type: {qtype}",
                  f"        required: {'true' if index % 3 else 'false'}",
                  *_text_block("label", f"Spørsmål {index + 1}: hvor mye og hvordan ({qtype})?",
                               8)]
        if index % 2 == 0:
            lines += _text_block("help", "Skriv det kommunen faktisk har gjort i {round.year}.",
                                 8)
        if qid in SHOW_IF:
            lines.append(f'        show_if: "{SHOW_IF[qid]}"')
        lines += _type_lines(qtype, n)
    lines += ["  - id: end", *_text_block("title", "Avslutning", 4), "    questions:",
              "      - id: comment", "        type: long_text",
              *_text_block("label", "Kommentar", 8)]
    return "\n".join(lines) + "\n"


def load_questionnaire() -> Questionnaire:
    questionnaire, problems = load_text(questionnaire_yaml(), "bench-forty.v1.yaml")
    if questionnaire is None:
        raise SystemExit("\n".join(p.text("en") for p in problems))
    return questionnaire


# ---- A: the service ---------------------------------------------------------------------------


def make_app(questionnaire: Questionnaire) -> Flask:
    from survey_app import create_app

    config = {  # tests/conftest.py make_config, on an in-memory database (never touched)
        "APP_ENV": "testing", "TESTING": True, "SECRET_KEY": "bench-secret",
        "DATABASE_URL": "sqlite://", "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }
    app = create_app(config)
    # The view looks questionnaires up in the loaded ones: the synthetic one joins them.
    app.extensions["questionnaires"].questionnaires.append(questionnaire)
    return app


def sign_in_reviewer() -> None:
    """A reviewer for this request, as Flask-Login would have loaded one (no database)."""
    from survey_app.models import User

    g._login_user = User(id=1, email="reviewer@example.no", role="reviewer", language="nb",
                         office="national", active=True)


def render_service(qid: str, version: int, section_id: str = SECTION) -> str:
    """The GET branch of survey_app.preview.views.section, minus access control.

    The view builds its context inline (there is no helper to call), so this repeats it
    line for line with the view's own helpers; keep it in step with the view.
    """
    from flask_babel import get_locale

    from forms.builder import format_answer
    from survey_app.preview import views
    from survey_app.questionnaire_view import fixed_texts, section_fields

    questionnaire = views._questionnaire(qid, version)
    current = find_section(questionnaire, section_id)
    language = views._language()
    result, added = None, None
    data = prefilled(current, views.DEMO_CONTEXT)
    index = questionnaire.sections.index(current)
    assert str(get_locale()) == language
    return render_template(
        "preview/section.html", questionnaire=questionnaire, section=current, index=index,
        result=result, raw=data, rows=page_input.row_counts(current, data, added),
        errors={}, hidden=set(),
        t=partial(views._text, language), msg=partial(message, language=language),
        show=partial(format_answer, language=language), stored=views._stored,
        options=partial(choice_options, language=language), show_conditions=True,
        section_shown=current.show_if is None or current.show_if.is_true(views.DEMO_CONTEXT),
        field_views=section_fields(questionnaire, section_id, language, views.DEMO_CONTEXT),
        texts=fixed_texts(language))


# ---- B: the floor -----------------------------------------------------------------------------

# The page's questions lie between the form's CSRF input and its submit button.
_FIELDS_START = re.compile(r'<form method="post"[^>]* class="questionnaire"[^>]*>\s*'
                           r'<input type="hidden" name="csrf_token" value="[^"]*">')
_FIELDS_END = '<button type="submit" class="button">'

BASELINE_LOOP = (TEMPLATES / "baseline_fields.html").read_text("utf-8")


def split_page(html: str) -> tuple[str, str]:
    """The service page's fixed text before the first field and after the last one."""
    start = _FIELDS_START.search(html)
    if start is None:
        raise SystemExit("render: the service page has no questionnaire form")
    return html[:start.end()], html[html.index(_FIELDS_END):]


def literal(text: str) -> str:
    """Text as literal Jinja source (what a hand-written template holds)."""
    return "{% raw %}" + text.replace("{% endraw %}", "") + "{% endraw %}"


def _hints(q: Question, t: Callable[[Any], str], msg: Callable[..., str],
           shown_only: str) -> list[dict[str, str]]:
    hints = []
    if q.help:
        hints.append({"cls": "hint", "id": f"{q.id}-help", "text": t(q.help), "code": ""})
    if q.show_if is not None:
        hints.append({"cls": "hint condition condition-note", "id": f"{q.id}-condition",
                      "text": shown_only, "code": q.show_if.source})
    if q.type == "long_text" or q.options.get("max_length"):
        limit = q.options.get("max_length", 4000 if q.type == "long_text" else 200)
        hints.append({"cls": "hint", "id": f"{q.id}-length", "code": "",
                      "text": msg("form.max_length", max=limit)})
    if q.type == "date":
        hints.append({"cls": "hint", "id": f"{q.id}-format", "code": "",
                      "text": msg("form.date_hint")})
    if q.type in ("text", "long_text"):
        hints.append({"cls": "hint privacy", "id": f"{q.id}-privacy", "code": "",
                      "text": msg("form.privacy_warning")})
    return hints


def _unit(q: Question, t: Callable[[Any], str]) -> str:
    return unit_text(q, t)  # precomputation, not timed: the floor may share the app's helper


def field_dict(q: Question, prefilled: dict[str, str], texts: dict[str, Any]) -> dict[str, Any]:
    """Everything one question's markup needs, resolved once: strings, lists, flags."""
    t, msg = texts["t"], texts["msg"]
    hints = _hints(q, t, msg, texts["shown_only"])
    own = [h["id"] for h in hints if not h["id"].endswith(("-length", "-format", "-privacy"))]
    extra = [f"{q.id}-{kind}" for kind in ("privacy", "length", "format")
             if f"{q.id}-{kind}" in {h["id"] for h in hints}]
    unit = _unit(q, t)
    value = prefilled.get(q.id, "")
    fields: dict[str, Any] = {
        "id": q.id, "label": t(q.label), "optional": "" if q.required else texts["optional"],
        "hints": hints, "unit": unit, "value": value}
    options = choice_options(q, texts["language"])
    if q.type in ("yes_no", "scale", "multiple_choice") or (
            q.type == "single_choice" and q.options.get("display") != "select"):
        fields.update(
            kind="fieldset", describedby=" ".join(own), input_type="checkbox"
            if q.type == "multiple_choice" else "radio",
            fieldset_class="choices scale" if q.type == "scale" else "choices",
            choices=[{"id": f"{q.id}-{n}", "value": code, "label": label, "checked": False}
                   for n, (code, label) in enumerate(options)])
        return fields
    fields["describedby"] = " ".join(own + extra + ([f"{q.id}-unit"] if unit else []))
    if q.type == "single_choice":
        fields.update(kind="select", choices=[
            {"value": code, "label": label, "selected": code == value} for code, label in options])
    elif q.type == "long_text":
        fields["kind"] = "textarea"
    else:
        fields.update(kind="input", plain=q.type != "text",
                      short=q.type in ("integer", "amount", "decimal", "percent", "date"),
                      mode={"integer": "numeric", "amount": "decimal", "decimal": "decimal",
                            "percent": "decimal"}.get(q.type, "text"))
    return fields


def precomputed_context(questionnaire: Questionnaire) -> dict[str, Any]:
    """Plain dicts for every question of the section, made once (call in a request)."""
    from flask_babel import gettext

    from survey_app.preview import views

    language = views._language()
    section = find_section(questionnaire, SECTION)
    start = prefilled(section, views.DEMO_CONTEXT)
    values = {k: start.first(k) for k in start}
    texts = {"t": lambda text: render_text(text, language, views.DEMO_CONTEXT),
             "msg": partial(message, language=language), "language": language,
             "optional": gettext("optional"), "shown_only": gettext("Shown only when:")}
    return {"fields": [field_dict(q, values, texts) for q in section.questions],
            "choose": message("form.choose", language)}


def baseline_template(service_html: str) -> jinja2.Template:
    head, tail = split_page(service_html)
    env = jinja2.Environment(autoescape=True, auto_reload=False)
    return env.from_string(literal(head) + BASELINE_LOOP + literal(tail))


# ---- W: WTForms widgets -------------------------------------------------------------------------


WIDGET_LOOP = (TEMPLATES / "widget_fields.html").read_text("utf-8")


class _Checkboxes(wtforms.SelectMultipleField):
    widget = wtforms.widgets.ListWidget(prefix_label=False)
    option_widget = wtforms.widgets.CheckboxInput()


def _widget_field(f: dict[str, Any]) -> wtforms.Field:
    choices = [(item["value"], item["label"]) for item in f.get("choices", ())]
    if f["kind"] == "textarea":
        field: wtforms.Field = wtforms.TextAreaField(f["label"])
        f["attrs"] = {"rows": 5}
    elif f["kind"] == "select":
        field = wtforms.SelectField(f["label"], choices=[("", "Velg"), *choices])
        f["attrs"] = {}
    elif f["kind"] == "fieldset":
        kind = _Checkboxes if f["input_type"] == "checkbox" else wtforms.RadioField
        field = kind(f["label"], choices=choices, validate_choice=False)
    else:
        field = wtforms.StringField(f["label"])
        f["attrs"] = {"inputmode": f["mode"]}
        if f["plain"]:
            f["attrs"].update(spellcheck="false", autocomplete="off")
        if f["short"]:
            f["attrs"]["class"] = "short"
    if f["describedby"] and f["kind"] != "fieldset":
        f["attrs"]["aria-describedby"] = f["describedby"]
    return field


def widget_form(fields: list[dict[str, Any]]) -> type[wtforms.Form]:
    """A plain WTForms form with a comparable field per question (ids = question ids)."""
    attributes = {f["id"]: _widget_field(f) for f in fields}
    return type("WidgetForm", (wtforms.Form,), attributes)


def widget_template(service_html: str) -> jinja2.Template:
    head, tail = split_page(service_html)
    env = jinja2.Environment(autoescape=True, auto_reload=False)
    return env.from_string(literal(head) + WIDGET_LOOP + literal(tail))


# ---- checking the renders are comparable -----------------------------------------------------


_CONTROL = re.compile(r"<(input|select|textarea)\b[^>]*>")
_LABEL = re.compile(r"<(label|legend)\b[^>]*>(.*?)</\1>", re.S)
_TAG = re.compile(r"<[^>]+>")


def page_shape(html: str) -> dict[str, Any]:
    controls: dict[str, int] = {}
    for match in _CONTROL.finditer(html):
        kind = match.group(1)
        if kind == "input":
            kind = "input " + (re.search(r'type="(\w+)"', match.group(0)) or ["", "?"])[1]
        controls[kind] = controls.get(kind, 0) + 1
    labels = [" ".join(_TAG.sub("", m.group(2)).split()) for m in _LABEL.finditer(html)]
    return {"controls": controls, "labels": labels}


def normalised(html: str) -> str:
    return re.sub(r">\s+<", "><", " ".join(html.split()))


# ---- timing --------------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    ratio: float
    goal: float | None
    detail: str

    @property
    def status(self) -> str:
        if self.goal is None:
            return "info"
        return "PASS" if self.ratio <= self.goal else "ABOVE GOAL"


def _batch(render: Callable[[], object], count: int) -> float:
    """Seconds per render over `count` renders, garbage collected before, not during."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(count):
            render()
        return (time.perf_counter() - start) / count
    finally:
        gc.enable()


def interleaved(renders: dict[str, Callable[[], object]], rounds: int,
                budget: float) -> dict[str, list[float]]:
    """Per-render seconds of each render, `rounds` batches each, alternating order per round.

    Each render gets a batch size that makes one batch about `budget` seconds.
    """
    counts = {}
    for name, render in renders.items():
        render()  # warm: template compiled and cached, lookups made
        single = _batch(render, 3)
        counts[name] = max(5, int(budget / max(single, 1e-6)))
    times: dict[str, list[float]] = {name: [] for name in renders}
    names = list(renders)
    for round_ in range(rounds):
        for name in names if round_ % 2 == 0 else reversed(names):
            times[name].append(_batch(renders[name], counts[name]))
    return times


def run(rounds: int = ROUNDS, budget: float = 0.6) -> list[Result]:
    questionnaire = load_questionnaire()
    section = find_section(questionnaire, SECTION)
    app = make_app(questionnaire)
    with app.test_request_context(f"/skjema/{questionnaire.id}/v1/{SECTION}"):
        sign_in_reviewer()
        service = partial(render_service, questionnaire.id, questionnaire.version)
        html = service()
        context = precomputed_context(questionnaire)
        baseline = baseline_template(html)
        form_class = widget_form(context["fields"])
        widgets = widget_template(html)

        def render_baseline() -> str:
            return baseline.render(context)

        def render_widgets() -> str:
            return widgets.render(context, form=form_class())

        base_html, widget_html = render_baseline(), render_widgets()
        print(f"render: {len(section.questions)} questions "
              f"({', '.join(sorted({q.type for q in section.questions}))}), "
              f"{sum(q.show_if is not None for q in section.questions)} with show_if; "
              f"page {len(html)} bytes (A), {len(base_html)} (B), {len(widget_html)} (W)")
        check = report_shapes(html, base_html, widget_html)
        times = interleaved({"A": service, "B": render_baseline, "W": render_widgets},
                            rounds, budget)
    return summarise(times, check)


def report_shapes(service: str, base: str, widgets: str) -> bool:
    a, b, w = page_shape(service), page_shape(base), page_shape(widgets)
    same = a == b
    print(f"  check A vs B: controls A {a['controls']}")
    print(f"                controls B {b['controls']}")
    print(f"                {len(a['labels'])} labels/legends in A, {len(b['labels'])} in B, "
          f"same texts in the same order: {a['labels'] == b['labels']}")
    print(f"                identical markup after whitespace normalisation: "
          f"{normalised(service) == normalised(base)}  -> {'OK' if same else 'DIFFERENT'}")
    print(f"  W (widgets):  controls {w['controls']}")
    return same


def summarise(times: dict[str, list[float]], comparable: bool) -> list[Result]:
    med = {name: statistics.median(values) for name, values in times.items()}
    for name, label in (("A", "service (preview/section.html, macros)"),
                        ("B", "baseline (cached pure Jinja, plain dicts)"),
                        ("W", "WTForms widgets (field() calls)")):
        spread = ", ".join(f"{v * 1e6:.0f}" for v in times[name])
        print(f"  {name} {label:44s} median {med[name] * 1e6:8.0f} µs/render"
              f"  (rounds: {spread})")
    paired = statistics.median(a / b for a, b in zip(times["A"], times["B"], strict=True))
    print(f"  A/B per round (paired, same round): median {paired:.2f}×; "
          f"W/A (widgets vs the service's macros): {med['W'] / med['A']:.2f}×")
    note = "" if comparable else " (B's markup differs from A: see check)"
    return [
        Result("render: service page A / baseline B", med["A"] / med["B"], GOAL,
               f"{med['A'] * 1e6:.0f} µs vs {med['B'] * 1e6:.0f} µs{note}"),
        Result("render: WTForms widgets W / baseline B", med["W"] / med["B"], None,
               f"{med['W'] * 1e6:.0f} µs vs {med['B'] * 1e6:.0f} µs (the trap; ~6× before)"),
    ]


if __name__ == "__main__":
    for result in run():
        goal = f"goal ≤ {result.goal:g}×" if result.goal else "no goal"
        print(f"{result.name}: {result.ratio:.2f}×  [{goal}: {result.status}]  {result.detail}")
