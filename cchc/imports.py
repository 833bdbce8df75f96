"""Spreadsheet imports shared by every app: reading CSV/XLSX, bilingual headers, row-numbered problems.

Row numbers are the spreadsheet's own: the header is row 1, the first data row is row 2.
Every import is all or nothing: any problem and nothing is saved.
"""

import csv
import io
import json
import logging
import re
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import tablib
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from import_export import resources, widgets
from import_export.formats import base_formats
from import_export.results import Error, RowResult

from cchc.archives import ArchiveError, ArchiveLimits, check_archive
from cchc.spreadsheets import CSVExport, XLSXExport, unescape

logger = logging.getLogger(__name__)


class TableFileError(Exception):
    """The file itself cannot be read as a table (encoding, format, shape)."""


def _dataset_from_rows(rows: list[list]) -> tablib.Dataset:
    """A dataset that keeps blank rows, so that row numbers match the spreadsheet's."""
    if not rows or not any(_filled(cell) for cell in rows[0]):
        raise TableFileError(_("The file is empty: the first row must hold the column headers."))
    headers = ["" if cell is None else str(cell).strip() for cell in rows[0]]
    while headers and headers[-1] == "":
        headers.pop()
    width = len(headers)
    dataset = tablib.Dataset(headers=headers)
    for number, row in enumerate(rows[1:], start=2):
        cells = list(row)
        if any(_filled(cell) for cell in cells[width:]):
            raise TableFileError(_("Row %(row)s has more cells than there are column headers.") % {"row": number})
        cells = cells[:width] + [""] * (width - len(cells))
        dataset.append(["" if cell is None else cell for cell in cells])
    return dataset


def _filled(cell) -> bool:
    return cell is not None and str(cell).strip() != ""


# -- limits: no import may hold a worker for long --------------------------------------------------------------

MB = 1024 * 1024
# No import has more than a dozen columns; a row reaching further is refused before it costs memory.
MAX_COLUMNS = 50


def check_import_size(size: int) -> None:
    """Refuse a file larger than IMPORT_MAX_UPLOAD_MB, before it is read."""
    if size > settings.IMPORT_MAX_UPLOAD_MB * MB:
        raise TableFileError(
            _("The file is larger than %(limit)s MB, the limit for one import. Split it into smaller files.")
            % {"limit": settings.IMPORT_MAX_UPLOAD_MB}
        )


def _capped_rows(rows: Iterable, max_rows: int) -> list[list]:
    """The header and at most ``max_rows`` rows after it; reading stops at the first row beyond the limit."""
    kept = []
    for index, row in enumerate(rows):
        if index > max_rows:
            raise TableFileError(
                _("The file has more than %(limit)s rows, the limit for one import. Split it into smaller files.")
                % {"limit": number_format(max_rows, force_grouping=True)}
            )
        if len(row) > MAX_COLUMNS and any(_filled(cell) for cell in row[MAX_COLUMNS:]):
            raise TableFileError(
                _("Row %(row)s has cells beyond column %(count)s: an import has fewer columns.")
                % {"row": index + 1, "count": MAX_COLUMNS}
            )
        kept.append(list(row[:MAX_COLUMNS]))
    return kept


class LimitedFormat:
    """A format that refuses big files and stops reading at the row limit named by ``max_rows_setting``."""

    max_rows_setting = "IMPORT_MAX_ROWS"

    @classmethod
    def max_rows(cls) -> int:
        return getattr(settings, cls.max_rows_setting)


class CSVFormat(LimitedFormat, base_formats.CSV):
    """CSV in UTF-8 (with or without BOM); read as bytes so that a wrong encoding gets a clear message."""

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        check_import_size(len(in_stream))
        if isinstance(in_stream, bytes):
            try:
                in_stream = in_stream.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise TableFileError(
                    _(
                        "The CSV file is not in UTF-8 (unreadable byte at position %(position)s). "
                        "Save it as “CSV UTF-8” and try again."
                    )
                    % {"position": exc.start + 1}
                ) from exc
        try:
            rows = _capped_rows(csv.reader(io.StringIO(in_stream, newline="")), self.max_rows())
        except csv.Error as exc:
            raise TableFileError(_("The CSV file cannot be read: %(error)s") % {"error": exc}) from exc
        return _dataset_from_rows(rows)


