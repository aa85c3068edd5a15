"""The Excel economy report (issue 16, item 4): a template out, the same workbook back in.

Seed 003 (003_f6353732cf9b430c.txt) lists "Økonomirapportering (excel)" for 765.60. A
scheme declares it in ``questionnaires/schemes/schemes.yaml`` with
``economy_workbook: {section: <page id>}``; the workbook's input rows are that page's
amount and integer questions, in order, so what the workbook says IS that page's answers:
it is saved as a page save (``responses.save_page``: version check, PageSave row, audit
event) and shows on the summary, feeds the rules and the economy export like any answer.

The template (``build_template``) is written in the municipality's målform, prefilled with
the grant and with the figures of earlier years' submitted reports of the same
municipality and scheme (read-only columns). Only the input cells are unlocked (sheet
protection) and they carry data validation; a very hidden sheet holds the identity (grant,
questionnaire id and version, the page, its questions) with an HMAC of it under the
app's secret, so a template of another grant, year or version is recognised on upload.

Reading (``read_upload``) never trusts a formula: a formula in an input cell is refused
(the project's choice over using its cached value: the service does not recalculate, so a
cached value cannot be checked). The caps and the zip-bomb check are the imports' own
(``survey_app.tabular``). Every problem is named by sheet and cell, in the user's
language; on any problem nothing is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import math
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from forms.answers import page_data as shown_page_data
from forms.builder import find_section, render_text
from forms.model import Question, Questionnaire, Section
from forms.schemes_check import WORKBOOK_TYPES
from survey_app import audit, tabular
from survey_app.extensions import db
from survey_app.models import (
    Grant,
    Municipality,
    Response,
    ResponseFile,
    Round,
    StoredFile,
)
from survey_app.questionnaires import scheme_entries
from survey_app.services import responses
from survey_app.services.rounds import grant_context

SHEET = "Økonomi"  # the same word in bokmål and nynorsk
IDENTITY_SHEET = "id"
FORMAT = "economy-workbook/1"  # the identity's layout; a new layout is a new format
HEADER_ROW = 12
FIRST_ROW = HEADER_ROW + 1  # the first input row
LABEL_COLUMN, UNIT_COLUMN, INPUT_COLUMN = 1, 2, 3  # A, B, C
EARLIER_YEARS = 5  # columns D-H: at most this many earlier years, newest first
ID_COLUMN = INPUT_COLUMN + EARLIER_YEARS + 1  # I: each row's question id, hidden
LAST_COLUMN = ID_COLUMN
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The project's choice (no seed gives sizes): a template is some 10 kB; 512 kB leaves room
# for a workbook saved by any spreadsheet program, below the request cap (1 MB).
LIMITS = tabular.Limits(max_bytes=512 * 1024, max_rows=200, max_columns=50,
                        max_unpacked=5 * tabular.MB, max_ratio=100, max_members=100)
# The largest figure a cell may hold where its question sets no max (the project's choice:
# far above any grant, below what a spreadsheet keeps exactly, 2^53).
LARGEST = 10**12

# The sheet's own texts, in the municipality's målform (the questionnaire's labels come
# from its YAML). Kept here, not in the UI catalogue: the workbook's language is the
# municipality's, whatever language the user reads the service in.
TEXTS: dict[str, dict[str, str]] = {
    "title": {"nb": "Økonomirapport", "nn": "Økonomirapport"},
    "municipality": {"nb": "Kommune", "nn": "Kommune"},
    "scheme": {"nb": "Tilskuddsordning", "nn": "Tilskotsordning"},
    "year": {"nb": "Tilskuddsår", "nn": "Tilskotsår"},
    "amount": {"nb": "Tilskudd", "nn": "Tilskot"},
    "instructions": {
        "nb": "Slik fyller du ut: skriv tallene i den gule kolonnen for {year}, i hele kroner "
              "(eller antall), uten formler. De andre cellene er låst. Lagre som .xlsx og "
              "last opp filen på siden «{page}» i rapporten. Tallene blir lagret som svarene "
              "på den siden; du kan laste opp på nytt så lenge rapporten ikke er sendt inn.",
        "nn": "Slik fyller du ut: skriv tala i den gule kolonnen for {year}, i heile kroner "
              "(eller tal), utan formlar. Dei andre cellene er låste. Lagre som .xlsx og "
              "last opp fila på sida «{page}» i rapporten. Tala blir lagra som svara på den "
              "sida; du kan laste opp på nytt så lenge rapporten ikkje er send inn.",
    },
    "earlier": {
        "nb": "Kolonnene for tidligere år viser tallene fra kommunens innsendte rapporter "
              "(kan ikke endres).",
        "nn": "Kolonnane for tidlegare år viser tala frå dei innsende rapportane til "
              "kommunen (kan ikkje endrast).",
    },
    "post": {"nb": "Post", "nn": "Post"},
    "unit": {"nb": "Enhet", "nn": "Eining"},
    "kroner": {"nb": "kr", "nn": "kr"},
    "count": {"nb": "antall", "nn": "tal"},
    "error_title": {"nb": "Ugyldig verdi", "nn": "Ugyldig verdi"},
    "error_amount": {"nb": "Skriv et helt tall fra {low} til {high}.",
                     "nn": "Skriv eit heilt tal frå {low} til {high}."},
}


def workbook_language(municipality: Municipality) -> str:
    """The municipality's målform: nynorsk where it has chosen it, else bokmål (a
    language-neutral municipality writes bokmål by the project's choice, as its letters)."""
    return "nn" if municipality.written_standard == "nn" else "nb"


