"""A save refused by the service because someone else saved first: the loser is told who and when, is never told
"saved", and nothing of the refused submission is saved: in the queue, on the grading page, in the portal and in
the grade import. The race is made deterministic by letting the other save commit after the page's own checks have
passed and just before the service locks the rows (what two requests arriving at the same instant do)."""

import importlib
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone

from assessment.exceptions import Conflict, ConflictError
from assessment.models import Score
from assessment.services import GradeInput, scores_grade
from tests.assessment.conftest import grade, score_of
from tests.assessment.helpers import edit, open_field, page_data, save_field
from tests.assessment.test_admin_appraisal import (
    QUEUE,
    grade_url,
    grades_csv,
    grading_data,
    import_grades,
    queue_data,
)

AT = datetime(2026, 11, 30, 3, 42, tzinfo=ZoneInfo("UTC"))  # 10:42 in Hanoi
NOTHING_SAVED = (
    "Chưa lưu gì: các dòng được đánh dấu bị từ chối nên các thay đổi khác trong danh sách này cũng không được lưu. "
    "Hãy kiểm tra các dòng được đánh dấu rồi lưu lại."
)


@contextmanager
def graded_meanwhile(module: str, other, score, points):
    """``other`` grades ``score`` (and commits) after the page's checks, just before the page's own service call."""
    target = importlib.import_module(module)
    real = target.scores_grade
    calls = []

    def late(*, actor, rows):
        if not calls:
            current = Score.objects.get(pk=score.pk)
            real(actor=other, rows=[GradeInput(score_id=score.pk, version=current.version, points=points)])
        calls.append(rows)
        return real(actor=actor, rows=rows)

    with mock.patch.object(target, "scores_grade", late):
        yield calls


def messages_of(response) -> list[str]:
    """The page's messages, spaces as a person reads them (Django's own catalogue pads the count)."""
    return [" ".join(str(message).split()) for message in response.context["messages"]]


def graded_message(score) -> str:
    score = Score.objects.select_related("updated_by", "criterion").get(pk=score.pk)
    return (
        f"Trong lúc đó {score.updated_by.full_name} đã chấm tiêu chí {score.criterion.code} của Sở Tài chính lúc "
        f"{timezone.localtime(score.updated_at):%H:%M %d/%m/%Y}: hãy xem điểm đã lưu và nhập lại nếu cần."
    )


def state(score):
    """The round 1 grade of a leaf, and how many saves it has had since the test read it."""
    saved = Score.objects.get(pk=score.pk)
    return saved.appraised_points, saved.appraised_comment, saved.appraised_by, saved.version - score.version


# -- the queue -------------------------------------------------------------------------------------------------------


def test_queue_race_the_refused_row_is_marked_and_nothing_of_the_page_is_saved(
    client, submitted, appraiser, coordinator
):
    stale, fresh = score_of(submitted, "1.1.1"), score_of(submitted, "1.1.2")
    client.force_login(appraiser)
    page = client.get(QUEUE)
    changes = {stale.pk: {"appraised_points": "0"}, fresh.pk: {"appraised_points": "0,5", "appraised_comment": "Thiếu"}}

    with graded_meanwhile("assessment.admin.scores", coordinator, stale, Decimal("1")) as calls:
        response = client.post(QUEUE, queue_data(page, changes))

    assert len(calls) == 1  # the form's own version check passed: the service refused the page
    assert response.status_code == 200
    assert messages_of(response) == []
    assert state(stale) == (Decimal("1.00"), "", coordinator, 1)
    assert state(fresh) == (None, "", None, 0)
    formset = response.context["cl"].formset
    rows = {form.instance.pk: form for form in formset.forms}
    assert rows[stale.pk].non_field_errors() == [graded_message(stale), "Điểm đã lưu: 1,00."]
    assert rows[fresh.pk].errors == {}
    assert formset.non_form_errors() == [NOTHING_SAVED]
    html = response.content.decode()
    assert graded_message(stale) in html
    assert NOTHING_SAVED in html
    assert "Đã lưu 1 điểm." not in html and "Đã lưu 2 điểm." not in html


def test_queue_saving_again_after_a_conflict_is_a_deliberate_overwrite(client, submitted, appraiser, coordinator):
    stale, fresh = score_of(submitted, "1.1.1"), score_of(submitted, "1.1.2")
    client.force_login(appraiser)
    page = client.get(QUEUE)
    changes = {stale.pk: {"appraised_points": "0"}, fresh.pk: {"appraised_points": "0,5"}}
    with graded_meanwhile("assessment.admin.scores", coordinator, stale, Decimal("1")):
        refused = client.post(QUEUE, queue_data(page, changes))
    rows = {form.instance.pk: form for form in refused.context["cl"].formset.forms}
    assert rows[stale.pk]["version"].value() == str(Score.objects.get(pk=stale.pk).version)  # the saved version

    again = client.post(QUEUE, dict(refused.context["cl"].formset.data.items()), follow=True)

    assert messages_of(again) == ["Đã lưu 2 điểm."]
    assert state(stale) == (Decimal("0.00"), "", appraiser, 2)
    assert state(fresh)[::2] == (Decimal("0.50"), appraiser)