# openpyxl reads the workbook's other XML parts (styles, workbook, relationships …) whole and slowly
# (100,000 cell styles, 450 KB zipped, took 43 s); an ordinary workbook's are a few KB.
MAX_PART_BYTES = 1024 * 1024
STREAMED_PARTS = re.compile(r"xl/(worksheets/[^/]+|sharedStrings)\.xml")


def _check_parts(archive: zipfile.ZipFile) -> None:
    """Refuse a workbook whose parts that openpyxl reads whole are larger than an ordinary workbook's."""
    for member in archive.infolist():
        name = member.filename
        if (
            name.endswith((".xml", ".rels"))
            and not STREAMED_PARTS.fullmatch(name)
            and member.file_size > MAX_PART_BYTES
        ):
            raise TableFileError(
                _(
                    "The part “%(part)s” of the workbook is larger than %(limit)s MB, while an import needs only the "
                    "data: copy the data into a new workbook and try again."
                )
                % {"part": name, "limit": MAX_PART_BYTES // MB}
            )


# A row of an import holds at most this many texts, so a workbook may share at most this many per row.
STRINGS_PER_ROW = 10


def _shared_strings(source, max_strings: int) -> list[str]:
    """The workbook's shared texts, read quickly and at most ``max_strings`` of them.

    openpyxl reads each one through its generic XML binding (about 80 µs a text): 1.7 million tiny
    texts, 4 MB zipped, held a worker for more than two minutes. The text of an <si> is its <t> and
    the <t> of its rich-text runs (<r>), as openpyxl's Text.content has it; phonetic runs are left out.
    """
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    item, text, run = (f"{{{SHEET_MAIN_NS}}}{tag}" for tag in ("si", "t", "r"))
    strings = []
    for _event, node in iterparse(source):
        if node.tag != item:
            continue
        if len(strings) >= max_strings:
            raise TableFileError(
                _("The workbook holds more than %(limit)s different texts, more than an import may have.")
                % {"limit": number_format(max_strings, force_grouping=True)}
            )
        content = (node.findtext(text) or "") + "".join(part.findtext(text) or "" for part in node.iterfind(run))
        strings.append(content.replace("x005F_", ""))
        node.clear()
    return strings


def _open_streaming(content: bytes, max_strings: int):
    """The workbook in openpyxl's read-only (streaming) mode, without its slow full reads.

    Opening a read-only workbook makes openpyxl look for each sheet's <dimension>; it stops only at the
    *end* of <sheetData>, so a sheet that leaves the element out (a million rows in 600 KB) is parsed whole
    before a single row is read (40 s here). The import needs no dimension: rows are read one by one and
    each is as wide as its own cells, so these sheets skip that scan. The shared texts are read by
    ``_shared_strings``.
    """
    from openpyxl.reader.excel import SHARED_STRINGS, ExcelReader
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    class UnsizedSheet(ReadOnlyWorksheet):
        def _get_size(self):
            """Nothing to learn: the dimensions stay unknown and no row is padded to them."""

    class StreamingReader(ExcelReader):
        def read_strings(self):
            part = self.package.find(SHARED_STRINGS)
            if part is not None:
                with self.archive.open(part.PartName[1:]) as source:
                    self.shared_strings = _shared_strings(source, max_strings)

        def read_worksheets(self):
            for sheet, rel in self.parser.find_sheets():
                if rel.target in self.valid_files and "chartsheet" not in rel.Type:
                    worksheet = UnsizedSheet(self.wb, sheet.name, rel.target, self.shared_strings)
                    worksheet.sheet_state = sheet.state
                    self.wb._sheets.append(worksheet)

    reader = StreamingReader(io.BytesIO(content), read_only=True, data_only=True)
    reader.read()
    return reader.wb


class XLSXFormat(LimitedFormat, base_formats.XLSX):
    """The first sheet of an Excel workbook, streamed; formulas are read as their values.

    The archive is checked for a decompression bomb before openpyxl opens it; the sheet is read row by row
    (read-only mode, its declared dimensions ignored so that nothing is padded) and reading stops at the
    row limit, so a million-row sheet costs no more than the limit.
    """

    def create_dataset(self, in_stream):
        from openpyxl.utils.exceptions import InvalidFileException

        check_import_size(len(in_stream))
        unreadable = _("The file is not a readable Excel (.xlsx) workbook.")
        try:
            check_archive(io.BytesIO(in_stream), ArchiveLimits.for_imports())
        except ArchiveError as exc:
            raise TableFileError(str(exc)) from exc
        except (
            zipfile.BadZipFile,
            zlib.error,
            NotImplementedError,
            RuntimeError,
            EOFError,
            OSError,
            ValueError,
        ) as exc:
            raise TableFileError(unreadable) from exc
        try:
            with zipfile.ZipFile(io.BytesIO(in_stream)) as archive:
                _check_parts(archive)
            book = _open_streaming(in_stream, (self.max_rows() + 1) * STRINGS_PER_ROW)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
            raise TableFileError(unreadable) from exc
        try:
            if book.active is None:
                raise TableFileError(unreadable)
            rows = _capped_rows(book.active.iter_rows(values_only=True), self.max_rows())
        finally:
            book.close()
        while rows and not any(_filled(cell) for cell in rows[-1]):
            rows.pop()
        return _dataset_from_rows(rows)


class ScoreCSVFormat(CSVFormat):
    """Grades and survey results: one row per unit and criterion, so their limit is higher."""

    max_rows_setting = "IMPORT_MAX_ROWS_SCORES"


class ScoreXLSXFormat(XLSXFormat):
    max_rows_setting = "IMPORT_MAX_ROWS_SCORES"


IMPORT_FORMATS = [CSVFormat, XLSXFormat]
SCORE_IMPORT_FORMATS = [ScoreCSVFormat, ScoreXLSXFormat]
EXPORT_FORMATS = [XLSXExport, CSVExport]  # every export goes through the inert writer


def read_table(content: bytes, filename: str, *, formats=IMPORT_FORMATS) -> tablib.Dataset:
    """Read an uploaded or command-line file (.csv or .xlsx) into a dataset, within the formats' limits."""
    name = filename.lower()
    for format_class in formats:
        reader = format_class()
        if name.endswith("." + reader.get_extension()):
            return reader.create_dataset(content)
    raise TableFileError(_("Unsupported file type: use a .csv (UTF-8) or .xlsx file."))


@dataclass(frozen=True)
class ImportProblem:
    """One reason an import was refused; ``row`` is None for problems of the whole file."""

    row: int | None
    message: str

    def __str__(self):
        if self.row is None:
            return self.message
        return _("Row %(row)s: %(message)s") % {"row": self.row, "message": self.message}


def _normal(text) -> str:
    return " ".join(str(text or "").split()).casefold()


class TableResource(resources.ModelResource):
    """A resource whose files use Vietnamese headers and also accept the English column names.

    Subclasses declare fields with ``column_name`` set to the Vietnamese header; the English
    name is the field's name. ``required_fields`` must be present; the ``key_fields`` together may not repeat.
    """

    required_fields: tuple[str, ...] = ()
    key_fields: tuple[str, ...] = ()
    import_formats = IMPORT_FORMATS  # the formats, and so the row limit, of this import

    # -- headers ---------------------------------------------------------------------------------

    def header_aliases(self) -> dict[str, str]:
        aliases = {}
        for name, field in self.fields.items():
            aliases[_normal(name)] = field.column_name
            aliases[_normal(field.column_name)] = field.column_name
        return aliases

    def normalize_headers(self, dataset: tablib.Dataset) -> list[ImportProblem]:
        """Rename English or loosely typed headers to the Vietnamese ones; report missing/unknown."""
        aliases = self.header_aliases()
        problems, seen, headers = [], set(), []
        for header in dataset.headers or []:
            column = aliases.get(_normal(header))
            if column is None:
                problems.append(ImportProblem(None, _("Unknown column “%(column)s”.") % {"column": header}))
                headers.append(header)
            elif column in seen:
                problems.append(ImportProblem(None, _("Column “%(column)s” appears twice.") % {"column": header}))
                headers.append(header)
            else:
                seen.add(column)
                headers.append(column)
        for name in self.required_fields:
            field = self.fields[name]
            if field.column_name not in seen:
                problems.append(
                    ImportProblem(
                        None,
                        _("Missing column “%(column)s” (or “%(english)s”).")
                        % {"column": field.column_name, "english": name},
                    )
                )
        if not problems:
            dataset.headers = headers
        return problems

    def column_label(self, attribute: str) -> str:
        for name, field in self.fields.items():
            if attribute in (name, field.attribute):
                return field.column_name
        return attribute

    # -- the import --------------------------------------------------------------------------------

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None, **kwargs):
        self._seen_keys: dict[tuple[str, ...], int] = {}
        header_problems = self.normalize_headers(dataset)
        if header_problems:
            result = self.get_result_class()()
            result.total_rows = len(dataset)
            for problem in header_problems:
                result.append_base_error(Error(TableFileError(problem.message)))
            result.problems = header_problems
            return result
        if not len(dataset):
            result = self.get_result_class()()
            problem = ImportProblem(None, _("The file has column headers but no data rows."))
            result.append_base_error(Error(TableFileError(problem.message)))
            result.problems = [problem]
            return result
        file_problems = self.file_problems(dataset)
        kwargs.setdefault("rollback_on_validation_errors", True)
        result = super().import_data(
            dataset,
            dry_run=dry_run or bool(file_problems),  # a file-level problem saves nothing; its rows are still checked
            raise_errors=raise_errors,
            use_transactions=use_transactions,
            **kwargs,
        )
        row_problems = self.collect_problems(result)
        for problem in file_problems:
            result.append_base_error(Error(TableFileError(str(problem))))
        result.problems = sorted(row_problems + file_problems, key=lambda problem: problem.row or 0)
        return result

    def file_problems(self, dataset) -> list[ImportProblem]:
        """Problems that need the whole file (a tree that does not add up …); none by default."""
        return []

    def import_row(self, row, instance_loader, **kwargs):
        row_result = self._import_row(row, instance_loader, **kwargs)
        progress = kwargs.get("progress")  # a background import counts the rows processed (issue 14)
        if progress is not None:
            progress(kwargs["row_number"])
        return row_result

    def _import_row(self, row, instance_loader, **kwargs):
        line = kwargs["row_number"] + 1
        if not any(_filled(value) for value in row.values()):
            row_result = self.get_row_result_class()()
            row_result.import_type = RowResult.IMPORT_TYPE_SKIP
            row_result.blank = True
            row_result.line = line
            return row_result
        for key, value in row.items():
            if isinstance(value, str):
                row[key] = unescape(value.strip())  # a cell of our own CSV export reads as it was
        row_result = super().import_row(row, instance_loader, **kwargs)
        row_result.blank = False
        row_result.line = line
        return row_result

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        if not self.key_fields:
            return
        values = [row.get(self.fields[name].column_name) for name in self.key_fields]
        key = tuple(_normal(value) for value in values)
        line = kwargs["row_number"] + 1
        if all(key):
            first = self._seen_keys.setdefault(key, line)
            if first != line:
                raise self.duplicate_error([str(value).strip() for value in values], first)

    def duplicate_error(self, values: list[str], first: int) -> ValidationError:
        """The key of this row was already in row ``first``; a resource with a composite key says it its way."""
        field = self.fields[self.key_fields[0]]
        return ValidationError(
            {field.attribute: _("“%(value)s” already appears in row %(row)s.") % {"value": values[0], "row": first}}
        )

    def collect_problems(self, result) -> list[ImportProblem]:
        """Every problem of the file, by row and, within a row, in the order of the columns."""
        column_order = {field.attribute: index for index, field in enumerate(self.fields.values())}
        last = len(column_order)
        ranked = [((0, 0), ImportProblem(None, str(error.error))) for error in result.base_errors]
        for error_row in result.error_rows:
            for error in error_row.errors:
                ranked.append(
                    ((error_row.number + 1, last), ImportProblem(error_row.number + 1, row_error_text(error)))
                )
        for invalid in result.invalid_rows:
            line = invalid.number + 1
            for attribute, messages in invalid.error_dict.items():
                for message in messages:
                    if attribute == NON_FIELD_ERRORS:
                        ranked.append(((line, last), ImportProblem(line, str(message))))
                    else:
                        text = f"{self.column_label(attribute)}: {message}"
                        ranked.append(((line, column_order.get(attribute, last)), ImportProblem(line, text)))
        return [problem for _rank, problem in sorted(ranked, key=lambda item: item[0])]


