"""Two factors for those who decide the ranking: the admin refuses a password alone; unit people may opt in."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.two_factor.services import backup_codes_generate, totp_secret
from tests.conftest import PASSWORD
from tests.second_factor import totp_code, totp_device_for

STAFF_ROLES = ["coordinator", "appraiser", "council_member", "superuser"]
VERIFY = reverse("two_factor:verify")
SETUP = reverse("two_factor:setup")
WRONG_CODE_MESSAGE = "Mã không đúng, đã hết hạn hoặc đã được dùng. Chưa có gì thay đổi; hãy thử lại với mã hiện tại."


@pytest.fixture
def browser_client():
    """A plain client: signing in goes through the password form and the code page, as in a browser."""
    return Client()


def sign_in_with_password(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, "the password was refused"
    return response


def verified(client) -> bool:
    return DEVICE_ID_SESSION_KEY in client.session


def admin_is_refused(client) -> bool:
    response = client.get(reverse("admin:index"))
    return response.status_code == 302 and response["Location"].startswith(VERIFY)


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_the_admin_refuses_a_password_alone_and_accepts_after_a_correct_code(request, browser_client, role):
    user = request.getfixturevalue(role)
    device = totp_device_for(user)
    sign_in_with_password(browser_client, user)

    response = browser_client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?next=/admin/"
    assert not verified(browser_client)
    # The admin's own login page sends there too, instead of the password form.
    response = browser_client.get(reverse("admin:login") + "?next=/admin/")
    assert response["Location"] == f"{VERIFY}?next=/admin/"

    response = browser_client.post(VERIFY, {"token": totp_code(device), "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert verified(browser_client)
    response = browser_client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert response.templates[0].name == "admin/index.html"
    assert response.context["has_permission"] is True


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_without_a_device_are_sent_to_enrolment(request, browser_client, role):
    user = request.getfixturevalue(role)
    sign_in_with_password(browser_client, user)
    response = browser_client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0] == f"{SETUP}?next=%2Fadmin%2F"
    assert response.templates[0].name == "accounts/otp_setup.html"
    assert "Vai trò của bạn tham gia chấm điểm, phê duyệt hoặc công bố chỉ số" in response.content.decode()
    # The portal too: nothing but the second-factor pages until it is passed.
    assert browser_client.get(reverse("password_change"))["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 0


def test_a_wrong_code_is_refused_and_the_session_stays_unverified(browser_client, coordinator):
    device = totp_device_for(coordinator)
    sign_in_with_password(browser_client, coordinator)
    wrong = f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"

    response = browser_client.post(VERIFY, {"token": wrong, "next": "/admin/"})

    assert response.status_code == 200
    assert response.context["form"].errors == {"token": [WRONG_CODE_MESSAGE]}
    assert not verified(browser_client)
    assert admin_is_refused(browser_client)
    device.refresh_from_db()
    assert (device.last_t, device.throttling_failure_count) == (-1, 1)


def test_a_malformed_code_gets_a_specific_message_and_counts_nothing(browser_client, coordinator):
    device = totp_device_for(coordinator)
    sign_in_with_password(browser_client, coordinator)
    response = browser_client.post(VERIFY, {"token": "12ab"})
    assert response.context["form"].errors == {
        "token": ["Hãy nhập mã 6 chữ số từ ứng dụng xác thực, hoặc một mã dự phòng gồm 8 ký tự."]
    }
    device.refresh_from_db()
    assert device.throttling_failure_count == 0
    assert not verified(browser_client)


def test_wrong_codes_are_throttled(browser_client, coordinator):
    """django-otp's throttling is on: after a wrong code even the right one waits 1 s, then 2 s after two."""
    device = totp_device_for(coordinator)
    sign_in_with_password(browser_client, coordinator)
    browser_client.post(VERIFY, {"token": "000000" if totp_code(device) != "000000" else "111111"})

    response = browser_client.post(VERIFY, {"token": totp_code(device)})
    assert response.context["form"].errors == {"token": ["Nhập sai quá nhiều lần. Hãy đợi 1 giây rồi thử lại."]}
    assert not verified(browser_client)

    # One second later (the failure moved back in time), the right code passes.
    device.refresh_from_db()
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=device.throttling_failure_timestamp - timedelta(seconds=1)
    )
    response = browser_client.post(VERIFY, {"token": totp_code(device), "next": "/admin/"})
    assert response.status_code == 302
    assert verified(browser_client)
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_a_code_is_accepted_only_once(browser_client, coordinator):
    device = totp_device_for(coordinator)
    code = totp_code(device)
    sign_in_with_password(browser_client, coordinator)
    assert browser_client.post(VERIFY, {"token": code}).status_code == 302
    browser_client.post(reverse("logout"))

    sign_in_with_password(browser_client, coordinator)
    response = browser_client.post(VERIFY, {"token": code})
    assert response.context["form"].errors == {"token": [WRONG_CODE_MESSAGE]}
    assert not verified(browser_client)


def test_backup_codes_work_once_each(browser_client, appraiser):
    totp_device_for(appraiser)
    first, second, *_rest = backup_codes_generate(user=appraiser)

    sign_in_with_password(browser_client, appraiser)
    response = browser_client.post(VERIFY, {"token": first.upper(), "next": "/admin/"}, follow=True)
    assert response.redirect_chain[0] == ("/admin/", 302)
    assert "Bạn vừa dùng một mã dự phòng; còn lại 9 mã." in [str(m) for m in response.context["messages"]]
    assert verified(browser_client)
    browser_client.post(reverse("logout"))

    sign_in_with_password(browser_client, appraiser)
    response = browser_client.post(VERIFY, {"token": first})
    assert response.context["form"].errors == {"token": [WRONG_CODE_MESSAGE]}
    assert not verified(browser_client)
    StaticDevice.objects.filter(user=appraiser).update(throttling_failure_count=0)  # past the 1 s wait
    assert browser_client.post(VERIFY, {"token": second}).status_code == 302
    assert verified(browser_client)
    assert StaticToken.objects.filter(device__user=appraiser).count() == 8


