"""The downloads of a publication (CSV, XLSX, JSON, PDF), made from the frozen snapshot once, then served as stored.

Spreadsheets are written by :mod:`cchc.spreadsheets` (no text cell is ever a formula). A file already stored
is served as it is, byte for byte, even if it was written before that writer: only a file not yet stored
(a new publication version, or a format not downloaded yet) is built, with the inert writer.
"""

import hashlib
import io
import json

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from assessment import charts
from assessment.formatting import decimal2
from assessment.models import PublicationFile
from assessment.scoring import shown
from assessment.selectors.results import previous_year, publication_tables
from assessment.storage import STORAGE_ERRORS, StorageUnavailable, field_file_save
from cchc.spreadsheets import csv_bytes, xlsx_append

SCHEMA_VERSION = 1
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "pdf": "application/pdf",
}
HEADERS = [
    "Xếp hạng",
    "Đơn vị",
    "Khối",
    "Điểm thẩm định",
    "Điểm điều tra XHH",
    "Điểm thưởng",
    "Điểm trừ",
    "Tổng điểm",
    "Điểm tối đa",
    "Chỉ số (%)",
]


def _field_codes(blocks) -> list[str]:
    codes = []
    for block in blocks:
        for block_field in block.fields.all():
            if block_field.code not in codes:
                codes.append(block_field.code)
    return sorted(codes, key=lambda code: int(code) if code.isdigit() else 0)


def _rows(blocks, codes):
    """(block, unit, the unit's index in each field of ``codes``) in the order of the tables."""
    for block in blocks:
        for unit in block.results.all():
            fields = {result.code: result.index for result in unit.fields.all()}
            yield block, unit, [fields.get(code) for code in codes]


def _figures(block, unit, *, rank) -> list:
    """The published columns of one unit, in the order of HEADERS."""
    return [
        rank,
        unit.unit_name,
        block.name,
        unit.appraised,
        unit.survey,
        unit.bonus,
        unit.penalty,
        unit.total,
        unit.maximum,
        unit.shown_index,
    ]


def _csv(publication, blocks) -> bytes:
    codes = _field_codes(blocks)
    rows = [[*HEADERS, *[f"Lĩnh vực {code} (%)" for code in codes]]]
    for block, unit, fields in _rows(blocks, codes):
        rows.append([*_figures(block, unit, rank=unit.rank or ""), *fields])
    with translation.override("vi"):
        return csv_bytes(rows, decimal=decimal2)


def _xlsx(publication, blocks) -> bytes:
    import openpyxl
    from openpyxl.styles import Font

    codes = _field_codes(blocks)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = f"Kết quả {publication.period.year}"
    xlsx_append(sheet, [*HEADERS, *[f"Lĩnh vực {code} (%)" for code in codes]])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for block, unit, fields in _rows(blocks, codes):
        xlsx_append(
            sheet,
            [*_figures(block, unit, rank=unit.rank), *[None if value is None else shown(value) for value in fields]],
        )
    for row in sheet.iter_rows(min_row=2, min_col=4):
        for cell in row:
            cell.number_format = "0.00"
    sheet.column_dimensions["B"].width = 45
    sheet.column_dimensions["C"].width = 28
    # Made once per publication; the workbook carries the publication's own date, not the moment of the download.
    book.properties.created = book.properties.modified = publication.published_at.replace(tzinfo=None)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _number(value):
    return None if value is None else float(value)


def publication_data(publication, blocks) -> dict:
    """The JSON document of a publication (schema version 1, documented at /results/schema/)."""
    earlier = list(publication.period.publications.filter(version__lt=publication.version).order_by("version"))
    return {
        "schema_version": SCHEMA_VERSION,
        "period": {"year": publication.period.year, "name": publication.period.name},
        "publication": {
            "version": publication.version,
            "decision_number": publication.decision_number,
            "decision_date": publication.decision_date.isoformat(),
            "published_at": publication.published_at.isoformat(),
            "correction_reason": publication.reason,
            "earlier_versions": [
                {"version": item.version, "published_at": item.published_at.isoformat()} for item in earlier
            ],
        },
        "blocks": [
            {
                "code": block.block.code,
                "name": block.name,
                "units_count": block.units,
                "average_percent": _number(block.average),
                "fields": [
                    {"code": item.code, "title": item.title, "average_percent": _number(item.average)}
                    for item in block.fields.all()
                ],
                "units": [
                    {
                        "rank": unit.rank,
                        "code": unit.unit_code,
                        "name": unit.unit_name,
                        "appraised_points": _number(unit.appraised),
                        "survey_points": _number(unit.survey),
                        "bonus_points": _number(unit.bonus),
                        "penalty_points": _number(unit.penalty),
                        "total_points": _number(unit.total),
                        "max_points": _number(unit.maximum),
                        "index_percent": _number(unit.shown_index),
                        "index_exact": None if unit.index is None else str(unit.index),
                        "fields": [
                            {
                                "code": item.code,
                                "title": item.title,
                                "achieved_points": _number(item.achieved),
                                "max_points": _number(item.maximum),
                                "index_percent": _number(None if item.index is None else shown(item.index)),
                            }
                            for item in unit.fields.all()
                        ],
                    }
                    for unit in block.results.all()
                ],
            }
            for block in blocks
        ],
    }


