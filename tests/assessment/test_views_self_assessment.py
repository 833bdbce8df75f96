"""The unit fills in its self-assessment by field: typed values, proposals, N/A, notes, conflicts, deadlines."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessment.models import Criterion, Framework, Score
from assessment.services import framework_activate
from tests.assessment.conftest import open_period, score_of
from tests.assessment.helpers import edit, open_field, page_data, save_field
from tests.factories import BlockFactory, UnitFactory


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def row_state(score):
    score.refresh_from_db()
    return (score.declared_value, score.self_points, score.is_na, score.na_reason, score.note, score.version)


def test_the_page_shows_the_field_with_its_leaves(client, unit_staff, assessment):
    client.force_login(unit_staff)
    response = open_field(client, assessment, "1")
    assert response.status_code == 200
    leaves = [criterion.code for criterion in response.context["rows"] if criterion.method]
    assert leaves == ["1.1.1", "1.1.2", "1.2", "1.3.1", "1.3.2", "1.4", "1.5", "1.6"]
    html = response.content.decode()
    assert "Theo mức tỷ lệ: ≥ 100%: 1,5 điểm · ≥ 80%: 0,75 điểm" in html
    assert "Chấm qua điều tra xã hội học: đơn vị không nhập." in html
    fields = [(field.code, field.answered, field.total) for field in response.context["fields"]]
    assert fields[:3] == [("1", 0, 7), ("2", 0, 4), ("3", 0, 5)]


def test_saving_a_field_uses_the_proposal_and_keeps_every_other_field(client, unit_staff, assessment):
    other = score_of(assessment, "2.2")
    before_other = row_state(other)
    client.force_login(unit_staff)
    data = page_data(open_field(client, assessment, "1"))
    data = edit(data, score_of(assessment, "1.1.1"), declared_value="1")
    data = edit(data, score_of(assessment, "1.1.2"), declared_value="85")
    data = edit(data, score_of(assessment, "1.3.1"), declared_value="20")
    data = edit(data, score_of(assessment, "1.5"), declared_value="1", self_points="0,5", note="Một sáng kiến")
    data = edit(data, score_of(assessment, "1.3.2"), is_na=True, na_reason="Không phát hiện vấn đề")

    response = save_field(client, assessment, "1", data)

    assert response.status_code == 302
    assert response["Location"] == reverse("assessment:assessment-detail", args=[assessment.pk]) + "?field=1"
    assert row_state(score_of(assessment, "1.1.1"))[:3] == (Decimal("1.00"), Decimal("1.00"), False)
    assert row_state(score_of(assessment, "1.1.2"))[:2] == (Decimal("85.00"), Decimal("0.75"))
    assert row_state(score_of(assessment, "1.3.1"))[:2] == (Decimal("20.00"), Decimal("0.67"))
    assert row_state(score_of(assessment, "1.5"))[:2] + row_state(score_of(assessment, "1.5"))[4:5] == (
        Decimal("1.00"),
        Decimal("0.50"),
        "Một sáng kiến",
    )
    assert row_state(score_of(assessment, "1.3.2"))[:4] == (None, None, True, "Không phát hiện vấn đề")
    untouched = score_of(assessment, "1.2")
    assert row_state(untouched) == (None, None, False, "", "", 0)
    assert row_state(other) == before_other
    assert score_of(assessment, "1.1.1").updated_by == unit_staff


def test_a_manual_criterion_takes_the_typed_self_score(client, unit_staff, assessment):
    client.force_login(unit_staff)
    data = page_data(open_field(client, assessment, "2"))
    data = edit(data, score_of(assessment, "2.3"), self_points="1,25")
    assert save_field(client, assessment, "2", data).status_code == 302
    assert score_of(assessment, "2.3").self_points == Decimal("1.25")


@pytest.mark.parametrize(
    ("code", "values", "field", "error"),
    [
        (
            "1.1.1",
            {"self_points": "1,5"},
            "self_points",
            "Điểm tự đánh giá phải từ 0 đến 1, tối đa hai chữ số thập phân.",
        ),
        (
            "1.1.1",
            {"self_points": "-0,5"},
            "self_points",
            "Điểm tự đánh giá phải từ 0 đến 1, tối đa hai chữ số thập phân.",
        ),
        ("1.1.1", {"self_points": "mười"}, "self_points", "Hãy nhập một số."),
        (
            "1.1.1",
            {"is_na": True, "na_reason": "Không có"},
            "is_na",
            "Tiêu chí này không được đánh dấu “không áp dụng”.",
        ),
        ("1.3.2", {"is_na": True, "na_reason": ""}, "na_reason", "Hãy ghi lý do tiêu chí không áp dụng."),
        ("1.5", {"declared_value": "2,5"}, "declared_value", "Hãy nhập một số nguyên."),
        ("1.5", {"declared_value": "-1"}, "declared_value", "Giá trị phải lớn hơn hoặc bằng 0."),
        (
            "1.1.1",
            {"declared_value": "có lẽ"},
            "declared_value",
            "Hãy chọn một lựa chọn hợp lệ. có lẽ không phải là một trong các lựa chọn khả thi.",
        ),
        ("1.1.2", {"declared_value": "1500"}, "declared_value", "Tỷ lệ kê khai phải từ 0 đến 1.000%."),
    ],
)
def test_each_bad_input_gets_its_error_and_nothing_is_saved(client, unit_staff, assessment, code, values, field, error):
    score = score_of(assessment, code)
    neighbour = score_of(assessment, "1.4")
    client.force_login(unit_staff)
    data = page_data(open_field(client, assessment, "1"))
    data = edit(data, neighbour, declared_value="1")  # a valid change in the same section
    data = edit(data, score, **values)

    response = save_field(client, assessment, "1", data)

    assert response.status_code == 400
    form = next(row.form for row in response.context["rows"] if row.method and row.score.pk == score.pk)
    assert form.errors[field] == [error]
    assert messages_of(response) == ["Chưa lưu gì: hãy sửa các giá trị được đánh dấu."]
    assert row_state(score) == (None, None, False, "", "", 0)
    assert row_state(neighbour) == (None, None, False, "", "", 0)


def test_the_later_of_two_saves_of_the_same_leaf_gets_a_conflict(client, unit_staff, unit_head, assessment):
    from django.test import Client

    leaf = score_of(assessment, "1.1.1")
    head = Client()
    head.force_login(unit_head)
    client.force_login(unit_staff)
    staff_page = page_data(open_field(client, assessment, "1"))
    head_page = page_data(open_field(head, assessment, "1"))

    assert save_field(client, assessment, "1", edit(staff_page, leaf, declared_value="1")).status_code == 302
    response = save_field(head, assessment, "1", edit(head_page, leaf, declared_value="0", self_points="0"))

    assert response.status_code == 409
    assert messages_of(response) == [
        "Chưa lưu gì: người khác đã lưu 1.1.1 sau khi đồng chí mở trang. Giá trị của họ hiển thị dưới giá trị của "
        "đồng chí; hãy kiểm tra rồi lưu lại."
    ]
    leaf.refresh_from_db()
    assert (
        "Trong lúc đó Nguyễn Văn An đã lưu tiêu chí 1.1.1 của Sở Tài chính lúc "
        f"{timezone.localtime(leaf.updated_at):%H:%M %d/%m/%Y}: hãy xem nội dung đã lưu và nhập lại nếu cần."
    ) in response.content.decode()
    assert row_state(leaf)[:2] == (Decimal("1.00"), Decimal("1.00"))

    # Saving again from the conflict page is a deliberate choice: it goes through.
    again = save_field(head, assessment, "1", page_data(response))
    assert again.status_code == 302
    assert row_state(leaf)[:2] == (Decimal("0.00"), Decimal("0.00"))


def test_leaves_left_untouched_are_not_overwritten_by_a_stale_page(client, unit_staff, unit_head, assessment):
    from django.test import Client

    head = Client()
    head.force_login(unit_head)
    client.force_login(unit_staff)
    staff_page = page_data(open_field(client, assessment, "1"))
    head_page = page_data(open_field(head, assessment, "1"))
    save_field(client, assessment, "1", edit(staff_page, score_of(assessment, "1.1.1"), declared_value="1"))

    response = save_field(head, assessment, "1", edit(head_page, score_of(assessment, "1.4"), declared_value="1"))

    assert response.status_code == 302
    assert score_of(assessment, "1.1.1").self_points == Decimal("1.00")
    assert score_of(assessment, "1.4").self_points == Decimal("1.00")


def test_after_the_deadline_every_write_is_refused(client, unit_staff, assessment):
    period = assessment.period
    period.self_assessment_closes = timezone.localdate() - timedelta(days=1)
    period.save()
    client.force_login(unit_staff)
    page = open_field(client, assessment, "1")
    closed = f"Tự đánh giá đã hết hạn ngày {period.self_assessment_closes:%d/%m/%Y}; chỉ Sở Nội vụ có thể mở lại."
    assert closed in page.content.decode()
    leaf = score_of(assessment, "1.1.1")
    response = save_field(client, assessment, "1", {f"s{leaf.pk}-version": "0", f"s{leaf.pk}-declared_value": "1"})
    assert response.status_code == 403
    assert row_state(leaf) == (None, None, False, "", "", 0)


def test_an_extension_by_home_affairs_reopens_the_window(client, unit_staff, assessment):
    period = assessment.period
    period.self_assessment_closes = timezone.localdate() - timedelta(days=1)
    period.save()
    assessment.deadline_extended_to = timezone.localdate() + timedelta(days=3)
    assessment.save()
    client.force_login(unit_staff)
    data = edit(page_data(open_field(client, assessment, "1")), score_of(assessment, "1.1.1"), declared_value="1")
    assert save_field(client, assessment, "1", data).status_code == 302


def test_the_proposal_is_computed_by_the_server(client, unit_staff, assessment):
    client.force_login(unit_staff)
    leaf = score_of(assessment, "1.1.2")
    url = reverse("assessment:score-proposal", args=[assessment.pk, leaf.pk])
    assert client.get(url, {"declared_value": "85"}).json() == {"proposal": "0,75", "value": "0.75", "error": ""}
    assert client.get(url, {"declared_value": "100,0"}).json()["proposal"] == "1,50"
    assert client.get(url, {"declared_value": "abc"}).json() == {
        "proposal": None,
        "value": None,
        "error": "Hãy nhập một số.",
    }
    assert client.get(url, {"declared_value": "2000"}).json()["error"] == "Tỷ lệ kê khai phải từ 0 đến 1.000%."


def test_the_dashboard_shows_deadline_progress_and_projection(client, unit_staff, assessment):
    client.force_login(unit_staff)
    data = edit(page_data(open_field(client, assessment, "1")), score_of(assessment, "1.1.1"), declared_value="1")
    save_field(client, assessment, "1", data)
    html = client.get(reverse("assessment:assessment-list")).content.decode()
    closes = assessment.period.self_assessment_closes
    assert f"Tự đánh giá đến hết ngày {closes:%d/%m/%Y} (còn 10 ngày)" in html
    assert "Đã chấm 1/33 tiêu chí" in html
    assert "33 tiêu chí thiếu tài liệu kiểm chứng bắt buộc" in html
    assert "Tự chấm 1,00/70 điểm (1,43%) phần thẩm định" in html


def _framework_with_leaves(count: int) -> Framework:
    block = BlockFactory(code=f"b{count}", name=f"Khối {count}")
    agency = UnitFactory(code=f"agency-{count}", block=block, is_appraising_agency=True)
    framework = Framework.objects.create(block=block, name=f"{count} tiêu chí", first_year=2024)
    field = Criterion.objects.create(framework=framework, code="1", title="Lĩnh vực", max_points=count, order=1)
    Criterion.objects.bulk_create(
        Criterion(
            framework=framework,
            parent=field,
            code=f"1.{n}",
            title=f"Tiêu chí {n}",
            max_points=1,
            method="appraisal",
            rule="yes_no",
            evidence_required=True,
            appraising_agency=agency,
            order=n + 1,
        )
        for n in range(1, count + 1)
    )
    return framework_activate(framework=framework, actor=None)


def test_the_page_runs_the_same_small_number_of_queries_for_10_or_200_leaves(client, db, private_storage):
    from accounts.models import Role
    from accounts.services import membership_grant
    from assessment.models import Assessment, Evidence
    from tests.assessment.conftest import PDF_BYTES
    from tests.factories import UserFactory

    counts = []
    for size, year in ((10, 2030), (200, 2031)):
        framework = _framework_with_leaves(size)
        unit = UnitFactory(code=f"unit-{size}", block=framework.block)
        open_period(framework, year=year, units=[unit])
        assessment = Assessment.objects.get(unit=unit)
        user = UserFactory(username=f"staff{size}")
        membership_grant(user=user, role=Role.UNIT_STAFF, unit=unit, actor=None)
        from django.core.files.uploadedfile import SimpleUploadedFile

        from assessment.services import evidence_upload

        for score in Score.objects.filter(assessment=assessment)[:5]:
            evidence_upload(
                score=score,
                user=user,
                upload=SimpleUploadedFile(f"kh-{score.pk}.pdf", PDF_BYTES + bytes([score.pk % 250])),
            )
        assert Evidence.objects.filter(score__assessment=assessment).count() == 5
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            response = open_field(client, assessment, "1")
        assert response.status_code == 200
        assert len([row for row in response.context["rows"] if row.method]) == size
        counts.append(len(queries.captured_queries))
    # session, user, memberships; the assessment, read with whether a carry-over was made, the newest publication
    # and whether the unit has plan items of the year before (none: issue 12, three statements less); the fields
    # with the criteria, the leaves' answers, the scores, the evidence; whether last year exists; the library
    assert counts == [10, 10]


def test_the_first_save_reports_every_problem_of_the_field_at_once(client, unit_staff, assessment):
    """Values that do not parse and values the rules refuse, on several leaves: all in one answer, nothing saved."""
    client.force_login(unit_staff)
    data = page_data(open_field(client, assessment, "1"))
    data = edit(data, score_of(assessment, "1.1.1"), self_points="mười")
    data = edit(data, score_of(assessment, "1.5"), declared_value="2,5")
    data = edit(data, score_of(assessment, "1.1.2"), self_points="9")
    data = edit(data, score_of(assessment, "1.3.2"), is_na=True, na_reason="")
    data = edit(data, score_of(assessment, "1.4"), declared_value="1")  # valid, not saved either

    response = save_field(client, assessment, "1", data)

    assert response.status_code == 400
    assert messages_of(response) == ["Chưa lưu gì: hãy sửa các giá trị được đánh dấu."]
    assert response.context["error_summary"] == [
        {
            "code": "1.1.1",
            "title": Criterion.objects.get(framework=assessment.framework, code="1.1.1").title,
            "messages": ["Điểm tự đánh giá: Hãy nhập một số."],
        },
        {
            "code": "1.1.2",
            "title": Criterion.objects.get(framework=assessment.framework, code="1.1.2").title,
            "messages": ["Điểm tự đánh giá phải từ 0 đến 1,5, tối đa hai chữ số thập phân."],
        },
        {
            "code": "1.3.2",
            "title": Criterion.objects.get(framework=assessment.framework, code="1.3.2").title,
            "messages": ["Lý do không áp dụng: Hãy ghi lý do tiêu chí không áp dụng."],
        },
        {
            "code": "1.5",
            "title": Criterion.objects.get(framework=assessment.framework, code="1.5").title,
            "messages": ["Số liệu kê khai (số lượng): Hãy nhập một số nguyên."],
        },
    ]
    html = response.content.decode()
    assert "Chưa lưu gì: 4 tiêu chí cần sửa." in html
    for code in ("1.1.1", "1.1.2", "1.3.2", "1.5"):
        assert f'<a href="#leaf-{code}" class="alert-link">Tiêu chí {code}</a>' in html
        assert f'class="card mb-3 shadow-sm leaf-card border-danger" id="leaf-{code}"' in html
    assert 'class="card mb-3 shadow-sm leaf-card" id="leaf-1.4"' in html
    for code in ("1.1.1", "1.1.2", "1.3.2", "1.4", "1.5"):
        assert row_state(score_of(assessment, code)) == (None, None, False, "", "", 0)


def test_a_saved_field_has_no_error_list(client, unit_staff, assessment):
    client.force_login(unit_staff)
    response = open_field(client, assessment, "1")
    assert response.context["error_summary"] == []
    assert 'data-testid="error-summary"' not in response.content.decode()
