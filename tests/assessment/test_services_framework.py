"""A framework's life: draft, checked activation, the lock once a period uses it, copy as a new version."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models.deletion import ProtectedError

from assessment.models import Criterion, Framework, Period, PeriodBlock
from assessment.services import framework_activate, framework_back_to_draft, framework_copy, period_open


def make_period(year=2024, **dates):
    calendar = {
        "self_assessment_opens": date(year + 1, 1, 5),
        "self_assessment_closes": date(year + 1, 1, 31),
        "appraisal_closes": date(year + 1, 2, 28),
        "explanation_opens": date(year + 1, 3, 1),
        "explanation_closes": date(year + 1, 3, 10),
        "council_date": date(year + 1, 3, 20),
        "publication_date": date(year + 1, 4, 1),
    }
    calendar.update(dates)
    return Period.objects.create(year=year, name=f"Chỉ số CCHC năm {year}", **calendar)


def test_activation_checks_the_whole_tree(sample_framework):
    Criterion.objects.filter(framework=sample_framework, code="1.1.1").update(max_points=Decimal("1.25"))
    Criterion.objects.filter(framework=sample_framework, code="1.4").update(rule="")
    with pytest.raises(ValidationError) as error:
        framework_activate(framework=sample_framework, actor=None)
    assert error.value.messages == [
        "Tiêu chí 1.1: điểm tối đa 2,5 khác tổng điểm các tiêu chí con (2,75).",
        "Tiêu chí 1.4: Tiêu chí thẩm định phải có quy tắc chấm (dùng “manual” nếu chấm thủ công).",
    ]
    sample_framework.refresh_from_db()
    assert sample_framework.state == Framework.State.DRAFT


def test_an_empty_framework_cannot_be_activated(draft_framework):
    with pytest.raises(ValidationError) as error:
        framework_activate(framework=draft_framework, actor=None)
    assert error.value.messages == ["Bộ chỉ số chưa có tiêu chí nào."]


def test_a_valid_framework_activates(sample_framework):
    framework_activate(framework=sample_framework, actor=None)
    sample_framework.refresh_from_db()
    assert sample_framework.state == Framework.State.ACTIVE


def test_a_framework_used_by_a_period_is_locked(sample_framework, finance):
    framework_activate(framework=sample_framework, actor=None)
    period = make_period()
    PeriodBlock.objects.create(period=period, block=sample_framework.block, framework=sample_framework)
    period_open(period=period, actor=None)

    with pytest.raises(ValidationError) as error:
        framework_back_to_draft(framework=sample_framework, actor=None)
    assert error.value.messages == [
        f"“{sample_framework}” đang được dùng cho kỳ đánh giá nên không sửa được; hãy sao chép thành phiên bản mới."
    ]
    with pytest.raises(ProtectedError):
        sample_framework.delete()
    sample_framework.refresh_from_db()
    assert sample_framework.state == Framework.State.ACTIVE


def test_an_unused_active_framework_can_go_back_to_draft(sample_framework):
    framework_activate(framework=sample_framework, actor=None)
    framework_back_to_draft(framework=sample_framework, actor=None)
    sample_framework.refresh_from_db()
    assert sample_framework.state == Framework.State.DRAFT


def test_copy_as_new_version_makes_an_editable_copy_of_the_whole_tree(sample_framework):
    framework_activate(framework=sample_framework, actor=None)
    copy = framework_copy(framework=sample_framework, actor=None)

    assert (copy.state, copy.version, copy.copied_from, copy.name) == (
        Framework.State.DRAFT,
        2,
        sample_framework,
        sample_framework.name,
    )

    def tree(framework):
        return list(
            Criterion.objects.filter(framework=framework)
            .order_by("order")
            .values_list(
                "code",
                "parent__code",
                "title",
                "max_points",
                "method",
                "rule",
                "rule_params",
                "allows_na",
                "evidence_required",
                "appraising_agency_id",
                "guidance",
                "order",
            )
        )

    assert tree(copy) == tree(sample_framework)
    assert len(tree(copy)) == 54
    assert framework_copy(framework=sample_framework, actor=None).version == 3
