"""Why points were lost, for next year: the unit opens a field of its self-assessment and finds, collapsed beside each
criterion, the appraisers' comments of earlier years (no unit named), the evidence that got full points, and its own
improvement plan item of last year (the hand-made history of tests/assessment/test_guidance.py)."""

import pytest
from playwright.sync_api import expect

from tests.assessment.conftest import agencies  # noqa: F401 - fixtures
from tests.assessment.test_guidance import history  # noqa: F401 - fixtures
from tests.e2e.conftest import sign_in


@pytest.mark.usefixtures("unit_staff")
def test_the_unit_reads_the_earlier_years_beside_each_criterion(browser, live_server, screenshot_dir, history):  # noqa: F811
    for width, height in [(1366, 900), (390, 844)]:
        context = browser.new_context(
            locale="vi-VN", viewport={"width": width, "height": height}, base_url=live_server.url
        )
        context.set_default_timeout(15000)
        page = context.new_page()
        sign_in(page, "canbo")
        page.goto(f"/assessments/{history.pk}/?field=1")
        leaf = page.locator("#leaf-1\\.1")
        earlier = leaf.get_by_test_id("earlier-1.1")
        plan = leaf.get_by_test_id("plan-item-1.1")
        # collapsed by default: the page stays a list of inputs
        expect(earlier.get_by_text("Gợi ý từ các năm trước")).to_be_visible()
        expect(earlier.get_by_test_id("earlier-comments")).to_be_hidden()
        expect(plan).to_contain_text("Kế hoạch khắc phục năm 2024 của đơn vị")
        expect(plan.get_by_text("Kế hoạch ban hành muộn")).to_be_hidden()
        expect(page.locator("#leaf-1\\.3").get_by_test_id("earlier-1.3")).to_have_count(0)
        page.screenshot(path=str(screenshot_dir / f"guidance-closed-{width}.png"), full_page=True)

        earlier.locator("summary").click()
        expect(earlier.get_by_test_id("earlier-comments").locator("li")).to_have_text(
            [
                "“Chưa có kế hoạch kiểm tra.” — 2024",
                "“Hội đồng: chưa đủ minh chứng.” — 2024",
                "“Kế hoạch ban hành chậm.” — 2023, 2 lần",
            ]
        )
        expect(earlier).to_contain_text("5 trên 7 hồ sơ được chấm trong các năm trước bị trừ điểm ở tiêu chí này.")
        expect(earlier).to_contain_text("và 1 nhận xét khác")
        expect(earlier.get_by_test_id("earlier-kinds").locator("li")).to_have_text(
            ["Kế hoạch: 2 hồ sơ", "Báo cáo: 1 hồ sơ", "Ảnh, bản chụp không có số hiệu: 1 hồ sơ"]
        )
        plan.locator("summary").click()
        expect(plan.get_by_text("Kế hoạch ban hành muộn")).to_be_visible()
        expect(plan).to_contain_text("Đã hoàn thành")
        with page.expect_download() as download:
            plan.get_by_role("link", name="30/BC-STC – bao-cao-khac-phuc.pdf").click()
        assert download.value.suggested_filename == "bao-cao-khac-phuc.pdf"
        html = page.content()
        assert not any(name in html for name in ["Sở Alpha", "Sở Beta", "Sở Gamma"])
        # nothing wider than the phone
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        leaf.scroll_into_view_if_needed()
        page.screenshot(path=str(screenshot_dir / f"guidance-{width}.png"), full_page=True)
        leaf.screenshot(path=str(screenshot_dir / f"guidance-leaf-{width}.png"))
        context.close()