def declared_section(slug: str) -> str | None:
    """The page a scheme's economy workbook fills, as its served scheme entry says."""
    entry = next((e for e in scheme_entries() if e.get("slug") == slug), None)
    declared = entry.get("economy_workbook") if entry else None
    section = declared.get("section") if isinstance(declared, Mapping) else None
    return section if isinstance(section, str) else None


def input_questions(section: Section) -> tuple[Question, ...]:
    """The workbook's input rows: the page's amount and integer questions, in order."""
    return tuple(q for q in section.questions if q.type in WORKBOOK_TYPES)


def workbook_section(grant: Grant, questionnaire: Questionnaire) -> Section | None:
    """The grant's workbook page, if its scheme declares one that its questionnaire has."""
    section_id = declared_section(grant.round.scheme.slug)
    if section_id is None:
        return None
    try:
        section = find_section(questionnaire, section_id)
    except KeyError:
        return None
    return section if input_questions(section) else None


# ---- the identity ----------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """What a template was made for; its checksum proves the service wrote it."""

    grant_id: int
    questionnaire_id: str
    questionnaire_version: int
    section_id: str
    questions: tuple[str, ...]
    language: str
    municipality: str  # "3405 Lillehammer", for the message about another's template
    year: int

    def fields(self) -> list[tuple[str, str]]:
        return [("format", FORMAT), ("grant", str(self.grant_id)),
                ("questionnaire", self.questionnaire_id),
                ("version", str(self.questionnaire_version)), ("section", self.section_id),
                ("questions", ",".join(self.questions)), ("language", self.language),
                ("municipality", self.municipality), ("year", str(self.year))]

    def checksum(self, secret: str | bytes) -> str:
        key = secret.encode("utf-8") if isinstance(secret, str) else secret
        text = "\n".join(f"{k}={v}" for k, v in self.fields())
        return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def identity_of(grant: Grant, municipality: Municipality, questionnaire: Questionnaire,
                section: Section) -> Identity:
    return Identity(grant.id, questionnaire.id, questionnaire.version, section.id,
                    tuple(q.id for q in input_questions(section)),
                    workbook_language(municipality),
                    f"{municipality.number} {municipality.display_name}", grant.round.year)


# ---- the template ----------------------------------------------------------------------


@dataclass(frozen=True)
class EarlierYear:
    year: int
    figures: Mapping[str, int | None]  # question id -> the submitted figure


def earlier_years(grant: Grant) -> list[EarlierYear]:
    """The submitted figures of the same municipality and scheme in earlier years, newest
    first (at most EARLIER_YEARS), by question id as the latest submission stored them."""
    rows = db.session.execute(
        sa.select(Round.year, Response).join(Grant, Grant.round_id == Round.id)
        .join(Response, Response.grant_id == Grant.id)
        .where(Round.scheme_id == grant.round.scheme_id, Round.year < grant.round.year,
               Grant.municipality_number == grant.municipality_number)
        .order_by(Round.year.desc())).all()
    found: list[EarlierYear] = []
    for year, response in rows:
        submission = response.latest_submission
        if submission is None:
            continue
        found.append(EarlierYear(year, {k: _whole(v) for k, v in submission.answers.items()}))
        if len(found) == EARLIER_YEARS:
            break
    return found