def row_error_text(error: Error) -> str:
    """What a person reads for an error that escaped the row checks.

    Our own checks raise ValidationError (reported by column) or TableFileError; anything else
    (a Django or database message such as "Field 'year' expected a number but got 'abc'.") is in English
    and speaks of code, so it is logged for the administrators and replaced by a Vietnamese sentence.
    """
    if isinstance(error.error, (TableFileError, CellError)):
        return str(error.error)
    logger.warning("Import row error replaced for the user: %r\n%s", error.error, error.traceback)
    return _(
        "a value in this row cannot be read: check that numbers, dates and codes are written as the template shows."
    )


@dataclass
class ImportOutcome:
    problems: list[ImportProblem]
    new: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def import_outcome(result) -> ImportOutcome:
    rows = [row for row in result.rows if not getattr(row, "blank", False)]
    return ImportOutcome(
        problems=list(getattr(result, "problems", [])),
        new=sum(row.import_type == RowResult.IMPORT_TYPE_NEW for row in rows),
        updated=sum(row.import_type == RowResult.IMPORT_TYPE_UPDATE for row in rows),
        unchanged=sum(row.import_type == RowResult.IMPORT_TYPE_SKIP for row in rows),
    )


def import_table(resource: TableResource, dataset: tablib.Dataset, *, user=None, commit: bool) -> ImportOutcome:
    """Check the whole file and, with ``commit`` and no problem, save it in one transaction."""
    result = resource.import_data(dataset, dry_run=not commit, use_transactions=True, user=user)
    return import_outcome(result)


