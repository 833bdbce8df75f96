"""Print: the annex to the decision and the self-assessment report, read back with pdftotext (poppler-utils);
the unit's "difficulties, obstacles and recommendations", written in the portal and printed in the report."""

import os
import shutil
import subprocess
from datetime import date
from decimal import Decimal as D

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import Unit
from assessment.formatting import date_in_words, declared
from assessment.models import AssessmentEvent, PublishedUnit
from assessment.services import ScoreInput, score_save
from tests.assessment.conftest import complete, publish, score_of
from tests.factories import UnitFactory


def pdf_pages(content: bytes, tmp_path) -> list[str]:
    """The PDF's text, page by page, each line with its runs of spaces made one."""
    if shutil.which("pdftotext") is None:
        assert not os.environ.get("CI"), ".ci/run installs poppler-utils"
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "document.pdf"
    path.write_bytes(content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [
        "\n".join(" ".join(line.split()) for line in page.splitlines() if line.strip()) for page in text.split("\f")
    ][:-1]  # pdftotext ends every page, the last one too, with a form feed


def page_size(content: bytes, tmp_path) -> str:
    path = tmp_path / "size.pdf"
    path.write_bytes(content)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return next(line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("Page size"))


# -- dates in words --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "words"),
    [
        (date(2026, 11, 30), "ngày 30 tháng 11 năm 2026"),
        (date(2024, 4, 5), "ngày 05 tháng 4 năm 2024"),
        (date(2026, 1, 9), "ngày 09 tháng 01 năm 2026"),  # days below 10 and months 1, 2 take a leading zero
        (date(2025, 2, 28), "ngày 28 tháng 02 năm 2025"),
        (date(2025, 12, 1), "ngày 01 tháng 12 năm 2025"),
    ],
)
def test_dates_are_written_in_words_as_official_documents_write_them(day, words):
    assert date_in_words(day) == words


@pytest.mark.parametrize(
    ("value", "shown"), [(D("92.50"), "92,5"), (D("85.00"), "85"), (D("7"), "7"), (D("0.25"), "0,25"), (None, "")]
)
def test_declared_figures_are_written_without_trailing_zeros(value, shown):
    assert declared(value) == shown


# -- the annex to the decision ---------------------------------------------------------------------------------


def grow_block(publication, count):
    """Add units to the published block until it has ``count``, with long names (as Hanoi's departments have)."""
    block = publication.blocks.get()
    existing = block.results.count()
    for number in range(existing + 1, count + 1):
        unit = UnitFactory(
            code=f"ban-{number}", name=f"Ban Quản lý các khu công nghiệp và chế xuất số {number}", block=block.block
        )
        PublishedUnit.objects.create(
            publication=publication,
            block=block,
            unit=unit,
            unit_code=unit.code,
            unit_name=unit.name,
            appraised=D("50.25"),
            survey=D("20.50"),
            bonus=D("1.00"),
            penalty=D("0.50"),
            total=D("71.25"),
            maximum=D("100.00"),
            index=D("71.25"),
            shown_index=D("71.25"),
            rank=number,
        )
    return block


def annex(client, tmp_path):
    response = client.get(reverse("public:results-download", args=[2023, "pdf"]))
    assert response.status_code == 200
    return response.content, pdf_pages(response.content, tmp_path)


def test_the_annex_is_landscape_with_the_decision_and_page_numbers(client, graded_period, coordinator, tmp_path):
    publish(graded_period, coordinator)
    content, pages = annex(client, tmp_path)
    assert page_size(content, tmp_path).startswith("841.89 x 595.276 pts")  # A4 landscape
    lines = pages[0].splitlines()
    assert lines[:3] == [
        "PHỤ LỤC",
        "KẾT QUẢ CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM 2023",
        "(Kèm theo Quyết định số 1234/QĐ-UBND ngày 05 tháng 4 năm 2024; phiên bản 1)",
    ]
    assert [page.splitlines()[-1] for page in pages] == [f"Trang {n}/{len(pages)}" for n in range(1, len(pages) + 1)]


