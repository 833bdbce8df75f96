"""Start from last year, and where the unit stands (issue 13, part): a unit person carries over last year's notes
and evidence, sees the marks, confirms one; and reads its self scores against round 1 once returned.

At a laptop's 1366×900 and a phone's 390×844; the screenshots land in build/screenshots/."""

from decimal import Decimal

import pytest
from django.db.models import F
from playwright.sync_api import expect

from accounts.models import Role
from accounts.services import membership_grant
from assessment.models import AssessmentStatus, Score
from tests.assessment.carry_over_helpers import last_year, this_year
from tests.assessment.conftest import AGENCIES
from tests.e2e.test_portal_journeys import VIEWPORTS, leaf, portal, shot, sign_in  # noqa: F401
from tests.factories import BlockFactory, UnitFactory, UserFactory


@pytest.fixture
def years(private_storage):
    block = BlockFactory(code="departments", name="Khối Sở, ban, ngành", order=1)
    for code, name in AGENCIES.items():
        UnitFactory(code=code, name=name, block=block)
    unit = UnitFactory(code="so-tai-chinh", name="Sở Tài chính", block=block)
    staff = UserFactory(username="canbo", full_name="Nguyễn Văn An")
    membership_grant(user=staff, role=Role.UNIT_STAFF, unit=unit, actor=None)
    return last_year(block, unit, staff), this_year(block, unit)


def test_a_unit_person_carries_over_sees_the_marks_and_confirms_one(portal, years):  # noqa: F811
    page = portal
    _before, current = years
    sign_in(page, "canbo")
    page.goto(f"/assessments/{current.pk}/?field=1")
    page.get_by_test_id("carry-over-button").click()
    expect(page.get_by_text("Đã chuyển từ năm 2024 vào 3 tiêu chí")).to_be_visible()
    plan = leaf(page, "1.1")
    expect(plan.get_by_test_id("carried-note")).to_have_text("từ năm 2024")
    expect(plan.get_by_test_id("carried-evidence")).to_have_text("từ năm 2024")
    expect(plan.get_by_label("Ghi chú")).to_have_value("Kế hoạch 224/KH-UBND")
    expect(leaf(page, "1.3").get_by_test_id("carried-note")).to_have_count(0)  # a new code: nothing carried
    shot(page, "carry-over-marks")
    plan.get_by_test_id("confirm-carried").click()
    expect(page.get_by_text("Tiêu chí 1.1: đã xác nhận cho năm nay.")).to_be_visible()
    expect(leaf(page, "1.1").get_by_test_id("carried-note")).to_have_count(0)
    expect(leaf(page, "1.1").get_by_test_id("carried-evidence")).to_have_count(0)
    page.goto(f"/assessments/{current.pk}/?field=2")
    expect(leaf(page, "2.1").get_by_test_id("carried-note")).to_be_visible()  # the others keep their marks
    assert Score.objects.get(assessment=current, criterion__code="1.1").note_from_year is None


def test_the_unit_reads_where_it_stands_once_returned(portal, years):  # noqa: F811
    page = portal
    before, _current = years
    Score.objects.filter(assessment=before, criterion__method="appraisal").update(self_points=F("max_points"))
    Score.objects.filter(assessment=before, criterion__code="1.2").update(
        appraised_points=Decimal("5.50"), appraised_comment="Chưa kiểm tra đủ 8 phòng chuyên môn"
    )
    Score.objects.filter(assessment=before, criterion__code__in=["1.1", "2.1", "2.2"]).update(
        appraised_points=F("max_points")
    )
    type(before).objects.filter(pk=before.pk).update(status=AssessmentStatus.RETURNED)
    sign_in(page, "canbo")
    page.goto(f"/assessments/{before.pk}/summary/")
    page.get_by_test_id("go-standing").click()
    row = page.get_by_test_id("standing-fields").locator('tr[data-field="1"]')
    expect(row).to_contain_text("mất điểm ở 1 tiêu chí")
    expect(page.locator('tr[data-leaf="1.2"]')).to_contain_text("Chưa kiểm tra đủ 8 phòng chuyên môn")
    shot(page, "standing")


def test_the_pages_have_no_serious_accessibility_violation(transactional_db, browser, live_server, years):
    from django.urls import reverse

    from accounts.models import User
    from assessment.services import assessment_carry_over
    from tests.e2e.test_accessibility import check

    before, current = years
    assessment_carry_over(assessment=current, actor=User.objects.get(username="canbo"))
    Score.objects.filter(assessment=before, criterion__method="appraisal").update(
        self_points=F("max_points"), appraised_points=Decimal("1"), appraised_comment="Thiếu biên bản"
    )
    type(before).objects.filter(pk=before.pk).update(status=AssessmentStatus.RETURNED)
    check(
        browser,
        live_server,
        {
            "carry-over-detail": reverse("assessment:assessment-detail", args=[current.pk]),
            "standing": reverse("assessment:assessment-standing", args=[before.pk]),
        },
        username="canbo",
    )
