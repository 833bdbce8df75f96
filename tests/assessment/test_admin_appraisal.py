"""Appraisal in the admin: the queue and the grading page, the rounds, bulk grades, the audit and progress."""

import csv
import io
import re
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessment.models import Assessment, Score
from tests.assessment.conftest import grade, grade_all, score_of

QUEUE = reverse("admin:assessment_score_changelist")


def grade_url(assessment):
    return reverse("admin:assessment_assessment_grade", args=[assessment.pk])


def queue_data(response, changes=None) -> dict:
    """The changelist's POST as the browser sends it, with ``changes`` {score id: {field: value}}."""
    formset = response.context["cl"].formset
    data = {
        "form-TOTAL_FORMS": str(formset.total_form_count()),
        "form-INITIAL_FORMS": str(formset.initial_form_count()),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "_save": "Lưu lại",
    }
    for index, form in enumerate(formset.forms):
        data[f"form-{index}-id"] = str(form.instance.pk)
        for name in form.fields:
            if name == "id":
                continue
            value = form.initial.get(name)
            if name == "na_confirmed":
                value = {None: "unknown", True: "true", False: "false"}[value]
            data[f"form-{index}-{name}"] = "" if value is None else str(value)
        for name, value in (changes or {}).get(form.instance.pk, {}).items():
            data[f"form-{index}-{name}"] = value
    return data


def grading_data(response, changes=None) -> dict:
    data = {}
    for criterion in response.context["rows"]:
        form = getattr(criterion, "form", None)
        if form is None:
            continue
        for name in form.fields:
            value = form.initial.get(name)
            if name == "na_confirmed":
                value = {None: "unknown", True: "true", False: "false"}[value]
            elif name == "points" and value is not None:
                value = str(value).replace(".", ",")
            data[form.add_prefix(name)] = "" if value is None else str(value)
        for name, value in (changes or {}).get(criterion.score.pk, {}).items():
            data[form.add_prefix(name)] = value
    return data


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


# -- the queue ---------------------------------------------------------------------------------------------------


def test_an_appraisers_queue_is_their_agency_of_submitted_assessments(client, submitted, appraiser, assessment):
    client.force_login(appraiser)
    response = client.get(QUEUE)
    assert response.status_code == 200
    scores = list(response.context["cl"].queryset)
    assert {score.agency.code for score in scores} == {"so-noi-vu"}
    assert [score.criterion.code for score in scores][:4] == ["1.1.1", "1.1.2", "1.2", "1.3.1"]
    assert len(scores) == 14


def test_drafts_stay_out_of_the_queue(client, assessment, appraiser):
    client.force_login(appraiser)
    assert list(client.get(QUEUE).context["cl"].queryset) == []


def test_grading_in_the_queue_goes_through_the_service(client, submitted, appraiser):
    leaf = score_of(submitted, "1.1.1")
    client.force_login(appraiser)
    page = client.get(QUEUE)
    response = client.post(QUEUE, queue_data(page, {leaf.pk: {"appraised_points": "0,5", "appraised_comment": "Muộn"}}))
    assert response.status_code == 302
    leaf.refresh_from_db()
    assert (leaf.appraised_points, leaf.appraised_comment, leaf.appraised_by) == (Decimal("0.50"), "Muộn", appraiser)
    assert leaf.history.first().history_change_reason == "appraisal"
    submitted.refresh_from_db()
    assert submitted.status == "under_appraisal"


def test_a_stale_queue_row_gets_a_conflict_and_saves_nothing(client, submitted, appraiser, coordinator):
    leaf = score_of(submitted, "1.1.1")
    client.force_login(appraiser)
    page = client.get(QUEUE)
    grade(coordinator, leaf, points=Decimal("1"))
    before = leaf.version
    response = client.post(QUEUE, queue_data(page, {leaf.pk: {"appraised_points": "0"}}))
    assert response.status_code == 200
    leaf.refresh_from_db()
    errors = [form.non_field_errors() for form in response.context["cl"].formset.forms if form.instance.pk == leaf.pk]
    assert errors == [
        [
            "Trong lúc đó Trần Thị Hương đã chấm tiêu chí 1.1.1 của Sở Tài chính lúc "
            f"{timezone.localtime(leaf.updated_at):%H:%M %d/%m/%Y}: hãy xem điểm đã lưu và nhập lại nếu cần.",
            "Điểm đã lưu: 1,00.",
        ]
    ]
    assert messages_of(response) == []
    assert (leaf.appraised_points, leaf.appraised_by, leaf.version) == (Decimal("1.00"), coordinator, before + 1)


