"""Every write on users, roles and units goes through here."""

from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from accounts.audit import governance_event_build, governance_event_record
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


def _membership_checked(*, user: User, role: Role | str, unit: Unit | None) -> Membership:
    """A new membership, unsaved, checked by the model's rules (the role's choices, an appraiser's unit is an
    appraising agency…): the one place both ``membership_grant`` and ``people_create`` ask. What the rows decide
    together (one unit per unit member, the unit matching the role) is then checked one by one or by the database's
    own constraints when many are written at once."""
    membership = Membership(user=user, role=role, unit=unit)
    membership.clean_fields()
    membership.clean()
    return membership


@transaction.atomic
def membership_grant(*, user: User, role: Role | str, unit: Unit | None = None, actor: User | None) -> Membership:
    """Give ``user`` a role (checked: the unit matches the role, one unit per unit member); logged with its giver."""
    membership = _membership_checked(user=user, role=role, unit=unit)
    membership.validate_unique()
    membership.validate_constraints()
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


@dataclass(frozen=True)
class PersonInput:
    """A new person and the roles they start with (role, unit or agency or None), as checked by the import."""

    username: str
    full_name: str
    email: str
    phone: str = ""
    roles: tuple = ()


@transaction.atomic
def people_create(*, people: list[PersonInput], actor: User | None) -> list[User]:
    """Create people with no password (set_unusable_password) and their roles, in a few set-based writes; each
    person and each role is logged with who added them, and once committed each person is e-mailed a one-time link
    to choose their password.

    The same rules as ``membership_grant`` hold: each membership is checked by ``_membership_checked`` and the
    database constraints (one unit per unit member, unit matches role) refuse the rest; admin roles give staff
    status and their group; the audit rows are the ones ``governance_event_record`` writes, built by
    ``governance_event_build`` and written together."""
    from accounts.models import GovernanceEvent

    groups = {group.name: group for group in Group.objects.filter(name__in=ROLE_GROUPS.values())}
    users, memberships = [], []
    for person in people:
        roles = {role for role, _unit in person.roles}
        user = User(
            username=person.username,
            full_name=person.full_name,
            email=person.email,
            phone=person.phone,
            is_active=True,
            is_staff=enters_admin(User(), roles & ADMIN_ROLES),
        )
        user.set_unusable_password()
        user.clean_fields()
        users.append(user)
    User.objects.bulk_create(users)
    users = list(User.objects.filter(username__in=[person.username for person in people]).order_by("pk"))
    by_name = {user.username: user for user in users}
    group_links = []
    for person in people:
        user = by_name[person.username]
        for role, unit in person.roles:
            membership = _membership_checked(user=user, role=role, unit=unit)
            memberships.append(membership)
            if role in ROLE_GROUPS and ROLE_GROUPS[role] in groups:
                group_links.append(User.groups.through(user_id=user.pk, group_id=groups[ROLE_GROUPS[role]].pk))
    Membership.objects.bulk_create(memberships)
    User.groups.through.objects.bulk_create(group_links)
    events = [
        governance_event_build(
            actor=actor,
            action=GovernanceAction.PERSON_ADD,
            obj=user,
            label=_user_label(user),
            changes={"username": user.username, "email": user.email, "phone": user.phone},
        )
        for user in users
    ]
    events += [
        governance_event_build(
            actor=actor,
            action=GovernanceAction.ROLE_GRANT,
            obj=membership.user,
            label=_user_label(membership.user),
            changes=_role_changes(membership.role, membership.unit),
        )
        for membership in memberships
    ]
    GovernanceEvent.objects.bulk_create(events)
    # Only committed people are invited: a dry run or a refused import sends nothing.
    transaction.on_commit(lambda: invitations_send(users=users))
    return [by_name[person.username] for person in people]


def person_create(
    *, username: str, full_name: str, email: str, phone: str = "", roles: tuple = (), actor: User | None
) -> User:
    """One new person (see ``people_create``)."""
    person = PersonInput(username=username, full_name=full_name, email=email, phone=phone, roles=tuple(roles))
    return people_create(people=[person], actor=actor)[0]


def invitation_send(*, user: User) -> None:
    """E-mail ``user`` a one-time link to choose their password (Django's token: void once a password is set)."""
    invitations_send(users=[user])


def invitations_send(*, users: list[User]) -> int:
    """E-mail each person their one-time link, over one mail connection; returns how many were sent.

    A mail server that fails is logged, not raised: the people are already saved, and each of them can ask for a
    new link from the page of an expired one or through "forgot password"."""
    import logging

    from django.conf import settings
    from django.contrib.auth.tokens import default_token_generator
    from django.core.mail import EmailMessage, get_connection
    from django.template.loader import render_to_string
    from django.utils import translation
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from cchc.site import site_url

    base = site_url()
    messages = []
    with translation.override(settings.LANGUAGE_CODE):
        for user in users:
            context = {
                "user": user,
                "uid": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
                "site_url": base,
                "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
            }
            subject = "".join(render_to_string("registration/invitation_subject.txt", context).splitlines())
            body = render_to_string("registration/invitation_email.txt", context)
            messages.append(EmailMessage(subject, body, None, [user.email]))
    try:
        return get_connection().send_messages(messages) or 0
    except Exception:  # noqa: BLE001 - any mail server failure; the people stay saved
        logging.getLogger(__name__).exception("Invitations could not be sent to %s people", len(messages))
        return 0


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
