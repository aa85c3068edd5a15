"""Every import reads its file through survey_app.tabular: hostile and careless files are
refused with the line and the reason, exit 1, and the database as it was; none is
half-read, and none costs more than the caps allow.

The hostile files are made here: a comma CSV with `1 234,50`, an xlsx with a stale
<dimension>, a zip bomb, a formula with a stale cached value, Unicode digits, NUL bytes,
a 50 MB CSV.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from survey_app import tabular
from survey_app.extensions import db
from survey_app.models import AuditEvent, Grant, GrantEvent, Municipality

MB = 1024 * 1024
GRANTS = {"kommunenummer": ("kommunenummer",), "amount": ("amount", "beløp")}


def run(runner, *args: object):
    return runner.invoke(args=[str(a) for a in args])


def counts(app) -> tuple[int, ...]:
    with app.app_context():
        return tuple(db.session.scalar(sa.select(sa.func.count(model.id)))
                     for model in (Grant, GrantEvent, AuditEvent, Municipality))


def grant_lines(runner, key: str) -> set[str]:
    return set(run(runner, "grants", "list", key).output.splitlines())


def refused(result, *expected: str) -> str:
    """The output of a refused command: exit 1, each expected text in it, no traceback."""
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    for text in expected:
        assert text in result.output
    return result.output


def workbook(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rewrite_member(data: bytes, name: str, change: Callable[[bytes], bytes]) -> bytes:
    """The same zip with one member's bytes changed (as another program might write it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            target.writestr(info.filename, change(content) if info.filename == name else content)
    return out.getvalue()


SHEET = "xl/worksheets/sheet1.xml"


# ---- CSV: the delimiter ------------------------------------------------------------------


def test_a_comma_csv_with_a_decimal_comma_is_refused_not_read_as_1234(app, runner, lavterskel,
                                                                      tmp_path):
    before = counts(app)
    path = tmp_path / "grants.csv"
    path.write_text("kommunenummer,amount\n3401,1 234,50\n3403,2000\n", "utf-8")
    out = refused(run(runner, "grants", "import", lavterskel, path),
                  "grants.csv: line 2: 3 values where the header has 2 columns")
    assert "line 3" not in out  # the good row is not named, but not imported either
    assert "1 problem(s); nothing was imported." in out
    assert counts(app) == before


def test_a_comma_csv_with_quoted_numbers_is_read_as_comma_separated(app, runner, lavterskel,
                                                                    tmp_path):
    path = tmp_path / "grants.csv"
    path.write_text('kommunenummer,amount\n3401,"1 234"\n3403,"250 000"\n', "utf-8")
    result = run(runner, "grants", "import", lavterskel, path)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("2 grants imported into lavterskel-psykisk-helse/2022, "
                                    "251234 kr in total")
    assert {"3401;Kongsvinger;1234;allocated", "3403;Hamar;250000;allocated"} <= grant_lines(
        runner, lavterskel)


def test_a_comma_csv_quoting_an_amount_with_ore_names_the_ore(app, runner, lavterskel,
                                                              tmp_path):
    path = tmp_path / "grants.csv"
    path.write_text('kommunenummer,amount\n3401,"1 234,50"\n', "utf-8")
    refused(run(runner, "grants", "import", lavterskel, path),
            "grants.csv: line 2: amount '1 234,50' has øre: grants are whole kroner")


def test_a_comma_csv_may_not_have_a_column_a_split_number_could_shift_into(app, runner,
                                                                          lavterskel, tmp_path):
    # With a third column, "3401,1 234,50" has as many values as the header: only refusing
    # the unknown column keeps 1 234 kr from being imported with "50" as the comment.
    before = counts(app)
    path = tmp_path / "grants.csv"
    path.write_text("kommunenummer,amount,comment\n3401,1 234,50\n", "utf-8")
    refused(run(runner, "grants", "import", lavterskel, path),
            "line 1: column 'comment' is not one this import reads",
            "separate the columns with ;")
    assert counts(app) == before


def test_a_semicolon_row_with_a_value_beyond_the_header_is_refused(app, runner, lavterskel,
                                                                   tmp_path):
    path = tmp_path / "grants.csv"
    path.write_text("kommunenummer;beløp\n3401;1 234;50\n3403;1000;\n", "utf-8")
    out = refused(run(runner, "grants", "import", lavterskel, path),
                  "grants.csv: line 2: 3 values where the header has 2 columns")
    assert "line 3" not in out  # a trailing empty value is no value


