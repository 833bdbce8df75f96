"""Account-level questions: which rules a person's roles put them under (second factor, session, admin).

Questions about assessments, periods and results are in ``assessment/policy.py``; both read the roles through
``accounts.selectors.user_access`` (once per request) and nothing else decides.
"""

from accounts.selectors import user_access


def is_staff_role(user) -> bool:
    """Those who grade, approve and publish (Home Affairs, appraisers, the council), superusers and anyone who may
    enter the admin. They must use a second factor, and their session ends with the browser and after the staff
    idle limit: both rules ask this one question."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_staff or user.is_superuser or user_access(user).sees_all_units


def is_unit_member(user) -> bool:
    """The person works in a unit (its staff or its head): their starting page lists its assessments."""
    return user_access(user).is_unit_member


def manages_superusers(user) -> bool:
    """Only a superuser sees and edits the technical superusers' accounts (Home Affairs manages the people)."""
    return bool(getattr(user, "is_superuser", False))


def enters_admin(user, admin_roles) -> bool:
    """Staff status (the admin's door): a superuser, or anyone holding one of the admin roles."""
    return user.is_superuser or bool(admin_roles)


# --- people: onboarding in bulk ---


def may_see_people(user) -> bool:
    """Home Affairs (and superusers) see who holds each role in every unit, and which units lack a head or staff."""
    return user_access(user).is_coordinator


def role_place(role) -> str | None:
    """Where a role belongs: "unit" (staff, head), "agency" (appraisers) or None (Home Affairs, the council)."""
    from accounts.models import ROLES_WITH_UNIT, UNIT_MEMBER_ROLES

    if role in UNIT_MEMBER_ROLES:
        return "unit"
    if role in ROLES_WITH_UNIT:
        return "agency"
    return None
