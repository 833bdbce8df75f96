"""assessment/selectors/portal.py: what the unit's pages read, on the factories' small tree (tests/factories.py:
appraisal leaves 1.1 (2 points, evidence required), 1.2 (3, N/A allowed), 2.1 (4); survey 2.2; bonus and penalty
in field 3)."""

from decimal import Decimal

import pytest

from assessment import policy
from assessment.models import Score
from assessment.selectors.portal import (
    FieldSection,
    Progress,
    assessment_fields,
    assessment_fields_with_points,
    assessment_missing,
    assessment_overview,
    assessment_page,
    assessments_progress,
    field_leaves,
    field_rows,
    unit_assessments,
    unit_documents,
)
from tests.factories import AssessmentFactory, DocumentFactory, EvidenceFactory, PeriodFactory


@pytest.fixture
def answered(finance):
    """Finance's assessment with 1.1 self-scored 2 (no evidence yet) and 1.2 marked not applicable; 2.1 blank."""
    assessment = AssessmentFactory(unit=finance, period=PeriodFactory(year=2024))
    Score.objects.filter(assessment=assessment, criterion__code="1.1").update(self_points=Decimal("2"))
    Score.objects.filter(assessment=assessment, criterion__code="1.2").update(is_na=True, na_reason="Không phát sinh")
    return assessment


def test_progress_counts_appraisal_leaves_only_in_one_query(answered, django_assert_num_queries):
    empty = AssessmentFactory()
    with django_assert_num_queries(1):
        progress = assessments_progress([answered.pk, empty.pk])
    assert progress == {
        answered.pk: Progress(
            total=3, answered=2, missing_evidence=1, self_points=Decimal("2.00"), applicable_max=Decimal("6.00")
        ),
        empty.pk: Progress(  # 1.1 lacks its evidence before it is even answered
            total=3, answered=0, missing_evidence=1, self_points=Decimal("0.00"), applicable_max=Decimal("9.00")
        ),
    }
    assert (progress[answered.pk].percent_answered, progress[answered.pk].self_index) == (67, Decimal("33.33"))
    assert (progress[empty.pk].percent_answered, progress[empty.pk].self_index) == (0, Decimal("0.00"))


def test_evidence_or_a_reason_clears_the_missing_evidence(answered, private_storage):
    EvidenceFactory(score=Score.objects.get(assessment=answered, criterion__code="1.1"))
    assert assessments_progress([answered.pk])[answered.pk].missing_evidence == 0
    assert [item.code for item in assessment_missing(answered)] == ["2.1"]


def test_what_stops_a_submission_in_tree_order_with_the_leaf_to_link(answered):
    items = assessment_missing(answered)
    scores = dict(Score.objects.filter(assessment=answered).values_list("criterion__code", "pk"))
    assert [(item.score_id, item.field_code, item.code) for item in items] == [
        (scores["1.1"], "1", "1.1"),
        (scores["2.1"], "2", "2.1"),
    ]
    assert [str(item) for item in items] == [
        "Tiêu chí 1.1: bắt buộc có tài liệu kiểm chứng: hãy gắn tài liệu hoặc ghi lý do không có.",
        "Tiêu chí 2.1: chưa có điểm tự đánh giá và chưa đánh dấu “không áp dụng”.",
    ]


def test_the_unit_sees_its_own_assessments_newest_year_first(
    answered, unit_staff, other_unit_staff, coordinator, finance
):
    later = AssessmentFactory(unit=finance, period=PeriodFactory(year=2030), framework=answered.framework)
    AssessmentFactory()  # another unit's
    assert list(unit_assessments(unit_staff)) == [later, answered]
    assert list(unit_assessments(other_unit_staff)) == []
    assert list(unit_assessments(coordinator)) == []  # Home Affairs has no unit: the portal lists nothing


def test_the_library_is_the_units_own_newest_first(finance, ba_dinh, private_storage):
    first, second = DocumentFactory(unit=finance), DocumentFactory(unit=finance)
    DocumentFactory(unit=ba_dinh)
    assert list(unit_documents(finance.pk)) == [second, first]


def test_the_fields_with_their_answered_appraisal_leaves_in_two_queries(answered, django_assert_num_queries):
    with django_assert_num_queries(2):
        fields = assessment_fields(answered)
    assert fields == [
        FieldSection("1", "Công tác chỉ đạo, điều hành cải cách hành chính", Decimal("5.00"), total=2, answered=2),
        FieldSection("2", "Cải cách thể chế", Decimal("5.00"), total=1, answered=0),
        FieldSection("3", "Điểm thưởng, điểm trừ", None, total=0, answered=0),
    ]


def test_the_fields_and_their_self_points_in_the_same_two_queries(answered, django_assert_num_queries):
    """Issue 12: the summary's fields and self totals from one reading of the scores; an N/A leaf counts as
    answered but adds neither points nor maximum; survey, bonus and penalty leaves add nothing."""
    Score.objects.filter(assessment=answered, criterion__code="2.2").update(self_points=Decimal("1"))
    with django_assert_num_queries(2):
        fields, points = assessment_fields_with_points(answered)
    assert fields == assessment_fields(answered)
    assert points == {"1": (Decimal("2.00"), Decimal("2.00")), "2": (Decimal("0.00"), Decimal("4.00"))}


