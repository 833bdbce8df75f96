"""Roles are data; admin access (staff flag, groups, permissions) follows them."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import Membership, Role
from accounts.roles import ROLE_GROUPS
from accounts.services import membership_grant, membership_revoke, role_groups_sync
from tests.factories import UserFactory


def group_names(user):
    return sorted(user.groups.values_list("name", flat=True))


def test_an_appraiser_becomes_staff_in_the_appraisers_group(home_affairs):
    user = UserFactory(username="a")
    membership_grant(user=user, role=Role.APPRAISER, unit=home_affairs, actor=None)
    user.refresh_from_db()
    assert user.is_staff is True
    assert group_names(user) == ["Thẩm định viên"]


def test_revoking_the_last_admin_role_removes_staff_and_group(home_affairs):
    user = UserFactory(username="a")
    membership_grant(user=user, role=Role.APPRAISER, unit=home_affairs, actor=None)
    membership_grant(user=user, role=Role.UNIT_STAFF, unit=home_affairs, actor=None)
    membership_revoke(user=user, role=Role.APPRAISER, actor=None)
    user.refresh_from_db()
    assert (user.is_staff, group_names(user)) == (False, [])
    assert list(user.memberships.values_list("role", flat=True)) == [Role.UNIT_STAFF]


def test_unit_roles_give_no_admin_access(finance):
    user = UserFactory(username="a")
    membership_grant(user=user, role=Role.UNIT_HEAD, unit=finance, actor=None)
    user.refresh_from_db()
    assert (user.is_staff, group_names(user)) == (False, [])


def test_a_user_is_member_of_one_unit_only(finance, ba_dinh):
    user = UserFactory(username="a")
    membership_grant(user=user, role=Role.UNIT_STAFF, unit=finance, actor=None)
    with pytest.raises(ValidationError) as error:
        membership_grant(user=user, role=Role.UNIT_HEAD, unit=ba_dinh, actor=None)
    assert error.value.messages == ["Mỗi người dùng chỉ là cán bộ hoặc lãnh đạo của một đơn vị."]
    assert Membership.objects.filter(user=user).count() == 1


def test_the_database_refuses_a_second_unit_too(finance, ba_dinh):
    user = UserFactory(username="a")
    Membership.objects.create(user=user, role=Role.UNIT_STAFF, unit=finance)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, role=Role.UNIT_HEAD, unit=ba_dinh)


def test_an_appraiser_must_belong_to_an_appraising_agency(finance):
    with pytest.raises(ValidationError) as error:
        membership_grant(user=UserFactory(username="a"), role=Role.APPRAISER, unit=finance, actor=None)
    assert error.value.message_dict == {"unit": ["Sở Tài chính không phải là cơ quan thẩm định."]}


@pytest.mark.parametrize(
    ("role", "with_unit"),
    [(Role.COORDINATOR, True), (Role.COUNCIL, True), (Role.UNIT_STAFF, False), (Role.APPRAISER, False)],
)
def test_the_unit_must_match_the_role(home_affairs, role, with_unit):
    with pytest.raises(ValidationError) as error:
        membership_grant(
            user=UserFactory(username="a"), role=role, unit=home_affairs if with_unit else None, actor=None
        )
    assert error.value.messages == [
        "Cán bộ, lãnh đạo đơn vị và thẩm định viên phải gắn với một đơn vị; "
        "quản trị Sở Nội vụ và thành viên Hội đồng thì không."
    ]


def test_the_same_role_twice_is_refused(db):
    user = UserFactory(username="a")
    membership_grant(user=user, role=Role.COUNCIL, actor=None)
    with pytest.raises(ValidationError) as error:
        membership_grant(user=user, role=Role.COUNCIL, actor=None)
    assert error.value.messages == ["Người dùng này đã có vai trò này."]


def test_groups_hold_exactly_the_permissions_of_the_role_table(db):
    Group.objects.all().delete()
    role_groups_sync()
    role_groups_sync()  # idempotent
    perms = {
        group.name: sorted(
            f"{app}.{codename}"
            for app, codename in group.permissions.values_list("content_type__app_label", "codename")
        )
        for group in Group.objects.all()
    }
    readers = [
        "accounts.view_block",
        "accounts.view_unit",
        "assessment.view_assessment",
        "assessment.view_criterion",
        "assessment.view_framework",
        "assessment.view_period",
        "assessment.view_periodblock",
        "assessment.view_score",
    ]
    assert perms == {
        ROLE_GROUPS[Role.COORDINATOR]: sorted(
            [
                "accounts.view_user",
                "accounts.add_user",
                "accounts.change_user",
                "accounts.view_membership",
                "accounts.add_membership",
                "accounts.change_membership",
                "accounts.delete_membership",
                "accounts.view_block",
                "accounts.add_block",
                "accounts.change_block",
                "accounts.delete_block",
                "accounts.view_unit",
                "accounts.add_unit",
                "accounts.change_unit",
                "accounts.delete_unit",
                "accounts.view_governanceevent",
                "assessment.view_framework",
                "assessment.add_framework",
                "assessment.change_framework",
                "assessment.delete_framework",
                "assessment.view_criterion",
                "assessment.add_criterion",
                "assessment.change_criterion",
                "assessment.delete_criterion",
                "assessment.view_period",
                "assessment.add_period",
                "assessment.change_period",
                "assessment.view_periodblock",
                "assessment.add_periodblock",
                "assessment.change_periodblock",
                "assessment.delete_periodblock",
                "assessment.view_assessment",
                "assessment.add_assessment",
                "assessment.view_score",
                "assessment.change_score",
                "assessment.view_surveyscore",
                "assessment.change_surveyscore",
                "assessment.view_adjustment",
                "assessment.add_adjustment",
                "assessment.change_adjustment",
                "assessment.delete_adjustment",
                "assessment.view_earlierresult",
                "assessment.add_earlierresult",
                "assessment.change_earlierresult",
                "assessment.delete_earlierresult",
                "assessment.view_publication",
                "assessment.view_emailsend",  # issue 14: the e-mails sent
                "assessment.view_job",  # issue 14: the background jobs
                "assessment.view_importjob",  # issue 14: every background import and its failures
                # reminders (issue 13)
                "assessment.view_reminderschedule",
                "assessment.add_reminderschedule",
                "assessment.change_reminderschedule",
                "assessment.view_remindersend",
                "axes.view_accessattempt",
                "axes.delete_accessattempt",
            ]
        ),
        ROLE_GROUPS[Role.APPRAISER]: sorted([*readers, "assessment.change_score"]),
        ROLE_GROUPS[Role.COUNCIL]: sorted(
            [
                *readers,
                "assessment.view_surveyscore",
                "assessment.view_adjustment",
                "assessment.view_earlierresult",
                "assessment.view_publication",
            ]
        ),
    }


# -- the governance log of roles ---------------------------------------------------------------------------------


def role_events(user):
    from accounts.models import GovernanceEvent

    return list(
        GovernanceEvent.objects.filter(object_id=user.pk, content_type__model="user")
        .order_by("id")
        .values_list("actor__username", "action", "label", "changes")
    )


def test_a_grant_and_a_revoke_log_who_gave_which_role_of_which_unit_to_whom(coordinator, justice):
    user = UserFactory(username="tp", full_name="Phan Văn Tú")
    membership_grant(user=user, role=Role.APPRAISER, unit=justice, actor=coordinator)
    membership_revoke(user=user, role=Role.APPRAISER, actor=coordinator)
    membership_revoke(user=user, role=Role.APPRAISER, actor=coordinator)  # nothing left to take: nothing logged
    assert role_events(user) == [
        ("noivu", "role_grant", "Phan Văn Tú (tp)", {"role": "appraiser", "unit": "Sở Tư pháp"}),
        ("noivu", "role_revoke", "Phan Văn Tú (tp)", {"role": "appraiser", "unit": "Sở Tư pháp"}),
    ]


def test_a_refused_grant_logs_nothing(coordinator, finance):
    user = UserFactory(username="a")
    with pytest.raises(ValidationError):
        membership_grant(user=user, role=Role.APPRAISER, unit=finance, actor=coordinator)
    assert (role_events(user), Membership.objects.filter(user=user).count()) == ([], 0)