def test_queue_a_stale_row_refuses_the_fresh_rows_posted_with_it(client, submitted, appraiser, coordinator):
    stale, fresh = score_of(submitted, "1.1.1"), score_of(submitted, "1.1.2")
    client.force_login(appraiser)
    page = client.get(QUEUE)
    grade(coordinator, stale, points=Decimal("1"))

    response = client.post(
        QUEUE, queue_data(page, {stale.pk: {"appraised_points": "0"}, fresh.pk: {"appraised_points": "1"}})
    )

    assert response.status_code == 200
    assert messages_of(response) == []
    assert response.context["cl"].formset.non_form_errors() == [NOTHING_SAVED]
    assert state(stale) == (Decimal("1.00"), "", coordinator, 1)
    assert state(fresh) == (None, "", None, 0)


def test_queue_a_row_saved_by_someone_else_but_left_untouched_does_not_block_the_page(
    client, submitted, appraiser, coordinator
):
    other, mine = score_of(submitted, "1.1.1"), score_of(submitted, "1.1.2")
    client.force_login(appraiser)
    page = client.get(QUEUE)
    grade(coordinator, other, points=Decimal("1"))

    response = client.post(QUEUE, queue_data(page, {mine.pk: {"appraised_points": "1"}}), follow=True)

    assert messages_of(response) == ["Đã lưu 1 điểm."]
    assert state(other) == (Decimal("1.00"), "", coordinator, 1)
    assert state(mine)[::2] == (Decimal("1.00"), appraiser)


def test_queue_a_round_closed_meanwhile_refuses_the_page_with_the_services_reason(
    client, submitted, appraiser, coordinator
):
    from assessment.policy import today
    from assessment.services import assessment_reopen

    leaf = score_of(submitted, "1.1.1")
    client.force_login(appraiser)
    page = client.get(QUEUE)
    real = scores_grade

    def reopened_meanwhile(*, actor, rows):
        assessment_reopen(assessment=submitted, actor=coordinator, reason="Bổ sung", until=today())
        return real(actor=actor, rows=rows)

    with mock.patch("assessment.admin.scores.scores_grade", reopened_meanwhile):
        response = client.post(QUEUE, queue_data(page, {leaf.pk: {"appraised_points": "1"}}))

    assert response.status_code == 200
    assert messages_of(response) == []
    assert response.context["cl"].formset.non_form_errors() == [
        "Hồ sơ của Sở Tài chính không ở vòng thẩm định.",
        NOTHING_SAVED,
    ]
    assert state(leaf) == (None, "", None, 0)


def test_queue_a_posted_row_the_user_may_not_see_refuses_the_page(client, submitted, appraiser):
    mine, theirs = score_of(submitted, "1.1.1"), score_of(submitted, "2.2")  # 2.2 is the Justice Department's
    client.force_login(appraiser)
    data = queue_data(client.get(QUEUE), {mine.pk: {"appraised_points": "1"}})
    extra = int(data["form-TOTAL_FORMS"])
    data.update(
        {
            "form-TOTAL_FORMS": str(extra + 1),
            "form-INITIAL_FORMS": str(extra + 1),
            f"form-{extra}-id": str(theirs.pk),
            f"form-{extra}-version": str(theirs.version),
            f"form-{extra}-appraised_points": "1",
        }
    )

    response = client.post(QUEUE, data)

    assert response.status_code == 200
    assert messages_of(response) == []
    formset = response.context["cl"].formset
    assert formset.forms[extra].non_field_errors() == ["Các tiêu chí này không tồn tại."]
    assert formset.non_form_errors() == [NOTHING_SAVED]
    assert state(mine) == (None, "", None, 0)
    assert state(theirs) == (None, "", None, 0)


def test_the_queue_says_it_saves_all_or_nothing(client, submitted, appraiser):
    client.force_login(appraiser)
    html = client.get(QUEUE).content.decode()
    assert (
        "Mọi dòng đã thay đổi trong danh sách được lưu cùng lúc, hoặc không dòng nào: nếu một dòng bị từ chối "
        "(người khác đã chấm trong lúc đó, hoặc điểm không hợp lệ) thì không có gì được lưu và các dòng bị từ chối "
        "được đánh dấu."
    ) in html


# -- the grading page ------------------------------------------------------------------------------------------------


