"""A Home Affairs coordinator turns on the second factor in the browser, keeps the backup codes, enters the admin."""

import re
import time
from base64 import b32decode

from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from accounts.models import Role
from accounts.services import membership_grant
from tests.conftest import PASSWORD
from tests.factories import UserFactory

VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


def code_from_secret(secret: str) -> str:
    """What the person's phone shows for the key typed from the page."""
    compact = secret.replace(" ", "")
    return f"{totp(b32decode(compact + '=' * (-len(compact) % 8))):06d}"


def test_a_coordinator_enrols_keeps_the_backup_codes_and_enters_the_admin(browser, live_server, screenshot_dir):
    coordinator = UserFactory(username="noivu", full_name="Trần Thị Hương")
    membership_grant(user=coordinator, role=Role.COORDINATOR, actor=None)

    for name, viewport in VIEWPORTS.items():
        TOTPDevice.objects.filter(user=coordinator).delete()
        context = browser.new_context(locale="vi-VN", viewport=viewport, base_url=live_server.url)
        context.set_default_timeout(15000)
        page = context.new_page()
        page.goto("/admin/")
        page.get_by_label("Tên đăng nhập").fill("noivu")
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()

        # No device yet: the enrolment page, with a QR code drawn in the page and the key in text.
        page.wait_for_url("**/accounts/otp/setup/**")
        expect(page.get_by_role("heading", name="Bật xác thực hai lớp")).to_be_visible()
        qr = page.get_by_test_id("otp-qr").locator("svg")
        expect(qr).to_be_visible()
        assert qr.bounding_box()["width"] >= 200
        secret = page.get_by_test_id("otp-secret").inner_text()
        assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", secret)
        page.screenshot(path=str(screenshot_dir / f"two-factor-setup-{name}.png"), full_page=True)

        wrong = "000000" if code_from_secret(secret) != "000000" else "111111"
        page.get_by_label("Mã 6 chữ số hiện trên ứng dụng").fill(wrong)
        page.get_by_role("button", name="Xác nhận và bật").click()
        expect(page.locator(".invalid-feedback")).to_have_text(
            "Mã không đúng hoặc đã hết hạn. Hãy kiểm tra giờ trên điện thoại và nhập mã hiện tại."
        )
        assert not TOTPDevice.objects.get(user=coordinator).confirmed
        time.sleep(1.1)  # the wrong code costs a one-second wait (throttling)

        page.get_by_label("Mã 6 chữ số hiện trên ứng dụng").fill(code_from_secret(secret))
        page.get_by_role("button", name="Xác nhận và bật").click()

        page.wait_for_url("**/accounts/otp/backup-codes/**")
        codes = page.get_by_test_id("backup-codes").locator("li")
        expect(codes).to_have_count(10)
        shown = sorted(codes.all_inner_texts())
        assert shown == sorted(StaticToken.objects.filter(device__user=coordinator).values_list("token", flat=True))
        expect(page.get_by_test_id("messages")).to_contain_text("Đã bật xác thực hai lớp.")
        page.screenshot(path=str(screenshot_dir / f"two-factor-backup-codes-{name}.png"), full_page=True)

        page.get_by_test_id("backup-continue").click()
        page.wait_for_url("**/admin/")
        expect(page.locator("#site-name")).to_be_visible()
        page.screenshot(path=str(screenshot_dir / f"two-factor-admin-{name}.png"), full_page=True)
        context.close()

    # Next time, the code page follows the password.
    context = browser.new_context(locale="vi-VN", viewport=VIEWPORTS["phone"], base_url=live_server.url)
    page = context.new_page()
    page.goto("/accounts/login/?next=/admin/")
    page.get_by_label("Tên đăng nhập").fill("noivu")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/accounts/otp/verify/**")
    expect(page.get_by_role("heading", name="Xác thực hai lớp")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "two-factor-verify-phone.png"), full_page=True)
    context.close()
