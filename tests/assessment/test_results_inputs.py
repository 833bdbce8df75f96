"""Home Affairs' inputs and tools: survey results, bonus and penalty entries, earlier years, the provisional
ranking, publishing from the admin, and the command-line tools."""

import csv
import io
import json
import re
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from assessment.models import Adjustment, Assessment, EarlierResult, Publication, Score
from assessment.resources import EarlierResultResource, SurveyResource
from cchc.imports import import_table, read_table
from tests.assessment.conftest import publish


def table_csv(header, *rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def problems(outcome):
    return [str(problem) for problem in outcome.problems]


def survey_of(code, unit="so-y-te"):
    return Score.objects.get(assessment__unit__code=unit, criterion__code=code).survey_points


# -- survey results ---------------------------------------------------------------------------------------------


def test_survey_results_import_with_row_numbered_errors(graded_period, coordinator):
    content = table_csv(
        ["unit", "criterion", "points"],
        ["so-y-te", "3.1", "8,5"],
        ["so-y-te", "1.1", "2"],
        ["so-y-te", "3.1", "9"],
        ["so-khong-co", "3.1", "5"],
        ["so-du-lich", "3.1", "10,5"],
        ["so-du-lich", "3.9", "1"],
        ["so-xay-dung", "3.1", "tám"],
    )
    outcome = import_table(
        SurveyResource(period=graded_period), read_table(content, "survey.csv"), user=coordinator, commit=True
    )
    assert problems(outcome) == [
        "Dòng 3: Mã tiêu chí: 1.1 không phải là tiêu chí điều tra xã hội học.",
        "Dòng 4: so-y-te, tiêu chí 3.1 đã có ở dòng 2.",
        "Dòng 5: Mã đơn vị: so-khong-co không có hồ sơ trong Chỉ số CCHC năm 2023.",
        "Dòng 6: Điểm: phải từ 0 đến 10.",
        "Dòng 7: Mã tiêu chí: không có tiêu chí 3.9.",
        "Dòng 8: Điểm: “tám” không phải là số.",
    ]
    assert survey_of("3.1") == D("7.25")  # nothing saved


def test_survey_results_preview_and_confirm_in_the_admin(client, graded_period, coordinator):
    client.force_login(coordinator)
    content = table_csv(["Mã đơn vị", "Mã tiêu chí", "Điểm"], ["so-y-te", "3.1", "8,5"], ["so-du-lich", "3.1", "10"])
    preview = client.post(
        reverse("admin:assessment_surveyscore_import"),
        {
            "period": graded_period.pk,
            "resource": "0",
            "format": "0",
            "import_file": SimpleUploadedFile("survey.csv", content),
        },
    )
    assert preview.status_code == 200
    summary = re.search(r'data-testid="import-summary">(.*?)</p>', preview.content.decode(), re.S).group(1)
    assert " ".join(summary.split()) == "0 mới, 1 thay đổi; 1 dòng không đổi hoặc để trống."
    assert survey_of("3.1") == D("7.25")
    confirm = preview.context["confirm_form"].initial
    client.post(reverse("admin:assessment_surveyscore_process_import"), {**confirm, "resource": "0"})
    assert survey_of("3.1") == D("8.50")
    score = Score.objects.get(assessment__unit__code="so-y-te", criterion__code="3.1")
    record = score.history.first()
    assert (record.history_user, record.history_change_reason, record.survey_points) == (
        coordinator,
        "survey",
        D("8.50"),
    )


def test_only_home_affairs_imports_survey_results(client, graded_period, appraiser, council_member):
    for user, status in [(appraiser, 403), (council_member, 403)]:
        client.force_login(user)
        assert client.get(reverse("admin:assessment_surveyscore_import")).status_code == status
    client.force_login(council_member)
    listing = client.get(reverse("admin:assessment_surveyscore_changelist"))
    assert listing.status_code == 200 and "Khảo sát sự hài lòng" in listing.content.decode()


def test_survey_import_from_the_command_line(graded_period, coordinator, appraiser, tmp_path, capsys):
    path = tmp_path / "survey.csv"
    path.write_bytes(table_csv(["unit", "criterion", "points"], ["so-y-te", "3.1", "6"]))
    call_command("import_survey", str(path), "--period", "2023", "--user", "noivu")
    assert survey_of("3.1") == D("6.00")
    assert "Đã nhập: 0 mới, 1 thay đổi, 0 không đổi." in capsys.readouterr().out
    with pytest.raises(CommandError, match="“thamdinh” không phải là tài khoản quản trị Sở Nội vụ"):
        call_command("import_survey", str(path), "--period", "2023", "--user", "thamdinh")
    with pytest.raises(CommandError, match="Không có kỳ đánh giá năm 2019."):
        call_command("import_survey", str(path), "--period", "2019", "--user", "noivu")


# -- bonus and penalty entries ----------------------------------------------------------------------------------


def adjustment_form(assessment, code, points, reason="Sáng kiến được công nhận"):
    criterion = assessment.framework.criteria.get(code=code)
    return {
        "assessment": assessment.pk,
        "criterion": criterion.pk,
        "points": points,
        "reason": reason,
        "decision_reference": "15/QĐ-UBND",
    }


def test_entries_in_the_admin_are_checked(client, graded_period, coordinator):
    client.force_login(coordinator)
    y_te = Assessment.objects.get(unit__code="so-y-te")
    url = reverse("admin:assessment_adjustment_add")
    for data, errors in [
        (adjustment_form(y_te, "9.1", "2,5"), ["Tiêu chí này tối đa 2 điểm."]),
        (  # the list only offers bonus and penalty criteria
            adjustment_form(y_te, "1.1", "1"),
            ["Hãy chọn một lựa chọn hợp lệ. Lựa chọn đó không phải là một trong các lựa chọn khả thi."],
        ),
        (adjustment_form(y_te, "9.2", "0"), ["Số điểm phải lớn hơn 0."]),
        (adjustment_form(y_te, "9.2", "1", reason=""), ["Trường này là bắt buộc."]),
    ]:
        response = client.post(url, data)
        assert response.status_code == 200
        found = re.findall(r'<ul class="errorlist[^"]*"[^>]*><li>(.*?)</li>', response.content.decode())
        assert found == errors, data
    assert Adjustment.objects.filter(assessment=y_te).count() == 3
    response = client.post(url, adjustment_form(y_te, "9.2", "0,5", reason="Chậm báo cáo"))
    assert response.status_code == 302
    entry = Adjustment.objects.get(assessment=y_te, reason="Chậm báo cáo")
    assert (entry.points, entry.created_by, entry.history.first().history_user) == (D("0.50"), coordinator, coordinator)


def test_the_criterion_must_belong_to_the_units_framework(graded_period, coordinator, districts, agencies):
    from django.core.exceptions import ValidationError

    from assessment.services.results import adjustment_check
    from tests.assessment.conftest import mini_framework

    other = mini_framework(districts, name="Bộ chỉ số khối quận")
    entry = Adjustment(
        assessment=Assessment.objects.get(unit__code="so-y-te"),
        criterion=other.criteria.get(code="9.1"),
        points=D("1"),
        reason="x",
        decision_reference="y",
    )
    with pytest.raises(ValidationError) as error:
        adjustment_check(entry)
    assert error.value.message_dict == {
        "criterion": ["Chọn một tiêu chí điểm thưởng hoặc điểm trừ thuộc bộ chỉ số của đơn vị."]
    }


# -- earlier years ----------------------------------------------------------------------------------------------


def test_earlier_results_import(graded_period, results_units, departments):
    header = ["year", "block", "unit", "index_percent", "rank"]
    good = table_csv(
        header, ["2022", "departments", "so-y-te", "88,15", "1"], ["2022", "departments", "so-du-lich", "80", "2"]
    )
    outcome = import_table(EarlierResultResource(), read_table(good, "earlier.csv"), commit=True)
    assert problems(outcome) == [] and outcome.new == 2
    assert list(EarlierResult.objects.order_by("rank").values_list("unit__code", "index_percent", "rank")) == [
        ("so-y-te", D("88.15"), 1),
        ("so-du-lich", D("80.00"), 2),
    ]
    bad = table_csv(
        header,
        ["2022", "departments", "so-y-te", "88,15", "1"],
        ["2022", "khoi-khac", "so-xay-dung", "80", "2"],
        ["2022", "departments", "so-khong-co", "80", "2"],
        ["2022", "departments", "so-y-te", "70", "3"],
        ["2021", "departments", "so-cong-thuong", "-1", "1"],
        ["2021", "departments", "so-du-lich", "75", "0"],
    )
    outcome = import_table(EarlierResultResource(), read_table(bad, "earlier.csv"), commit=True)
    assert problems(outcome) == [
        "Dòng 3: Khối: không có khối nào có mã “khoi-khac”.",
        "Dòng 4: Mã đơn vị: không có đơn vị nào có mã “so-khong-co”.",
        "Dòng 5: so-y-te đã có kết quả năm 2022 ở dòng 2.",
        "Dòng 6: Chỉ số không được âm.",
        "Dòng 7: Xếp hạng: Giá trị phải lớn hơn hoặc bằng 1.",
    ]
    assert EarlierResult.objects.count() == 2


def test_earlier_results_from_the_command_line(graded_period, results_units, tmp_path, capsys):
    path = tmp_path / "earlier.csv"
    path.write_bytes(
        table_csv(["Năm", "Khối", "Mã đơn vị", "Chỉ số (%)", "Xếp hạng"], ["2022", "departments", "so-y-te", "90", "1"])
    )
    call_command("import_earlier_results", str(path))
    assert "Đã nhập: 1 mới, 0 thay đổi, 0 không đổi." in capsys.readouterr().out
    assert EarlierResult.objects.get().index_percent == D("90.00")


# -- provisional ranking and publishing in the admin -----------------------------------------------------------


def test_the_provisional_ranking_is_for_home_affairs_and_the_council(
    client, graded_period, coordinator, council_member, appraiser, unit_staff
):
    url = reverse("admin:assessment_period_results", args=[graded_period.pk])
    for user in (coordinator, council_member):
        client.force_login(user)
        html = client.get(url).content.decode()
        rows = re.findall(r'<td class="num">(\d+)</td>\s*<td class="unit">([^<]+)</td>', html)
        assert rows == [("1", "Sở Du lịch"), ("2", "Sở Công Thương"), ("2", "Sở Xây dựng"), ("4", "Sở Y tế")]
        assert "bình quân khối 83,76%" in html and "86,5926" in html
        assert ('data-testid="publish-link"' in html) == (user == coordinator)
    client.force_login(appraiser)
    assert client.get(url).status_code == 403
    client.force_login(unit_staff)
    assert client.get(url).status_code == 302  # unit people do not enter the admin
    client.logout()
    assert client.get(url).status_code == 302


def test_the_provisional_ranking_flags_what_is_not_approved(client, graded_period, coordinator):
    Assessment.objects.filter(unit__code="so-y-te").update(status="under_appraisal")
    client.force_login(coordinator)
    html = client.get(reverse("admin:assessment_period_results", args=[graded_period.pk])).content.decode()
    assert "1 bản đánh giá chưa được phê duyệt: số liệu còn có thể thay đổi." in html


def test_publishing_from_the_admin(client, graded_period, coordinator, council_member):
    url = reverse("admin:assessment_period_publish", args=[graded_period.pk])
    client.force_login(council_member)
    assert client.get(url).status_code == 403
    assert client.post(url, {"decision_number": "1/QĐ", "decision_date": "05/04/2024"}).status_code == 403
    client.force_login(coordinator)
    response = client.post(url, {"decision_number": "", "decision_date": "31/02/2024"})
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "decision_number": ["Trường này là bắt buộc."],
        "decision_date": ["Nhập một ngày hợp lệ."],
    }
    # The first click shows the confirmation; nothing is published until the second.
    response = client.post(url, {"decision_number": "1234/QĐ-UBND", "decision_date": "05/04/2024"})
    assert response.status_code == 200 and response.context["confirming"] is True
    assert not Publication.objects.exists()
    response = client.post(url, {"decision_number": "1234/QĐ-UBND", "decision_date": "05/04/2024", "confirm": "1"})
    assert response.status_code == 302 and response["Location"] == "/results/2023/"
    publication = Publication.objects.get()
    assert (publication.version, str(publication.decision_date), publication.published_by) == (
        1,
        "2024-04-05",
        coordinator,
    )
    response = client.post(url, {"decision_number": "1300/QĐ-UBND", "decision_date": "20/04/2024"})
    assert response.context["form"].errors == {"reason": ["Nhập lý do của phiên bản đính chính này."]}
    change = client.get(reverse("admin:assessment_period_change", args=[graded_period.pk])).content.decode()
    assert 'data-testid="period-publications"' in change and "1234/QĐ-UBND, 05/04/2024" in change


