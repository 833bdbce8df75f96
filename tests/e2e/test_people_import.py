"""Home Affairs imports people in the admin; a new person opens the link of their e-mail, chooses a password and
signs in."""

import re

from django.core import mail
from playwright.sync_api import expect

from accounts.models import Role, User
from accounts.services import membership_grant
from tests.e2e.conftest import sign_in
from tests.factories import BlockFactory, UnitFactory, UserFactory

SAMPLE = "accounts/data/people-sample.csv"
NEW_PASSWORD = "Ha-Noi-cai-cach-2026"


def test_home_affairs_imports_people_and_a_new_person_sets_a_password(page, screenshot, live_server, settings):
    settings.SITE_URL = live_server.url
    block = BlockFactory(code="departments", name="Khối Sở, ban, ngành", order=1)
    UnitFactory(code="so-noi-vu", name="Sở Nội vụ", block=block, is_appraising_agency=True)
    UnitFactory(code="so-tai-chinh", name="Sở Tài chính", block=block)
    UnitFactory(code="so-y-te", name="Sở Y tế", block=block)
    membership_grant(user=UserFactory(username="noivu", full_name="Trần Thị Hương"), role=Role.COORDINATOR, actor=None)

    sign_in(page, "noivu", admin=True)
    page.goto("/admin/accounts/user/")
    page.locator('a[href="/admin/accounts/user/import/"]').first.click()
    page.set_input_files("#id_import_file", SAMPLE)
    page.get_by_role("button", name="Gửi").click()
    expect(page.get_by_test_id("import-summary")).to_contain_text("4 mới, 1 thay đổi")
    screenshot("people-import-preview")
    assert not User.objects.filter(username="tc.canbo").exists()
    assert mail.outbox == []

    page.get_by_role("button", name="Xác nhận nhập").click()
    page.wait_for_load_state()
    assert User.objects.filter(username__in=["tc.lanhdao", "tc.canbo", "nv.thamdinh", "hd.thanhvien"]).count() == 4
    assert len(mail.outbox) == 4

    page.goto("/accounts/people/")
    expect(page.get_by_test_id("people-summary")).to_contain_text("3 đơn vị đang hoạt động")
    expect(page.locator('tr[data-unit="so-y-te"]').get_by_test_id("lacks-head")).to_have_text("Chưa có lãnh đạo")
    expect(page.locator('tr[data-unit="so-tai-chinh"]')).to_contain_text("Trần Thị Mai")
    page.set_viewport_size({"width": 1366, "height": 900})
    screenshot("people-overview-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("people-overview-390")
    page.set_viewport_size({"width": 1280, "height": 800})

    # The new person, in a browser of their own, opens the link of their e-mail.
    message = next(message for message in mail.outbox if message.to == ["mai.tt@taichinh.hanoi.example"])
    link = re.search(r"http://\S+/accounts/welcome/\S+/", message.body).group(0)
    page.context.clear_cookies()
    page.goto(link)
    expect(page.get_by_role("heading", name="Đặt mật khẩu của bạn")).to_be_visible()
    screenshot("people-choose-password")
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.locator("#id_new_password2").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Lưu mật khẩu").click()
    page.get_by_role("link", name="Đăng nhập").last.click()

    sign_in(page, "tc.canbo", password=NEW_PASSWORD)
    expect(page.get_by_test_id("nav-unit")).to_contain_text("Sở Tài chính")

    # The link works once.
    page.goto(link)
    expect(page.get_by_role("heading", name="Liên kết này đã được dùng")).to_be_visible()


def test_the_people_pages_have_no_serious_accessibility_violation(browser, live_server, transactional_db):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from accounts.services import person_create
    from tests.e2e.test_accessibility import check

    block = BlockFactory(code="departments", name="Khối Sở, ban, ngành", order=1)
    finance = UnitFactory(code="so-tai-chinh", name="Sở Tài chính", block=block)
    UnitFactory(code="so-y-te", name="Sở Y tế", block=block)
    membership_grant(user=UserFactory(username="noivu", full_name="Trần Thị Hương"), role=Role.COORDINATOR, actor=None)
    person = person_create(
        username="moi",
        full_name="Nguyễn Thị Mới",
        email="moi@hanoi.example",
        roles=((Role.UNIT_HEAD, finance),),
        actor=None,
    )
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    token = default_token_generator.make_token(person)
    check(browser, live_server, {"invitation": f"/accounts/welcome/{uid}/{token}/"})
    check(browser, live_server, {"invitation-expired": f"/accounts/welcome/{uid}/0-0/"})
    check(browser, live_server, {"people": "/accounts/people/"}, "noivu")
