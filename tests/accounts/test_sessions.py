"""Sessions by role: staff 8 hours idle and the browser's life, unit people 12 hours idle."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.models import User
from accounts.sessions import IDLE_LIMIT_KEY
from accounts.two_factor.selectors import second_factor_required
from tests.conftest import PASSWORD
from tests.second_factor import totp_device_for

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
NEW_PASSWORD = "Ha-Noi-cai-cach-2026"


def sign_in(client, user):
    """The password, then (for staff) a correct second factor, as tests/second_factor.py passes it."""
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    if second_factor_required(user):
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = totp_device_for(user).persistent_id
        session.save()
    return client.session


@pytest.mark.parametrize("role", ["coordinator", "appraiser", "council_member", "superuser"])
def test_staff_sessions_end_with_the_browser_and_after_eight_idle_hours(client, request, role):
    session = sign_in(client, request.getfixturevalue(role))
    assert session.get_expire_at_browser_close() is True
    assert session[IDLE_LIMIT_KEY] == 8 * 3600
    # The session cookie carries no lifetime: the browser drops it when it closes.
    cookie = client.cookies["sessionid"]
    assert (cookie["max-age"], cookie["expires"]) == ("", "")


@pytest.mark.parametrize("role", ["unit_staff", "unit_head"])
def test_unit_sessions_last_twelve_idle_hours_and_survive_the_browser(client, request, role):
    session = sign_in(client, request.getfixturevalue(role))
    assert session.get_expire_at_browser_close() is False
    assert session.get_expiry_age() == 12 * 3600
    assert session[IDLE_LIMIT_KEY] == 12 * 3600
    assert client.cookies["sessionid"]["max-age"] == 12 * 3600


def test_settings_change_the_limits(client, settings, coordinator, unit_staff):
    settings.SESSION_STAFF_IDLE_HOURS = 2
    settings.SESSION_UNIT_IDLE_HOURS = 4
    assert sign_in(client, coordinator)[IDLE_LIMIT_KEY] == 2 * 3600
    other = Client()
    assert sign_in(other, unit_staff).get_expiry_age() == 4 * 3600


def test_a_person_with_a_unit_role_and_a_staff_role_gets_the_staff_rule(client, finance, home_affairs):
    from accounts.models import Role
    from tests.conftest import make_user

    both = make_user("kiemnhiem", (Role.UNIT_STAFF, home_affairs), (Role.APPRAISER, home_affairs))
    session = sign_in(client, both)
    assert session.get_expire_at_browser_close() is True
    assert session[IDLE_LIMIT_KEY] == 8 * 3600


def home_status(client):
    return client.get(reverse("home")).status_code


def test_staff_signed_out_after_eight_idle_hours(client, coordinator):
    with time_machine.travel(START, tick=False) as clock:
        sign_in(client, coordinator)
        clock.move_to(START + timedelta(hours=7, minutes=59))
        assert home_status(client) == 200
        # Activity moves the limit: 8 hours from the last request.
        clock.move_to(START + timedelta(hours=15, minutes=58))
        assert home_status(client) == 200
        clock.move_to(START + timedelta(hours=23, minutes=59))
        response = client.get(reverse("password_change"), follow=True)  # "/" would show a visitor the results
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session
    assert "Bạn đã được đăng xuất vì không hoạt động trong 8 giờ." in response.content.decode()


def test_unit_person_stays_eleven_idle_hours_but_not_thirteen(client, unit_staff):
    with time_machine.travel(START, tick=False) as clock:
        sign_in(client, unit_staff)
        clock.move_to(START + timedelta(hours=11, minutes=59))
        assert home_status(client) == 200
        clock.move_to(START + timedelta(hours=24, minutes=1))
        response = client.get(reverse("password_change"))  # "/" would show a visitor the results
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


def test_unit_limit_is_enforced_even_if_the_session_row_outlives_it(client, settings, unit_staff):
    # A longer server-side lifetime (e.g. an older SESSION_COOKIE_AGE) does not keep an idle person in.
    with time_machine.travel(START, tick=False) as clock:
        sign_in(client, unit_staff)
        session = client.session
        session.set_expiry(7 * 24 * 3600)
        session.save()
        clock.move_to(START + timedelta(hours=12, minutes=1))
        assert client.get(reverse("home")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_changing_the_password_ends_the_other_sessions(unit_staff):
    laptop, phone = Client(), Client()
    sign_in(laptop, unit_staff)
    sign_in(phone, unit_staff)
    assert home_status(phone) == 200

    response = laptop.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    assert home_status(laptop) == 200  # the session that changed it stays signed in
    assert home_status(phone) == 302  # the other one is signed out
    assert "_auth_user_id" not in phone.session


def test_password_change_is_in_the_user_menu(client, unit_staff):
    client.force_login(unit_staff)
    assert f'href="{reverse("password_change")}"' in client.get(reverse("home")).content.decode()


def test_password_change_refuses_a_weak_password_in_vietnamese(client, unit_staff):
    client.force_login(unit_staff)
    response = client.post(
        reverse("password_change"),
        {"old_password": "sai", "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["old_password"] == ["Mật khẩu cũ không đúng. Vui lòng nhập lại."]
    unit_staff.refresh_from_db()
    assert unit_staff.check_password(PASSWORD)


def test_admin_forms_check_passwords_in_vietnamese(client, coordinator, unit_staff):
    client.force_login(coordinator)
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "ngoc",
            "full_name": "Bùi Thị Ngọc",
            "email": "ngoc@hanoi.gov.vn",
            "usable_password": "true",
            "password1": "12345678",
            "password2": "12345678",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["password2"] == [
        "Mật khẩu này quá phổ biến, rất dễ bị đoán.",
        "Mật khẩu này chỉ gồm chữ số.",
    ]
    assert not User.objects.filter(username="ngoc").exists()

    response = client.post(
        reverse("admin:auth_user_password_change", args=[unit_staff.pk]),
        {"usable_password": "true", "password1": "Nguyễn Văn An", "password2": "Nguyễn Văn An"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["password2"] == ["Mật khẩu quá giống với họ và tên."]
    unit_staff.refresh_from_db()
    assert unit_staff.check_password(PASSWORD)