# -- widgets shared by the resources -------------------------------------------------------------------


class CellError(ValueError):
    """A cell our widgets cannot read; its message is for people (translated), unlike Django's ValueErrors."""


YES_WORDS = {"1", "x", "true", "yes", "y", "có", "co", "đúng", "c"}
NO_WORDS = {"0", "false", "no", "n", "không", "khong", "k", "sai"}


class YesNoWidget(widgets.BooleanWidget):
    """Accepts có/không as well as yes/no, 1/0 and true/false; writes có/không for people."""

    def __init__(self, default: bool | None = None, **kwargs):
        self.default = default
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = _normal(value)
        if text == "":
            return self.default
        if text in YES_WORDS:
            return True
        if text in NO_WORDS:
            return False
        raise CellError(_("“%(value)s” is not yes/no (có/không).") % {"value": value})

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return "có" if value else "không"


class DayFirstDateWidget(widgets.DateWidget):
    """Dates as dd/mm/yyyy (or ISO yyyy-mm-dd, or an Excel date cell); written as dd/mm/yyyy."""

    INPUT_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y")

    def __init__(self, **kwargs):
        super().__init__(format="%d/%m/%Y", **kwargs)

    def clean(self, value, row=None, **kwargs):
        if value is None or str(value).strip() == "":
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = str(value).strip()
        for pattern in self.INPUT_FORMATS:
            try:
                return datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar date
            except ValueError:
                continue
        raise CellError(_("“%(value)s” is not a date (dd/mm/yyyy).") % {"value": value})

    def render(self, value, obj=None, **kwargs):
        return value.strftime("%d/%m/%Y") if value else ""


