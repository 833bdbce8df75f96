"""Submitting: only the head, only complete, with the signed scan; then read-only. The explanation round."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from assessment.models import AssessmentEvent, Criterion, Document, Evidence, Score
from assessment.services import ScoreInput, evidence_upload, score_save
from tests.assessment.conftest import PDF_BYTES, PNG_BYTES, complete, score_of
from tests.assessment.helpers import edit, open_explanation, open_field, page_data, save_field
from tests.assessment.test_files import DOCX


def submit(client, assessment, scan=("bao-cao-da-ky.pdf", PDF_BYTES), confirm=True):
    data = {"confirm": "on"} if confirm else {}
    if scan:
        data["signed_report"] = SimpleUploadedFile(*scan)
    return client.post(reverse("assessment:assessment-submit", args=[assessment.pk]), data, follow=True)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_staff_cannot_submit(client, unit_staff, assessment):
    complete(assessment, unit_staff)
    client.force_login(unit_staff)
    summary = client.get(reverse("assessment:assessment-summary", args=[assessment.pk])).content.decode()
    assert "Chỉ lãnh đạo đơn vị mới gửi hồ sơ tự đánh giá." in summary
    response = client.post(
        reverse("assessment:assessment-submit", args=[assessment.pk]),
        {"confirm": "on", "signed_report": SimpleUploadedFile("x.pdf", PDF_BYTES)},
    )
    assert response.status_code == 403
    assessment.refresh_from_db()
    assert assessment.status == "draft"


def test_an_incomplete_assessment_is_refused_with_the_list_of_what_is_missing(client, unit_head, assessment):
    client.force_login(unit_head)
    data = edit(page_data(open_field(client, assessment, "1")), score_of(assessment, "1.1.1"), declared_value="1")
    save_field(client, assessment, "1", data)

    response = submit(client, assessment)

    assert response.status_code == 400
    assert messages_of(response)[-1] == "Chưa gửi được hồ sơ tự đánh giá: hãy hoàn thiện các mục liệt kê dưới đây."
    missing = response.context["missing"]
    assert len(missing) == 33
    assert [str(item) for item in missing[:2]] == [
        "Tiêu chí 1.1.1: bắt buộc có tài liệu kiểm chứng: hãy gắn tài liệu hoặc ghi lý do không có.",
        "Tiêu chí 1.1.2: chưa có điểm tự đánh giá và chưa đánh dấu “không áp dụng”.",
    ]
    link = reverse("assessment:assessment-detail", args=[assessment.pk]) + "?field=1#leaf-1.1.2"
    assert f'href="{link}"' in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.status == "draft"
    assert not AssessmentEvent.objects.exists()


def test_evidence_or_a_reason_satisfies_the_requirement(client, unit_head, assessment):
    complete(assessment, unit_head)
    leaf = score_of(assessment, "1.1.1")
    score_save(
        assessment=assessment,
        user=unit_head,
        rows=[ScoreInput(score_id=leaf.pk, version=leaf.version, self_points=Decimal("1"))],
    )
    from assessment.selectors.portal import assessment_missing

    assert [item.code for item in assessment_missing(assessment)] == ["1.1.1"]
    evidence_upload(score=leaf, user=unit_head, upload=SimpleUploadedFile("kh.pdf", PDF_BYTES))
    assert assessment_missing(assessment) == []


@pytest.mark.parametrize(
    ("scan", "confirm", "errors"),
    [
        (
            None,
            True,
            {"signed_report": ["Hãy tải lên báo cáo tự đánh giá đã ký (bản quét PDF, JPG hoặc PNG)."]},
        ),
        (("ky.docx", DOCX), True, {"signed_report": ["Báo cáo đã ký phải là bản quét PDF, JPG hoặc PNG."]}),
        (
            ("ky.pdf", b"MZ\x90\x00" + b"\x00" * 40),
            True,
            {"signed_report": ["“ky.pdf” không thực sự là tệp PDF: nội dung không khớp với phần mở rộng."]},
        ),
        (("ky.pdf", PDF_BYTES), False, {"confirm": ["Hãy đánh dấu ô xác nhận để gửi."]}),
    ],
)
def test_the_signed_scan_and_the_confirmation_are_required(client, unit_head, assessment, scan, confirm, errors):
    complete(assessment, unit_head)
    client.force_login(unit_head)
    response = submit(client, assessment, scan=scan, confirm=confirm)
    assert response.status_code == 400
    assert messages_of(response) == ["Chưa gửi được hồ sơ tự đánh giá: hãy hoàn thiện các mục liệt kê dưới đây."]
    assert response.context["submit_form"].errors == errors
    assessment.refresh_from_db()
    assert (assessment.status, assessment.signed_report) == ("draft", None)


def test_every_reason_not_to_submit_is_listed_at_once(client, unit_head, assessment):
    """Missing criteria, no signed scan and no confirmation: one refusal lists them all, each linked to its place."""
    complete(assessment, unit_head)
    leaf = score_of(assessment, "1.1.1")
    score_save(
        assessment=assessment,
        user=unit_head,
        rows=[ScoreInput(score_id=leaf.pk, version=leaf.version, self_points=Decimal("1"))],
    )
    client.force_login(unit_head)

    response = submit(client, assessment, scan=None, confirm=False)

    assert response.status_code == 400
    detail = reverse("assessment:assessment-detail", args=[assessment.pk])
    assert response.context["submit_problems"] == [
        {
            "text": "Tiêu chí 1.1.1: bắt buộc có tài liệu kiểm chứng: hãy gắn tài liệu hoặc ghi lý do không có.",
            "href": f"{detail}?field=1#leaf-1.1.1",
        },
        {
            "text": "Hãy tải lên báo cáo tự đánh giá đã ký (bản quét PDF, JPG hoặc PNG).",
            "href": "#id_signed_report",
        },
        {"text": "Hãy đánh dấu ô xác nhận để gửi.", "href": "#id_confirm"},
    ]
    page = response.content.decode()
    assert "Hồ sơ tự đánh giá chưa được gửi: còn 3 mục cần hoàn thiện." in page
    assert page.count("Hãy đánh dấu ô xác nhận để gửi.") == 2  # in the list at the top and under the box
    assert page.count("Hãy tải lên báo cáo tự đánh giá đã ký (bản quét PDF, JPG hoặc PNG).") == 2
    assessment.refresh_from_db()
    assert assessment.status == "draft"
    assert not AssessmentEvent.objects.exists()


def test_the_head_submits_and_everything_becomes_read_only(client, unit_head, unit_staff, assessment):
    complete(assessment, unit_head)
    leaf = score_of(assessment, "1.1.1")
    evidence = evidence_upload(score=leaf, user=unit_staff, upload=SimpleUploadedFile("kh.pdf", PDF_BYTES))
    client.force_login(unit_head)

    response = submit(client, assessment, scan=("bao-cao-da-ky.png", PNG_BYTES))

    assert messages_of(response)[-1] == "Đã gửi hồ sơ tự đánh giá của Sở Tài chính."
    assessment.refresh_from_db()
    assert (assessment.status, assessment.submitted_by, assessment.signed_report.original_name) == (
        "submitted",
        unit_head,
        "bao-cao-da-ky.png",
    )
    event = AssessmentEvent.objects.get()
    assert (event.from_status, event.to_status, event.actor) == ("draft", "submitted", unit_head)

    page = open_field(client, assessment, "1").content.decode()
    assert "Hồ sơ tự đánh giá đã được gửi: không sửa được nữa." in page
    before = list(Score.objects.filter(assessment=assessment).values_list("self_points", "version"))
    refused = [
        client.post(
            reverse("assessment:section-save", args=[assessment.pk, "1"]),
            {f"s{leaf.pk}-version": str(leaf.version), f"s{leaf.pk}-self_points": "0"},
        ),
        client.post(
            reverse("assessment:evidence-add", args=[assessment.pk, leaf.pk]),
            {"files": SimpleUploadedFile("them.pdf", PDF_BYTES + b"1")},
        ),
        client.post(reverse("assessment:evidence-remove", args=[assessment.pk, evidence.pk])),
        client.post(
            reverse("assessment:assessment-submit", args=[assessment.pk]),
            {"confirm": "on", "signed_report": SimpleUploadedFile("lai.pdf", PDF_BYTES + b"2")},
        ),
    ]
    assert [response.status_code for response in refused] == [403, 403, 403, 403]
    assert list(Score.objects.filter(assessment=assessment).values_list("self_points", "version")) == before
    assert Evidence.objects.count() == 1
    assert Document.objects.count() == 2  # the evidence and the signed scan
    assert AssessmentEvent.objects.count() == 1


def test_nothing_can_be_submitted_after_the_deadline(client, unit_head, assessment):
    complete(assessment, unit_head)
    period = assessment.period
    period.self_assessment_closes = timezone.localdate() - timedelta(days=1)
    period.save()
    client.force_login(unit_head)
    response = client.post(
        reverse("assessment:assessment-submit", args=[assessment.pk]),
        {"confirm": "on", "signed_report": SimpleUploadedFile("ky.pdf", PDF_BYTES)},
    )
    assert response.status_code == 403
    assessment.refresh_from_db()
    assert assessment.status == "draft"


@pytest.fixture
def returned(assessment, unit_head, coordinator):
    """Submitted, appraised (1.1.1 at 0.5) and returned, with the explanation window open today."""
    complete(assessment, unit_head)
    from assessment.services import assessment_submit

    assessment_submit(assessment=assessment, user=unit_head, signed_scan=SimpleUploadedFile("ky.pdf", PDF_BYTES))
    Score.objects.filter(assessment=assessment, criterion__code="1.1.1").update(
        appraised_points=Decimal("0.50"), appraised_comment="Ban hành muộn 5 ngày so với quy định."
    )
    return open_explanation(assessment, coordinator)


def test_the_unit_sees_the_appraisal_and_explains(client, unit_staff, returned):
    leaf = score_of(returned, "1.1.1")
    client.force_login(unit_staff)
    response = open_field(client, returned, "1")
    html = response.content.decode()
    assert "Kết quả thẩm định đã được gửi về" in html
    assert "Ban hành muộn 5 ngày so với quy định." in html
    data = page_data(response)
    data[f"s{leaf.pk}-explanation"] = "Kế hoạch ban hành đúng hạn, xem văn bản 12/KH-STC."

    assert save_field(client, returned, "1", data).status_code == 302
    leaf.refresh_from_db()
    assert (leaf.explanation, leaf.self_points) == (
        "Kế hoạch ban hành đúng hạn, xem văn bản 12/KH-STC.",
        Decimal("1.00"),
    )

    client.post(
        reverse("assessment:evidence-add", args=[returned.pk, leaf.pk]),
        {"files": SimpleUploadedFile("12-KH-STC.pdf", PDF_BYTES + b"e")},
    )
    assert Evidence.objects.get(score=leaf).round == "explanation"


def test_self_scores_cannot_change_in_the_explanation_round(client, unit_staff, returned):
    leaf = score_of(returned, "1.1.1")
    client.force_login(unit_staff)
    data = page_data(open_field(client, returned, "1"))
    data[f"s{leaf.pk}-self_points"] = "0"
    data[f"s{leaf.pk}-explanation"] = "Đề nghị giữ điểm"
    save_field(client, returned, "1", data)
    assert score_of(returned, "1.1.1").self_points == Decimal("1.00")


def test_the_head_submits_the_explanation_then_it_is_read_only(client, unit_head, unit_staff, returned):
    client.force_login(unit_staff)
    staff_attempt = client.post(reverse("assessment:explanation-submit", args=[returned.pk]))
    assert staff_attempt.status_code == 403
    client.force_login(unit_head)
    response = client.post(reverse("assessment:explanation-submit", args=[returned.pk]), follow=True)
    assert messages_of(response)[-1] == "Đã gửi giải trình của Sở Tài chính."
    returned.refresh_from_db()
    assert (returned.status, returned.explanation_submitted_by) == ("explained", unit_head)
    assert list(AssessmentEvent.objects.values_list("to_status", flat=True)) == ["submitted", "returned", "explained"]
    leaf = score_of(returned, "1.1.1")
    refused = client.post(
        reverse("assessment:section-save", args=[returned.pk, "1"]),
        {f"s{leaf.pk}-version": str(leaf.version), f"s{leaf.pk}-explanation": "Muộn"},
    )
    assert refused.status_code == 403
    assert score_of(returned, "1.1.1").explanation == ""


def test_the_report_is_a_pdf_to_sign(client, unit_staff, assessment, tmp_path):
    """Read back with pdftotext (poppler-utils): the unit, the year, each field with its maximum, every criterion."""
    import subprocess

    complete(assessment, unit_staff)
    leaf = score_of(assessment, "1.1.2")
    score_save(
        assessment=assessment,
        user=unit_staff,
        rows=[
            ScoreInput(
                score_id=leaf.pk,
                version=leaf.version,
                declared_value=Decimal("85"),
                self_points=Decimal("0.75"),
                no_evidence_reason="Hồ sơ giấy lưu tại đơn vị",
            )
        ],
    )
    client.force_login(unit_staff)
    response = client.get(reverse("assessment:assessment-report", args=[assessment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="tu-danh-gia-so-tai-chinh-2024.pdf"'
    (tmp_path / "report.pdf").write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "report.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    for expected in [
        "SỞ TÀI CHÍNH Độc lập - Tự do - Hạnh phúc",
        "BÁO CÁO TỰ ĐÁNH GIÁ, CHẤM ĐIỂM CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM 2024",
        "Bộ chỉ số khối Sở",
        "1 Công tác chỉ đạo, điều hành cải cách hành chính 10",
        "1.1 Kế hoạch CCHC năm 2,5",
        "1.1.1 Ban hành kế hoạch CCHC năm đúng thời hạn 1 1,00 Hồ sơ giấy lưu tại đơn vị",
        "1.1.2 Mức độ hoàn thành kế hoạch CCHC năm 1,5 85% 0,75 Hồ sơ giấy lưu tại đơn vị",  # a rate, in %
        "1.6 Đánh giá của đại biểu, lãnh đạo về công tác chỉ đạo, điều hành CCHC 2 điều tra",
        "2 Cải cách thể chế 10",
        "4 Cải cách tổ chức bộ máy hành chính nhà nước 8",
        "9.2 Điểm trừ: vi phạm bị cấp có thẩm quyền phê bình, xử lý 3",
        # 70 appraisal points less 0,75 lost on 1.1.2: 69,25 / 70 = 98,93 %
        "Phần thẩm định, theo điểm tự đánh giá: 69,25 / 70 (98,93%). Đã chấm 33/33 tiêu chí.",
        "THỦ TRƯỞNG ĐƠN VỊ",
    ]:
        assert expected in lines
    codes = list(
        Criterion.objects.filter(framework=assessment.framework).order_by("order").values_list("code", flat=True)
    )
    assert len(codes) == 54
    assert [line.split()[0] for line in lines if line.split()[0] in set(codes)] == codes  # each once, in order


def test_a_signed_scan_named_with_a_nul_is_refused(client, unit_head, assessment):
    from tests.assessment.test_views_evidence import multipart_with_raw_filename

    complete(assessment, unit_head)
    client.force_login(unit_head)
    body, content_type = multipart_with_raw_filename(
        "signed_report", b"bao-cao\x00.exe.pdf", PDF_BYTES, fields={"confirm": "on"}
    )
    response = client.generic(
        "POST", reverse("assessment:assessment-submit", args=[assessment.pk]), body, content_type=content_type
    )
    assert response.status_code == 400
    assert response.context["submit_form"].errors == {"signed_report": ["Tên tệp chứa ký tự điều khiển."]}
    assessment.refresh_from_db()
    assert (assessment.status, assessment.signed_report) == ("draft", None)
    assert not Document.objects.exists()


def test_the_summary_reads_in_a_constant_number_of_queries(client, unit_head, assessment, django_assert_num_queries):
    """Issue 12: session, user, roles, the assessment (read with whether a carry-over was made: none, so it is not
    read); the fields and one pass over the score rows; whether last year exists and the signed report. Saving more
    answers adds none."""
    client.force_login(unit_head)
    url = reverse("assessment:assessment-summary", args=[assessment.pk])
    client.get(url)
    with django_assert_num_queries(8):
        first = client.get(url)
    assert len(first.context["missing"]) == 33
    complete(assessment, unit_head)
    with django_assert_num_queries(8):
        done = client.get(url)
    assert done.context["missing"] == [] and done.context["progress"].answered == done.context["progress"].total
