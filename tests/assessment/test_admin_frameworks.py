"""Home Affairs in the admin: frameworks with their tree, criteria import/export, periods and their opening."""

import csv
import io
import re

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment.models import Assessment, Criterion, Framework, Period, PeriodBlock, Score
from assessment.services import framework_activate
from tests.assessment.conftest import SAMPLE, sample_rows, to_csv
from tests.factories import UnitFactory

IMPORT_URL = reverse("admin:assessment_criterion_import")
PROCESS_URL = reverse("admin:assessment_criterion_process_import")


def post_import(client, framework, content: bytes, name="framework.csv"):
    return client.post(
        IMPORT_URL,
        {"framework": framework.pk, "resource": "0", "format": "0", "import_file": SimpleUploadedFile(name, content)},
    )


def problems_in(response) -> list[str]:
    html = response.content.decode()
    block = re.search(r'data-testid="import-problems">(.*?)</ul>', html, re.S)
    return [re.sub(r"\s+", " ", item).strip() for item in re.findall(r"<li>(.*?)</li>", block.group(1), re.S)]


def test_coordinator_imports_the_sample_with_a_preview_then_confirms(client, coordinator, draft_framework):
    client.force_login(coordinator)
    preview = post_import(client, draft_framework, SAMPLE.read_bytes())
    assert preview.status_code == 200
    assert "54 mới, 0 thay đổi" in preview.content.decode()
    assert not Criterion.objects.exists()

    confirm = preview.context["confirm_form"].initial
    response = client.post(PROCESS_URL, {**confirm, "resource": "0"})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:assessment_framework_change", args=[draft_framework.pk])
    assert Criterion.objects.filter(framework=draft_framework).count() == 54

    page = client.get(response["Location"]).content.decode()
    assert (
        "thẩm định 70 + điều tra xã hội học 30 = 100 điểm; điểm thưởng tối đa 2, điểm trừ tối đa 3; "
        "43 tiêu chí được chấm." in page
    )


def test_the_import_page_preselects_the_framework(client, coordinator, draft_framework):
    client.force_login(coordinator)
    response = client.get(IMPORT_URL + f"?framework={draft_framework.pk}")
    assert response.context["form"].initial["framework"] == str(draft_framework.pk)


def test_a_bad_file_shows_its_rows_in_the_preview_and_saves_nothing(client, coordinator, draft_framework):
    rows = sample_rows()
    rows[3][2] = "1.25"  # 1.1.1 (spreadsheet row 4): its parent 1.1 no longer adds up
    client.force_login(coordinator)
    response = post_import(client, draft_framework, to_csv(rows))
    assert problems_in(response) == ["Dòng 3: Tiêu chí 1.1: điểm tối đa 2,5 khác tổng điểm các tiêu chí con (2,75)."]
    assert response.context.get("confirm_form") is None
    assert not Criterion.objects.exists()


def test_an_active_framework_cannot_be_chosen_for_an_import(client, coordinator, sample_framework):
    framework_activate(framework=sample_framework, actor=None)
    client.force_login(coordinator)
    response = post_import(client, sample_framework, SAMPLE.read_bytes())
    assert response.context["form"].errors["framework"] == [
        "Hãy chọn một lựa chọn hợp lệ. Lựa chọn đó không phải là một trong các lựa chọn khả thi."
    ]


