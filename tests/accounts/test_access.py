"""Who reaches what: anonymous users sign in first, unit people stay out of the admin, each role its menu."""

import re

import pytest
from django.urls import reverse

from accounts.models import Role, Unit
from accounts.selectors import units_visible_to, user_access
from tests.conftest import PASSWORD

LOGIN = reverse("login")


def nav_items(response) -> list[str]:
    html = response.content.decode()
    return re.findall(r'data-testid="(nav-[a-z]+)"', html)


@pytest.mark.parametrize(
    ("url", "login"),
    [
        ("/accounts/password_change/", LOGIN),
        ("/admin/accounts/unit/", LOGIN),
        ("/admin/accounts/unit/import/", LOGIN),
        ("/admin/", reverse("admin:login")),  # the admin's own sign-in page
    ],
)
def test_anonymous_users_are_sent_to_login(client, db, url, login):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{login}?next={url}"


def test_an_anonymous_visitor_of_the_front_page_lands_on_the_published_results(client, db):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/results/"


def test_the_login_page_is_open_and_in_vietnamese(client, db):
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="vi">' in html
    assert "<title>Đăng nhập · Chỉ số cải cách hành chính thành phố Hà Nội</title>" in html
    assert "Tên đăng nhập" in html  # Django's own Vietnamese label
    assert "/static/vendor/bootstrap/css/bootstrap.min.css" in html


def test_the_language_switch_works_without_signing_in(client, db):
    response = client.post(reverse("set_language"), {"language": "en", "next": LOGIN})
    assert response.status_code == 302
    html = client.get(LOGIN).content.decode()
    assert '<html lang="en">' in html
    assert "<title>Sign in · Hanoi administrative reform index</title>" in html


def test_an_english_browser_still_gets_vietnamese_until_the_user_switches(client, db):
    html = client.get(LOGIN, headers={"accept-language": "en-US,en;q=0.9"}).content.decode()
    assert '<html lang="vi">' in html
    client.post(reverse("set_language"), {"language": "en", "next": LOGIN})
    assert '<html lang="en">' in client.get(LOGIN, headers={"accept-language": "vi"}).content.decode()


def test_signing_in_lands_on_home_and_shows_the_unit(client, unit_staff):
    response = client.post(LOGIN, {"username": "canbo", "password": PASSWORD}, follow=True)
    assert response.redirect_chain == [("/", 302)]
    html = response.content.decode()
    assert "Xin chào, Nguyễn Văn An" in html
    assert "Sở Tài chính" in html


def test_a_wrong_password_is_refused_in_vietnamese(client, unit_staff):
    response = client.post(LOGIN, {"username": "canbo", "password": "sai"})
    assert response.status_code == 200
    assert "Sai tên đăng nhập hoặc mật khẩu." in response.content.decode()


def test_logout_needs_post_and_returns_to_login(client, unit_staff):
    client.force_login(unit_staff)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert client.get("/")["Location"] == "/results/"


def test_password_change(client, unit_staff):
    client.force_login(unit_staff)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "Hanoi-CCHC-2025!", "new_password2": "Hanoi-CCHC-2025!"},
    )
    assert response["Location"] == reverse("password_change_done")
    unit_staff.refresh_from_db()
    assert unit_staff.check_password("Hanoi-CCHC-2025!")


@pytest.mark.parametrize("who", ["unit_staff", "unit_head"])
def test_unit_people_cannot_enter_the_admin(client, request, who):
    user = request.getfixturevalue(who)
    assert user.is_staff is False
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize(
    ("who", "expected_nav", "admin_label"),
    [
        ("unit_staff", ["nav-assessments", "nav-unit", "nav-results"], None),
        ("unit_head", ["nav-assessments", "nav-unit", "nav-results"], None),
        ("appraiser", ["nav-admin", "nav-results"], "Thẩm định"),
        ("council_member", ["nav-admin", "nav-results"], "Hội đồng"),
        ("coordinator", ["nav-admin", "nav-units", "nav-users", "nav-people", "nav-results"], "Quản trị"),
    ],
)
def test_each_role_sees_its_own_navigation(client, request, who, expected_nav, admin_label):
    client.force_login(request.getfixturevalue(who))
    response = client.get("/")
    assert response.status_code == 200
    assert nav_items(response) == expected_nav
    html = response.content.decode()
    if admin_label:
        label = re.search(r'data-testid="nav-admin"><i class="bi bi-gear"></i> ([^<]+)</a>', html).group(1)
        assert label == admin_label


def test_an_officer_with_two_roles_sees_both(client, home_affairs, appraiser):
    from accounts.services import membership_grant

    membership_grant(user=appraiser, role=Role.UNIT_STAFF, unit=home_affairs, actor=None)
    client.force_login(appraiser)
    response = client.get("/")
    assert nav_items(response) == ["nav-assessments", "nav-unit", "nav-admin", "nav-results"]
    html = response.content.decode()
    assert 'data-testid="card-unit"' in html and 'data-testid="card-appraiser"' in html


@pytest.mark.parametrize("who", ["appraiser", "council_member", "coordinator"])
def test_admin_roles_enter_the_admin(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/admin/").status_code == 200


def test_a_user_without_role_is_told_so(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="moi"))
    assert 'data-testid="no-role"' in client.get("/").content.decode()


def test_the_coordinator_home_counts_units_per_block(client, coordinator, finance, ba_dinh, home_affairs):
    Unit.objects.filter(pk=ba_dinh.pk).update(active=False)
    client.force_login(coordinator)
    response = client.get("/")
    rows = [(block.name, block.active_units, block.agencies) for block in response.context["blocks"]]
    assert rows == [("Khối Sở, ban, ngành", 2, 1), ("Khối quận, huyện, thị xã", 0, 0)]


def test_home_runs_a_fixed_number_of_queries(client, coordinator, departments, django_assert_num_queries):
    from tests.factories import UnitFactory

    for number in range(30):
        UnitFactory(code=f"so-{number}", block=departments)
    client.force_login(coordinator)
    # session, user, second-factor device, memberships, periods ready to publish, the current period (none here),
    # blocks with their counts
    with django_assert_num_queries(7):
        client.get("/")


def test_units_visible_to_follows_the_roles(finance, ba_dinh, unit_staff, appraiser, coordinator, council_member):
    assert list(units_visible_to(unit_staff)) == [finance]
    for user in (appraiser, coordinator, council_member):
        assert set(units_visible_to(user)) == set(Unit.objects.all())


def test_units_visible_to_nobody_without_role(db, finance):
    from tests.factories import UserFactory

    assert list(units_visible_to(UserFactory(username="moi"))) == []


def test_user_access_reads_the_roles_once(appraiser, django_assert_num_queries):
    with django_assert_num_queries(1):
        first = user_access(appraiser)
        second = user_access(appraiser)
    assert first is second
    assert first.agency.code == "so-noi-vu"
    assert first.role_labels() == ["Thẩm định viên"]
