"""The services' conflict errors speak to people: who saved which criterion of which unit, and when."""

from datetime import datetime
from zoneinfo import ZoneInfo

from assessment.exceptions import Conflict, ConflictError

AT = datetime(2026, 11, 30, 3, 42, tzinfo=ZoneInfo("UTC"))  # 10:42 in Hanoi


def test_a_conflict_on_a_grade_names_who_graded_which_criterion_of_which_unit_and_when():
    conflict = Conflict(score_id=1, code="1.1.2", by="Lê Văn Minh", at=AT, unit="Sở Tài chính", graded=True)
    assert conflict.message == (
        "Trong lúc đó Lê Văn Minh đã chấm tiêu chí 1.1.2 của Sở Tài chính lúc 10:42 30/11/2026: "
        "hãy xem điểm đã lưu và nhập lại nếu cần."
    )


def test_a_conflict_on_the_units_values_says_saved_rather_than_graded():
    conflict = Conflict(score_id=1, code="1.4", by="Nguyễn Văn An", at=AT, unit="Sở Tài chính")
    assert conflict.message == (
        "Trong lúc đó Nguyễn Văn An đã lưu tiêu chí 1.4 của Sở Tài chính lúc 10:42 30/11/2026: "
        "hãy xem nội dung đã lưu và nhập lại nếu cần."
    )


def test_without_a_name_or_a_time_the_message_still_reads_naturally():
    graded = Conflict(score_id=1, code="1.1.2", by="", at=None, unit="Sở Tài chính", graded=True)
    saved = Conflict(score_id=2, code="1.4", by="", at=None, unit="Sở Tài chính")
    assert graded.message == (
        "Trong lúc đó người khác đã chấm tiêu chí 1.1.2 của Sở Tài chính: hãy xem điểm đã lưu và nhập lại nếu cần."
    )
    assert saved.message == (
        "Trong lúc đó người khác đã lưu tiêu chí 1.4 của Sở Tài chính: hãy xem nội dung đã lưu và nhập lại nếu cần."
    )


def test_the_error_reads_as_its_conflicts_messages():
    first = Conflict(score_id=1, code="1.1.1", by="Lê Văn Minh", at=AT, unit="Sở Tài chính", graded=True)
    second = Conflict(score_id=2, code="1.1.2", by="Trần Thị Hương", at=None, unit="Sở Tư pháp", graded=True)
    error = ConflictError([first, second])
    assert error.messages == [first.message, second.message]
    assert str(error) == f"{first.message} {second.message}"
    assert error.conflicts == [first, second]


def test_grade_reasons_are_the_grading_services_change_reasons():
    from assessment.exceptions import GRADE_REASONS
    from assessment.services.appraisal import CHANGE_REASONS

    assert set(CHANGE_REASONS.values()) == GRADE_REASONS


def test_a_conflict_tells_a_grade_from_the_units_own_save(submitted, coordinator):
    from decimal import Decimal

    from tests.assessment.conftest import grade, score_of

    leaf = score_of(submitted, "1.1.1")
    saved_by_unit = Conflict.of(leaf)
    assert (saved_by_unit.by, saved_by_unit.graded, saved_by_unit.unit) == ("Đỗ Quang Huy", False, "Sở Tài chính")
    grade(coordinator, leaf, points=Decimal("1"))
    leaf = score_of(submitted, "1.1.1")
    graded = Conflict.of(leaf)
    assert (graded.code, graded.by, graded.graded, graded.at) == ("1.1.1", "Trần Thị Hương", True, leaf.updated_at)


def test_the_grade_reasons_are_the_grading_services_change_reasons():
    """exceptions.py imports only Django, so it spells the reasons out; they must stay those of the enum."""
    from assessment.exceptions import GRADE_REASONS
    from assessment.models import ChangeReason
    from assessment.services.appraisal import CHANGE_REASONS

    assert set(CHANGE_REASONS.values()) == GRADE_REASONS
    assert {ChangeReason.APPRAISAL, ChangeReason.APPRAISAL_ROUND_2, ChangeReason.COUNCIL} == GRADE_REASONS
