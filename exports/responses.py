"""The raw responses: one row per response, one column per question by its stable code.

The service describes each questionnaire version as :class:`QuestionSpec`s (plain data;
this package never sees the questionnaire model) and hands over one
:class:`RawResponse` per response — its latest submission. Columns:

* the fixed columns (RESPONSE_COLUMNS): kommunenummer, name, county, office, the
  submission reference and number, `questionnaire_version`, submitted at, late (0/1);
* one column per question, named by its id, in questionnaire order; all versions of the
  round in one export: the union of their questions (:func:`merge_versions`), a question
  only in an older version placed after the question it followed there;
* multiple choice: one 0/1 column per option, `question__option` (blank: not answered);
* a date: a date cell (the stored ISO date; a stored value that is not one stays the
  text it was);
* yes/no: 1/0; a scale: the number, and with "don't know" allowed a 0/1 column
  `question__dont_know`; a matrix: `question__row` per row (and `__dont_know` likewise);
* a repeating group: its row count; the rows themselves go to a sheet of their own
  keyed by kommunenummer, submission reference and row number (1, 2, ...).

The "Koder" sheet lists every column with its question's labels and every option code
with its labels, in bokmål and nynorsk. The "Metadata" sheet states, besides the round
and the counts, the SHA-256 of each data sheet's rows: exactly the bytes of the CSV of
that table (exports.csv), so `sha256sum` of the CSV export checks the workbook's data,
and how cells hold text and times with the count of removed characters
(exports.xlsx.write_facts).

A CSV file holds one table, so CSV comes as one file per table: the main sheet's
(`FILE.csv`), and one per repeating group with that group's sheet's columns
(`FILE.<groupcode>.csv`, :func:`write_responses_csv` writes them in the same single pass
over the responses).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from xlsxwriter.workbook import Workbook

from exports.csv import CsvWriter
from exports.table import Column, Kind
from exports.xlsx import Formats, SheetWriter, new_workbook, write_facts

RESPONSES_SHEET = "Svar"
CODES_SHEET = "Koder"
METADATA_SHEET = "Metadata"
SEP = "__"
DONT_KNOW = "dont_know"

RESPONSE_COLUMNS: tuple[Column, ...] = (
    Column("kommunenummer", "kommunenummer"),
    Column("kommune", "kommune"),
    Column("fylke", "fylke"),
    Column("embete", "embete"),
    Column("referanse", "referanse"),
    Column("innsending_nr", "innsending_nr", Kind.INTEGER),
    Column("questionnaire_version", "questionnaire_version", Kind.INTEGER),
    Column("innsendt", "innsendt", Kind.DATETIME),
    Column("sen", "sen", Kind.FLAG),
)
RESPONSE_COLUMN_LABELS = {
    "kommunenummer": ("Kommunenummer", "Kommunenummer"),
    "kommune": ("Kommune", "Kommune"),
    "fylke": ("Fylke", "Fylke"),
    "embete": ("Statsforvalterembete eller Helsedirektoratet",
               "Statsforvaltarembete eller Helsedirektoratet"),
    "referanse": ("Innsendingens referanse", "Referansen til innsendinga"),
    "innsending_nr": ("Innsending nr. (2 etter en retting)", "Innsending nr. (2 etter ei retting)"),
    "questionnaire_version": ("Versjon av spørreskjemaet", "Versjon av spørjeskjemaet"),
    "innsendt": ("Innsendt (norsk tid; UTC i CSV)", "Sendt inn (norsk tid; UTC i CSV)"),
    "sen": ("Sendt etter fristen (1 = ja, 0 = nei)", "Sendt etter fristen (1 = ja, 0 = nei)"),
}
GROUP_KEY_COLUMNS: tuple[Column, ...] = (
    Column("kommunenummer", "kommunenummer"),
    Column("referanse", "referanse"),
    Column("rad", "rad", Kind.INTEGER),
)
CODES_COLUMNS: tuple[Column, ...] = (
    Column("kolonne", "Kolonne"),
    Column("sporsmal", "Spørsmål"),
    Column("type", "Type"),
    Column("kode", "Kode"),
    Column("nb", "Bokmål"),
    Column("nn", "Nynorsk"),
)
# The kind of the cell a question type's answer becomes (a computed value: by its format).
TYPE_KINDS: dict[str, Kind] = {
    "integer": Kind.INTEGER, "amount": Kind.NOK, "decimal": Kind.DECIMAL,
    "percent": Kind.DECIMAL, "yes_no": Kind.FLAG, "scale": Kind.INTEGER,
    "number": Kind.DECIMAL, "boolean": Kind.FLAG, "date": Kind.DATE,
}


@dataclass(frozen=True)
class Option:
    code: str
    nb: str
    nn: str


@dataclass(frozen=True)
class QuestionSpec:
    code: str  # the question id
    type: str  # the questionnaire type; a computed value's by its format (amount, ...)
    nb: str
    nn: str
    options: tuple[Option, ...] = ()  # choices
    rows: tuple[Option, ...] = ()  # a matrix's rows
    columns: tuple[QuestionSpec, ...] = ()  # a group's questions
    dont_know: bool = False


@dataclass(frozen=True)
class RawResponse:
    meta: tuple[Any, ...]  # RESPONSE_COLUMNS order
    answers: Mapping[str, Any]  # the stored JSON of the latest submission


@dataclass(frozen=True)
class ResponsesExport:
    round_key: str
    questionnaire: str
    versions: tuple[int, ...]
    questions: tuple[QuestionSpec, ...]  # merged over the versions
    generated_at: dt.datetime
    generated_by: str
    selection: str
    responses: Iterable[RawResponse]  # streamed: read once


@dataclass(frozen=True)
class WrittenTable:
    rows: int
    sha256: str  # of the table's rows as CSV (exports.csv): what the metadata sheet states


@dataclass(frozen=True)
class WrittenResponses:
    rows: int  # the main sheet's
    data_sha256: str  # the main sheet's rows as CSV
    groups: dict[str, WrittenTable] = field(default_factory=dict)  # by group code

    @property
    def group_rows(self) -> int:
        return sum(table.rows for table in self.groups.values())


# ---- the union of versions --------------------------------------------------------------


def _merge(merged: list[Any], newer: Sequence[Any], key: Callable[[Any], str]) -> list[Any]:
    """`merged` with the items only in `newer` inserted after their predecessor there."""
    result = list(merged)
    index = {key(item): i for i, item in enumerate(result)}
    last = -1
    for item in newer:
        k = key(item)
        if k in index:
            result[index[k]] = _newest(result[index[k]], item)
            last = index[k]
            continue
        result.insert(last + 1, item)
        last += 1
        index = {key(x): i for i, x in enumerate(result)}
    return result


def _newest(old: Any, new: Any) -> Any:
    """The newer version's labels, with every option either version had."""
    if not isinstance(new, QuestionSpec):
        return new
    return QuestionSpec(
        code=new.code, type=new.type, nb=new.nb, nn=new.nn,
        options=tuple(_merge(list(old.options), new.options, lambda o: o.code)),
        rows=tuple(_merge(list(old.rows), new.rows, lambda o: o.code)),
        columns=tuple(_merge(list(old.columns), new.columns, lambda q: q.code)),
        dont_know=old.dont_know or new.dont_know)


