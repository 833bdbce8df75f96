"""The one writer of every spreadsheet the system produces (CSV and XLSX): its text cells are never formulas.

A spreadsheet program reads a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (or
the full-width ``＝ ＋ － ＠``) as a formula: a unit named ``=HYPERLINK("http://evil.example/","x")`` would become
a live link, ``=cmd|' /C calc'!A0`` a command. Every export goes through the helpers below instead:

* **XLSX** — every text is written as a *string cell* (``t="inlineStr"``, never an ``<f>`` element), and a text
  that begins with one of those characters also carries Excel's hidden "quote prefix" (what Excel itself
  stores when someone types ``'=1``), so that editing the cell keeps it text. No character is added: a line
  of a plan such as "- Kế hoạch" reads exactly "- Kế hoạch".
* **CSV** has no cell types, so such a text gets a leading apostrophe (OWASP's advice): "- Kế hoạch" is
  written "'- Kế hoạch". Excel and LibreOffice show the text after the apostrophe as it was typed; a reader
  who needs the exact text takes the XLSX. Our own imports remove that apostrophe again (:func:`unescape`),
  so that an exported file imports unchanged.
* **Numbers stay numbers**: ints, ``Decimal`` and floats are written as numbers (a negative number is not a
  formula), dates as dates. A text that is only a plain number ("-2", "-1,5", "86.59"), as the admin
  exports write points, is not a formula either and is left as it is.

Names and titles are also refused at their source when they begin with ``=``, ``+`` or ``@``
(:class:`NoFormulaStartValidator`); ``-`` stays allowed there, since Vietnamese lists begin with it. Free
text (comments, reasons, guidance) is never refused: "+ thêm hồ sơ" is a normal sentence, escaped on export.

Pure helpers: no model is imported here.
"""

import csv
import io
import re
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _
from import_export.formats import base_formats

#: A text beginning with one of these is read as a formula by a spreadsheet program.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
#: Names and titles may not begin with these (``-`` is allowed: Vietnamese lists begin with it).
REFUSED_STARTS = ("=", "+", "@", "\uff1d", "\uff0b", "\uff20")
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:[.,][0-9]+)*\Z")


def is_formula_like(value) -> bool:
    """True for a text that a spreadsheet would read as a formula (not for numbers, nor a plain "-2,5")."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.match(value)


# -- CSV ---------------------------------------------------------------------------------------------------------


def csv_cell(value):
    """A CSV cell: a formula-like text gets a leading apostrophe; anything else is written as it is."""
    return "'" + value if is_formula_like(value) else value


def unescape(text: str) -> str:
    """The text of a CSV cell written by :func:`csv_cell` (the apostrophe it added removed), for the imports."""
    if isinstance(text, str) and text.startswith("'") and is_formula_like(text[1:]):
        return text[1:]
    return text


def csv_text(rows: Iterable[Iterable], *, decimal: Callable[[Decimal], str] = str) -> str:
    """Rows as CSV text (comma, CRLF); ``decimal`` writes a Decimal (e.g. "86,59"), which is never escaped."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([decimal(value) if isinstance(value, Decimal) else csv_cell(value) for value in row])
    return buffer.getvalue()


def csv_bytes(rows: Iterable[Iterable], *, bom: bool = True, decimal: Callable[[Decimal], str] = str) -> bytes:
    """Rows as UTF-8 CSV bytes, with a byte-order mark by default (Excel then reads the accents right)."""
    return (("\ufeff" if bom else "") + csv_text(rows, decimal=decimal)).encode("utf-8")


# -- XLSX --------------------------------------------------------------------------------------------------------


def xlsx_cell(sheet, value):
    """What to put in an openpyxl row for ``value``: a text becomes a string cell, never a formula."""
    if not isinstance(value, str):
        return value
    from openpyxl.cell.cell import Cell

    cell = Cell(sheet, value=value)
    cell.data_type = "s"  # openpyxl would make "=…" a formula and "#N/A" an error
    if is_formula_like(value):
        cell.quotePrefix = True  # as Excel stores a typed '=1: shown as text, and still text once edited
    return cell


def xlsx_append(sheet, values: Iterable) -> None:
    """``sheet.append(values)`` with every text written as a string cell."""
    sheet.append([xlsx_cell(sheet, value) for value in values])


def dataset_xlsx(dataset) -> bytes:
    """A tablib dataset as a workbook laid out as tablib does (bold frozen header, fitted columns), but inert."""
    import openpyxl
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = re.sub(r"[\\/*?:\[\]]", "-", dataset.title or "")[:31] or "Tablib Dataset"
    if dataset.headers:
        xlsx_append(sheet, dataset.headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    wrap = Alignment(wrap_text=True)
    for row in dataset:
        xlsx_append(sheet, row)
        for cell in sheet[sheet.max_row]:
            if "\n" in str(cell.value):
                cell.alignment = wrap
    widths: list[int] = []
    for row in sheet.values:
        for index, value in enumerate(row):
            width = len(str(value))
            if index < len(widths):
                widths[index] = max(widths[index], width)
            else:
                widths.append(width)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# -- the export formats of django-import-export -----------------------------------------------------------------


class CSVExport(base_formats.CSV):
    """The admin's CSV export through :func:`csv_text` (UTF-8 bytes; without a BOM unless asked, as before)."""

    def is_binary(self):
        return True

    def export_data(self, dataset, bom: bool = False, **kwargs) -> bytes:
        rows = [dataset.headers, *dataset] if dataset.headers else list(dataset)
        return csv_bytes(rows, bom=bom)


class XLSXExport(base_formats.XLSX):
    """The admin's XLSX export through :func:`dataset_xlsx`."""

    def export_data(self, dataset, **kwargs) -> bytes:
        return dataset_xlsx(dataset)


# -- names and titles --------------------------------------------------------------------------------------------


@deconstructible
class NoFormulaStartValidator:
    """Refuses a name or title that begins with ``=``, ``+`` or ``@`` (or their full-width forms)."""

    message = _("It cannot begin with “%(sign)s”: a spreadsheet would read it as a formula. Remove the sign.")
    code = "formula_start"

    def __call__(self, value):
        if isinstance(value, str) and value.startswith(REFUSED_STARTS):
            raise ValidationError(self.message, code=self.code, params={"sign": value[0]})

    def __eq__(self, other):
        return isinstance(other, NoFormulaStartValidator)

    def __hash__(self):
        return hash(self.code)


no_formula_start = NoFormulaStartValidator()
