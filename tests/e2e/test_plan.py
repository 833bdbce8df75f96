"""After publication the unit plans the fix of a criterion where it lost points; Home Affairs sees its progress."""

import pytest
from playwright.sync_api import expect

from assessment.models import Assessment, ImprovementItem
from tests.assessment.conftest import agencies, block_period, published  # noqa: F401 - fixtures
from tests.e2e.conftest import sign_in
from tests.e2e.test_appraisal import session


@pytest.mark.usefixtures("published", "unit_staff", "coordinator")
def test_the_unit_plans_a_fix_and_home_affairs_follows_it(browser, live_server, screenshot_dir):
    assessment = Assessment.objects.get(unit__code="so-tai-chinh")
    for width, height in [(1366, 900), (390, 844)]:
        context = browser.new_context(
            locale="vi-VN", viewport={"width": width, "height": height}, base_url=live_server.url
        )
        page = context.new_page()
        sign_in(page, "canbo")
        page.goto(f"/assessments/{assessment.pk}/results/")
        page.get_by_test_id("plan-link").click()
        page.get_by_test_id("plan-1.2").click()
        page.get_by_label("Nguyên nhân").fill("Chưa kiểm tra đủ số cơ quan theo kế hoạch")
        page.get_by_label("Giải pháp khắc phục").fill("Kiểm tra 100% phòng, ban trong quý III")
        page.get_by_label("Đơn vị/người chủ trì").fill("Văn phòng Sở")
        page.get_by_label("Ngày bắt đầu").fill("01/06/2024")
        page.get_by_label("Thời hạn hoàn thành").fill("01/05/2024")
        page.get_by_test_id("plan-save").click()
        expect(page.get_by_text("Ngày hoàn thành không được trước ngày bắt đầu.")).to_be_visible()
        expect(page.get_by_label("Nguyên nhân")).to_have_value("Chưa kiểm tra đủ số cơ quan theo kế hoạch")
        page.get_by_label("Thời hạn hoàn thành").fill("30/09/2024")
        page.get_by_test_id("plan-save").click()
        expect(page.get_by_test_id("plan").locator("li").nth(1)).to_contain_text("Kiểm tra 100% phòng, ban")
        page.screenshot(path=str(screenshot_dir / f"plan-{width}.png"), full_page=True)
        context.close()
    assert ImprovementItem.objects.get().criterion.code == "1.2"

    admin = session(browser, live_server, "noivu", admin=True)
    admin.goto(f"/admin/assessment/period/{assessment.period.pk}/change/")
    admin.get_by_test_id("plans-link").click()
    expect(admin.get_by_test_id("plans").locator("tbody tr", has_text="Sở Tài chính")).to_contain_text("1")
    admin.screenshot(path=str(screenshot_dir / "plans-admin.png"), full_page=True)