def _whole(stored: Any) -> int | None:
    """A stored answer as whole kroner or a count ("1234567.00" -> 1234567); None else."""
    if isinstance(stored, bool) or stored is None:
        return None
    try:
        value = Decimal(str(stored))
    except ArithmeticError:
        return None
    return int(value) if value.is_finite() and value == value.to_integral_value() else None


def current_figures(section: Section, pages: Mapping[str, Mapping[str, list[str]]],
                    context: Mapping[str, object]) -> dict[str, int | None]:
    """What the page holds now (saved, else prefilled): the input cells start from it."""
    data = shown_page_data(section, pages, context)
    figures: dict[str, int | None] = {}
    for question in input_questions(section):
        text = data.first(question.id).replace("\xa0", "").replace(" ", "")
        figures[question.id] = int(text) if tabular.ascii_digits(text) and len(text) <= 13 \
            else None
    return figures


def _bounds(question: Question) -> tuple[int, int]:
    """The whole numbers a cell may hold: the question's min/max, at least 0."""
    low, high = question.options.get("min"), question.options.get("max")
    low_value = max(0, int(Decimal(str(low)))) if low is not None else 0
    high_value = int(Decimal(str(high))) if high is not None else LARGEST
    return low_value, min(high_value, LARGEST)


def build_template(grant: Grant, municipality: Municipality, questionnaire: Questionnaire,
                   section: Section, current: Mapping[str, int | None],
                   earlier: Sequence[EarlierYear], secret: str | bytes) -> bytes:
    """The xlsx template for one grant, in the municipality's målform."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.worksheet.datavalidation import DataValidation

    identity = identity_of(grant, municipality, questionnaire, section)
    language = identity.language
    context = grant_context(grant, municipality)

    def text(key: str, **values: object) -> str:
        return TEXTS[key][language].format(**values)

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET
    scheme_name = grant.round.scheme.name_nn if language == "nn" else grant.round.scheme.name_nb
    sheet["A1"] = f"{text('title')} {grant.round.year}"
    sheet["A1"].font = Font(bold=True, size=14)
    facts: list[tuple[str, str | int]] = [
        (text("municipality"), identity.municipality), (text("scheme"), scheme_name),
             (text("year"), grant.round.year), (text("amount"), grant.amount)]
    for offset, (label, value) in enumerate(facts):
        sheet.cell(3 + offset, 1, label).font = Font(bold=True)
        cell = sheet.cell(3 + offset, 2, value)
        if label == text("amount"):
            cell.number_format = '# ##0" kr"'
    page = render_text(section.title, language, context)
    for row, key in ((8, "instructions"), (10, "earlier")):
        sheet.cell(row, 1, text(key, year=grant.round.year, page=page))
        sheet.merge_cells(start_row=row, start_column=1, end_row=row + 1,
                          end_column=INPUT_COLUMN + EARLIER_YEARS)
        sheet.cell(row, 1).alignment = Alignment(wrap_text=True, vertical="top")
    headers = [text("post"), text("unit"), str(grant.round.year),
               *[str(e.year) for e in earlier]]
    for column, header in enumerate(headers, start=1):
        sheet.cell(HEADER_ROW, column, header).font = Font(bold=True)
    yellow = PatternFill("solid", fgColor="FFF2CC")
    for index, question in enumerate(input_questions(section)):
        row = FIRST_ROW + index
        # Rendered as the upload checks it (from the identity alone).
        sheet.cell(row, LABEL_COLUMN, render_text(question.label, language,
                                                  _label_context(identity)))
        sheet.cell(row, LABEL_COLUMN).alignment = Alignment(wrap_text=True)
        amount = question.type == "amount"
        sheet.cell(row, UNIT_COLUMN, text("kroner") if amount else text("count"))
        cell = sheet.cell(row, INPUT_COLUMN, current.get(question.id))
        cell.protection = Protection(locked=False)
        cell.fill = yellow
        cell.number_format = "# ##0"
        low, high = _bounds(question)
        rule = DataValidation(type="whole", operator="between", formula1=str(low),
                              formula2=str(high), allow_blank=True, showErrorMessage=True,
                              errorTitle=text("error_title"),
                              error=text("error_amount", low=low, high=high))
        sheet.add_data_validation(rule)
        rule.add(cell.coordinate)
        for column, year in enumerate(earlier, start=INPUT_COLUMN + 1):
            sheet.cell(row, column, year.figures.get(question.id)).number_format = "# ##0"
        sheet.cell(row, ID_COLUMN, question.id)
    sheet.column_dimensions["A"].width = 60
    for letter in "CDEFGH":
        sheet.column_dimensions[letter].width = 14
    sheet.column_dimensions["I"].hidden = True
    # Locked cells, no rows or columns to insert or delete: a changed layout is caught on
    # upload all the same (the ids move with their rows), this only keeps it from happening.
    sheet.protection.sheet = True
    sheet.protection.formatCells = sheet.protection.formatColumns = False
    ids = book.create_sheet(IDENTITY_SHEET)
    for row, (key, value) in enumerate([*identity.fields(),
                                        ("checksum", identity.checksum(secret))], start=1):
        ids.cell(row, 1, key)
        ids.cell(row, 2, value)
    ids.sheet_state = "veryHidden"
    ids.protection.sheet = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_filename(grant: Grant) -> str:
    return (f"okonomirapport-{grant.round.scheme.slug}-{grant.round.year}-"
            f"{grant.municipality_number}.xlsx")


# ---- reading an upload -----------------------------------------------------------------


@dataclass
class ReadResult:
    figures: dict[str, int | None] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _at(row: int, column: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{SHEET}!{get_column_letter(column)}{row}"


def has_macros(data: bytes, filename: str) -> bool:
    """A macro workbook (.xlsm, .xlsb, a VBA project inside), which is refused unopened."""
    if filename.lower().rsplit(".", 1)[-1] in ("xlsm", "xltm", "xlsb", "xlam"):
        return True
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = [n.lower() for n in archive.namelist()]
            types = archive.read("[Content_Types].xml") \
                if "[content_types].xml" in names else b""
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        return False  # not a zip at all: refused as not xlsx by the caller
    return any(n.endswith("vbaproject.bin") for n in names) or b"macroEnabled" in types


def _file_problem(data: bytes, filename: str) -> str | None:
    """Whatever makes the file no workbook to open: size, type, macros, a zip bomb."""
    try:
        tabular._check_size(data, LIMITS)
    except tabular.TableError:
        return _("The file is larger than %(kb)d kB, more than an economy report can be. "
                 "Upload the template you downloaded.", kb=LIMITS.max_bytes // 1024)
    if not data:
        return _("The file is empty. Choose the economy report you filled in.")
    if has_macros(data, filename):
        return _("The file contains macros (.xlsm). Save the economy report as an ordinary "
                 "Excel workbook (.xlsx) and upload it again.")
    if not data.startswith(b"PK\x03\x04"):
        return _("The file is not an Excel workbook (.xlsx). Upload the template you "
                 "downloaded, saved as .xlsx.")
    try:
        tabular._check_archive(data, LIMITS)  # the imports' zip-bomb guard, before opening
    except tabular.TableError:
        return _("The file cannot be read as an Excel workbook, or it unpacks to far more "
                 "than an economy report does. Upload the template you downloaded.")
    return None


def _identity_problem(book: Any, expected: Identity, secrets: Iterable[str | bytes]) -> str | None:
    if IDENTITY_SHEET not in book.sheetnames or SHEET not in book.sheetnames:
        return _("The workbook is not the economy report template from this service. "
                 "Download the template on this page and fill it in.")
    found = {str(row[0]): "" if row[1] is None else str(row[1])
             for row in book[IDENTITY_SHEET].iter_rows(max_col=2, max_row=20, values_only=True)
             if row and row[0] is not None and len(row) > 1}
    fields = [(k, found.get(k, "")) for k, _v in expected.fields()]
    text = "\n".join(f"{k}={v}" for k, v in fields)
    given = found.get("checksum", "")
    if not any(hmac.compare_digest(given, hmac.new(
            s.encode("utf-8") if isinstance(s, str) else s, text.encode("utf-8"),
            hashlib.sha256).hexdigest()) for s in secrets):
        return _("The workbook's hidden identity has been changed, so it cannot be read. "
                 "Download a new template on this page.")
    if found.get("grant") != str(expected.grant_id):
        return _("This is the economy report for %(municipality)s, %(year)s, not for "
                 "%(expected)s, %(expected_year)s. Download the template on this page.",
                 municipality=found.get("municipality", "?"), year=found.get("year", "?"),
                 expected=expected.municipality, expected_year=expected.year)
    if (found.get("questionnaire"), found.get("version"), found.get("section"),
            found.get("questions")) != (expected.questionnaire_id,
                                        str(expected.questionnaire_version),
                                        expected.section_id, ",".join(expected.questions)):
        return _("The template was made for another version of the report. Download a new "
                 "template on this page and type the figures into it.")
    return None


def _whole_number(value: object) -> int | None:
    """A cell's value as a whole number, or None if it is none: a number cell holding a
    whole number, or a text of ASCII digits (spaces allowed, "250 000"); never a date, a
    truth value, a fraction, NaN or a Unicode digit."""
    if isinstance(value, str):
        text = value.replace("\xa0", "").replace(" ", "").strip()
        return int(text) if tabular.ascii_digits(text) and len(text) <= 13 else None
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None  # bool, dates and times, anything else


def _cell_value(question: Question, cell: Any, where: str) -> tuple[int | None, str | None]:
    """A cell's figure, or the problem with it, named by sheet and cell."""
    if getattr(cell, "data_type", None) == "f":
        return None, _("%(cell)s: is a formula; type the figure itself (the service does not "
                       "calculate formulas)", cell=where)
    value = getattr(cell, "value", None)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    figure = _whole_number(value)
    if figure is None:
        return None, (_("%(cell)s: must be a whole amount in kroner", cell=where)
                      if question.type == "amount" else
                      _("%(cell)s: must be a whole number", cell=where))
    low, high = _bounds(question)
    if figure < low:
        return None, _("%(cell)s: must be at least %(low)s", cell=where, low=low)
    if figure > high:
        return None, _("%(cell)s: can be at most %(high)s", cell=where, high=high)
    return figure, None