def _json(publication, blocks) -> bytes:
    return json.dumps(publication_data(publication, blocks), ensure_ascii=False, indent=2).encode("utf-8")


def _change(current, before):
    if current is None or not before or before[0] is None:
        return None
    return current - before[0]


def _pdf(publication, blocks) -> bytes:
    import weasyprint

    with translation.override("vi"):
        previous = previous_year(publication)
        html = render_to_string(
            "public/annex.html",
            {
                "publication": publication,
                "blocks": [
                    (
                        block,
                        [
                            (unit, _change(unit.shown_index, previous.units.get(unit.unit_id)))
                            for unit in block.results.all()
                        ],
                        charts.ranking_bars(
                            [(unit.unit_name, unit.shown_index) for unit in block.results.all()], title=block.name
                        ),
                    )
                    for block in blocks
                ],
                "previous": previous,
            },
        )
    return weasyprint.HTML(string=html).write_pdf()


BUILDERS = {"csv": _csv, "xlsx": _xlsx, "json": _json, "pdf": _pdf}


def publication_file(publication, file_format: str) -> bytes:
    """The download, stored on first request: later downloads are the same bytes, whatever changed since."""
    stored = PublicationFile.objects.filter(publication=publication, format=file_format).first()
    if stored is not None:
        return publication_file_content(stored)
    content = BUILDERS[file_format](publication, publication_tables(publication))
    try:
        with transaction.atomic():
            publication_file_store(publication, file_format, content)
    except IntegrityError:  # made at the same moment by another request: serve the one that was stored
        return publication_file_content(PublicationFile.objects.get(publication=publication, format=file_format))
    return content


def publication_file_store(publication, file_format: str, content: bytes) -> PublicationFile:
    """Keep a download's bytes in the storage, named by their SHA-256, and record them (once per format)."""
    row = PublicationFile(publication=publication, format=file_format, sha256=hashlib.sha256(content).hexdigest())
    field_file_save(row.file, f"{row.sha256}.{file_format}", ContentFile(content))
    row.save()
    return row


def publication_file_content(stored: PublicationFile) -> bytes:
    """A stored download's bytes: from the storage, or from the database for files stored there before."""
    if not stored.file:
        return bytes(stored.content)
    try:
        with stored.file.open("rb") as handle:
            return handle.read()
    except STORAGE_ERRORS as exc:
        raise StorageUnavailable from exc


def file_name(publication, file_format: str) -> str:
    return f"chi-so-cchc-{publication.period.year}-v{publication.version}.{file_format}"


def schema_url() -> str:
    return reverse("public:results-schema")


PLAN_HEADERS = [
    "STT",
    "Lĩnh vực",
    "Mã tiêu chí",
    "Tiêu chí",
    "Điểm tối đa",
    "Điểm tự chấm",
    "Điểm đạt",
    "Điểm bị mất",
    "Nhận xét của cơ quan thẩm định",
    "Nguyên nhân",
    "Giải pháp khắc phục",
    "Đơn vị, người chủ trì",
    "Thời hạn hoàn thành",
]
PLAN_WIDTHS = [6, 28, 11, 50, 10, 10, 10, 10, 40, 30, 40, 24, 14]


