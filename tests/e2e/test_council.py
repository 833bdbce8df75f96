"""The council online: Home Affairs opens the review, two members answer (one objects), Home Affairs records the
decision; each in their own browser."""

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from assessment.models import Assessment, CouncilReview
from tests.assessment.conftest import agencies, assessment, draft_framework, sample_framework  # noqa: F401 - fixtures
from tests.conftest import make_user
from tests.e2e.test_appraisal import session


@pytest.mark.usefixtures("assessment", "coordinator", "council_member")
def test_the_council_decides_online(browser, live_server, screenshot_dir):
    period = Assessment.objects.get().period
    make_user("hoidong2", (Role.COUNCIL, None), full_name="Ngô Văn Bình")
    url = f"/admin/assessment/period/{period.pk}/council/"
    home_affairs = session(browser, live_server, "noivu", admin=True)
    home_affairs.goto(f"/admin/assessment/period/{period.pk}/change/")
    home_affairs.get_by_test_id("council-link").click()
    home_affairs.get_by_test_id("council-open").click()
    expect(home_affairs.get_by_test_id("council-state")).to_contain_text("2 thành viên chưa trả lời.")

    member = session(browser, live_server, "hoidong", admin=True)
    member.goto(url)
    member.get_by_label("Tôi có ý kiến khác").check()
    member.get_by_test_id("council-answer").click()
    expect(member.locator(".errorlist")).to_contain_text("Hãy nêu nội dung có ý kiến khác")
    member.get_by_label("Nhận xét").fill("Đề nghị xem lại cách chấm tiêu chí 1.2 giữa các cơ quan.")
    member.get_by_test_id("council-answer").click()
    expect(member.get_by_test_id("council-answers")).to_contain_text("Đề nghị xem lại cách chấm tiêu chí 1.2")
    member.screenshot(path=str(screenshot_dir / "council-member.png"), full_page=True)

    other = session(browser, live_server, "hoidong2", admin=True)
    other.goto(url)
    other.get_by_label("Tôi đồng ý với kết quả tạm tính").check()
    other.get_by_test_id("council-answer").click()
    expect(other.get_by_test_id("council-state")).to_contain_text("0 thành viên chưa trả lời.")

    home_affairs.goto(url)
    home_affairs.get_by_label("Số quyết định").fill("15/QĐ-HĐTĐ")
    home_affairs.get_by_label("Ngày quyết định").fill("20/03/2025")
    home_affairs.get_by_test_id("council-decide").click()
    expect(home_affairs.get_by_test_id("council-state")).to_contain_text(
        "Đã quyết định: quyết định số 15/QĐ-HĐTĐ ngày 20/03/2025."
    )
    home_affairs.screenshot(path=str(screenshot_dir / "council-decided.png"), full_page=True)
    assert CouncilReview.objects.get().state == "decided"
