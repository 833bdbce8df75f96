"""Every write on users, roles and units goes through here."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from accounts.audit import governance_event_record
from accounts.models import GovernanceAction, Membership, Role, Unit, User
from accounts.policy import enters_admin
from accounts.roles import ADMIN_ROLES, ROLE_GROUPS, ROLE_PERMISSIONS
from accounts.selectors import user_access_forget


def role_groups_sync() -> None:
    """Make the admin groups hold exactly the permissions of the role table (idempotent)."""
    wanted = {
        (app, codename) for perms in ROLE_PERMISSIONS.values() for app, names in perms.items() for codename in names
    }
    known = {
        (perm.content_type.app_label, perm.codename): perm
        for perm in Permission.objects.select_related("content_type").filter(
            codename__in={codename for _, codename in wanted}
        )
    }
    for role, group_name in ROLE_GROUPS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        perms = [
            known[(app, codename)]
            for app, names in ROLE_PERMISSIONS.get(role, {}).items()
            for codename in names
            if (app, codename) in known  # permissions of apps not migrated yet come on a later pass
        ]
        group.permissions.set(perms)


@transaction.atomic
def user_sync_access(*, user: User) -> None:
    """Admin access follows the roles: admin roles give staff status and their group, nothing else does."""
    roles = set(Membership.objects.filter(user=user).values_list("role", flat=True))
    admin_roles = roles & ADMIN_ROLES
    wanted_groups = list(Group.objects.filter(name__in=[ROLE_GROUPS[role] for role in admin_roles]))
    role_group_names = set(ROLE_GROUPS.values())
    other_groups = list(user.groups.exclude(name__in=role_group_names))
    user.groups.set(other_groups + wanted_groups)
    is_staff = enters_admin(user, admin_roles)
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
    user_access_forget(user)


def _user_label(user: User) -> str:
    return f"{user.full_name} ({user.username})" if user.full_name else user.username


def _role_changes(role, unit) -> dict:
    return {"role": str(role), "unit": str(unit) if unit is not None else None}


@transaction.atomic
def membership_grant(*, user: User, role: Role | str, unit: Unit | None = None, actor: User | None) -> Membership:
    """Give ``user`` a role (checked: the unit matches the role, one unit per unit member); logged with its giver."""
    membership = Membership(user=user, role=role, unit=unit)
    membership.full_clean()
    membership.save()
    user_sync_access(user=user)
    governance_event_record(
        actor=actor,
        action=GovernanceAction.ROLE_GRANT,
        obj=user,
        label=_user_label(user),
        changes=_role_changes(role, unit),
    )
    return membership


@transaction.atomic
def membership_revoke(*, user: User, role: Role | str, actor: User | None) -> None:
    """Take a role away from ``user``; logged with who took it (nothing is logged when there was none)."""
    membership = (
        Membership.objects.select_for_update(of=("self",)).filter(user=user, role=role).select_related("unit").first()
    )
    if membership is None:
        return
    membership.delete()
    user_sync_access(user=user)
    governance_event_record(
        actor=actor,
        action=GovernanceAction.ROLE_REVOKE,
        obj=user,
        label=_user_label(user),
        changes=_role_changes(role, membership.unit),
    )
