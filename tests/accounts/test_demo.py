"""The demo: Hanoi's blocks, its 2021 units and its 2025 units imported over them, the agencies, one user per role;
loading twice changes nothing."""

from accounts.demo import DEMO_PASSWORD, demo_load
from accounts.models import Block, Membership, Role, Unit, User


def snapshot():
    return (
        list(Block.objects.order_by("code").values_list("code", "name", "order")),
        list(Unit.objects.order_by("code").values_list("code", "block__code", "active", "is_appraising_agency")),
        list(User.objects.order_by("username").values_list("username", "is_staff", "is_superuser")),
        list(Membership.objects.order_by("user__username", "role").values_list("user__username", "role", "unit__code")),
    )


def test_demo_loads_hanoi_and_one_user_per_role(db):
    logins = demo_load()

    assert Unit.objects.count() == 181
    assert Unit.objects.filter(block__code="departments", active=True, valid_to__isnull=True).count() == 16
    assert Unit.objects.filter(block__code="departments", active=False, valid_to="2025-02-28").count() == 9
    assert Unit.objects.filter(block__code="districts", active=False, valid_to="2025-06-30").count() == 30
    assert Unit.objects.filter(block__code="communes", active=True, valid_from="2025-07-01").count() == 126
    assert not Unit.objects.filter(active=True, valid_to__isnull=False).exists()
    assert sorted(Unit.objects.get(code="phuong-ba-dinh").predecessors.values_list("code", flat=True)) == [
        "quan-ba-dinh",
        "quan-hoan-kiem",
        "quan-tay-ho",
    ]
    assert sorted(Unit.objects.filter(is_appraising_agency=True).values_list("code", flat=True)) == [
        "so-ke-hoach-va-dau-tu",
        "so-khoa-hoc-va-cong-nghe",
        "so-noi-vu",
        "so-tai-chinh",
        "so-thong-tin-va-truyen-thong",
        "so-tu-phap",
        "van-phong-ubnd-thanh-pho",
    ]
    # The demo's people belong to units that exist today.
    assert not Membership.objects.filter(unit__valid_to__isnull=False).exists()
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    assert [login["username"] for login in logins] == [
        "noivu",
        "thamdinh",
        "tuphap",
        "canbo",
        "lanhdao",
        "hoidong",
        "admin",
    ]
    for login in logins:
        assert User.objects.get(username=login["username"]).check_password(DEMO_PASSWORD)
    assert User.objects.get(username="thamdinh").memberships.count() == 2


def test_loading_the_demo_twice_changes_nothing(db):
    demo_load()
    first = snapshot()
    demo_load()
    assert snapshot() == first
