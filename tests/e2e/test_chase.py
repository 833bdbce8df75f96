"""Home Affairs goes from the cycle to "who to chase", filters it and downloads it (screenshots 1366×900, 390×844)."""

import pytest
from playwright.sync_api import expect

from tests.assessment.test_chase import chase_period  # noqa: F401 - fixture
from tests.e2e.test_appraisal import session
from tests.spreadsheets import xlsx_rows


@pytest.mark.usefixtures("chase_period", "coordinator")
def test_home_affairs_finds_who_to_chase_filters_and_exports(browser, live_server, screenshot_dir):
    home = session(browser, live_server, "noivu")
    home.goto("/")
    home.get_by_test_id("cycle-chase").click()
    expect(home.get_by_test_id("chase-row")).to_have_count(4)
    expect(home.get_by_test_id("chase-row").first).to_contain_text("Sở Tài chính")
    expect(home.get_by_test_id("chase-row").first).to_contain_text("1/3")
    for width, height in ((1366, 900), (390, 844)):
        home.set_viewport_size({"width": width, "height": height})
        home.screenshot(path=str(screenshot_dir / f"who-to-chase-{width}.png"), full_page=True)
        assert home.evaluate("document.documentElement.scrollWidth") <= width
    home.set_viewport_size({"width": 1366, "height": 900})
    home.get_by_label("Trạng thái").select_option(label="Nháp")
    home.get_by_role("button", name="Lọc").click()
    expect(home.get_by_test_id("chase-row")).to_have_count(2)
    expect(home.get_by_test_id("chase-count")).to_contain_text("2 đơn vị trong Chỉ số CCHC năm 2025")
    with home.expect_download() as download:
        home.get_by_test_id("chase-xlsx").click()
    rows = xlsx_rows(download.value.path().read_bytes())
    assert [row[0].value for row in rows[1:]] == ["Sở Tài chính", "Quận Ba Đình"]
    home.context.close()