def test_twenty_two_units_fit_one_page_with_their_names_whole(client, graded_period, coordinator, tmp_path):
    publication = publish(graded_period, coordinator)
    grow_block(publication, 22)
    _content, pages = annex(client, tmp_path)
    first = pages[0].splitlines()
    rows = [line for line in first if line.split()[0].isdigit() and ("Sở " in line or "Ban " in line)]
    assert len(rows) == 22  # the whole ranking on the first page
    # Each name on one line, with its numbers: nothing cut into "Ban / Quản / lý …".
    assert "22 Ban Quản lý các khu công nghiệp và chế xuất số 22 50,25 20,50 1,00 0,50 71,25 100 71,25%" in first
    assert "4 Sở Y tế 8,45 7,25 2,00 1,00 16,70 27 61,85%" in first


def test_a_long_table_repeats_its_header_row_on_every_page(client, graded_period, coordinator, tmp_path):
    publication = publish(graded_period, coordinator)
    grow_block(publication, 60)
    _content, pages = annex(client, tmp_path)
    table_pages = [page for page in pages if "50,25 20,50" in page]  # not the chart's pages
    assert len(table_pages) >= 2
    for page in table_pages:
        lines = page.splitlines()
        first_row = next(i for i, line in enumerate(lines) if line.split()[0].isdigit() and "%" in line)
        header = " ".join(lines[max(0, first_row - 3) : first_row])  # the header's cells wrap onto three lines
        assert header == "Xếp Điểm thẩm Điều tra Điểm Đơn vị Điểm trừ Tổng Tối đa Chỉ số hạng định xã hội học thưởng", (
            page
        )


# -- the self-assessment report --------------------------------------------------------------------------------


def report(client, assessment, tmp_path):
    response = client.get(reverse("assessment:assessment-report", args=[assessment.pk]))
    assert response.status_code == 200
    return pdf_pages(response.content, tmp_path)


def test_a_draft_report_says_so_on_every_page(client, unit_staff, assessment, tmp_path):
    client.force_login(unit_staff)
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 11, 30, 9, 0)), tick=False):
        pages = report(client, assessment, tmp_path)
    assert len(pages) >= 2
    assert all(page.splitlines()[0] == "BẢN NHÁP — chưa gửi" for page in pages)
    assert "Hà Nội, ngày 30 tháng 11 năm 2026" in pages[-1].splitlines()


def test_a_submitted_report_is_not_a_draft(client, unit_head, submitted, tmp_path):
    client.force_login(unit_head)
    pages = report(client, submitted, tmp_path)
    assert not any("BẢN NHÁP" in page for page in pages)
    assert pages[0].splitlines()[0] == "UBND THÀNH PHỐ HÀ NỘI CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"


def test_declared_values_carry_their_unit(client, unit_staff, assessment, tmp_path):
    complete(assessment, unit_staff)
    rows = []
    for code, value in (("1.1.1", D("1")), ("1.1.2", D("92.5"))):  # yes/no; a rate (tiers)
        leaf = score_of(assessment, code)
        rows.append(
            ScoreInput(score_id=leaf.pk, version=leaf.version, declared_value=value, no_evidence_reason="Hồ sơ giấy")
        )
    score_save(assessment=assessment, user=unit_staff, rows=rows)
    client.force_login(unit_staff)
    lines = "\n".join(report(client, assessment, tmp_path)).splitlines()
    assert "1.1.1 Ban hành kế hoạch CCHC năm đúng thời hạn 1 có 1,00 Hồ sơ giấy" in lines
    assert "1.1.2 Mức độ hoàn thành kế hoạch CCHC năm 1,5 92,5% 0,75 Hồ sơ giấy" in lines


# -- difficulties, obstacles and recommendations ----------------------------------------------------------------


def difficulties_url(assessment):
    return reverse("assessment:assessment-difficulties", args=[assessment.pk])