def test_a_grade_above_the_maximum_is_a_row_error(client, submitted, appraiser):
    leaf = score_of(submitted, "1.1.1")
    client.force_login(appraiser)
    response = client.post(QUEUE, queue_data(client.get(QUEUE), {leaf.pk: {"appraised_points": "2"}}))
    form = next(form for form in response.context["cl"].formset.forms if form.instance.pk == leaf.pk)
    assert form.errors["appraised_points"] == ["Điểm phải từ 0 đến 1, tối đa hai chữ số thập phân."]
    leaf.refresh_from_db()
    assert leaf.appraised_points is None


def test_the_queue_runs_the_same_queries_for_one_or_many_units(
    client, submitted, appraiser, departments, sample_framework
):
    from assessment.services import period_open
    from tests.factories import UnitFactory

    client.force_login(appraiser)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(QUEUE).status_code == 200
        return len(queries.captured_queries)

    one = count()
    units = [UnitFactory(code=f"so-them-{n}", name=f"Sở thêm {n}", block=departments) for n in range(3)]
    period_open(period=submitted.period, units=units, actor=None)
    Assessment.objects.filter(unit__in=units).update(status="submitted")
    assert count() == one


# -- the grading page ----------------------------------------------------------------------------------------------


def test_an_appraiser_grades_a_whole_unit_on_one_page(client, submitted, appraiser):
    client.force_login(appraiser)
    page = client.get(grade_url(submitted))
    editable = [row.code for row in page.context["rows"] if getattr(row, "form", None)]
    assert editable == [
        "1.1.1",
        "1.1.2",
        "1.2",
        "1.3.1",
        "1.3.2",
        "1.4",
        "1.5",
        "4.1",
        "4.2",
        "4.3",
        "5.1",
        "5.2",
        "5.3",
        "5.4",
    ]
    changes = {score_of(submitted, code).pk: {"points": "1", "comment": "Đạt"} for code in ("1.1.1", "1.4")}
    response = client.post(grade_url(submitted), grading_data(page, changes), follow=True)
    assert messages_of(response)[-1] == "Đã lưu 2 điểm thẩm định."
    assert score_of(submitted, "1.1.1").appraised_points == Decimal("1.00")
    assert score_of(submitted, "1.2").appraised_points is None


def test_the_grading_page_runs_a_fixed_number_of_queries(client, submitted, appraiser, sample_framework):
    client.force_login(appraiser)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(grade_url(submitted)).status_code == 200
    assert len(queries.captured_queries) <= 20


def test_the_coordinator_records_the_councils_override(client, explained, appraiser, justice_appraiser, coordinator):
    from assessment.services import assessment_finish_round_two

    grade(appraiser, score_of(explained, "1.1.1"), points=Decimal("1"))
    grade(justice_appraiser, score_of(explained, "2.2"), points=Decimal("2"))
    assessment_finish_round_two(assessment=explained, actor=coordinator)
    leaf = score_of(explained, "1.1.1")
    client.force_login(coordinator)
    page = client.get(grade_url(explained))
    assert page.context["round"] == "council"
    response = client.post(grade_url(explained), grading_data(page, {leaf.pk: {"points": "0,75"}}))
    assert response.status_code == 400
    row = next(row for row in response.context["rows"] if row.code == "1.1.1")
    assert row.form.errors["comment"] == ["Hãy ghi lý do Hội đồng thay đổi điểm."]
    response = client.post(
        grade_url(explained), grading_data(page, {leaf.pk: {"points": "0,75", "comment": "Theo kết luận Hội đồng"}})
    )
    assert response.status_code == 302
    leaf.refresh_from_db()
    assert (leaf.council_points, leaf.council_reason) == (Decimal("0.75"), "Theo kết luận Hội đồng")