def test_enrolment_confirms_with_a_correct_code_only_and_shows_the_backup_codes_once(browser_client, council_member):
    sign_in_with_password(browser_client, council_member)
    page = browser_client.get(SETUP + "?next=/admin/")
    device = TOTPDevice.objects.get(user=council_member)
    assert not device.confirmed
    assert totp_secret(device) in page.content.decode()
    assert browser_client.get(SETUP).context["secret"] == totp_secret(device)  # the same key on reload

    response = browser_client.post(SETUP, {"token": f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"})
    assert response.context["form"].errors == {
        "token": ["Mã không đúng hoặc đã hết hạn. Hãy kiểm tra giờ trên điện thoại và nhập mã hiện tại."]
    }
    device.refresh_from_db()
    assert not device.confirmed
    assert not StaticDevice.objects.filter(user=council_member).exists()
    assert not verified(browser_client)

    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)  # past the 1 s wait
    response = browser_client.post(SETUP, {"token": totp_code(device), "next": "/admin/"}, follow=True)
    assert response.redirect_chain[0][0] == reverse("two_factor:backup-codes") + "?next=%2Fadmin%2F"
    codes = response.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-z2-7]{8}", code) for code in codes)
    assert sorted(codes) == sorted(
        StaticToken.objects.filter(device__user=council_member).values_list("token", flat=True)
    )
    device.refresh_from_db()
    assert device.confirmed
    assert verified(browser_client)
    assert browser_client.get(reverse("admin:index")).status_code == 200

    again = browser_client.get(reverse("two_factor:backup-codes"))
    assert again.context["codes"] is None
    assert "Bạn còn 10 mã dự phòng chưa dùng." in again.content.decode()
    # With a confirmed device, the enrolment page does not offer a new key.
    assert browser_client.get(SETUP)["Location"] == reverse("two_factor:settings")


def test_making_new_backup_codes_retires_the_old_ones(client, coordinator):
    old = backup_codes_generate(user=coordinator)
    client.force_login(coordinator)
    response = client.post(reverse("two_factor:backup-codes"), follow=True)
    new = response.context["codes"]
    assert len(new) == 10
    stored = set(StaticToken.objects.filter(device__user=coordinator).values_list("token", flat=True))
    assert stored == set(new) and not stored & set(old)


def test_the_qr_code_is_an_inline_svg_with_no_external_address(browser_client, coordinator):
    sign_in_with_password(browser_client, coordinator)
    html = browser_client.get(SETUP).content.decode()
    qr = re.search(r'<div[^>]*data-testid="otp-qr"[^>]*>(.*?)</div>', html, re.S).group(1)
    assert qr.startswith('<svg role="img" aria-label="Mã QR để quét bằng ứng dụng xác thực"')
    assert "<path" in qr and "<img" not in qr
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_unit_people_enter_the_portal_without_a_second_factor(browser_client, unit_staff, unit_head):
    for person in (unit_staff, unit_head):
        sign_in_with_password(browser_client, person)
        response = browser_client.get(reverse("home"))
        assert response.status_code == 200
        assert not verified(browser_client)
        assert 'data-testid="menu-two-factor"' in response.content.decode()
        browser_client.post(reverse("logout"))


def test_a_unit_person_who_opted_in_is_asked_for_the_code(browser_client, unit_head):
    sign_in_with_password(browser_client, unit_head)
    assert browser_client.get(reverse("two_factor:settings")).context["enrolled"] is False
    browser_client.get(SETUP)
    device = TOTPDevice.objects.get(user=unit_head)
    browser_client.post(SETUP, {"token": totp_code(device)})
    browser_client.post(reverse("logout"))

    sign_in_with_password(browser_client, unit_head)
    response = browser_client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == f"{VERIFY}?next=/"
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)  # the next 30-s step, without waiting for it
    assert browser_client.post(VERIFY, {"token": totp_code(device), "next": "/"})["Location"] == "/"
    assert browser_client.get(reverse("home")).status_code == 200


def test_a_unit_person_may_turn_it_off_but_staff_may_not(client, unit_staff, coordinator):
    totp_device_for(unit_staff)
    client.force_login(unit_staff)
    response = client.post(reverse("two_factor:disable"), follow=True)
    assert "Đã tắt xác thực hai lớp." in [str(m) for m in response.context["messages"]]
    assert not TOTPDevice.objects.filter(user=unit_staff).exists()

    client.force_login(coordinator)
    response = client.post(reverse("two_factor:disable"), follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "Vai trò của bạn bắt buộc xác thực hai lớp: không thể tắt."
    ]
    assert TOTPDevice.objects.filter(user=coordinator, confirmed=True).count() == 1


def test_public_pages_stay_open_before_the_second_factor(browser_client, coordinator):
    totp_device_for(coordinator)
    sign_in_with_password(browser_client, coordinator)
    assert browser_client.get(reverse("public:results-index")).status_code == 200
    assert not verified(browser_client)


def test_the_code_page_only_returns_to_this_site(browser_client, coordinator):
    device = totp_device_for(coordinator)
    sign_in_with_password(browser_client, coordinator)
    response = browser_client.post(VERIFY, {"token": totp_code(device), "next": "https://evil.example/admin/"})
    assert response["Location"] == reverse("home")
    assert verified(browser_client)
