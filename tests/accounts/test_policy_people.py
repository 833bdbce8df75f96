"""The people page's question and where each role belongs (accounts/policy.py)."""

import pytest


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("coordinator", True),
        ("superuser", True),
        ("appraiser", False),
        ("council_member", False),
        ("unit_head", False),
        ("unit_staff", False),
    ],
)
def test_only_home_affairs_sees_the_people_of_the_units(request, who, sees):
    from accounts.policy import may_see_people

    assert may_see_people(request.getfixturevalue(who)) is sees


def test_anonymous_does_not_see_the_people_of_the_units():
    from django.contrib.auth.models import AnonymousUser

    from accounts.policy import may_see_people

    assert may_see_people(AnonymousUser()) is False


@pytest.mark.parametrize(
    ("role", "place"),
    [("unit_staff", "unit"), ("unit_head", "unit"), ("appraiser", "agency"), ("coordinator", None), ("council", None)],
)
def test_where_each_role_belongs(role, place):
    from accounts.policy import role_place

    assert role_place(role) == place
