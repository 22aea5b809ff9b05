"""The report's spreadsheet writer, read back by openpyxl (a spreadsheet program's reader):
cell types, dates, bold headers, the frozen pane, widths, text that looks like a formula,
characters XML cannot carry, and every part of the file well-formed XML."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from xml.etree import ElementTree

from openpyxl import load_workbook

from bot.status import xlsx


def written(build) -> bytes:
    book = xlsx.Workbook()
    build(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_column_letters_run_past_z() -> None:
    found = [xlsx.column_letter(n) for n in (1, 2, 26, 27, 52, 702, 703)]
    assert found == ["A", "B", "Z", "AA", "AZ", "ZZ", "AAA"]


def test_cells_keep_their_types_and_sheets_their_order() -> None:
    def build(book: xlsx.Workbook) -> None:
        teams = book.sheet("Teams", freeze="B2")
        teams.append(["team", "start", "hours", "name", "done"], bold=True)
        teams.append([7, date(2024, 8, 26), 1.25, "Ann Lee", True])
        teams.append([8, None, 0.0, "", False])
        book.sheet("Annual summary", widths={"A": 52, "B": 40}).append(["Teams", 2])

    book = load_workbook(io.BytesIO(written(build)))
    assert book.sheetnames == ["Teams", "Annual summary"]
    teams = book["Teams"]
    rows = list(teams.iter_rows(values_only=True))
    assert rows[0] == ("team", "start", "hours", "name", "done")
    assert rows[1] == (7, datetime(2024, 8, 26), 1.25, "Ann Lee", True)
    assert rows[2] == (8, None, 0, None, False)
    assert teams["B2"].is_date and teams["B2"].number_format == "yyyy-mm-dd"
    assert all(c.font.b for c in teams[1]) and not teams["A2"].font.b
    assert teams.freeze_panes == "B2"
    summary = book["Annual summary"]
    assert summary.column_dimensions["A"].width == 52
    assert summary.column_dimensions["B"].width == 40
    assert [c.value for c in summary[1]] == ["Teams", 2]


def test_text_is_always_a_string_cell_and_keeps_what_xml_can_carry() -> None:
    typed = [
        '=HYPERLINK("http://x")',
        "  spaced  ",
        "a\x00b\x1fc",
        "<b>&amp;</b>",
        "é\u2028ü",
        "one\r\ntwo",
    ]

    def build(book: xlsx.Workbook) -> None:
        book.sheet("Text").append(typed)

    sheet = load_workbook(io.BytesIO(written(build)))["Text"]
    cells = list(sheet[1])
    assert all(c.data_type == "s" for c in cells)
    assert [c.value for c in cells] == [
        '=HYPERLINK("http://x")',
        "  spaced  ",
        "abc",
        "<b>&amp;</b>",
        "é\u2028ü",
        "one\r\ntwo",
    ]


def test_a_number_a_spreadsheet_cannot_hold_is_written_as_its_text() -> None:
    def build(book: xlsx.Workbook) -> None:
        book.sheet("Numbers").append([float("inf"), float("nan"), 1e-05, -0.0])

    row = list(load_workbook(io.BytesIO(written(build)))["Numbers"].iter_rows(values_only=True))
    assert row == [("inf", "nan", 1e-05, 0)]


def test_a_sheet_of_many_rows_and_columns_reads_back_cell_for_cell() -> None:
    rows = [[r * 100 + c for c in range(60)] for r in range(300)]

    def build(book: xlsx.Workbook) -> None:
        sheet = book.sheet("Many")
        for row in rows:
            sheet.append(row)

    book = load_workbook(io.BytesIO(written(build)))
    assert [list(r) for r in book["Many"].iter_rows(values_only=True)] == rows
    assert book["Many"]["BH300"].value == 299 * 100 + 59


def test_every_part_is_well_formed_xml_named_in_the_content_types() -> None:
    def build(book: xlsx.Workbook) -> None:
        book.sheet("One", freeze="A2").append(["x"], bold=True)
        book.sheet("Two").append([1])

    with zipfile.ZipFile(io.BytesIO(written(build))) as archive:
        names = archive.namelist()
        for name in names:
            ElementTree.fromstring(archive.read(name))
        types = archive.read("[Content_Types].xml").decode()
    assert set(names) == {
        "[Content_Types].xml",
        "_rels/.rels",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "xl/styles.xml",
        "xl/worksheets/sheet1.xml",
        "xl/worksheets/sheet2.xml",
    }
    for part in ("/xl/workbook.xml", "/xl/styles.xml", "/xl/worksheets/sheet2.xml"):
        assert f'PartName="{part}"' in types
