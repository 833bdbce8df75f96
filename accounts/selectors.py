"""Who may see what: the one place the portal, the admin, exports and downloads ask."""

from dataclasses import dataclass

from django.db.models import QuerySet

from accounts.models import UNIT_MEMBER_ROLES, Membership, Role, Unit, User

_CACHE_ATTR = "_cchc_access"


@dataclass(frozen=True)
class Access:
    """The roles of one user, read once per request."""

    roles: frozenset[str]
    unit: Unit | None = None
    agency: Unit | None = None
    is_superuser: bool = False

    def has(self, role: str) -> bool:
        return role in self.roles

    @property
    def is_unit_member(self) -> bool:
        return self.unit is not None

    @property
    def is_unit_head(self) -> bool:
        return Role.UNIT_HEAD in self.roles

    @property
    def is_coordinator(self) -> bool:
        return self.is_superuser or Role.COORDINATOR in self.roles

    @property
    def is_appraiser(self) -> bool:
        return Role.APPRAISER in self.roles

    @property
    def is_council(self) -> bool:
        return Role.COUNCIL in self.roles

    @property
    def sees_all_units(self) -> bool:
        """Home Affairs, appraisers and the council read every unit; unit people only their own."""
        return self.is_coordinator or self.is_appraiser or self.is_council

    def role_labels(self) -> list[str]:
        return [str(label) for value, label in Role.choices if value in self.roles]


NO_ACCESS = Access(roles=frozenset())


def user_access(user: User) -> Access:
    """The roles of ``user`` (cached on the instance: one query per request)."""
    if not getattr(user, "is_authenticated", False):
        return NO_ACCESS
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    memberships = list(Membership.objects.filter(user=user).select_related("unit__block"))
    unit = next((m.unit for m in memberships if m.role in UNIT_MEMBER_ROLES), None)
    agency = next((m.unit for m in memberships if m.role == Role.APPRAISER), None)
    access = Access(
        roles=frozenset(m.role for m in memberships),
        unit=unit,
        agency=agency,
        is_superuser=user.is_superuser,
    )
    setattr(user, _CACHE_ATTR, access)
    return access


def user_access_forget(user: User) -> None:
    """Drop the cached roles after they changed."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def units_visible_to(user: User) -> QuerySet[Unit]:
    """Units whose data ``user`` may read: all for Home Affairs, appraisers and council; else their own."""
    access = user_access(user)
    units = Unit.objects.select_related("block")
    if access.sees_all_units:
        return units
    if access.unit is not None:
        return units.filter(pk=access.unit.pk)
    return units.none()


# --- celery: the unit a request's log line names, at no query of its own (issue 14) ---
def user_unit_if_known(user) -> Unit | None:
    """The unit of ``user`` when this request has already read its roles, else None: logging costs no query."""
    cached = getattr(user, _CACHE_ATTR, None)
    return cached.unit if cached is not None else None


# --- people: who holds each role in every unit ---


@dataclass(frozen=True)
class UnitPeople:
    """One active unit with the active people holding each role in it (appraisers: in it as an agency)."""

    unit: Unit
    heads: list[User]
    staff: list[User]
    appraisers: list[User]

    @property
    def lacks_head(self) -> bool:
        return not self.heads

    @property
    def lacks_staff(self) -> bool:
        return not self.staff


def unit_people_rows() -> list[UnitPeople]:
    """Every active unit, by block then Vietnamese name, with its people per role: two queries whatever the size.

    People who left (inactive) hold no place here, though their memberships stay for history."""
    from django.db.models import Prefetch

    from cchc.db import vi_order

    memberships = (
        Membership.objects.filter(user__is_active=True)
        .select_related("user")
        .order_by(vi_order("user__full_name").asc(), "user__username")
    )
    units = (
        Unit.objects.filter(active=True)
        .select_related("block")
        .prefetch_related(Prefetch("memberships", queryset=memberships, to_attr="active_memberships"))
        .order_by("block__order", "block__code", vi_order("name").asc())
    )
    rows = []
    for unit in units:
        by_role: dict[str, list[User]] = {Role.UNIT_HEAD: [], Role.UNIT_STAFF: [], Role.APPRAISER: []}
        for membership in unit.active_memberships:
            by_role.setdefault(membership.role, []).append(membership.user)
        rows.append(
            UnitPeople(
                unit=unit,
                heads=by_role[Role.UNIT_HEAD],
                staff=by_role[Role.UNIT_STAFF],
                appraisers=by_role[Role.APPRAISER],
            )
        )
    return rows
