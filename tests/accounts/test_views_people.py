"""People in the admin (import with preview, deactivation), the invitation link, and the people of each unit."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import GovernanceAction, GovernanceEvent, Membership, Role, User
from accounts.services import person_create
from tests.conftest import make_user
from tests.factories import BlockFactory, UnitFactory

IMPORT_URL = reverse("admin:accounts_user_import")
PROCESS_URL = reverse("admin:accounts_user_process_import")
PEOPLE_URL = reverse("people")
SITE = "https://cchc.hanoi.example"
NEW_PASSWORD = "Ha-Noi-cai-cach-2026"
FILE = (
    "Tên đăng nhập,Họ và tên,Thư điện tử,Điện thoại,Đơn vị,Vai trò,Cơ quan thẩm định\n"
    "moi,Nguyễn Thị Mới,moi@hanoi.example,0912345678,so-tai-chinh,unit_staff,\n"
)


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = SITE


def upload(client, content: str):
    return client.post(
        IMPORT_URL,
        {"resource": "0", "format": "0", "import_file": SimpleUploadedFile("people.csv", content.encode())},
    )


# -- the admin import -------------------------------------------------------------------------------------


def test_home_affairs_previews_then_confirms_and_the_new_person_is_invited(
    client, coordinator, finance, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    preview = upload(client, FILE)
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "1 mới, 0 thay đổi" in html
    assert "Nguyễn Thị Mới" in html and "Cán bộ đầu mối CCHC" in html
    assert not User.objects.filter(username="moi").exists()
    assert mail.outbox == []

    confirm = preview.context["confirm_form"].initial
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(PROCESS_URL, {**confirm, "resource": "0"})
    assert response.status_code == 302
    person = User.objects.get(username="moi")
    assert list(person.memberships.values_list("role", "unit__code")) == [("unit_staff", "so-tai-chinh")]
    assert [message.to for message in mail.outbox] == [["moi@hanoi.example"]]
    assert GovernanceEvent.objects.filter(action=GovernanceAction.PERSON_ADD, actor=coordinator).count() == 1


def test_a_bad_file_lists_its_rows_and_offers_no_confirmation(client, coordinator, finance):
    client.force_login(coordinator)
    response = upload(client, FILE.replace("so-tai-chinh", "so-la"))
    html = re.sub(r"\s+", " ", response.content.decode())
    assert "Dòng 2: Đơn vị: không có đơn vị nào có mã “so-la”." in html
    assert response.context.get("confirm_form") is None
    assert User.objects.count() == 1


@pytest.mark.parametrize("who", ["appraiser", "council_member", "unit_staff"])
def test_only_home_affairs_imports_people(client, request, who, finance):
    client.force_login(request.getfixturevalue(who))
    response = upload(client, FILE)
    assert response.status_code in (302, 403)
    assert not User.objects.filter(username="moi").exists()


def test_people_are_never_deleted_only_deactivated(client, coordinator, finance):
    leaver = make_user("cu", (Role.UNIT_STAFF, finance), full_name="Người Cũ")
    client.force_login(coordinator)
    assert client.get(reverse("admin:accounts_user_delete", args=[leaver.pk])).status_code == 403
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "deactivate_people", "_selected_action": [leaver.pk]},
        follow=True,
    )
    assert "Đã ngừng kích hoạt 1 người." in response.content.decode()
    leaver.refresh_from_db()
    assert leaver.is_active is False
    assert Membership.objects.filter(user=leaver).count() == 1
    assert GovernanceEvent.objects.filter(action=GovernanceAction.PERSON_DEACTIVATE, object_id=leaver.pk).count() == 1

    # Twice: nothing more is logged, and a deactivated person cannot sign in.
    client.post(
        reverse("admin:accounts_user_changelist"), {"action": "deactivate_people", "_selected_action": [leaver.pk]}
    )
    assert GovernanceEvent.objects.filter(action=GovernanceAction.PERSON_DEACTIVATE).count() == 1


# -- the invitation link ------------------------------------------------------------------------------------


def invite(django_capture_on_commit_callbacks, finance):
    with django_capture_on_commit_callbacks(execute=True):
        person = person_create(username="moi", full_name="Nguyễn Thị Mới", email="moi@hanoi.example", actor=None)
    Membership.objects.create(user=person, role=Role.UNIT_STAFF, unit=finance)
    (message,) = mail.outbox
    return person, re.search(r"https://\S+", message.body).group(0).removeprefix(SITE)


def test_the_new_person_chooses_a_password_once_and_signs_in(client, finance, django_capture_on_commit_callbacks):
    person, link = invite(django_capture_on_commit_callbacks, finance)
    assert link.startswith("/accounts/welcome/")
    page = client.get(link, follow=True)
    assert "Đặt mật khẩu của bạn" in page.content.decode()
    assert "Tên đăng nhập của bạn: moi" in page.content.decode()
    done = client.post(page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == reverse("password_reset_complete")
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    assert client.login(username="moi", password=NEW_PASSWORD)

    # The same link again: used, says so, offers to sign in or reset.
    client.logout()
    again = client.get(link, follow=True).content.decode()
    assert "Liên kết này đã được dùng" in again
    assert f'href="{reverse("password_reset")}"' in again


def test_an_expired_link_says_so_and_sends_a_new_one(client, finance, django_capture_on_commit_callbacks, settings):
    start = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        person, link = invite(django_capture_on_commit_callbacks, finance)
    with time_machine.travel(start + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60), tick=False):
        page = client.get(link, follow=True).content.decode()
        assert "Liên kết này đã hết hạn" in page
        assert "Gửi cho tôi liên kết mới" in page
        renew = reverse("invitation_renew", args=[link.split("/")[3]])
        assert f'action="{renew}"' in page
        response = client.post(renew)
        assert response.status_code == 200
        assert "Liên kết mới đang được gửi" in response.content.decode()
        assert len(mail.outbox) == 2
        new_link = re.search(r"https://\S+", mail.outbox[1].body).group(0).removeprefix(SITE)
        fresh = client.get(new_link, follow=True)
        assert "Đặt mật khẩu của bạn" in fresh.content.decode()
    person.refresh_from_db()
    assert not person.has_usable_password()


def test_no_new_link_for_someone_who_has_a_password_or_left(client, unit_staff):
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(unit_staff.pk))
    response = client.post(reverse("invitation_renew", args=[uid]))
    assert response.status_code == 200
    assert "Liên kết mới đang được gửi" in response.content.decode()
    assert mail.outbox == []
    assert client.get(reverse("invitation_renew", args=[uid])).status_code == 405


def test_a_person_who_left_cannot_use_their_invitation(client, finance, django_capture_on_commit_callbacks):
    from accounts.services import person_deactivate

    person, link = invite(django_capture_on_commit_callbacks, finance)
    person_deactivate(user=person, actor=None)
    page = client.get(link, follow=True).content.decode()
    assert "Đường liên kết này không còn dùng được" in page
    assert "Đặt mật khẩu của bạn</h1>" not in page


# -- the people of each unit -----------------------------------------------------------------------------------


def test_home_affairs_sees_who_holds_each_role_and_which_units_lack_people(client, coordinator, home_affairs, finance):
    make_user("lanhdao", (Role.UNIT_HEAD, finance), full_name="Đỗ Quang Huy")
    make_user("canbo", (Role.UNIT_STAFF, finance), full_name="Nguyễn Văn An")
    left = make_user("cu", (Role.UNIT_STAFF, home_affairs), full_name="Người Cũ")
    left.is_active = False
    left.save()
    make_user("thamdinh", (Role.APPRAISER, home_affairs), full_name="Lê Văn Minh")
    client.force_login(coordinator)

    response = client.get(PEOPLE_URL)
    assert response.status_code == 200
    rows = {row.unit.code: row for row in response.context["rows"]}
    assert [person.username for person in rows["so-tai-chinh"].heads] == ["lanhdao"]
    assert [person.username for person in rows["so-tai-chinh"].staff] == ["canbo"]
    assert (rows["so-noi-vu"].heads, rows["so-noi-vu"].staff) == ([], [])
    assert [person.username for person in rows["so-noi-vu"].appraisers] == ["thamdinh"]
    html = re.sub(r"\s+", " ", response.content.decode())
    assert "2 đơn vị đang hoạt động · " in html
    assert "1 đơn vị chưa có lãnh đạo" in html and "1 đơn vị chưa có cán bộ đầu mối" in html
    assert "Người Cũ" not in html

    missing = client.get(PEOPLE_URL, {"missing": "1"})
    assert [row.unit.code for row in missing.context["rows"]] == ["so-noi-vu"]


@pytest.mark.parametrize("who", ["appraiser", "council_member", "unit_staff", "unit_head"])
def test_nobody_else_sees_the_people_page(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(PEOPLE_URL).status_code == 403


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get(PEOPLE_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_superuser_sees_the_people_page(client, superuser):
    client.force_login(superuser)
    assert client.get(PEOPLE_URL).status_code == 200


@pytest.mark.parametrize("unit_count", [10, 200])
def test_the_people_page_takes_a_constant_number_of_queries(
    client, coordinator, unit_count, django_assert_max_num_queries
):
    block = BlockFactory(code="communes", name="Khối xã, phường")
    for number in range(unit_count):
        unit = UnitFactory(code=f"xa-{number}", name=f"Xã {number}", block=block)
        if number % 2:
            make_user(f"ld-{number}", (Role.UNIT_HEAD, unit), full_name=f"Lãnh đạo {number}")
            make_user(f"cb-{number}", (Role.UNIT_STAFF, unit), full_name=f"Cán bộ {number}")
    client.force_login(coordinator)
    with django_assert_max_num_queries(9):
        response = client.get(PEOPLE_URL)
    assert len(response.context["rows"]) == unit_count
    assert sum(row.lacks_head for row in response.context["rows"]) == unit_count // 2


def test_an_invited_person_may_also_ask_forgot_password(client, finance, django_capture_on_commit_callbacks):
    from django.core.cache import cache

    cache.clear()
    person, _link = invite(django_capture_on_commit_callbacks, finance)
    with django_capture_on_commit_callbacks(execute=True):  # the reset mail is a job sent after the commit
        response = client.post(reverse("password_reset"), {"email": "MOI@hanoi.example"})
    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [["moi@hanoi.example"], ["moi@hanoi.example"]]
    assert mail.outbox[1].subject == "[CCHC] Đặt mật khẩu mới"


def test_a_mail_server_failure_keeps_the_people_and_is_logged(units_for_mail_failure, settings, caplog):
    from accounts.services import invitations_send

    settings.EMAIL_BACKEND = "tests.accounts.test_views_people.FailingBackend"
    with caplog.at_level("ERROR", logger="accounts.services"):
        assert invitations_send(users=[units_for_mail_failure]) == 0
    assert "Invitations could not be sent to 1 people" in caplog.text
    assert User.objects.filter(pk=units_for_mail_failure.pk).exists()


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("no mail server")


@pytest.fixture
def units_for_mail_failure(finance):
    return make_user("moi", (Role.UNIT_STAFF, finance), full_name="Nguyễn Thị Mới", email="moi@hanoi.example")