# -- the rounds --------------------------------------------------------------------------------------------------


def round_url(assessment, action):
    return reverse("admin:assessment_assessment_round", args=[assessment.pk, action])


def test_return_from_the_admin_lists_what_is_ungraded(client, submitted, coordinator):
    client.force_login(coordinator)
    response = client.post(round_url(submitted, "return"), {"reason": ""})
    assert response.status_code == 200
    assert (
        response.context["form"]
        .non_field_errors()[0]
        .startswith("Sở Tài chính: các tiêu chí sau chưa được chấm: 1.1.1, 1.1.2,")
    )
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_the_rounds_from_the_admin_to_approval(client, explained, appraiser, justice_appraiser, coordinator):
    grade(appraiser, score_of(explained, "1.1.1"), points=Decimal("1"))
    grade(justice_appraiser, score_of(explained, "2.2"), points=Decimal("2"))
    client.force_login(coordinator)
    assert client.post(round_url(explained, "round2"), {"reason": ""}).status_code == 302
    response = client.post(
        round_url(explained, "approve"), {"decision_number": "12/QĐ-HĐ", "decision_date": "20/03/2025"}
    )
    assert response.status_code == 302
    explained.refresh_from_db()
    assert (explained.status, explained.council_decision_number, f"{explained.council_decision_date:%d/%m/%Y}") == (
        "approved",
        "12/QĐ-HĐ",
        "20/03/2025",
    )


def test_reopen_from_the_admin_needs_a_reason_and_a_date(client, submitted, coordinator):
    client.force_login(coordinator)
    response = client.post(round_url(submitted, "reopen"), {"reason": "", "until": ""})
    assert response.context["form"].errors == {
        "reason": ["Trường này là bắt buộc."],
        "until": ["Trường này là bắt buộc."],
    }
    from assessment.models import AssessmentEvent
    from assessment.workflow import self_assessment_window

    submitted.refresh_from_db()
    assert (submitted.status, submitted.deadline_extended_to) == ("submitted", None)
    period = submitted.period
    period.self_assessment_closes = timezone.localdate() - timezone.timedelta(days=1)  # the window has closed
    period.save()
    until = timezone.localdate() + timezone.timedelta(days=3)
    response = client.post(round_url(submitted, "reopen"), {"reason": "Bổ sung hồ sơ", "until": f"{until:%d/%m/%Y}"})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert (submitted.status, submitted.deadline_extended_to) == ("draft", until)
    event = AssessmentEvent.objects.filter(assessment=submitted).latest("pk")
    assert (event.from_status, event.to_status, event.actor, event.reason) == (
        "submitted",
        "draft",
        coordinator,
        "Bổ sung hồ sơ",
    )
    # The unit writes again until the new date, and no longer after it.
    assert (self_assessment_window(submitted).open, self_assessment_window(submitted).closes) == (True, until)
    assert not self_assessment_window(submitted, until + timezone.timedelta(days=1)).open