def improvement_plan_xlsx(assessment, result, lost) -> bytes:
    """The unit's improvement-plan worksheet: the criteria where it lost points, blank columns for the plan."""
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Kế hoạch khắc phục"
    xlsx_append(sheet, [f"KẾ HOẠCH KHẮC PHỤC HẠN CHẾ — {assessment.unit.name.upper()}"])
    with translation.override("vi"):
        index = None if result.shown_index is None else decimal2(result.shown_index)
    xlsx_append(
        sheet,
        [
            f"{result.publication.period.name}: chỉ số {index}%, xếp hạng {result.rank}/"
            f"{result.block.units} {result.block.name} (công bố theo quyết định {result.publication.decision_number})"
            if index is not None
            else result.publication.period.name
        ],
    )
    sheet.append([])
    xlsx_append(sheet, PLAN_HEADERS)
    sheet["A1"].font = Font(bold=True, size=13)
    header_fill = PatternFill("solid", fgColor="F2DCDB")
    for cell in sheet[4]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for number, row in enumerate(lost, start=1):
        xlsx_append(
            sheet,
            [
                number,
                row.field,
                row.code,
                row.title,
                row.max_points,
                row.self_points,
                row.points,
                row.lost,
                row.comment,
                None,
                None,
                None,
                None,
            ],
        )
    for row in sheet.iter_rows(min_row=5):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for cell in row[4:8]:
            cell.number_format = "0.00"
    for column, width in enumerate(PLAN_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A5"
    book.properties.created = book.properties.modified = result.publication.published_at.replace(tzinfo=None)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# -- the council's consistency report (issue 16) ------------------------------------------------------------------

CONSISTENCY_HEADERS = [
    "Khối",
    "Mã tiêu chí",
    "Tiêu chí",
    "Điểm tối đa",
    "Số đơn vị được chấm",
    "Điểm bình quân",
    "Bình quân (% điểm tối đa)",
    "Thấp nhất",
    "Cao nhất",
    "Độ lệch chuẩn",
    "Tỷ lệ chấm 0 (%)",
    "Cơ quan thẩm định (bình quân % điểm tối đa)",
    "Chênh lệch giữa các cơ quan (điểm %)",
]
AGENCY_HEADERS = [
    "Cơ quan thẩm định",
    "Số tiêu chí đã chấm",
    "Bình quân (% điểm tối đa)",
    "Tỷ lệ chấm 0 (%)",
    "Số tiêu chí chấm lại ở vòng 2",
    "Số tiêu chí vòng 2 thay đổi điểm",
    "Tỷ lệ thay đổi (%)",
    "Thay đổi bình quân (điểm)",
]


def consistency_xlsx(period, consistency) -> bytes:
    """The council's consistency report: one sheet per table of the page, every text inert."""
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Theo tiêu chí"
    xlsx_append(sheet, [f"TÍNH NHẤT QUÁN CỦA THẨM ĐỊNH — {period.name.upper()}"])
    sheet.append([])
    xlsx_append(sheet, CONSISTENCY_HEADERS)
    for row in consistency.criteria:
        grading = row.grading
        agencies = "; ".join(f"{name}: {decimal2(item.mean_percent)}%" for name, item in row.agencies.items())
        xlsx_append(
            sheet,
            [
                row.block_name,
                row.code,
                row.title,
                row.max_points,
                grading.count,
                grading.mean,
                grading.mean_percent,
                grading.low,
                grading.high,
                grading.spread,
                grading.share_zero,
                agencies,
                row.agency_gap,
            ],
        )
    agencies_sheet = book.create_sheet("Theo cơ quan thẩm định")
    xlsx_append(agencies_sheet, AGENCY_HEADERS)
    for name, grading in consistency.agencies:
        xlsx_append(
            agencies_sheet,
            [
                name,
                grading.count,
                grading.mean_percent,
                grading.share_zero,
                grading.reappraised,
                grading.changed,
                grading.share_changed,
                grading.mean_change,
            ],
        )
    blocks_sheet = book.create_sheet("Chênh lệch giữa các khối")
    xlsx_append(blocks_sheet, ["Mã tiêu chí", "Tiêu chí", "Khối (bình quân % điểm tối đa)", "Chênh lệch (điểm %)"])
    for difference in consistency.blocks:
        blocks = "; ".join(f"{name}: {decimal2(mean)}%" for name, mean in difference.blocks)
        xlsx_append(blocks_sheet, [difference.code, difference.title, blocks, difference.gap])
    for each in (sheet, agencies_sheet, blocks_sheet):
        header = each[3] if each is sheet else each[1]
        for cell in header:
            cell.font = Font(bold=True)
    sheet["A1"].font = Font(bold=True, size=13)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
