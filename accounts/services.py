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


# --- people: onboarding in bulk, invitations to set a password, people who leave ---


@transaction.atomic
def person_create(*, username: str, full_name: str, email: str, phone: str = "", actor: User | None) -> User:
    """Create a person with no password (set_unusable_password); once saved, they get an e-mail with a one-time
    link to choose it. Logged with who added them."""
    from django.db.transaction import on_commit

    user = User(username=username, full_name=full_name, email=email, phone=phone, is_active=True)
    user.set_unusable_password()
    user.full_clean()
    user.save()
    governance_event_record(
        actor=actor,
        action=GovernanceAction.PERSON_ADD,
        obj=user,
        label=_user_label(user),
        changes={"username": username, "email": email, "phone": phone},
    )
    # Only a committed person is invited: a dry run or a refused import sends nothing.
    on_commit(lambda: invitation_send(user=user))
    return user


def invitation_send(*, user: User) -> None:
    """E-mail ``user`` a one-time link to choose their password (Django's token: void once a password is set)."""
    from django.conf import settings
    from django.contrib.auth.tokens import default_token_generator
    from django.core.mail import send_mail
    from django.template.loader import render_to_string
    from django.utils import translation
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from cchc.site import site_url

    context = {
        "user": user,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
        "site_url": site_url(),
        "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = "".join(render_to_string("registration/invitation_subject.txt", context).splitlines())
        body = render_to_string("registration/invitation_email.txt", context)
    send_mail(subject, body, None, [user.email])


@transaction.atomic
def person_deactivate(*, user: User, actor: User | None, reason: str = "") -> bool:
    """A person who leaves can no longer sign in; the account, its roles and its history stay (never deleted).

    Returns False when the person was already inactive (nothing logged)."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not locked.is_active:
        return False
    locked.is_active = False
    locked.save(update_fields=["is_active"])
    user.is_active = False
    governance_event_record(
        actor=actor,
        action=GovernanceAction.PERSON_DEACTIVATE,
        obj=locked,
        label=_user_label(locked),
        changes={"is_active": [True, False]},
        reason=reason,
    )
    return True