def test_bulk_return_action(client, submitted, appraisers, coordinator):
    grade_all(appraisers, submitted)
    client.force_login(coordinator)
    changelist = reverse("admin:assessment_assessment_changelist")
    confirm = client.post(changelist, {"action": "return_for_explanation", "_selected_action": [submitted.pk]})
    assert confirm.status_code == 200
    assert "Gửi trả đơn vị để giải trình" in confirm.content.decode()
    response = client.post(
        changelist,
        {
            "action": "return_for_explanation",
            "_selected_action": [submitted.pk],
            "apply": "1",
            "reason": "Đã chấm xong vòng 1",
        },
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == "returned"
    assert submitted.events.last().reason == "Đã chấm xong vòng 1"


# -- bulk grades from a spreadsheet ----------------------------------------------------------------------------------


def grades_csv(*rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["unit", "criterion", "appraised_points", "comment"])
    writer.writerows(rows)
    return buffer.getvalue().encode()


def import_grades(client, period, content):
    return client.post(
        reverse("admin:assessment_score_import"),
        {"period": period.pk, "resource": "0", "format": "0", "import_file": SimpleUploadedFile("grades.csv", content)},
    )


def problems_in(response) -> list[str]:
    block = re.search(r'data-testid="import-problems">(.*?)</ul>', response.content.decode(), re.S)
    return [re.sub(r"\s+", " ", item).strip() for item in re.findall(r"<li>(.*?)</li>", block.group(1), re.S)]


def test_bulk_grades_preview_then_confirm(client, submitted, appraiser):
    client.force_login(appraiser)
    preview = import_grades(
        client,
        submitted.period,
        grades_csv(["so-tai-chinh", "1.1.1", "0,5", "Ban hành muộn"], ["so-tai-chinh", "1.4", "1", ""]),
    )
    assert "0 mới, 2 thay đổi" in preview.content.decode()
    assert score_of(submitted, "1.1.1").appraised_points is None
    confirm = preview.context["confirm_form"].initial
    client.post(reverse("admin:assessment_score_process_import"), {**confirm, "resource": "0"})
    leaf = score_of(submitted, "1.1.1")
    assert (leaf.appraised_points, leaf.appraised_comment, leaf.appraised_by) == (
        Decimal("0.50"),
        "Ban hành muộn",
        appraiser,
    )


def test_bulk_grades_follow_the_same_rules_row_by_row(client, submitted, appraiser):
    client.force_login(appraiser)
    response = import_grades(
        client,
        submitted.period,
        grades_csv(
            ["so-tai-chinh", "1.1.1", "1", ""],
            ["so-tai-chinh", "2.2", "1", ""],
            ["so-tai-chinh", "1.2", "5", ""],
            ["so-khong-co", "1.2", "1", ""],
            ["so-tai-chinh", "1.9", "1", ""],
            ["so-tai-chinh", "1.1.1", "0", ""],
            ["so-tai-chinh", "1.4", "một", ""],
        ),
    )
    assert problems_in(response) == [
        "Dòng 3: Tiêu chí 2.2 do cơ quan khác thẩm định.",
        "Dòng 4: Điểm thẩm định: Điểm phải từ 0 đến 1, tối đa hai chữ số thập phân.",
        "Dòng 5: Mã đơn vị: so-khong-co không có hồ sơ trong Chỉ số CCHC năm 2024.",
        "Dòng 6: Mã tiêu chí: không có tiêu chí 1.9.",
        "Dòng 7: so-tai-chinh, tiêu chí 1.1.1 đã có ở dòng 2.",
        "Dòng 8: Điểm thẩm định: “một” không phải là số.",
    ]
    assert not Score.objects.filter(assessment=submitted, appraised_points__isnull=False).exists()


def test_grades_export_for_offline_grading(client, submitted, appraiser):
    client.force_login(appraiser)
    fields = {
        f"graderesource_{name}": "on"
        for name in (
            "unit",
            "unit_name",
            "criterion",
            "criterion_title",
            "max_points",
            "self_points",
            "appraised_points",
            "comment",
        )
    }
    response = client.post(reverse("admin:assessment_score_export"), {"resource": "0", "format": "1", **fields})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "Mã đơn vị",
        "Tên đơn vị",
        "Mã tiêu chí",
        "Tên tiêu chí",
        "Điểm tối đa",
        "Điểm tự đánh giá",
        "Điểm thẩm định",
        "Ý kiến thẩm định",
    ]
    assert rows[1] == [
        "so-tai-chinh",
        "Sở Tài chính",
        "1.1.1",
        "Ban hành kế hoạch CCHC năm đúng thời hạn",
        "1",
        "1",
        "",
        "",
    ]
    assert len(rows) == 15


# -- audit and progress ------------------------------------------------------------------------------------------


