"""Home Affairs manages people and their roles in the admin, and cannot make anyone a superuser."""

from django.urls import reverse

from accounts.models import Membership, Role, User


def user_form(user, **overrides):
    data = {
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "phone": "",
        "is_active": "on",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def with_roles(data, *roles):
    data["memberships-TOTAL_FORMS"] = str(len(roles))
    for index, (role, unit) in enumerate(roles):
        data[f"memberships-{index}-role"] = role
        data[f"memberships-{index}-unit"] = unit.pk if unit else ""
    return data


def test_coordinator_creates_a_user(client, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "ngoc",
            "full_name": "Bùi Thị Ngọc",
            "email": "ngoc@hanoi.gov.vn",
            "phone": "0912 345 678",
            "usable_password": "true",
            "password1": "Hanoi-CCHC-2025!",
            "password2": "Hanoi-CCHC-2025!",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="ngoc")
    assert (user.full_name, user.phone, user.is_staff) == ("Bùi Thị Ngọc", "0912 345 678", False)


def test_coordinator_gives_an_appraiser_role_and_the_user_becomes_staff(client, coordinator, home_affairs):
    from tests.factories import UserFactory

    person = UserFactory(username="minh")
    client.force_login(coordinator)
    response = client.post(
        reverse("admin:accounts_user_change", args=[person.pk]),
        with_roles(user_form(person), (Role.APPRAISER, home_affairs)),
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.is_staff is True
    assert list(person.groups.values_list("name", flat=True)) == ["Thẩm định viên"]


def test_two_unit_roles_in_one_form_are_refused(client, coordinator, finance, ba_dinh):
    from tests.factories import UserFactory

    person = UserFactory(username="minh")
    client.force_login(coordinator)
    response = client.post(
        reverse("admin:accounts_user_change", args=[person.pk]),
        with_roles(user_form(person), (Role.UNIT_STAFF, finance), (Role.UNIT_HEAD, ba_dinh)),
    )
    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.non_form_errors() == [
        "Mỗi người dùng chỉ là cán bộ hoặc lãnh đạo của một đơn vị."
    ]
    assert not Membership.objects.filter(user=person).exists()


def test_coordinator_cannot_grant_superuser(client, coordinator):
    from tests.factories import UserFactory

    person = UserFactory(username="minh")
    client.force_login(coordinator)
    response = client.post(
        reverse("admin:accounts_user_change", args=[person.pk]),
        user_form(person, is_superuser="on", is_staff="on"),
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.is_superuser, person.is_staff) == (False, False)


def test_coordinator_does_not_see_superusers(client, coordinator, superuser):
    client.force_login(coordinator)
    assert client.get(reverse("admin:accounts_user_change", args=[superuser.pk])).status_code == 302
    response = client.get(reverse("admin:auth_user_password_change", args=[superuser.pk]))
    assert response.status_code == 404
    listing = client.get(reverse("admin:accounts_user_changelist"))
    assert superuser not in listing.context["cl"].queryset


def test_appraisers_and_council_cannot_manage_users(client, appraiser, council_member, unit_staff):
    for user in (appraiser, council_member):
        client.force_login(user)
        assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403
        response = client.post(
            reverse("admin:accounts_user_change", args=[unit_staff.pk]), user_form(unit_staff, full_name="X")
        )
        assert response.status_code == 403
    unit_staff.refresh_from_db()
    assert unit_staff.full_name == "Nguyễn Văn An"


def test_user_list_runs_a_fixed_number_of_queries(client, coordinator, finance, django_assert_max_num_queries):
    from accounts.services import membership_grant
    from tests.factories import UserFactory

    for number in range(25):
        membership_grant(user=UserFactory(username=f"u{number}"), role=Role.UNIT_STAFF, unit=finance, actor=None)
    client.force_login(coordinator)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 200


def logged_roles(person):
    from accounts.models import GovernanceEvent

    return list(
        GovernanceEvent.objects.filter(object_id=person.pk, content_type__model="user")
        .order_by("id")
        .values_list("actor__username", "action", "label", "changes")
    )


def test_roles_given_and_taken_in_the_user_admin_are_logged(client, coordinator, home_affairs, justice, finance):
    from tests.factories import UserFactory

    person = UserFactory(username="minh", full_name="Lê Minh")
    client.force_login(coordinator)
    url = reverse("admin:accounts_user_change", args=[person.pk])
    response = client.post(url, with_roles(user_form(person), (Role.APPRAISER, home_affairs), (Role.COUNCIL, None)))
    assert response.status_code == 302
    assert logged_roles(person) == [
        ("noivu", "role_grant", "Lê Minh (minh)", {"role": "appraiser", "unit": "Sở Nội vụ"}),
        ("noivu", "role_grant", "Lê Minh (minh)", {"role": "council", "unit": None}),
    ]

    # The appraiser moves to Justice and the council seat is taken away, in one save.
    appraiser_row, council_row = Membership.objects.filter(user=person).order_by("role")
    data = user_form(
        person,
        **{
            "memberships-TOTAL_FORMS": "2",
            "memberships-INITIAL_FORMS": "2",
            "memberships-0-id": appraiser_row.pk,
            "memberships-0-user": person.pk,
            "memberships-0-role": Role.APPRAISER,
            "memberships-0-unit": justice.pk,
            "memberships-1-id": council_row.pk,
            "memberships-1-user": person.pk,
            "memberships-1-role": Role.COUNCIL,
            "memberships-1-unit": "",
            "memberships-1-DELETE": "on",
        },
    )
    assert client.post(url, data).status_code == 302
    assert logged_roles(person)[2:] == [
        ("noivu", "role_revoke", "Lê Minh (minh)", {"role": "council", "unit": None}),
        ("noivu", "role_revoke", "Lê Minh (minh)", {"role": "appraiser", "unit": "Sở Nội vụ"}),
        ("noivu", "role_grant", "Lê Minh (minh)", {"role": "appraiser", "unit": "Sở Tư pháp"}),
    ]
    assert list(Membership.objects.filter(user=person).values_list("role", "unit__code")) == [
        ("appraiser", "so-tu-phap")
    ]

    # Saving again without a change logs nothing.
    appraiser_row = Membership.objects.get(user=person)
    data = user_form(
        person,
        **{
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "1",
            "memberships-0-id": appraiser_row.pk,
            "memberships-0-user": person.pk,
            "memberships-0-role": Role.APPRAISER,
            "memberships-0-unit": justice.pk,
        },
    )
    assert client.post(url, data).status_code == 302
    assert len(logged_roles(person)) == 5


def test_a_refused_role_in_the_user_admin_logs_nothing(client, coordinator, finance, ba_dinh):
    from tests.factories import UserFactory

    person = UserFactory(username="minh")
    client.force_login(coordinator)
    response = client.post(
        reverse("admin:accounts_user_change", args=[person.pk]),
        with_roles(user_form(person), (Role.UNIT_STAFF, finance), (Role.UNIT_HEAD, ba_dinh)),
    )
    assert response.status_code == 200
    assert (logged_roles(person), Membership.objects.filter(user=person).count()) == ([], 0)


def test_an_appraiser_cannot_give_roles_and_nothing_is_logged(client, appraiser, home_affairs):
    from tests.factories import UserFactory

    person = UserFactory(username="minh")
    client.force_login(appraiser)
    response = client.post(
        reverse("admin:accounts_user_change", args=[person.pk]),
        with_roles(user_form(person), (Role.APPRAISER, home_affairs)),
    )
    assert response.status_code == 403
    assert (logged_roles(person), Membership.objects.filter(user=person).count()) == ([], 0)


def test_a_role_given_on_the_roles_page_is_logged(client, coordinator, justice):
    from tests.factories import UserFactory

    person = UserFactory(username="minh")
    client.force_login(coordinator)
    response = client.post(
        reverse("admin:accounts_membership_add"), {"user": person.pk, "role": Role.APPRAISER, "unit": justice.pk}
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=person)
    response = client.post(reverse("admin:accounts_membership_delete", args=[membership.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert [event[:2] for event in logged_roles(person)] == [("noivu", "role_grant"), ("noivu", "role_revoke")]
    assert not Membership.objects.filter(user=person).exists()