def merge_versions(versions: Sequence[Sequence[QuestionSpec]]) -> tuple[QuestionSpec, ...]:
    """The questions of all versions, oldest first in, in questionnaire order."""
    merged: list[QuestionSpec] = []
    for questions in versions:
        merged = _merge(merged, questions, lambda q: q.code)
    return tuple(merged)


# ---- columns and cells ------------------------------------------------------------------

Cells = Callable[[Mapping[str, Any]], Sequence[Any]]


def _date(value: Any) -> Any:
    """A stored ISO date as a date; anything else as it was stored (a kept text: a date
    cell must not lose what was typed, and `fromisoformat` alone would read other forms
    such as `20230301` too)."""
    if not isinstance(value, str):
        return value
    try:
        parsed = dt.date.fromisoformat(value)
    except ValueError:
        return value
    return parsed if parsed.isoformat() == value else value


def _converter(kind: Kind) -> Callable[[Any], Any]:
    """Stored answer → the cell value of its kind."""
    if kind is Kind.DATE:
        return _date
    if kind in (Kind.NOK, Kind.DECIMAL):
        return lambda v: v if v is None or isinstance(v, Decimal) else Decimal(str(v))
    if kind is Kind.FLAG:
        return lambda v: None if v is None else int(bool(v))
    return lambda v: v


