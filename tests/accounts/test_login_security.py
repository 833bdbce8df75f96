"""Sign-in resists guessing: 5 failures of one username from one address lock that pair for 15 minutes."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.urls import reverse

from tests.conftest import PASSWORD

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
HOME_IP, OTHER_IP = "203.0.113.7", "198.51.100.20"


@pytest.fixture(autouse=True)
def axes_on(settings):
    settings.AXES_ENABLED = True


def sign_in(client, username, password, ip=HOME_IP, url=None):
    url = url or reverse("login")
    return client.post(url, {"username": username, "password": password, "next": "/"}, REMOTE_ADDR=ip)


def fail(client, username, times, ip=HOME_IP, url=None):
    return [sign_in(client, username, "sai-mat-khau", ip=ip, url=url).status_code for _ in range(times)]


def without_csrf(content: bytes) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", content.decode())


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_four_failures_do_not_lock(client, unit_staff):
    assert fail(client, "canbo", 4) == [200, 200, 200, 200]
    response = sign_in(client, "canbo", PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)
    # A success wipes the failures: the pair starts again from zero.
    assert AccessAttempt.objects.count() == 0


def test_fifth_failure_locks_and_the_right_password_is_refused(client, unit_staff):
    assert fail(client, "canbo", 5) == [200, 200, 200, 200, 429]
    response = sign_in(client, "canbo", PASSWORD)
    assert response.status_code == 429
    assert not signed_in(client)
    text = response.content.decode()
    assert "Tạm khóa đăng nhập" in text
    assert "15 phút" in text
    assert 'data-testid="lockout"' in text
    assert "canbo" not in text  # the page does not echo the username


def test_fifty_wrong_then_right_is_refused(client, unit_head):
    statuses = fail(client, "lanhdao", 50)
    assert statuses == [200] * 4 + [429] * 46
    assert sign_in(client, "lanhdao", PASSWORD).status_code == 429
    assert not signed_in(client)
    # Attempts during the lockout are not counted: the lock still ends 15 minutes after the 5th failure.
    assert AccessAttempt.objects.get().failures_since_start == 5


def test_another_address_or_another_username_is_not_locked(client, unit_staff, unit_head):
    fail(client, "canbo", 5)
    assert sign_in(client, "canbo", PASSWORD, ip=OTHER_IP).status_code == 302
    client.logout()
    assert sign_in(client, "lanhdao", PASSWORD, ip=HOME_IP).status_code == 302


def test_lock_ends_after_fifteen_minutes(client, unit_staff):
    with time_machine.travel(START, tick=False) as clock:
        fail(client, "canbo", 5)
        clock.move_to(START + timedelta(minutes=14, seconds=59))
        assert sign_in(client, "canbo", PASSWORD).status_code == 429
        clock.move_to(START + timedelta(minutes=15, seconds=1))
        assert sign_in(client, "canbo", PASSWORD).status_code == 302
        assert signed_in(client)


def test_failures_older_than_fifteen_minutes_do_not_count(client, unit_staff):
    with time_machine.travel(START, tick=False) as clock:
        fail(client, "canbo", 4)
        clock.move_to(START + timedelta(minutes=16))
        assert fail(client, "canbo", 4) == [200] * 4
        assert AccessAttempt.objects.get().failures_since_start == 4
        assert sign_in(client, "canbo", PASSWORD).status_code == 302


def test_admin_login_locks_the_same_way(client, superuser):
    url = reverse("admin:login")
    assert fail(client, "root", 5, url=url) == [200, 200, 200, 200, 429]
    response = sign_in(client, "root", PASSWORD, url=url)
    assert response.status_code == 429
    assert "Tạm khóa đăng nhập" in response.content.decode()
    assert not signed_in(client)
    assert sign_in(client, "root", PASSWORD, ip=OTHER_IP, url=url).status_code == 302


def test_admin_and_portal_failures_add_up(client, superuser):
    fail(client, "root", 3, url=reverse("admin:login"))
    assert fail(client, "root", 2) == [200, 429]


def test_lockout_page_is_the_same_for_an_unknown_username(client, unit_staff):
    fail(client, "canbo", 5)
    known = sign_in(client, "canbo", PASSWORD)
    fail(client, "khong-ton-tai", 5)
    unknown = sign_in(client, "khong-ton-tai", "bat-ky")
    assert known.status_code == unknown.status_code == 429
    assert without_csrf(known.content) == without_csrf(unknown.content)


def lock(client, username):
    fail(client, username, 5)
    return AccessAttempt.objects.get(username=username)


def test_coordinator_sees_and_lifts_a_lockout(client, unit_staff, coordinator):
    attempt = lock(client, "canbo")
    client.force_login(coordinator)

    listing = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200
    text = listing.content.decode()
    assert "Lượt đăng nhập sai" in text
    assert HOME_IP in text
    assert "Đang khóa" in text

    response = client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "unlock", "_selected_action": [attempt.pk]},
        follow=True,
    )
    assert "Đã mở khóa 1 lượt đăng nhập." in response.content.decode()
    assert not AccessAttempt.objects.exists()

    client.logout()
    assert sign_in(client, "canbo", PASSWORD).status_code == 302


def test_lockouts_page_tells_locked_from_expired(client, unit_staff, unit_head, coordinator):
    changelist = reverse("admin:axes_accessattempt_changelist")
    with time_machine.travel(START, tick=False) as clock:
        fail(client, "canbo", 5)
        fail(client, "lanhdao", 2)
        client.force_login(coordinator)
        rows = client.get(changelist, {"locked": "yes"}).context["cl"].result_list
        assert [row.username for row in rows] == ["canbo"]
        assert "Còn 3 lần thử" in client.get(changelist).content.decode()
        clock.move_to(START + timedelta(minutes=16))
        assert list(client.get(changelist, {"locked": "yes"}).context["cl"].result_list) == []
        assert "Đã hết hạn" in client.get(changelist).content.decode()


def test_superuser_lifts_a_lockout_by_deleting_it(client, unit_staff, superuser):
    attempt = lock(client, "canbo")
    client.force_login(superuser)
    response = client.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()


def test_lockouts_page_is_closed_to_unit_people_and_appraisers(client, unit_staff, unit_head, appraiser):
    attempt = lock(client, "canbo")
    changelist = reverse("admin:axes_accessattempt_changelist")

    client.force_login(unit_head)
    response = client.get(changelist)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    client.post(changelist, {"action": "unlock", "_selected_action": [attempt.pk]})
    assert AccessAttempt.objects.filter(pk=attempt.pk, failures_since_start=5).exists()

    client.force_login(appraiser)
    assert client.get(changelist).status_code == 403
    client.post(changelist, {"action": "unlock", "_selected_action": [attempt.pk]})
    assert AccessAttempt.objects.filter(pk=attempt.pk, failures_since_start=5).exists()


def test_client_address_comes_from_the_configured_header(client, settings, unit_staff):
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_REAL_IP", "REMOTE_ADDR"]
    url = reverse("login")
    for _ in range(5):
        client.post(url, {"username": "canbo", "password": "sai"}, REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP=HOME_IP)
    assert AccessAttempt.objects.get().ip_address == HOME_IP
    # Behind the same proxy, another client is not locked.
    response = client.post(
        url, {"username": "canbo", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP=OTHER_IP
    )
    assert response.status_code == 302