def test_grading_page_race_the_refused_row_is_marked_and_nothing_is_saved(client, submitted, appraiser, coordinator):
    stale, fresh = score_of(submitted, "1.1.1"), score_of(submitted, "1.4")
    client.force_login(appraiser)
    page = client.get(grade_url(submitted))
    changes = {stale.pk: {"points": "0", "comment": "Muộn"}, fresh.pk: {"points": "1"}}

    with graded_meanwhile("assessment.admin.assessments", coordinator, stale, Decimal("1")) as calls:
        response = client.post(grade_url(submitted), grading_data(page, changes))

    assert len(calls) == 1
    assert response.status_code == 409
    assert messages_of(response) == [
        "Chưa lưu gì: trong lúc đó người khác đã chấm 1.1.1. Điểm họ đã lưu hiển thị ở các dòng được đánh dấu; "
        "hãy kiểm tra rồi lưu lại."
    ]
    assert state(stale) == (Decimal("1.00"), "", coordinator, 1)
    assert state(fresh) == (None, "", None, 0)
    forms = {row.score.pk: row.form for row in response.context["rows"] if getattr(row, "form", None)}
    assert forms[stale.pk].non_field_errors() == [graded_message(stale), "Điểm đã lưu: 1,00."]
    assert forms[fresh.pk].errors == {}
    assert graded_message(stale) in response.content.decode()

    # The page now carries the saved version: saving it again is deliberate and goes through.
    again = client.post(grade_url(submitted), dict(forms[stale.pk].data.items()), follow=True)
    assert messages_of(again) == ["Đã lưu 2 điểm thẩm định."]
    assert state(stale) == (Decimal("0.00"), "Muộn", appraiser, 2)
    assert state(fresh)[::2] == (Decimal("1.00"), appraiser)


# -- the portal ------------------------------------------------------------------------------------------------------


def test_portal_a_stale_leaf_refuses_the_section_naming_who_saved_it_and_when(
    client, unit_staff, unit_head, assessment
):
    """The portal's form has no version check of its own: a later save and a simultaneous one take the same path."""
    from django.test import Client

    stale, fresh = score_of(assessment, "1.1.1"), score_of(assessment, "1.4")
    head = Client()
    head.force_login(unit_head)
    client.force_login(unit_staff)
    staff_page = page_data(open_field(client, assessment, "1"))
    head_page = page_data(open_field(head, assessment, "1"))
    assert save_field(client, assessment, "1", edit(staff_page, stale, declared_value="1")).status_code == 302

    response = save_field(head, assessment, "1", edit(edit(head_page, stale, declared_value="0"), fresh, note="Đủ"))

    assert response.status_code == 409
    assert [m for m in messages_of(response) if "Đã lưu" in m] == []
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.declared_value, stale.updated_by, stale.version) == (Decimal("1"), unit_staff, 1)
    assert (fresh.note, fresh.version) == ("", 0)
    message = (
        "Trong lúc đó Nguyễn Văn An đã lưu tiêu chí 1.1.1 của Sở Tài chính lúc "
        f"{timezone.localtime(stale.updated_at):%H:%M %d/%m/%Y}: hãy xem nội dung đã lưu và nhập lại nếu cần."
    )
    conflicts = [row.conflict for row in response.context["rows"] if getattr(row, "conflict", None)]
    assert [conflict.message for conflict in conflicts] == [message]
    assert message in response.content.decode()


# -- the grade import ------------------------------------------------------------------------------------------------


def test_import_a_refusal_of_the_service_is_a_row_problem_and_the_import_saves_nothing(
    client, submitted, appraiser, coordinator
):
    """Between reading a row and saving it, someone else graded the leaf: the service refuses, the file is refused."""
    stale, fresh = score_of(submitted, "1.1.1"), score_of(submitted, "1.4")
    client.force_login(appraiser)
    preview = import_grades(
        client, submitted.period, grades_csv(["so-tai-chinh", "1.4", "1", ""], ["so-tai-chinh", "1.1.1", "0", ""])
    )
    confirm = preview.context["confirm_form"].initial
    conflict = Conflict(score_id=stale.pk, code="1.1.1", by="Trần Thị Hương", at=AT, unit="Sở Tài chính", graded=True)

    def refused_for_stale(*, actor, rows):
        if any(row.score_id == stale.pk for row in rows):
            raise ConflictError([conflict])
        return scores_grade(actor=actor, rows=rows)

    with mock.patch("assessment.services.scores_grade", refused_for_stale):
        response = client.post(
            reverse("admin:assessment_score_process_import"), {**confirm, "resource": "0"}, follow=True
        )

    assert messages_of(response) == [
        "Dòng 3: Trong lúc đó Trần Thị Hương đã chấm tiêu chí 1.1.1 của Sở Tài chính lúc 10:42 30/11/2026: "
        "hãy xem điểm đã lưu và nhập lại nếu cần."
    ]
    assert state(stale) == (None, "", None, 0)
    assert state(fresh) == (None, "", None, 0)