def test_an_unbalanced_quote_cannot_swallow_the_rows_after_it(app, runner, lavterskel,
                                                              tmp_path):
    before = counts(app)
    path = tmp_path / "grants.csv"
    path.write_text('kommunenummer;amount;note\n3401;1000;"see\n3403;2000;x\n', "utf-8")
    refused(run(runner, "grants", "import", lavterskel, path),
            "grants.csv: line 2: cannot be read as CSV")
    assert counts(app) == before


def test_a_file_with_only_a_header_is_refused(app, runner, lavterskel, tmp_path):
    path = tmp_path / "grants.csv"
    path.write_text("kommunenummer;amount\n\n", "utf-8")
    refused(run(runner, "grants", "import", lavterskel, path), "no data rows below the header")


def test_a_column_named_twice_is_refused():
    with pytest.raises(tabular.TableError) as refusal:
        tabular.read_records("kommunenummer;amount;beløp\n3401;1;2\n", "a.csv", GRANTS)
    assert refusal.value.problems == [
        "line 1: the header has amount more than once (columns 2 and 3)"]


# ---- CSV: bytes and characters -----------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [
    (b"kommunenummer;amount\n3401;1000\n3403;20\x0000\n", "line 3: contains a NUL byte"),
    (b"kommunenummer;amount\n3401;1\x1b000\n", "line 2: contains a control character (U+001B)"),
    (b"kommunenummer;amount\n3401;1000\n3403;2\x81000\n", "line 3: byte 0x81 is neither UTF-8"),
    ("kommunenummer;beløp\n3401;1000\n".encode() + b"3403;\xf8\n",
     "line 3: byte 0xf8 is not UTF-8, although the file is UTF-8 elsewhere"),
    ("kommunenummer;amount\n3401;1000\n".encode("utf-16"), "The file is UTF-16 text"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "The file is an old .xls workbook"),
], ids=["nul", "escape", "not-cp1252", "partly-utf8", "utf16", "xls"])
def test_bytes_that_are_not_csv_text_are_refused_by_line(app, runner, lavterskel, tmp_path,
                                                         raw, expected):
    before = counts(app)
    path = tmp_path / "grants.csv"
    path.write_bytes(raw)
    refused(run(runner, "grants", "import", lavterskel, path), f"grants.csv: {expected}")
    assert counts(app) == before


def test_windows_1252_is_still_read():
    records = tabular.read_records("kommunenummer;navn\n1507;Ålesund\n".encode("cp1252"),
                                   "r.csv", {"kommunenummer": ("kommunenummer",),
                                             "navn": ("navn",)})
    assert records == [tabular.Record(2, {"kommunenummer": "1507", "navn": "Ålesund"})]


def test_a_binary_file_names_twenty_lines_and_counts_the_rest():
    text = "kommunenummer;amount\n" + "\x00\n" * 25
    with pytest.raises(tabular.TableError) as refusal:
        tabular.read_records(text, "a.csv", GRANTS)
    assert len(refusal.value.problems) == 21
    assert refusal.value.problems[-1] == "… and 5 more lines with control characters."


# ---- only ASCII digits are numbers -------------------------------------------------------


def test_unicode_digits_are_not_a_kommunenummer_nor_an_amount(app, runner, lavterskel,
                                                              tmp_path):
    before = counts(app)
    path = tmp_path / "grants.csv"
    path.write_text("\n".join([
        "kommunenummer;amount",
        "34٠٥;1000",          # 2: Arabic-Indic zero and five
        "３４０１;1000",       # 3: full-width
        "3403;1 ٠٠٠",         # 4
        "3407;1000²",         # 5
        "٣٤١;1000",           # 6: three Arabic-Indic digits are not "0" + three digits
    ]) + "\n", "utf-8")
    out = refused(run(runner, "grants", "import", lavterskel, path))
    assert "line 2: kommunenummer '34٠٥' must be four digits" in out
    assert "line 3: kommunenummer '３４０１' must be four digits" in out
    assert "line 4: amount '1 ٠٠٠'" in out
    assert "line 5: amount '1000²'" in out
    assert "line 6: kommunenummer '٣٤١' must be four digits" in out
    assert "5 problem(s); nothing was imported." in out
    assert counts(app) == before


