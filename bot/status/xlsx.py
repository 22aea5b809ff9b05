"""A spreadsheet (Office Open XML, .xlsx) written row by row, with the standard library.

What the report needs and no more: sheets of numbers, dates and text, a bold header row, a
frozen pane and column widths. Rows go to a temporary file as they come and are zipped at
the end, so a sheet of thousands of rows is never held in memory; a spreadsheet library
took about eight MiB to load and made an object per cell.

Text is always an inline string cell (`t="inlineStr"`): nothing a person typed is ever read
as a formula. Characters XML 1.0 cannot carry (control characters) are dropped.
"""

from __future__ import annotations

import math
import re
import tempfile
import zipfile
from collections.abc import Iterable
from datetime import date, datetime
from typing import IO
from xml.sax.saxutils import escape, quoteattr

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# The cell styles of styles.xml below, by their index.
PLAIN, DATE, BOLD, BOLD_DATE = 0, 1, 2, 3
_STYLES = (
    f'<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"'
    ' applyFont="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
# Not allowed in XML 1.0, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EPOCH = datetime(1899, 12, 30)  # day 0 of a spreadsheet's dates (1900 system)

Value = str | int | float | date | None


def column_letter(index: int) -> str:
    """The letters of the 1-based column `index`: 1 -> A, 27 -> AA."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


class Sheet:
    """One worksheet, its rows written to a temporary file as they are added."""

    def __init__(self, name: str, freeze: str | None, widths: dict[str, float]) -> None:
        self.name = name
        self._rows = 0
        self._letters: list[str] = []
        # open while rows come; `write_to` closes it (and the system removes it)
        self._file: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        self._file.write(_DECLARATION + f'<worksheet xmlns="{_MAIN}">')
        if freeze is not None:
            self._file.write(_frozen(freeze))
        if widths:
            self._file.write("<cols>")
            for letters, width in widths.items():
                n = _column_index(letters)
                self._file.write(f'<col min="{n}" max="{n}" width="{width}" customWidth="1"/>')
            self._file.write("</cols>")
        self._file.write("<sheetData>")

    def append(self, values: Iterable[Value], bold: bool = False) -> None:
        self._rows += 1
        row = self._rows
        cells = []
        for n, value in enumerate(values):
            if n == len(self._letters):
                self._letters.append(column_letter(n + 1))
            cells.append(_cell(f"{self._letters[n]}{row}", value, bold))
        self._file.write(f'<row r="{row}">{"".join(cells)}</row>')

    def write_to(self, archive: zipfile.ZipFile, path: str) -> None:
        self._file.write("</sheetData></worksheet>")
        self._file.seek(0)
        with archive.open(path, "w") as out:
            while chunk := self._file.read(1 << 16):
                out.write(chunk.encode("utf-8"))
        self._file.close()


class Workbook:
    """Sheets in the order they are made; `save` zips them into the .xlsx file's bytes."""

    def __init__(self) -> None:
        self._sheets: list[Sheet] = []

    def sheet(
        self, name: str, freeze: str | None = None, widths: dict[str, float] | None = None
    ) -> Sheet:
        """A new sheet; `freeze` names the first cell not frozen ("B2": the first row and
        column stay in view), `widths` sets columns' widths by letter."""
        made = Sheet(name, freeze, widths or {})
        self._sheets.append(made)
        return made

    def save(self, out: IO[bytes]) -> None:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("[Content_Types].xml", self._content_types())
            archive.writestr(
                "_rels/.rels",
                _relations([(_RELATIONSHIPS + "/officeDocument", "xl/workbook.xml")]),
            )
            archive.writestr("xl/workbook.xml", self._workbook())
            parts = [
                (_RELATIONSHIPS + "/worksheet", f"worksheets/sheet{n}.xml") for n in self._ns()
            ]
            parts.append((_RELATIONSHIPS + "/styles", "styles.xml"))
            archive.writestr("xl/_rels/workbook.xml.rels", _relations(parts))
            archive.writestr("xl/styles.xml", _DECLARATION + _STYLES)
            for n, sheet in zip(self._ns(), self._sheets, strict=True):
                sheet.write_to(archive, f"xl/worksheets/sheet{n}.xml")

    def _ns(self) -> range:
        return range(1, len(self._sheets) + 1)

    def _content_types(self) -> str:
        sheets = "".join(
            f'<Override PartName="/xl/worksheets/sheet{n}.xml"'
            f' ContentType="{_TYPE}.worksheet+xml"/>'
            for n in self._ns()
        )
        return (
            _DECLARATION
            + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels"'
            ' ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_TYPE}.styles+xml"/>'
            f"{sheets}</Types>"
        )

    def _workbook(self) -> str:
        sheets = "".join(
            f'<sheet name={quoteattr(sheet.name)} sheetId="{n}" r:id="rId{n}"/>'
            for n, sheet in zip(self._ns(), self._sheets, strict=True)
        )
        return (
            _DECLARATION + f'<workbook xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}">'
            f"<sheets>{sheets}</sheets></workbook>"
        )


def _relations(targets: list[tuple[str, str]]) -> str:
    found = "".join(
        f'<Relationship Id="rId{n}" Type="{kind}" Target="{target}"/>'
        for n, (kind, target) in enumerate(targets, start=1)
    )
    return _DECLARATION + f'<Relationships xmlns="{_PACKAGE}">{found}</Relationships>'


def _frozen(cell: str) -> str:
    """A sheet view whose rows above and columns left of `cell` stay in view."""
    letters = cell.rstrip("0123456789")
    columns, rows = _column_index(letters) - 1, int(cell[len(letters) :]) - 1
    pane = "bottomRight" if columns and rows else ("topRight" if columns else "bottomLeft")
    split = (f' xSplit="{columns}"' if columns else "") + (f' ySplit="{rows}"' if rows else "")
    return (
        '<sheetViews><sheetView workbookViewId="0">'
        f'<pane{split} topLeftCell="{cell}" activePane="{pane}" state="frozen"/>'
        f'<selection pane="{pane}" activeCell="{cell}" sqref="{cell}"/>'
        "</sheetView></sheetViews>"
    )


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index


def _cell(ref: str, value: Value, bold: bool) -> str:
    plain, dated = (BOLD, BOLD_DATE) if bold else (PLAIN, DATE)
    style = f' s="{plain}"' if plain else ""
    if value is None or value == "":
        return f'<c r="{ref}"{style}/>' if bold else ""
    if isinstance(value, bool):
        return f'<c r="{ref}"{style} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, float) and not math.isfinite(value):
        value = str(value)  # a spreadsheet's number cannot be infinite: the text says what it was
    if isinstance(value, int | float):
        return f'<c r="{ref}"{style}><v>{value!r}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="{dated}"><v>{_serial(value)}</v></c>'
    # a carriage return escaped, or a reader would take it for a line feed
    text = escape(_NOT_XML.sub("", value), {"\r": "&#13;"})
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _serial(value: date) -> int | float:
    """A date as a spreadsheet's day number (a date and time with the day's fraction)."""
    if isinstance(value, datetime):
        since = value.replace(tzinfo=None) - _EPOCH
        return since.days + since.seconds / 86400
    return (value - _EPOCH.date()).days