class CodeWidget(widgets.ForeignKeyWidget):
    """A foreign key written as the target's code, with a clear message for an unknown code."""

    def __init__(self, model, *, not_found: str, field: str = "code", **kwargs):
        self.not_found = not_found
        super().__init__(model, field=field, **kwargs)

    def clean(self, value, row=None, **kwargs):
        if value is None or str(value).strip() == "":
            return None
        code = str(value).strip()
        try:
            return self.get_queryset(value, row, **kwargs).get(**{self.field: code})
        except self.model.DoesNotExist as exc:
            raise CellError(self.not_found % {"value": code}) from exc


class CodeListWidget(widgets.ManyToManyWidget):
    """Several codes separated by ";" or ","; every code must exist."""

    def __init__(self, model, *, not_found: str, field: str = "code", **kwargs):
        self.not_found = not_found
        super().__init__(model, separator=";", field=field, **kwargs)

    def clean(self, value, row=None, **kwargs):
        if value is None or str(value).strip() == "":
            return self.model.objects.none()
        codes = [code.strip() for code in str(value).replace(",", ";").split(";") if code.strip()]
        found = self.model.objects.filter(**{f"{self.field}__in": codes})
        missing = sorted(set(codes) - set(found.values_list(self.field, flat=True)))
        if missing:
            raise CellError(self.not_found % {"value": ", ".join(missing)})
        return found

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return "; ".join(str(getattr(item, self.field)) for item in value.all())