def _single(spec: QuestionSpec) -> tuple[list[Column], Cells]:
    kind = TYPE_KINDS.get(spec.type, Kind.TEXT)
    code = spec.code
    if kind is Kind.TEXT:
        def text(answers: Mapping[str, Any]) -> tuple[Any]:
            value = answers.get(code)
            return (value if value is None or isinstance(value, str) else str(value),)
        return [Column(code, code)], text
    convert = _converter(kind)
    return [Column(code, code, kind)], lambda answers: (convert(answers.get(code)),)


def _scale(code: str, dont_know: bool) -> tuple[list[Column], Callable[[Any], tuple[Any, ...]]]:
    columns = [Column(code, code, Kind.INTEGER)]
    if not dont_know:
        return columns, lambda v: (v if isinstance(v, int) else None,)
    columns.append(Column(code + SEP + DONT_KNOW, code + SEP + DONT_KNOW, Kind.FLAG))
    return columns, lambda v: ((None, None) if v is None else
                               (None, 1) if v == DONT_KNOW else (v, 0))


def _choices(spec: QuestionSpec) -> tuple[list[Column], Cells]:
    code = spec.code
    options = [o.code for o in spec.options]
    columns = [Column(code + SEP + o, code + SEP + o, Kind.FLAG) for o in options]
    empty = (None,) * len(options)

    def flags(answers: Mapping[str, Any]) -> Sequence[Any]:
        chosen = answers.get(code)
        if chosen is None:
            return empty
        return [1 if o in chosen else 0 for o in options]

    return columns, flags


def _matrix(spec: QuestionSpec) -> tuple[list[Column], Cells]:
    columns: list[Column] = []
    parts = []
    for row in spec.rows:
        row_columns, cells = _scale(spec.code + SEP + row.code, spec.dont_know)
        columns += row_columns
        parts.append((row.code, cells))
    code = spec.code

    def matrix(answers: Mapping[str, Any]) -> list[Any]:
        values = answers.get(code) or {}
        out: list[Any] = []
        for row_code, cells in parts:
            out.extend(cells(values.get(row_code)))
        return out

    return columns, matrix


def question_columns(spec: QuestionSpec) -> tuple[list[Column], Cells]:
    """A question's columns, and the function from the answers to their cells."""
    if spec.type == "multiple_choice":
        return _choices(spec)
    if spec.type == "matrix":
        return _matrix(spec)
    if spec.type == "scale":
        columns, cells = _scale(spec.code, spec.dont_know)
        code = spec.code
        return columns, lambda answers: cells(answers.get(code))
    if spec.type == "group":
        code = spec.code
        return ([Column(code, code, Kind.INTEGER)],
                lambda answers: (None if answers.get(code) is None else len(answers[code]),))
    return _single(spec)


@dataclass
class Plan:
    """The columns of a sheet and the functions that fill them, made once per export."""

    columns: list[Column] = field(default_factory=list)
    parts: list[Cells] = field(default_factory=list)

    def add(self, spec: QuestionSpec) -> None:
        columns, cells = question_columns(spec)
        self.columns += columns
        self.parts.append(cells)

    def cells(self, answers: Mapping[str, Any]) -> list[Any]:
        out: list[Any] = []
        for part in self.parts:
            out.extend(part(answers))
        return out


def plan_of(questions: Iterable[QuestionSpec]) -> Plan:
    plan = Plan(columns=list(RESPONSE_COLUMNS))
    for spec in questions:
        if spec.type != "info":
            plan.add(spec)
    return plan


def group_plan(group: QuestionSpec) -> Plan:
    plan = Plan(columns=list(GROUP_KEY_COLUMNS))
    for spec in group.columns:
        if spec.type != "info":
            plan.add(spec)
    return plan


# ---- the codes sheet --------------------------------------------------------------------


def code_rows(questions: Iterable[QuestionSpec], prefix: str = "") -> Iterable[tuple[Any, ...]]:
    """Every column with its question's labels, then each option code with its labels."""
    for spec in questions:
        if spec.type == "info":
            continue
        # A multiple choice or matrix has no column of its own, only its options' or rows'.
        own = None if spec.type in ("multiple_choice", "matrix") else prefix + spec.code
        yield (own, spec.code, spec.type, None, spec.nb, spec.nn)
        for option in spec.options:
            column = spec.code + SEP + option.code if spec.type == "multiple_choice" else None
            yield (column, spec.code, "alternativ", option.code, option.nb, option.nn)
        for row in spec.rows:
            yield (spec.code + SEP + row.code, spec.code, "rad", row.code, row.nb, row.nn)
        if spec.type == "yes_no":
            yield (None, spec.code, "verdi", "1", "Ja", "Ja")
            yield (None, spec.code, "verdi", "0", "Nei", "Nei")
        if spec.columns:
            yield from code_rows(spec.columns, prefix=f"{spec.code}: ")