def read_upload(data: bytes, filename: str, expected: Identity, section: Section,
                language: str, secrets: Iterable[str | bytes]) -> ReadResult:
    """The figures of an uploaded workbook by question id, or every problem with it.

    `language` is the template's (its labels are checked against it); the problems are in
    the user's language (flask_babel).
    """
    result = ReadResult()
    problem = _file_problem(data, filename)
    if problem is not None:
        result.problems.append(problem)
        return result
    from openpyxl import load_workbook

    try:
        # data_only=False: a formula is seen as a formula, never as its cached value.
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False,
                             keep_vba=False, keep_links=False)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        result.problems.append(_("The file is not an Excel workbook (.xlsx). Upload the "
                                 "template you downloaded, saved as .xlsx."))
        return result
    try:
        problem = _identity_problem(book, expected, secrets)
        if problem is not None:
            result.problems.append(problem)
            return result
        _read_rows(book[SHEET], expected, section, language, result)
    except Exception:  # a broken sheet inside a valid zip: one message, no trace
        result.figures.clear()
        result.problems = [_("The file is not an Excel workbook (.xlsx). Upload the "
                             "template you downloaded, saved as .xlsx.")]
    finally:
        book.close()
    if result.problems:
        result.figures.clear()
    return result


def _read_rows(sheet: Any, expected: Identity, section: Section, language: str,
               result: ReadResult) -> None:
    questions = {q.id: q for q in input_questions(section)}
    order = list(expected.questions)
    sheet.reset_dimensions()  # the stored <dimension> may be stale: read to the end
    seen: set[str] = set()
    for row_number, cells in enumerate(
            sheet.iter_rows(min_row=FIRST_ROW, max_col=LAST_COLUMN), start=FIRST_ROW):
        if row_number - FIRST_ROW > LIMITS.max_rows:
            result.problems.append(_("%(cell)s: the sheet goes on far below the economy "
                                     "report's rows; download a new template.",
                                     cell=_at(row_number, 1)))
            return
        cells = list(cells) + [None] * (LAST_COLUMN - len(cells))
        values = [getattr(c, "value", None) for c in cells]
        qid = values[ID_COLUMN - 1]
        index = row_number - FIRST_ROW
        wanted = order[index] if index < len(order) else None
        if qid is None and wanted is None:
            if any(v is not None and str(v).strip() for v in values):
                result.problems.append(_("%(cell)s: a row has been added below the economy "
                                         "report's rows; remove it or download a new "
                                         "template.", cell=_at(row_number, 1)))
            continue
        if qid != wanted:
            result.problems.append(_("%(cell)s: rows have been added, deleted or moved "
                                     "here; the economy report's rows must stay as in the "
                                     "template. Download a new template.",
                                     cell=_at(row_number, 1)))
            return  # every row below is shifted: one message says it
        question = questions[str(qid)]
        seen.add(question.id)
        label = render_text(question.label, language, _label_context(expected))
        if str(values[LABEL_COLUMN - 1] or "").strip() != label.strip():
            result.problems.append(_("%(cell)s: the text of the row has been changed; it "
                                     "should say «%(label)s».",
                                     cell=_at(row_number, LABEL_COLUMN), label=label))
            continue
        figure, problem = _cell_value(question, cells[INPUT_COLUMN - 1],
                                      _at(row_number, INPUT_COLUMN))
        if problem is not None:
            result.problems.append(problem)
        else:
            result.figures[question.id] = figure
    missing = [qid for qid in order if qid not in seen]
    if missing and not result.problems:
        result.problems.append(_("%(cell)s: the economy report's rows end early: %(n)d rows "
                                 "have been deleted. Download a new template.",
                                 cell=_at(FIRST_ROW + len(order) - len(missing), 1),
                                 n=len(missing)))