def test_publishing_waits_for_every_approval(client, graded_period, coordinator):
    Assessment.objects.filter(unit__code="so-y-te").update(status="returned")
    client.force_login(coordinator)
    response = client.post(
        reverse("admin:assessment_period_publish", args=[graded_period.pk]),
        {"decision_number": "1234/QĐ-UBND", "decision_date": "05/04/2024"},
    )
    assert [str(m) for m in response.context["form"].non_field_errors()] == [
        "Các đơn vị sau chưa được phê duyệt: Sở Y tế."
    ]
    assert not Publication.objects.exists()


# -- command-line tools -----------------------------------------------------------------------------------------


def test_compute_index_prints_each_blocks_table(graded_period, capsys):
    call_command("compute_index", "--period", "2023")
    lines = [line.rstrip() for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert lines[0] == "Khối Sở, ban, ngành — bình quân khối 83,76%"
    assert [re.split(r"\s{2,}", line.strip()) for line in lines[2:]] == [
        ["1", "Sở Du lịch", "22,00", "10,00", "0,00", "0,00", "32,00", "32,00", "100,00", "100,0000"],
        ["2", "Sở Công Thương", "17,71", "10,00", "0,00", "0,00", "27,71", "32,00", "86,59", "86,5938"],
        ["2", "Sở Xây dựng", "13,38", "10,00", "0,00", "0,00", "23,38", "27,00", "86,59", "86,5926"],
        ["4", "Sở Y tế", "8,45", "7,25", "2,00", "1,00", "16,70", "27,00", "61,85", "61,8519"],
    ]
    with pytest.raises(CommandError, match="Không có kỳ đánh giá năm 2030."):
        call_command("compute_index", "--period", "2030")


def test_export_results_writes_the_public_files(client, graded_period, coordinator, tmp_path, capsys):
    with pytest.raises(CommandError, match="Kết quả năm 2023 chưa được công bố."):
        call_command("export_results", "--period", "2023", "--format", "csv")

    publish(graded_period, coordinator)
    for file_format in ("csv", "xlsx", "json", "pdf"):
        path = tmp_path / f"out.{file_format}"
        call_command("export_results", "--period", "2023", "--format", file_format, "--output", str(path))
        public = client.get(reverse("public:results-download", args=[2023, file_format])).content
        assert path.read_bytes() == public, file_format
    assert json.loads((tmp_path / "out.json").read_bytes())["blocks"][0]["average_percent"] == 83.76
    with pytest.raises(CommandError, match="Không có phiên bản 2 của năm 2023."):
        call_command("export_results", "--period", "2023", "--format", "csv", "--version", "2")


def test_a_correction_after_publication_goes_through_the_council_and_a_new_version(
    client, graded_period, coordinator, appraiser
):
    from tests.assessment.test_admin_appraisal import grade_url, grading_data

    publish(graded_period, coordinator)
    y_te = Assessment.objects.get(unit__code="so-y-te")
    leaf = Score.objects.get(assessment=y_te, criterion__code="2.2")
    client.force_login(appraiser)
    assert client.get(grade_url(y_te)).context["editable"] is False  # the appraisers' rounds are over
    client.force_login(coordinator)
    page = client.get(grade_url(y_te))
    assert page.context["round"] == "council"
    response = client.post(
        grade_url(y_te), grading_data(page, {leaf.pk: {"points": "5", "comment": "Quyết định điều chỉnh 9/QĐ-HĐTĐ"}})
    )
    assert response.status_code == 302
    # Provisional: recomputed at once; public: unchanged until a new version is published.
    html = client.get(reverse("admin:assessment_period_results", args=[graded_period.pk])).content.decode()
    assert "80,37%" in html  # (16,70 + 5) / 27
    public = client.get(reverse("public:results-unit", args=[2023, "so-y-te"])).content.decode()
    assert "61,85%" in public and "80,37%" not in public
    response = client.post(
        reverse("admin:assessment_period_publish", args=[graded_period.pk]),
        {
            "decision_number": "1300/QĐ-UBND",
            "decision_date": "20/04/2024",
            "reason": "Điều chỉnh tiêu chí 2.2",
            "confirm": "1",
        },
    )
    assert response.status_code == 302
    public = client.get(reverse("public:results-unit", args=[2023, "so-y-te"])).content.decode()
    assert "xếp thứ 4/4, chỉ số 80,37%" in public
    assert Publication.objects.filter(period=graded_period).count() == 2
