"""A unit officer signs in, in Vietnamese, in a real browser, and sees their unit."""

import re

from playwright.sync_api import expect

from accounts.models import Role
from accounts.services import membership_grant
from tests.conftest import PASSWORD
from tests.factories import BlockFactory, UnitFactory, UserFactory


def test_unit_staff_signs_in_and_sees_the_unit(page, screenshot):
    block = BlockFactory(code="departments", name="Khối Sở, ban, ngành", order=1)
    unit = UnitFactory(code="so-tai-chinh", name="Sở Tài chính", block=block)
    user = UserFactory(username="canbo", full_name="Nguyễn Văn An")
    membership_grant(user=user, role=Role.UNIT_STAFF, unit=unit, actor=None)

    # A visitor lands on the published results; the navigation bar leads to the login form.
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/results/$"))
    page.get_by_role("link", name="Đăng nhập").first.click()
    expect(page).to_have_title("Đăng nhập · Chỉ số cải cách hành chính thành phố Hà Nội")
    screenshot("login")

    page.get_by_label("Tên đăng nhập").fill("canbo")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Xin chào, Nguyễn Văn An")
    expect(page.get_by_test_id("nav-unit")).to_have_text("Sở Tài chính")
    expect(page.get_by_test_id("card-unit")).to_contain_text("Khối Sở, ban, ngành")
    expect(page.get_by_test_id("nav-admin")).to_have_count(0)
    # Bootstrap is served by the app itself: the navigation bar is styled.
    assert page.eval_on_selector("nav.navbar", "el => getComputedStyle(el).display") == "flex"
    screenshot("home-unit-staff")