def _fixed_code_rows() -> Iterable[tuple[Any, ...]]:
    for column in RESPONSE_COLUMNS:
        nb, nn = RESPONSE_COLUMN_LABELS[column.key]
        yield (column.key, None, "fast kolonne", None, nb, nn)


# ---- writers ----------------------------------------------------------------------------

CHECKSUM_LABEL = "SHA-256 (datarader)"  # the main sheet's: the same label as the economy's
CHECKSUM_EXPLAINED = (
    "SHA-256 av dataradene i et ark skrevet som CSV: UTF-8 med BOM, semikolon mellom "
    "cellene, CRLF, overskriftsraden først, tall uten tusenskille og med desimalkomma (øre "
    "alltid to desimaler), tidspunkt som ISO 8601 (UTC), tomme celler tomme, tekst etter "
    "reglene for CSV nedenfor. For arket "
    f"«{RESPONSES_SHEET}» er det nøyaktig fila `flask --app wsgi export responses RUNDE -o "
    "FIL.csv` lager av de samme dataene, og for hvert gruppeark fila FIL.<gruppekode>.csv "
    "den lager ved siden av, så `sha256sum` gir de samme verdiene.")

Append = Callable[[Sequence[Any]], None]


def group_codes(questions: Iterable[QuestionSpec]) -> tuple[str, ...]:
    """The codes of the repeating groups, in questionnaire order: one table each."""
    return tuple(spec.code for spec in _group_specs(questions))


def group_checksum_label(sheet: str, code: str) -> str:
    """The metadata line of a group sheet's checksum, named by the sheet (and by the group
    code too when Excel's naming rules made the sheet's name differ from it)."""
    named = f"arket «{sheet}»" if sheet == code else f"arket «{sheet}», gruppe {code}"
    return f"SHA-256 (datarader, {named})"


def _sheet_name(code: str, taken: set[str]) -> str:
    """An Excel sheet name (≤ 31 characters, none of []:*?/\\) unique in the workbook."""
    base = "".join("_" if ch in "[]:*?/\\" else ch for ch in code)[:31]
    name, n = base, 2
    while name.casefold() in taken:
        suffix = f"~{n}"
        name, n = base[:31 - len(suffix)] + suffix, n + 1
    taken.add(name.casefold())
    return name


@dataclass
class _Table:
    """One table's rows going to its sinks (a sheet, a CSV file, a CSV hash), and the CSV
    hash that is its checksum; a group's table is filled from each response's rows."""

    plan: Plan
    csv: CsvWriter
    sinks: tuple[Append, ...]
    code: str = ""  # a repeating group's code; "" for the main table
    sheet: str = ""  # its sheet's name in a workbook

    @classmethod
    def of(cls, plan: Plan, stream: IO[bytes] | None, *others: Append, code: str = "",
           sheet: str = "") -> _Table:
        writer = CsvWriter(stream, plan.columns)
        return cls(plan, writer, (writer.append, *others), code, sheet)

    def append(self, row: Sequence[Any]) -> None:
        for sink in self.sinks:
            sink(row)

    def write_group(self, number: str, reference: str, answers: Mapping[str, Any]) -> None:
        cells = self.plan.cells
        for index, row in enumerate(answers.get(self.code) or (), start=1):
            self.append([number, reference, index, *cells(row)])

    def written(self) -> WrittenTable:
        return WrittenTable(self.csv.count, self.csv.sha256)


def _fill(export: ResponsesExport, main: _Table, groups: Sequence[_Table]) -> None:
    """The one pass over the streamed responses, every table filled as it goes."""
    cells = main.plan.cells
    append = main.append
    for response in export.responses:
        append([*response.meta, *cells(response.answers)])
        for group in groups:
            group.write_group(response.meta[0], response.meta[4], response.answers)


def _group_specs(questions: Iterable[QuestionSpec]) -> list[QuestionSpec]:
    return [spec for spec in questions if spec.type == "group"]


