"""Account-level questions: one answer per role (accounts/policy.py)."""

from django.contrib.auth.models import AnonymousUser

from accounts import policy
from accounts.models import Role
from accounts.sessions import session_policy_for
from accounts.two_factor.selectors import second_factor_required
from tests.conftest import make_user
from tests.factories import UserFactory


def test_staff_roles_are_home_affairs_appraisers_the_council_superusers_and_admin_users(
    unit_staff, unit_head, appraiser, coordinator, council_member, superuser
):
    admin_only = UserFactory(username="admin-only", is_staff=True)
    people = [unit_staff, unit_head, appraiser, coordinator, council_member, superuser, admin_only, AnonymousUser()]
    expected = [False, False, True, True, True, True, True, False]
    assert [policy.is_staff_role(p) for p in people] == expected
    # The second factor and the session ask the same question, so they agree for every person.
    assert [second_factor_required(p) for p in people] == expected
    signed_in = people[:-1]
    assert [session_policy_for(p).ends_with_browser for p in signed_in] == expected[:-1]


def test_an_appraiser_who_also_works_in_a_unit_is_staff(finance, home_affairs):
    both = make_user("both", (Role.APPRAISER, home_affairs), (Role.UNIT_STAFF, finance))
    assert policy.is_staff_role(both) is True
    assert policy.is_unit_member(both) is True


def test_unit_members_are_unit_staff_and_heads(
    unit_staff, unit_head, appraiser, coordinator, council_member, superuser
):
    people = [unit_staff, unit_head, appraiser, coordinator, council_member, superuser, AnonymousUser()]
    assert [policy.is_unit_member(p) for p in people] == [True, True, False, False, False, False, False]


def test_only_superusers_manage_superusers(unit_staff, unit_head, appraiser, coordinator, council_member, superuser):
    people = [unit_staff, unit_head, appraiser, coordinator, council_member, superuser, AnonymousUser()]
    assert [policy.manages_superusers(p) for p in people] == [False, False, False, False, False, True, False]


def test_the_admin_door_opens_for_superusers_and_admin_roles(unit_staff, superuser):
    assert policy.enters_admin(unit_staff, set()) is False
    assert policy.enters_admin(unit_staff, {Role.COUNCIL}) is True
    assert policy.enters_admin(superuser, set()) is True