def test_export_downloads_the_tree(client, coordinator, sample_framework):
    client.force_login(coordinator)
    response = client.get(reverse("admin:assessment_framework_export", args=[sample_framework.pk, "csv"]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="bo-chi-so-khoi-so-v1.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Mã", "Tên tiêu chí", "Điểm tối đa"]
    assert [row[0] for row in rows[1:]] == [row[0] for row in sample_rows()[1:]]

    response = client.get(reverse("admin:assessment_framework_export", args=[sample_framework.pk, "xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[3]][:4] == ["1.1", "Kế hoạch CCHC năm", 2.5, None]


def test_the_framework_page_runs_a_fixed_number_of_queries(client, coordinator, sample_framework, departments):
    small = Framework.objects.create(block=departments, name="Nhỏ", first_year=2024)
    Criterion.objects.create(framework=small, code="1", title="Một", max_points=1, method="survey", order=1)
    client.force_login(coordinator)
    # One request first: Django caches content types per process, and the first page of a process asks once more.
    client.get(reverse("admin:assessment_framework_change", args=[small.pk]))
    counts = []
    for framework in (small, sample_framework):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("admin:assessment_framework_change", args=[framework.pk]))
        assert response.status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


def test_activate_action_and_view_only_once_active(client, coordinator, sample_framework):
    client.force_login(coordinator)
    response = client.post(
        reverse("admin:assessment_framework_changelist"),
        {"action": "activate", "_selected_action": [sample_framework.pk]},
        follow=True,
    )
    assert f"“{sample_framework}” đang áp dụng." in [str(message) for message in response.context["messages"]]
    sample_framework.refresh_from_db()
    assert sample_framework.state == Framework.State.ACTIVE

    change_url = reverse("admin:assessment_framework_change", args=[sample_framework.pk])
    response = client.post(change_url, {"name": "Đổi tên", "block": sample_framework.block_id, "first_year": 2024})
    assert response.status_code == 403
    criterion = Criterion.objects.get(framework=sample_framework, code="1.4")
    response = client.post(
        reverse("admin:assessment_criterion_change", args=[criterion.pk]),
        {
            "framework": sample_framework.pk,
            "code": "1.4",
            "title": "Đổi",
            "max_points": "1",
            "method": "appraisal",
            "rule": "yes_no",
            "rule_params": "{}",
        },
    )
    assert response.status_code == 403
    assert Criterion.objects.get(pk=criterion.pk).title == "Công tác tuyên truyền CCHC"
    assert (
        client.post(
            reverse("admin:assessment_framework_delete", args=[sample_framework.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert Framework.objects.filter(pk=sample_framework.pk).exists()


def test_activation_errors_are_shown_and_change_nothing(client, coordinator, sample_framework):
    Criterion.objects.filter(framework=sample_framework, code="1.4").update(rule="")
    client.force_login(coordinator)
    response = client.post(
        reverse("admin:assessment_framework_changelist"),
        {"action": "activate", "_selected_action": [sample_framework.pk]},
        follow=True,
    )
    assert [str(message) for message in response.context["messages"]] == [
        f"{sample_framework}: Tiêu chí 1.4: Tiêu chí thẩm định phải có quy tắc chấm (dùng “manual” nếu chấm thủ công)."
    ]
    sample_framework.refresh_from_db()
    assert sample_framework.state == Framework.State.DRAFT


def test_copy_as_new_version_from_the_admin(client, coordinator, sample_framework):
    framework_activate(framework=sample_framework, actor=None)
    client.force_login(coordinator)
    client.post(
        reverse("admin:assessment_framework_changelist"),
        {"action": "copy_as_new_version", "_selected_action": [sample_framework.pk]},
    )
    copy = Framework.objects.get(copied_from=sample_framework)
    assert (copy.version, copy.state, copy.criteria.count()) == (2, "draft", 54)


def period_form(active_framework, **overrides):
    data = {
        "year": "2024",
        "name": "Chỉ số CCHC năm 2024",
        "self_assessment_opens": "05/01/2025",
        "self_assessment_closes": "31/01/2025",
        "appraisal_closes": "28/02/2025",
        "explanation_opens": "01/03/2025",
        "explanation_closes": "10/03/2025",
        "council_date": "20/03/2025",
        "publication_date": "01/04/2025",
        "blocks-TOTAL_FORMS": "1",
        "blocks-INITIAL_FORMS": "0",
        "blocks-MIN_NUM_FORMS": "0",
        "blocks-MAX_NUM_FORMS": "1000",
        "blocks-0-block": active_framework.block_id,
        "blocks-0-framework": active_framework.pk,
    }
    data.update(overrides)
    return data


def test_coordinator_creates_and_opens_a_period(client, coordinator, sample_framework, agencies):
    framework_activate(framework=sample_framework, actor=None)
    client.force_login(coordinator)
    response = client.post(reverse("admin:assessment_period_add"), period_form(sample_framework), follow=True)
    assert response.redirect_chain, response.context["adminform"].form.errors
    period = Period.objects.get(year=2024)
    assert PeriodBlock.objects.get(period=period).framework == sample_framework

    response = client.post(
        reverse("admin:assessment_period_changelist"),
        {"action": "open_period", "_selected_action": [period.pk]},
        follow=True,
    )
    assert [str(message) for message in response.context["messages"]] == [
        "Chỉ số CCHC năm 2024: 6 hồ sơ mới, 258 dòng điểm mới; 6 đơn vị tham gia."
    ]
    assert Assessment.objects.filter(period=period).count() == 6
    assert Score.objects.filter(assessment__period=period).count() == 6 * 43

    page = client.get(reverse("admin:assessment_period_change", args=[period.pk])).content.decode()
    progress = re.search(r'data-testid="period-progress">(.*?)</table>', page, re.S).group(1)
    assert re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", progress)).split()[:2] == ["Nháp", "6"]


def test_a_calendar_out_of_order_is_a_form_error(client, coordinator, sample_framework):
    framework_activate(framework=sample_framework, actor=None)
    client.force_login(coordinator)
    response = client.post(
        reverse("admin:assessment_period_add"), period_form(sample_framework, council_date="05/03/2025")
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == ["Hội đồng không họp trước hạn giải trình."]
    assert not Period.objects.exists()


def test_adding_a_unit_later_in_the_admin(client, coordinator, sample_framework, agencies, departments):
    from assessment.services import period_open
    from tests.assessment.test_services_framework import make_period

    framework_activate(framework=sample_framework, actor=None)
    period = make_period(2024)
    PeriodBlock.objects.create(period=period, block=departments, framework=sample_framework)
    period_open(period=period, actor=None)
    newcomer = UnitFactory(code="so-moi", name="Sở Mới", block=departments)
    client.force_login(coordinator)
    response = client.post(reverse("admin:assessment_assessment_add"), {"period": period.pk, "unit": newcomer.pk})
    assert response.status_code == 302
    assert Score.objects.filter(assessment__unit=newcomer, assessment__period=period).count() == 43

    again = client.post(reverse("admin:assessment_assessment_add"), {"period": period.pk, "unit": newcomer.pk})
    assert again.context["adminform"].form.non_field_errors() == ["Đơn vị này đã có hồ sơ trong kỳ đánh giá."]


@pytest.mark.parametrize("who", ["appraiser", "council_member"])
def test_readers_see_frameworks_and_periods_but_change_nothing(client, request, who, sample_framework):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("admin:assessment_framework_change", args=[sample_framework.pk])).status_code == 200
    assert client.get(reverse("admin:assessment_period_changelist")).status_code == 200
    assert client.get(IMPORT_URL).status_code == 403
    assert post_import(client, sample_framework, SAMPLE.read_bytes()).status_code == 403
    response = client.post(
        reverse("admin:assessment_framework_changelist"),
        {"action": "activate", "_selected_action": [sample_framework.pk]},
    )
    assert response.status_code in (200, 302)
    sample_framework.refresh_from_db()
    assert sample_framework.state == Framework.State.DRAFT
    assert client.get(reverse("admin:assessment_period_add")).status_code == 403


@pytest.mark.parametrize("who", ["unit_staff", "unit_head"])
def test_unit_people_reach_none_of_it(client, request, who, sample_framework):
    client.force_login(request.getfixturevalue(who))
    for url in (
        reverse("admin:assessment_framework_changelist"),
        reverse("admin:assessment_framework_export", args=[sample_framework.pk, "csv"]),
        IMPORT_URL,
    ):
        assert client.get(url).status_code == 302


FORMULA = "Không được bắt đầu bằng “{}”: bảng tính sẽ hiểu đó là công thức. Hãy bỏ dấu này."


def test_the_framework_form_refuses_a_name_a_spreadsheet_would_compute(client, coordinator, departments):
    client.force_login(coordinator)
    response = client.post(
        reverse("admin:assessment_framework_add"),
        {"block": departments.pk, "name": "+Bộ chỉ số", "first_year": 2025},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["name"] == [FORMULA.format("+")]
    assert not Framework.objects.exists()


def test_the_criterion_form_refuses_a_formula_title_and_keeps_a_list_in_the_guidance(
    client, coordinator, sample_framework
):
    criterion = Criterion.objects.get(framework=sample_framework, code="1.4")
    before = (criterion.title, criterion.guidance)
    client.force_login(coordinator)
    form = client.get(reverse("admin:assessment_criterion_change", args=[criterion.pk])).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(framework=sample_framework.pk, title="=cmd|' /C calc'!A0", guidance="+ thêm hồ sơ")
    data["rule_params"] = "{}" if not criterion.rule_params else form["rule_params"].value()
    response = client.post(reverse("admin:assessment_criterion_change", args=[criterion.pk]), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["title"] == [FORMULA.format("=")]
    assert list(response.context["adminform"].form.errors) == ["title"]  # "+ thêm hồ sơ" is fine as guidance
    criterion.refresh_from_db()
    assert (criterion.title, criterion.guidance) == before


def test_a_period_name_a_spreadsheet_would_compute_is_refused():
    period = Period(name="@Năm 2025", year=2025)
    with pytest.raises(ValidationError) as error:
        period.clean_fields()
    assert error.value.message_dict["name"] == [FORMULA.format("@")]