def test_the_audit_trail_shows_who_changed_what_and_why(client, submitted, appraiser, coordinator):
    grade(appraiser, score_of(submitted, "1.1.1"), points=Decimal("0.5"), comment="Muộn")
    grade(appraiser, score_of(submitted, "1.1.1"), points=Decimal("0.75"), comment="Muộn 2 ngày")
    client.force_login(coordinator)
    response = client.get(reverse("admin:assessment_assessment_audit", args=[submitted.pk]))
    changes = [
        (change["user"].username, change["code"], str(change["field"]), change["old"], change["new"], change["reason"])
        for change in response.context["changes"]
        if change["code"] == "1.1.1" and change["reason"] == "Vòng 1"
    ]
    assert changes == [
        ("thamdinh", "1.1.1", "điểm thẩm định", "0,50", "0,75", "Vòng 1"),
        ("thamdinh", "1.1.1", "ý kiến thẩm định", "Muộn", "Muộn 2 ngày", "Vòng 1"),
        ("thamdinh", "1.1.1", "điểm thẩm định", "—", "0,50", "Vòng 1"),
        ("thamdinh", "1.1.1", "ý kiến thẩm định", "—", "Muộn", "Vòng 1"),
    ]
    events = [(event.from_status, event.to_status, event.actor.username) for event in response.context["events"]]
    assert events == [("submitted", "under_appraisal", "thamdinh"), ("draft", "submitted", "lanhdao")]


def test_the_audit_trail_cannot_be_changed_from_the_admin(client, submitted, appraiser, coordinator):
    grade(appraiser, score_of(submitted, "1.1.1"), points=Decimal("0.5"))
    leaf = score_of(submitted, "1.1.1")
    record = leaf.history.first()
    client.force_login(coordinator)
    url = reverse("admin:assessment_score_simple_history", args=[leaf.pk, record.history_id])
    before = leaf.history.count()
    client.post(url, {"appraised_points": "1", "version": "99"})  # reverting is switched off
    leaf.refresh_from_db()
    assert (leaf.appraised_points, leaf.history.count()) == (Decimal("0.50"), before)
    assert client.get(reverse("admin:assessment_score_history", args=[leaf.pk])).status_code == 200


def test_the_admin_index_shows_the_progress_of_the_period(client, submitted, appraiser, coordinator):
    grade(appraiser, score_of(submitted, "1.1.1"), points=Decimal("1"))
    client.force_login(coordinator)
    progress = client.get(reverse("admin:index")).context["progress"]
    agencies = {row.agency: (row.graded, row.total) for row in progress["agencies"]}
    assert agencies["Sở Nội vụ"] == (1, 14)
    assert [(row.block, row.total, row.submitted, row.approved) for row in progress["blocks"]] == [
        ("Khối Sở, ban, ngành", 1, 1, 0)
    ]
    client.force_login(appraiser)
    progress = client.get(reverse("admin:index")).context["progress"]
    assert [row.agency for row in progress["agencies"]] == ["Sở Nội vụ"]
    assert progress["blocks"] == []


def test_the_admin_index_groups_the_thousands_of_the_progress(client, submitted, coordinator, monkeypatch):
    """Thousands of leaves per agency and hundreds of units per block, as Vietnamese writes them (1.200/4.680)."""
    from assessment.selectors import appraisal

    agencies, blocks = appraisal.appraisal_progress(submitted.period)
    big_agencies = [appraisal.AgencyProgress(row.agency_id, row.agency, 4680, 1200, 1030, 1010) for row in agencies]
    big_blocks = [appraisal.BlockProgress(row.block_id, row.block, 5000, 4321, 1000, 999) for row in blocks]
    monkeypatch.setattr(appraisal, "appraisal_progress", lambda period: (big_agencies, big_blocks))
    client.force_login(coordinator)
    html = client.get(reverse("admin:index")).content.decode()
    progress = " ".join(re.sub(r"<[^>]+>", " ", html.split('data-testid="appraisal-progress"')[1]).split())
    assert "Sở Nội vụ 1.200/4.680 3.480 1.030 1.010" in progress
    assert "Khối Sở, ban, ngành 5.000 4.321 1.000 999" in progress