def test_unicode_digits_in_the_register_are_refused_with_no_traceback(app, runner, tmp_path):
    before = counts(app)
    path = tmp_path / "kommuner.csv"
    path.write_text("\n".join([
        "kommunenummer;navn;fylke;gyldig_fra;gyldig_til;innbyggere",
        "34٠٥;Fake;34;2030-01-01;;100",        # 2
        "3499;Squared;34;2030-01-01;;1²",      # 3: '²'.isdigit() is True, int('²') fails
        "3498;Arabic;34;٠١.٠١.٢٠٣٠;;100",      # 4
    ]) + "\n", "utf-8")
    out = refused(run(runner, "municipalities", "import", path))
    assert "line 2: kommunenummer '34٠٥' is malformed" in out
    assert "line 3: innbyggere '1²' is not a whole number" in out
    assert "line 4: gyldig_fra '٠١.٠١.٢٠٣٠' is not a date" in out
    assert counts(app) == before


@pytest.mark.parametrize("weight", ["٣", "1_000", "1e3", "NaN", "Infinity", "１"],
                         ids=["arabic", "underscore", "exponent", "nan", "infinity", "wide"])
def test_a_key_weight_is_ascii_digits(weight):
    from survey_app.services.grants import parse_weight

    with pytest.raises(ValueError, match="is not a number"):
        parse_weight(weight)


# ---- caps -------------------------------------------------------------------------------


def test_a_50_mb_csv_is_refused_without_reading_it_all(app, runner, lavterskel, tmp_path):
    before = counts(app)
    path = tmp_path / "big.csv"
    with path.open("wb") as handle:
        handle.write(b"kommunenummer;amount\n")
        handle.write(b"3401;1000\n" * (5 * MB))  # 50 MB
    refused(run(runner, "grants", "import", lavterskel, path),
            "big.csv: The file is larger than 5 MB",
            "Refused; nothing was imported.")
    assert counts(app) == before


def test_rows_beyond_the_cap_are_refused(app, runner, lavterskel, tmp_path):
    path = tmp_path / "many.csv"
    path.write_text("kommunenummer;amount\n" + "\n" * 20_001, "utf-8")
    refused(run(runner, "grants", "import", lavterskel, path),
            "many.csv: The file has more than 20000 rows below the header")


def test_the_register_import_takes_the_same_caps(app, runner, tmp_path):
    path = tmp_path / "kommuner.csv"
    path.write_bytes(b"kommunenummer;navn;fylke;gyldig_fra;gyldig_til\n" + b" " * (6 * MB))
    refused(run(runner, "municipalities", "import", path), "The file is larger than 5 MB")


def test_smaller_limits_apply_to_both_formats():
    limits = tabular.Limits(max_rows=2)
    text = "kommunenummer;amount\n3401;1\n3403;2\n3405;3\n"
    with pytest.raises(tabular.TableError, match="more than 2 rows"):
        tabular.read_records(text, "a.csv", GRANTS, limits=limits)
    data = workbook([["kommunenummer", "amount"], [3401, 1], [3403, 2], [3405, 3]])
    with pytest.raises(tabular.TableError, match="more than 2 rows"):
        tabular.read_records(data, "a.xlsx", GRANTS, limits=limits)


# ---- XLSX --------------------------------------------------------------------------------


@pytest.mark.parametrize("stale", ["A1:A1", "A1:B1"])
def test_an_xlsx_with_a_stale_dimension_is_read_to_its_last_row(app, runner, lavterskel,
                                                                 tmp_path, stale):
    data = workbook([["Kommunenummer", "Beløp"], ["3401", 1000], [3403, "2 000"],
                     ["3407", 3000]])
    written = re.search(rb'<dimension ref="([A-Z0-9:]+)"', zipfile.ZipFile(
        io.BytesIO(data)).read(SHEET)).group(1)
    assert written == b"A1:B4"
    path = tmp_path / "grants.xlsx"
    path.write_bytes(rewrite_member(data, SHEET, lambda xml: xml.replace(
        b'<dimension ref="A1:B4"', b'<dimension ref="' + stale.encode() + b'"')))
    result = run(runner, "grants", "import", lavterskel, path)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("3 grants imported into lavterskel-psykisk-helse/2022, "
                                    "6000 kr in total")
    assert {"3401;Kongsvinger;1000;allocated", "3403;Hamar;2000;allocated",
            "3407;Gjøvik;3000;allocated"} <= grant_lines(runner, lavterskel)


