"""Issue 11, item 10: maxima written as people write them, the signed scan marked as required, no evidence
asked for a penalty, e-mail links to the site's own address, the summary's column of maxima."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from assessment.formatting import compact
from assessment.models import Criterion
from tests.assessment.conftest import PDF_BYTES, complete, sample_rows
from tests.assessment.helpers import open_field


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (Decimal("100.00"), "100"),
        (Decimal("15.50"), "15,5"),
        (Decimal("1.5"), "1,5"),
        (Decimal("0.75"), "0,75"),
        (Decimal("13.42"), "13,42"),
        (Decimal("2.005"), "2,01"),
        (Decimal("0"), "0"),
        (None, "—"),
    ],
)
def test_a_maximum_is_written_without_trailing_zeros(value, written):
    with translation.override("vi"):
        assert compact(value) == written


def test_the_field_page_writes_maxima_as_people_do(client, unit_staff, assessment):
    client.force_login(unit_staff)
    html = open_field(client, assessment, "1").content.decode()
    assert '<span class="badge text-bg-light">10 điểm</span>' in html  # field 1: 10.00
    assert ">tối đa 1,5</span>" in html  # 1.1.2: 1.50
    assert ">tối đa 1</span>" in html  # 1.1.1: 1.00
    assert "1,50" not in html and "10,00" not in html


def test_the_summary_heads_its_column_of_maxima_in_words(client, unit_head, assessment):
    client.force_login(unit_head)
    html = client.get(reverse("assessment:assessment-summary", args=[assessment.pk])).content.decode()
    assert '<th class="text-end">Điểm tối đa</th>' in html
    assert ">Trên<" not in html


def test_the_grading_page_writes_maxima_as_people_do(client, coordinator, assessment):
    client.force_login(coordinator)
    html = client.get(reverse("admin:assessment_assessment_grade", args=[assessment.pk])).content.decode()
    assert '<td class="num">1,5</td>' in html
    assert "(10)" in html
    assert "1,50" not in html


def test_the_signed_scan_is_marked_as_required(client, unit_head, assessment):
    client.force_login(unit_head)
    response = client.get(reverse("assessment:assessment-summary", args=[assessment.pk]))
    field = response.context["submit_form"]["signed_report"]
    assert field.field.required
    html = response.content.decode()
    label = html[html.index('for="id_signed_report"') :]
    label = label[: label.index("</label>")]
    assert 'class="asteriskField">*</span>' in label
    assert 'name="signed_report"' in html and "required" in html[html.index('name="signed_report"') - 200 :][:300]


def test_both_missing_scan_and_confirmation_are_told_at_once(client, unit_head, assessment):
    complete(assessment, unit_head)
    client.force_login(unit_head)
    response = client.post(reverse("assessment:assessment-submit", args=[assessment.pk]), {})
    assert response.status_code == 400
    # Each once: the form's "required" and the service's own check of the scan say the same thing.
    assert [str(problem["text"]) for problem in response.context["submit_problems"]] == [
        "Hãy tải lên báo cáo tự đánh giá đã ký (bản quét PDF, JPG hoặc PNG).",
        "Hãy đánh dấu ô xác nhận để gửi.",
    ]
    assert response.context["submit_form"].errors["signed_report"] == [
        "Hãy tải lên báo cáo tự đánh giá đã ký (bản quét PDF, JPG hoặc PNG)."
    ]


def test_no_penalty_criterion_asks_for_evidence(sample_framework):
    header, *rows = sample_rows()
    method, evidence = header.index("method"), header.index("evidence_required")
    assert [(row[0], row[evidence]) for row in rows if row[method] == "penalty"] == [("9.2", "no")]
    assert not Criterion.objects.filter(framework=sample_framework, method="penalty", evidence_required=True).exists()


def test_a_penalty_criterion_requiring_evidence_is_refused(sample_framework):
    penalty = Criterion.objects.get(framework=sample_framework, code="9.2")
    penalty.evidence_required = True
    with translation.override("vi"), pytest.raises(ValidationError) as error:
        penalty.clean()
    assert error.value.message_dict == {
        "evidence_required": [
            "Điểm trừ do Sở Nội vụ nhập theo quyết định xử lý: đơn vị không phải nộp tài liệu kiểm chứng cho "
            "tiêu chí này."
        ]
    }


def _submit(client, assessment, host):
    data = {"confirm": "on", "signed_report": SimpleUploadedFile("ky.pdf", PDF_BYTES)}
    url = reverse("assessment:assessment-submit", args=[assessment.pk])
    return client.post(url, data, HTTP_HOST=host, secure=True)


def test_e_mail_links_use_the_address_the_site_is_reached_at(
    client, settings, unit_head, coordinator, assessment, mailoutbox, django_capture_on_commit_callbacks
):
    settings.SITE_URL = ""
    settings.ALLOWED_HOSTS = ["cchc.hanoi.example"]
    complete(assessment, unit_head)
    client.force_login(unit_head)
    with django_capture_on_commit_callbacks(execute=True):
        assert _submit(client, assessment, "cchc.hanoi.example").status_code == 302
    link = reverse("admin:assessment_assessment_grade", args=[assessment.pk])
    assert f"https://cchc.hanoi.example{link}" in mailoutbox[-1].body
    assert ":8000" not in mailoutbox[-1].body


def test_site_url_wins_over_the_request(
    client, settings, unit_head, coordinator, assessment, mailoutbox, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://cchc.hanoi.gov.vn/"
    settings.ALLOWED_HOSTS = ["10.0.0.5"]
    complete(assessment, unit_head)
    client.force_login(unit_head)
    with django_capture_on_commit_callbacks(execute=True):
        _submit(client, assessment, "10.0.0.5")
    link = reverse("admin:assessment_assessment_grade", args=[assessment.pk])
    assert f"https://cchc.hanoi.gov.vn{link}\n" in mailoutbox[-1].body


def test_outside_a_request_the_address_comes_from_the_settings(settings):
    from cchc.site import site_url

    settings.SITE_URL, settings.DEBUG, settings.ALLOWED_HOSTS = "", False, [".hanoi.gov.vn", "cchc.hanoi.gov.vn"]
    assert site_url() == "https://hanoi.gov.vn"
    settings.ALLOWED_HOSTS = ["cchc.hanoi.gov.vn"]
    assert site_url() == "https://cchc.hanoi.gov.vn"
    settings.DEBUG = True
    assert site_url() == "http://127.0.0.1:8000"


def test_the_readme_counts_the_criteria_of_the_sample_framework():
    from collections import Counter
    from pathlib import Path

    header, *rows = sample_rows()
    code, method = header.index("code"), header.index("method")
    codes = [row[code] for row in rows]
    leaves = Counter(row[method] for row in rows if not any(other.startswith(row[code] + ".") for other in codes))
    assert leaves == {"appraisal": 33, "survey": 8, "bonus": 1, "penalty": 1}
    readme = " ".join((Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8").split())
    assert (
        f"142 assessments of {leaves.total()} scored criteria each — {leaves['appraisal']} that the "
        f"unit self-assesses (the ones the portal lists), {leaves['survey']} survey criteria, one bonus and one "
        "penalty." in readme
    )