def _separate_reads(assessment):
    fields, points = assessment_fields_with_points(assessment)
    return fields, points, assessments_progress([assessment.pk]).get(assessment.pk), assessment_missing(assessment)


def test_the_summary_reads_fields_progress_and_what_is_missing_in_two_queries(
    answered, private_storage, django_assert_num_queries
):
    """One pass over the score rows (issue 12) gives what the three separate reads give, in each state."""
    empty = AssessmentFactory()
    with django_assert_num_queries(2):
        overview = assessment_overview(answered)
    assert overview.progress == Progress(
        total=3, answered=2, missing_evidence=1, self_points=Decimal("2.00"), applicable_max=Decimal("6.00")
    )
    assert [(item.code, item.reason) for item in overview.missing] == [
        ("1.1", "bắt buộc có tài liệu kiểm chứng: hãy gắn tài liệu hoặc ghi lý do không có."),
        ("2.1", "chưa có điểm tự đánh giá và chưa đánh dấu “không áp dụng”."),
    ]

    def same_as_separate_reads(assessment):
        overview = assessment_overview(assessment)
        return (overview.fields, overview.points, overview.progress, overview.missing) == _separate_reads(assessment)

    assert same_as_separate_reads(answered) and same_as_separate_reads(empty)
    EvidenceFactory(score=Score.objects.get(assessment=answered, criterion__code="1.1"))
    Score.objects.filter(assessment=answered, criterion__code="2.1").update(self_points=Decimal("3.50"))
    Score.objects.filter(assessment=empty, criterion__code="1.1").update(no_evidence_reason="Chưa ban hành")
    Score.objects.filter(assessment=empty, criterion__code="2.2").update(self_points=Decimal("1"))  # a survey leaf
    assert same_as_separate_reads(answered) and same_as_separate_reads(empty)
    assert assessment_overview(answered).missing == []
    assert assessment_overview(answered).progress.self_points == Decimal("5.50")
    none = AssessmentFactory()
    Score.objects.filter(assessment=none).delete()
    assert (assessment_overview(none).progress, assessment_overview(none).missing) == (None, [])
    assert assessments_progress([none.pk]).get(none.pk) is None


def test_the_leaves_of_a_field_for_saving_in_one_query(answered, django_assert_num_queries):
    with django_assert_num_queries(1):
        leaves = field_leaves(answered, "2")
        shown = [(leaf.code, leaf.score.self_points, leaf.score.criterion is leaf) for leaf in leaves]
    assert shown == [("2.1", None, True), ("2.2", None, True)]
    assert [leaf.code for leaf in field_leaves(answered, "1")] == ["1.1", "1.2"]
    # No score row: the criteria as field_rows reads them (none for an unknown field: no score to read then).
    with django_assert_num_queries(2):
        assert field_leaves(answered, "9") == []


def test_the_rows_of_a_field_carry_their_score_in_three_queries(answered, django_assert_num_queries):
    with django_assert_num_queries(3):
        rows = field_rows(answered, "2")
        shown = [(row.code, row.score.self_points if row.score else "group") for row in rows]
    assert shown == [("2", "group"), ("2.1", None), ("2.2", None)]
    assert rows[1].score.criterion is rows[1] and rows[1].score.agency.code == "so-tu-phap"


def test_the_detail_page_reads_one_field_in_one_call(answered, unit_staff, unit_head, django_assert_num_queries):
    # an unknown field: the fields (2), the window (its period), the first field's rows (3), the guidance with no
    # earlier year published (the newest publication, the plan items: 2); is_head is cached
    with django_assert_num_queries(8):
        page = assessment_page(answered, user=unit_head, field_code="9")
    assert (page.field_code, page.current.code, [row.code for row in page.rows]) == ("1", "1", ["1", "1.1", "1.2"])
    assert [field.code for field in page.fields] == ["1", "2", "3"]
    assert (page.round, page.window.open, page.show_appraisal, page.is_head) == (policy.SELF, True, False, True)
    assert list(page.documents) == []
    # a field asked by its code: its criteria come with the fields in one query (issue 12), so one query less
    with django_assert_num_queries(7):
        chosen = assessment_page(answered, user=unit_staff, field_code="2")
    assert (chosen.field_code, chosen.current.code, chosen.is_head) == ("2", "2", False)
    assert [(row.code, row.score.pk if row.score else None) for row in chosen.rows] == [
        (row.code, row.score.pk if row.score else None) for row in field_rows(answered, "2")
    ]
    assert [field.code for field in chosen.fields] == ["1", "2", "3"]
    assert [(field.total, field.answered) for field in chosen.fields] == [(2, 2), (1, 0), (0, 0)]


def test_the_detail_page_after_the_appraisal_shows_it_and_offers_no_library(answered, unit_staff):
    answered.status = "reappraised"
    page = assessment_page(answered, user=unit_staff, field_code="1")
    assert (page.round, page.show_appraisal, page.documents) == (None, True, [])
