"""A forgotten password is reset through a link sent by e-mail; the answer never tells whether an address is known."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse

from tests.conftest import PASSWORD, make_user

NEW_PASSWORD = "Ha-Noi-cai-cach-2026"
SITE = "https://cchc.hanoi.example"


@pytest.fixture(autouse=True)
def reset_settings(settings):
    settings.SITE_URL = SITE + "/"
    settings.PASSWORD_RESET_PER_EMAIL_PER_HOUR = 3
    settings.PASSWORD_RESET_PER_IP_PER_HOUR = 10
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def person(finance):
    from accounts.models import Role

    return make_user("canbo", (Role.UNIT_STAFF, finance), full_name="Nguyễn Văn An", email="an@hanoi.example")


def ask(client, email, ip="203.0.113.7"):
    # The e-mail is handed to its background job when the request's transaction commits (issue 14).
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=ip)


def link_in(message) -> str:
    match = re.search(r"https://\S+", message.body)
    assert match, message.body
    return match.group(0)


def without_csrf(content: bytes) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", content.decode())


def test_login_page_links_to_the_reset(client, db):
    response = client.get(reverse("login"))
    assert f'href="{reverse("password_reset")}"' in response.content.decode()
    assert "Quên mật khẩu?" in response.content.decode()


def test_reset_end_to_end(client, person):
    assert client.get(reverse("password_reset")).status_code == 200
    response = ask(client, "AN@hanoi.example")
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["an@hanoi.example"]
    assert message.subject == "[CCHC] Đặt mật khẩu mới"
    assert "Tên đăng nhập của bạn: canbo" in message.body
    assert "trong vòng 24 giờ" in message.body
    link = link_in(message)
    assert link.startswith(SITE + "/accounts/reset/")

    path = link.removeprefix(SITE)
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    assert "Đặt mật khẩu mới" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == reverse("password_reset_complete")

    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    assert not person.check_password(PASSWORD)
    assert client.post(reverse("login"), {"username": "canbo", "password": PASSWORD}).status_code == 200
    assert client.post(reverse("login"), {"username": "canbo", "password": NEW_PASSWORD}).status_code == 302

    # The link works once.
    client.logout()
    again = client.get(path, follow=True)
    assert 'data-testid="invalid-link"' in again.content.decode()


def test_the_link_expires_after_a_day(client, person):
    start = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        ask(client, "an@hanoi.example")
        path = link_in(mail.outbox[0]).removeprefix(SITE)
        clock.move_to(start + timedelta(hours=24, minutes=1))
        response = client.get(path, follow=True)
    assert 'data-testid="invalid-link"' in response.content.decode()
    person.refresh_from_db()
    assert person.check_password(PASSWORD)


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, person):
    known = ask(client, "an@hanoi.example", ip="198.51.100.1")
    unknown = ask(client, "ai-do@hanoi.example", ip="198.51.100.2")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert [m.to for m in mail.outbox] == [["an@hanoi.example"]]
    done_known = client.get(known["Location"])
    done_unknown = client.get(unknown["Location"])
    assert without_csrf(done_known.content) == without_csrf(done_unknown.content)
    assert "Nếu địa chỉ này thuộc về một tài khoản" in done_known.content.decode()


@pytest.mark.parametrize("email", ["an@hanoi.example", "ai-do@hanoi.example"])
def test_requests_for_one_address_are_throttled_known_or_not(client, person, email):
    statuses = [ask(client, email, ip=f"198.51.100.{n}").status_code for n in range(4)]
    assert statuses == [302, 302, 302, 429]
    expected = 3 if email == "an@hanoi.example" else 0
    assert len(mail.outbox) == expected
    refused = ask(client, email, ip="198.51.100.99")
    assert refused.status_code == 429
    assert "quá nhiều yêu cầu đặt lại mật khẩu" in refused.content.decode()
    assert len(mail.outbox) == expected


def test_requests_from_one_client_are_throttled(client, person, settings):
    settings.PASSWORD_RESET_PER_IP_PER_HOUR = 2
    statuses = [ask(client, f"nguoi{n}@hanoi.example").status_code for n in range(2)]
    assert statuses == [302, 302]
    assert ask(client, "an@hanoi.example").status_code == 429
    assert mail.outbox == []
    # Another client is not affected.
    assert ask(client, "an@hanoi.example", ip="198.51.100.20").status_code == 302
    assert len(mail.outbox) == 1


def test_throttle_ends_after_an_hour(client, person):
    start = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(3):
            ask(client, "an@hanoi.example")
        assert ask(client, "an@hanoi.example").status_code == 429
        clock.move_to(start + timedelta(hours=1, seconds=1))
        assert ask(client, "an@hanoi.example").status_code == 302
    assert len(mail.outbox) == 4


def set_password_errors(client, person, password):
    ask(client, "an@hanoi.example")
    path = link_in(mail.outbox[-1]).removeprefix(SITE)
    set_url = client.get(path, follow=True).redirect_chain[-1][0]
    response = client.post(set_url, {"new_password1": password, "new_password2": password})
    assert response.status_code == 200
    return response.context["form"].errors["new_password2"]


@pytest.mark.parametrize(
    ("password", "messages"),
    [
        ("xy7", ["Mật khẩu quá ngắn. Mật khẩu phải có ít nhất 8 ký tự."]),
        ("12345678", ["Mật khẩu này quá phổ biến, rất dễ bị đoán.", "Mật khẩu này chỉ gồm chữ số."]),
        ("846203917", ["Mật khẩu này chỉ gồm chữ số."]),
        ("canbo2026", ["Mật khẩu quá giống với tên đăng nhập."]),
        ("an@hanoi.example", ["Mật khẩu quá giống với địa chỉ email."]),
    ],
)
def test_reset_form_explains_weak_passwords_in_vietnamese(client, person, password, messages):
    assert set_password_errors(client, person, password) == messages
    person.refresh_from_db()
    assert person.check_password(PASSWORD)


def test_reset_form_help_and_mismatch_in_vietnamese(client, person):
    ask(client, "an@hanoi.example")
    path = link_in(mail.outbox[-1]).removeprefix(SITE)
    set_url = client.get(path, follow=True).redirect_chain[-1][0]
    page = client.get(set_url).content.decode()
    assert "Mật khẩu phải có ít nhất 8 ký tự." in page
    assert "Mật khẩu không được chỉ gồm chữ số." in page
    response = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"})
    assert response.context["form"].errors["new_password2"] == ["Hai mật khẩu đã nhập không khớp nhau."]
    person.refresh_from_db()
    assert person.check_password(PASSWORD)