class PointsWidget(widgets.DecimalWidget):
    """Points with at most two decimals; "1.5" and "1,5" both read; written as "1.5" (or a number in .xlsx)."""

    def __init__(self, places: int = 2, **kwargs):
        self.places = places
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        if value is None or str(value).strip() == "":
            return None
        if isinstance(value, bool):
            raise CellError(_("“%(value)s” is not a number.") % {"value": value})
        text = str(value).strip().replace(" ", "")
        if isinstance(value, str) and text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation as exc:
            raise CellError(_("“%(value)s” is not a number.") % {"value": value}) from exc
        if not number.is_finite():
            raise CellError(_("“%(value)s” is not a number.") % {"value": value})
        try:
            rounded = number.quantize(Decimal(1).scaleb(-self.places))
        except InvalidOperation as exc:  # more digits than a Decimal holds: no points are that large
            raise CellError(_("“%(value)s” is too large.") % {"value": value}) from exc
        if number != rounded:
            raise CellError(
                _("“%(value)s” has more than %(places)s decimal places.") % {"value": value, "places": self.places}
            )
        return number

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        if kwargs.get("force_native_type"):
            return value
        return format(value.normalize(), "f")


class WholeNumberWidget(widgets.IntegerWidget):
    """A whole number (a year, a rank) within what its column can store; "2022" and 2022.0 both read."""

    def __init__(self, maximum: int = 32767, **kwargs):
        self.maximum = maximum
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        if value is None or str(value).strip() == "":
            return None
        if isinstance(value, bool):
            raise CellError(_("“%(value)s” is not a whole number.") % {"value": value})
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise CellError(_("“%(value)s” is not a whole number.") % {"value": value}) from exc
        if not number.is_finite() or number != number.to_integral_value():
            raise CellError(_("“%(value)s” is not a whole number.") % {"value": value})
        if not 0 <= number <= self.maximum:
            raise CellError(
                _("“%(value)s” is not between 0 and %(max)s.")
                % {"value": value, "max": number_format(self.maximum, force_grouping=True)}
            )
        return int(number)

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return value if kwargs.get("force_native_type") else str(value)


class ChoiceWidget(widgets.Widget):
    """A choice written as its code (appraisal, yes_no …); its Vietnamese or English label is accepted too."""

    def __init__(self, choices, *, what: str, **kwargs):
        self.choices = choices
        self.what = what
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        text = _normal(value)
        if not text:
            return ""
        for code, label in self.choices.choices:
            with translation.override("en"):
                english = str(label)
            if text in {_normal(code), _normal(label), _normal(english)}:
                return code
        raise CellError(
            _("“%(value)s” is not a valid %(what)s (%(codes)s).")
            % {"value": value, "what": self.what, "codes": ", ".join(self.choices.values)}
        )

    def render(self, value, obj=None, **kwargs):
        return value or ""


class JSONWidget(widgets.Widget):
    """A JSON object in one cell; an empty cell is {}."""

    def clean(self, value, row=None, **kwargs):
        if value is None or str(value).strip() == "":
            return {}
        try:
            parsed = json.loads(str(value))
        except json.JSONDecodeError as exc:
            raise CellError(_("not valid JSON (%(error)s).") % {"error": exc.msg}) from exc
        if not isinstance(parsed, dict):
            raise CellError(_('must be a JSON object, such as {"target": 30}.'))
        return parsed

    def render(self, value, obj=None, **kwargs):
        return json.dumps(value, ensure_ascii=False) if value else ""