def write_responses_xlsx(target: str | IO[bytes], export: ResponsesExport) -> WrittenResponses:
    """Streams the responses into a workbook: a row is on disk once written. Each data
    sheet's rows are hashed as CSV on the way, for the metadata sheet (written last)."""
    workbook = new_workbook(target, export.generated_at, author=export.generated_by,
                            title=f"Svar {export.round_key}")
    formats = Formats.of(workbook)
    plan = plan_of(export.questions)
    main_sheet = SheetWriter(workbook, workbook.add_worksheet(RESPONSES_SHEET), plan.columns,
                             formats)
    main_sheet.header()
    main = _Table.of(plan, None, main_sheet.append, sheet=RESPONSES_SHEET)
    taken = {RESPONSES_SHEET.casefold(), CODES_SHEET.casefold(), METADATA_SHEET.casefold()}
    groups: list[_Table] = []
    sheets = [main_sheet]
    for spec in _group_specs(export.questions):
        group = group_plan(spec)
        name = _sheet_name(spec.code, taken)
        sheet = SheetWriter(workbook, workbook.add_worksheet(name), group.columns, formats)
        sheet.header()
        sheets.append(sheet)
        groups.append(_Table.of(group, None, sheet.append, code=spec.code, sheet=name))
    _fill(export, main, groups)
    for sheet in sheets:
        sheet.finish_table()
    _codes_sheet(workbook, formats, export.questions)
    written = WrittenResponses(main.csv.count, main.csv.sha256,
                               {g.code: g.written() for g in groups})
    _metadata_sheet(workbook, formats, export, written,
                    [(g.sheet, g.code) for g in groups])
    workbook.close()
    return written


def _codes_sheet(workbook: Workbook, formats: Formats,
                 questions: Sequence[QuestionSpec]) -> None:
    writer = SheetWriter(workbook, workbook.add_worksheet(CODES_SHEET), CODES_COLUMNS, formats)
    writer.header()
    writer.rows(_fixed_code_rows())
    writer.rows(code_rows(questions))
    writer.finish_table()


def _metadata_sheet(workbook: Workbook, formats: Formats, export: ResponsesExport,
                    written: WrittenResponses, sheets: Sequence[tuple[str, str]]) -> None:
    """The facts; `sheets` are the group sheets as (sheet name, group code)."""
    sheet = workbook.add_worksheet(METADATA_SHEET)
    facts = [
        ("Runde", export.round_key),
        ("Spørreskjema", export.questionnaire),
        ("Spørreskjemaversjoner", ", ".join(f"v{v}" for v in export.versions) or "ingen"),
        ("Generert (UTC)", export.generated_at.replace(microsecond=0).isoformat()),
        ("Generert av", export.generated_by),
        ("Utvalg", export.selection),
        ("Rader (svar, siste innsending)", str(written.rows)),
        ("Rader i gruppeark", str(written.group_rows)),
        (CHECKSUM_LABEL, written.data_sha256),
    ]
    facts += [(group_checksum_label(name, code), written.groups[code].sha256)
              for name, code in sheets]
    facts.append(("Hva SHA-256 er beregnet av", CHECKSUM_EXPLAINED))
    write_facts(sheet, formats, facts)
    sheet.set_column(0, 0, 40)
    sheet.set_column(1, 1, 90)


def write_responses_csv(stream: IO[bytes] | None, export: ResponsesExport,
                        groups: Mapping[str, IO[bytes] | None] | None = None
                        ) -> WrittenResponses:
    """The main sheet as CSV to `stream`, and each repeating group named in `groups` (by
    code) as CSV to its own stream, in one pass over the responses; a None stream is only
    hashed. Returns the rows and SHA-256 of each (exports.csv format)."""
    wanted = dict(groups or {})
    specs = {spec.code: spec for spec in _group_specs(export.questions)}
    unknown = sorted(set(wanted) - set(specs))
    if unknown:
        raise KeyError(f"no repeating group {', '.join(unknown)} in {export.round_key}")
    main = _Table.of(plan_of(export.questions), stream)
    tables = [_Table.of(group_plan(specs[code]), target, code=code)
              for code, target in wanted.items()]
    _fill(export, main, tables)
    return WrittenResponses(main.csv.count, main.csv.sha256,
                            {t.code: t.written() for t in tables})