def _label_context(expected: Identity) -> dict[str, object]:
    # Labels may name the grant year ("Lønnsutgifter i {grant.year}"); the identity has it.
    return {"grant.year": expected.year}


# ---- storing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Uploaded:
    saved: responses.Saved
    file: ResponseFile | None  # None after a conflict (nothing stored)


def page_with_figures(section: Section, pages: Mapping[str, Mapping[str, list[str]]],
                      context: Mapping[str, object],
                      figures: Mapping[str, int | None]) -> dict[str, list[str]]:
    """The page's fields as a post of it would send them: the workbook's figures over what
    the page holds (its other answers, such as an explanation, are kept)."""
    data = shown_page_data(section, pages, context).as_dict()
    for qid, figure in figures.items():
        data[qid] = ["" if figure is None else str(figure)]
    return data


def store_upload(grant: Grant, municipality: Municipality, response: Response | None,
                 section: Section, figures: Mapping[str, int | None], data: bytes,
                 filename: str, loaded_version: int, actor: str) -> Uploaded:
    """Saves the figures as a page save (`responses.save_page`: the version check, the
    PageSave row, its audit event), then keeps the file by SHA-256 with its ResponseFile
    row and an audit event. A conflict stores nothing; ReportError if not editable."""
    context = grant_context(grant, municipality)
    fields = page_with_figures(section, responses.page_data(response), context, figures)
    started = response or responses.start(grant, actor)
    response_id = started.id
    saved = responses.save_page(response_id, section.id, fields, loaded_version, actor)
    if saved.conflict is not None:
        return Uploaded(saved, None)
    # A second transaction: save_page commits its own (SQLite ends the read transaction
    # before its lock, so rows added before it would commit even after a conflict).
    digest = hashlib.sha256(data).hexdigest()
    keep_bytes(digest, data, XLSX_TYPE)
    row = ResponseFile(response_id=response_id, section_id=section.id,
                       question_id=section.id, sha256=digest,
                       filename=safe_name(filename, "okonomirapport.xlsx"),
                       content_type=XLSX_TYPE, size=len(data),
                       response_version=saved.version, uploaded_by=actor)
    db.session.add(row)
    db.session.flush()
    audit.record("response.upload-file", "response", str(response_id),
                 after={"section": section.id, "file": row.id, "sha256": digest,
                        "size": len(data), "version": saved.version,
                        "figures": dict(figures)})
    db.session.commit()
    return Uploaded(saved, row)


def keep_bytes(digest: str, data: bytes, content_type: str) -> None:
    """The file's bytes in ``stored_files``, once by their SHA-256."""
    if db.session.get(StoredFile, digest) is not None:
        return
    try:
        with db.session.begin_nested():
            db.session.add(StoredFile(sha256=digest, content_type=content_type,
                                      size=len(data), data=data))
    except IntegrityError:  # the same bytes stored by another request this moment
        pass


def safe_name(filename: str, default: str) -> str:
    """The uploaded file's name as shown and sent back: no path, no control characters."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>')
    return (name.strip() or default)[:200]


def files_of(response: Response | None) -> list[ResponseFile]:
    """The files uploaded into a report, newest first."""
    if response is None:
        return []
    return list(db.session.scalars(
        sa.select(ResponseFile).where(ResponseFile.response_id == response.id)
        .order_by(ResponseFile.id.desc())))