def test_a_formula_with_a_stale_cached_value_is_refused(app, runner, lavterskel, tmp_path):
    before = counts(app)
    data = workbook([["kommunenummer", "amount"], ["3401", 1000], ["3403", "=B2*2"]])
    # openpyxl stores no cached value; Excel or LibreOffice would, and it can be stale.
    stale = rewrite_member(data, SHEET, lambda xml: re.sub(
        rb"<f>B2\*2</f><v\s*/>|<f>B2\*2</f><v></v>", b"<f>B2*2</f><v>999999</v>", xml))
    assert b"<v>999999</v>" in zipfile.ZipFile(io.BytesIO(stale)).read(SHEET)
    path = tmp_path / "grants.xlsx"
    path.write_bytes(stale)
    refused(run(runner, "grants", "import", lavterskel, path),
            "grants.xlsx: line 3: amount (B3) is a formula (=B2*2)")
    assert counts(app) == before


def test_a_number_cell_with_three_decimals_is_not_read_as_thousands(app, runner, lavterskel,
                                                                    tmp_path):
    # Typed, "12.345" means 12 345 kr; a number cell 12.345 is twelve kroner and a bit.
    path = tmp_path / "grants.xlsx"
    path.write_bytes(workbook([["kommunenummer", "amount"], ["3401", 12.345]]))
    refused(run(runner, "grants", "import", lavterskel, path),
            "grants.xlsx: line 2: amount '12,345'")


def test_a_sheet_that_ends_at_row_1048576_is_stopped_at_the_row_cap(app, runner, lavterskel,
                                                                   tmp_path):
    book = Workbook()
    book.active.append(["kommunenummer", "amount"])
    book.active.cell(row=1_048_576, column=1, value="3401")
    path = tmp_path / "grants.xlsx"
    book.save(path)
    refused(run(runner, "grants", "import", lavterskel, path),
            "The file has more than 20000 rows below the header")


def _deflate_bomb(prefix: bytes, filler: bytes, repeat: int, suffix: bytes) -> tuple[bytes, int]:
    """Raw deflate of prefix + filler × repeat + suffix, made without deflating it all: each
    piece ends in a full flush, so the filler's compressed form can be repeated."""
    def piece(data: bytes, final: bool = False) -> bytes:
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        return packer.compress(data) + packer.flush(zlib.Z_FINISH if final else
                                                    zlib.Z_FULL_FLUSH)
    crc = zlib.crc32(prefix)
    for _ in range(repeat):
        crc = zlib.crc32(filler, crc)
    return piece(prefix) + piece(filler) * repeat + piece(suffix, final=True), zlib.crc32(
        suffix, crc)


def headers_of(archive: bytes, name: str) -> list[tuple[int, int]]:
    """(offset, kind) of the local (30) and central (46) headers of a member: the number is
    where the name starts after the header's signature."""
    found = []
    for signature, name_at in ((b"PK\x03\x04", 30), (b"PK\x01\x02", 46)):
        at = archive.find(signature)
        while at != -1:
            if archive[at + name_at:at + name_at + len(name)] == name.encode():
                found.append((at, name_at))
            at = archive.find(signature, at + 1)
    return found


def zip_bomb(megabytes: int) -> bytes:
    """A real workbook whose sheet unpacks to ``megabytes`` MB of blanks inside <sheetData>
    (true sizes and CRC in the zip, as a zip bomb has)."""
    data = workbook([["kommunenummer", "amount"], ["3401", 1000]])
    xml = zipfile.ZipFile(io.BytesIO(data)).read(SHEET)
    at = xml.index(b"<sheetData>") + len(b"<sheetData>")
    raw, crc = _deflate_bomb(xml[:at], b" " * MB, megabytes, xml[at:])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            if info.filename == SHEET:
                target.writestr(zipfile.ZipInfo(SHEET), raw, zipfile.ZIP_STORED)
            else:
                target.writestr(info.filename, source.read(info.filename), zipfile.ZIP_DEFLATED)
    bomb = bytearray(out.getvalue())
    # Mark the stored bytes as deflated, with the true CRC and uncompressed size.
    for offset, name_at in headers_of(bytes(bomb), SHEET):
        method = offset + (8 if name_at == 30 else 10)
        struct.pack_into("<H", bomb, method, zipfile.ZIP_DEFLATED)
        struct.pack_into("<III", bomb, method + 6, crc, len(raw), len(xml) + megabytes * MB)
    return bytes(bomb)