def test_the_unit_writes_its_difficulties_and_the_report_prints_them(client, unit_staff, assessment, tmp_path):
    client.force_login(unit_staff)
    summary = client.get(reverse("assessment:assessment-summary", args=[assessment.pk])).content.decode()
    assert (
        f'href="{difficulties_url(assessment)}" data-testid="difficulties-link">Khó khăn, vướng mắc và kiến nghị'
        in summary
    )
    page = client.get(difficulties_url(assessment))
    assert page.status_code == 200
    assert '<h1 class="h4">Khó khăn, vướng mắc và kiến nghị</h1>' in page.content.decode()
    text = "Thiếu cán bộ chuyên trách CCHC.\nĐề nghị Thành phố bổ sung biên chế."
    response = client.post(difficulties_url(assessment), {"difficulties": f"  {text}  ", "seen": ""})
    assert response.status_code == 302
    assert response["Location"] == reverse("assessment:assessment-summary", args=[assessment.pk])
    assessment.refresh_from_db()
    assert assessment.difficulties == text
    event = AssessmentEvent.objects.get(assessment=assessment)
    assert (event.from_status, event.to_status, event.actor, event.reason) == (
        "draft",
        "draft",
        unit_staff,
        f"Khó khăn, vướng mắc và kiến nghị: {text}",
    )
    lines = "\n".join(report(client, assessment, tmp_path)).splitlines()
    heading = lines.index("KHÓ KHĂN, VƯỚNG MẮC VÀ KIẾN NGHỊ")
    assert lines[heading + 1 : heading + 3] == [
        "Thiếu cán bộ chuyên trách CCHC.",
        "Đề nghị Thành phố bổ sung biên chế.",
    ]
    # The same text again changes nothing and records nothing.
    client.post(difficulties_url(assessment), {"difficulties": text, "seen": text})
    assert AssessmentEvent.objects.filter(assessment=assessment).count() == 1


def test_an_empty_section_says_so_in_the_report(client, unit_staff, assessment, tmp_path):
    client.force_login(unit_staff)
    lines = "\n".join(report(client, assessment, tmp_path)).splitlines()
    heading = lines.index("KHÓ KHĂN, VƯỚNG MẮC VÀ KIẾN NGHỊ")
    assert lines[heading + 1] == "(chưa có nội dung)"


def test_a_concurrent_change_is_not_overwritten(client, unit_staff, unit_head, assessment):
    client.force_login(unit_head)
    client.post(difficulties_url(assessment), {"difficulties": "Bản của lãnh đạo", "seen": ""})
    client.force_login(unit_staff)
    response = client.post(difficulties_url(assessment), {"difficulties": "Bản của cán bộ", "seen": ""})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Người khác vừa sửa nội dung này: trang đang hiển thị bản của họ, vui lòng bổ sung lại phần của bạn." in html
    assert ">\nBản của lãnh đạo</textarea>" in html
    assessment.refresh_from_db()
    assert assessment.difficulties == "Bản của lãnh đạo"


def test_after_submitting_the_text_is_read_only(client, unit_head, submitted):
    submitted.difficulties = "Đã viết trước khi gửi"
    submitted.save(update_fields=["difficulties"])
    client.force_login(unit_head)
    page = client.get(difficulties_url(submitted)).content.decode()
    assert "<textarea" not in page
    assert "Hồ sơ tự đánh giá đã được gửi: không sửa được nữa." in page
    assert "Đã viết trước khi gửi" in page
    response = client.post(difficulties_url(submitted), {"difficulties": "Sửa sau khi gửi", "seen": ""})
    assert response.status_code == 403
    submitted.refresh_from_db()
    assert submitted.difficulties == "Đã viết trước khi gửi"


def test_another_unit_does_not_see_the_page(client, other_unit_staff, assessment):
    client.force_login(other_unit_staff)
    assert client.get(difficulties_url(assessment)).status_code == 404
    assert client.post(difficulties_url(assessment), {"difficulties": "x", "seen": ""}).status_code == 404


def test_nobody_else_writes_through_the_service(assessment, coordinator):
    from django.core.exceptions import PermissionDenied

    from assessment.services import difficulties_save

    with pytest.raises(PermissionDenied):
        difficulties_save(assessment=assessment, user=coordinator, text="x", seen="")
    assert not Unit.objects.filter(code="x").exists()
