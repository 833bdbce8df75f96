"""A unit's person opens its published results, tries "what if" with two criteria and sees its new index and rank."""

import pytest
from playwright.sync_api import expect

from assessment.models import Assessment
from tests.assessment.conftest import agencies, block_period, published  # noqa: F401 - fixtures
from tests.e2e.conftest import sign_in


@pytest.mark.usefixtures("published")
@pytest.mark.parametrize("viewport", [(1366, 900), (390, 844)], ids=["laptop", "phone"])
def test_the_unit_tries_what_if_after_publication(browser, live_server, unit_staff, screenshot_dir, viewport):
    finance_assessment = Assessment.objects.get(unit__code="so-tai-chinh")
    width, height = viewport
    context = browser.new_context(locale="vi-VN", viewport={"width": width, "height": height}, base_url=live_server.url)
    page = context.new_page()
    sign_in(page, "canbo")
    page.goto(f"/assessments/{finance_assessment.pk}/results/")
    page.get_by_test_id("what-if-link").click()
    expect(page.get_by_test_id("what-if-now")).to_have_text("75,00%")
    expect(page.get_by_test_id("what-if-now-rank")).to_contain_text("Xếp thứ 5/6")
    rows = page.get_by_test_id("what-if-stakes").locator("tbody tr")
    expect(rows).to_have_count(5)
    expect(rows.first).to_contain_text("1.1")
    page.get_by_label("1.1 Kế hoạch CCHC").check()
    page.get_by_label("1.2 Kiểm tra CCHC").check()
    page.get_by_test_id("what-if-compute").click()
    expect(page.get_by_test_id("what-if-then")).to_have_text("87,50% (+12,50)")
    expect(page.get_by_test_id("what-if-then-rank")).to_contain_text("Xếp thứ 2/6")
    expect(page.get_by_label("1.1 Kế hoạch CCHC")).to_be_checked()
    page.screenshot(path=str(screenshot_dir / f"what-if-{width}.png"), full_page=True)
    context.close()