def test_the_zip_bomb_helper_makes_a_true_bomb():
    bomb = zip_bomb(3)
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:
        assert archive.testzip() is None  # every CRC matches: the sizes are true
        info = archive.getinfo(SHEET)
        assert info.file_size > 3 * MB and info.compress_size < 20_000
        assert archive.read(SHEET).endswith(b"</worksheet>")


def test_a_zip_bomb_is_refused_before_it_is_unpacked(app, runner, lavterskel, tmp_path):
    before = counts(app)
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(zip_bomb(1024))  # 1 GB of blanks in about 1 MB
    assert path.stat().st_size < 2 * MB
    refused(run(runner, "grants", "import", lavterskel, path),
            "bomb.xlsx: The workbook unpacks to 1024 MB, more than the 20 MB an import takes")
    assert counts(app) == before


def test_a_small_zip_bomb_is_refused_by_its_compression_ratio():
    with pytest.raises(tabular.TableError, match=r"is compressed [0-9]+ times"):
        tabular.read_records(zip_bomb(5), "bomb.xlsx", GRANTS)


def test_a_zip_that_understates_its_sizes_is_not_unpacked_beyond_them(app, runner,
                                                                      lavterskel, tmp_path):
    bomb = bytearray(zip_bomb(5))
    for offset, name_at in headers_of(bytes(bomb), SHEET):
        size = offset + (22 if name_at == 30 else 24)
        struct.pack_into("<I", bomb, size, 1000)  # "1000 bytes unpacked": a lie
    path = tmp_path / "liar.xlsx"
    path.write_bytes(bytes(bomb))
    refused(run(runner, "grants", "import", lavterskel, path),
            "liar.xlsx: The file is not a readable .xlsx workbook")


def test_a_csv_named_xlsx_and_an_xlsx_named_csv(app, runner, lavterskel, tmp_path):
    fake = tmp_path / "grants.xlsx"
    fake.write_text("kommunenummer;amount\n3401;1000\n", "utf-8")
    refused(run(runner, "grants", "import", lavterskel, fake),
            "grants.xlsx: The file is not a readable .xlsx workbook")
    real = tmp_path / "grants.csv"
    real.write_bytes(workbook([["kommunenummer", "amount"], ["3401", 1000]]))
    result = run(runner, "grants", "import", lavterskel, real)  # read by its content
    assert result.exit_code == 0, result.output
    assert "3401;Kongsvinger;1000;allocated" in grant_lines(runner, lavterskel)


# ---- the other imports read through the same reader ---------------------------------------


def test_positions_and_keys_are_read_by_the_same_rules(app, runner, lavterskel, tmp_path):
    before = counts(app)
    positions = tmp_path / "positions.csv"
    positions.write_text("kommunenummer,title,percent,track_year\n3401,Rådgiver,50,5,1\n",
                         "utf-8")
    refused(run(runner, "grants", "positions", lavterskel, positions),
            "positions.csv: line 2: 5 values where the header has 4 columns")
    key = tmp_path / "key.csv"
    key.write_bytes(b"kommunenummer;weight\n3401;1\x00\n")
    refused(run(runner, "grants", "allocate", lavterskel, "--total", "1000", "--key", key),
            "key.csv: line 2: contains a NUL byte", "nothing was allocated")
    assert counts(app) == before


def test_a_register_in_xlsx_is_read_like_its_csv(app, runner, tmp_path):
    import datetime as dt

    path = tmp_path / "kommuner.xlsx"
    path.write_bytes(workbook([
        ["kommunenummer", "navn", "fylke", "gyldig_fra", "gyldig_til"],
        ["3499", "Prøvekommune", "34", dt.datetime(2031, 1, 1), None],
    ]))
    result = run(runner, "municipalities", "import", path)
    assert result.exit_code == 0, result.output
    assert "1 municipalities added" in result.output
    with app.app_context():
        added = db.session.scalar(sa.select(Municipality).where(Municipality.number == "3499"))
        assert (added.name, added.valid_from) == ("Prøvekommune", dt.date(2031, 1, 1))


def test_a_tab_separated_file_is_told_the_separator():
    with pytest.raises(tabular.TableError) as refusal:
        tabular.read_records("kommunenummer\tamount\n3401\t1000\n", "a.csv", GRANTS)
    assert refusal.value.problems == [
        "line 1: the header lacks kommunenummer, amount (expected kommunenummer;amount); "
        "separate the columns with ;"]
