"""The one table of what each role may do in the admin (Django groups and permissions)."""

from accounts.models import Role

# Roles that work in the Django admin; unit staff and heads work in the portal only.
ROLE_GROUPS = {
    Role.COORDINATOR: "Quản trị Sở Nội vụ",
    Role.APPRAISER: "Thẩm định viên",
    Role.COUNCIL: "Thành viên Hội đồng thẩm định",
}
ADMIN_ROLES = frozenset(ROLE_GROUPS)


def _crud(model: str, *actions: str) -> list[str]:
    return [f"{action}_{model}" for action in actions]


_READ_FRAMEWORKS_AND_PERIODS = [
    *_crud("framework", "view"),
    *_crud("criterion", "view"),
    *_crud("period", "view"),
    *_crud("periodblock", "view"),
    *_crud("assessment", "view"),
    *_crud("score", "view"),
]

ROLE_PERMISSIONS: dict[str, dict[str, list[str]]] = {
    Role.COORDINATOR: {
        "accounts": [
            *_crud("user", "view", "add", "change"),
            *_crud("membership", "view", "add", "change", "delete"),
            *_crud("block", "view", "add", "change", "delete"),
            *_crud("unit", "view", "add", "change", "delete"),
            *_crud("governanceevent", "view"),
        ],
        "assessment": [
            *_crud("framework", "view", "add", "change", "delete"),
            *_crud("criterion", "view", "add", "change", "delete"),
            *_crud("period", "view", "add", "change"),
            *_crud("periodblock", "view", "add", "change", "delete"),
            *_crud("assessment", "view", "add"),
            *_crud("score", "view", "change"),
            *_crud("surveyscore", "view", "change"),
            *_crud("adjustment", "view", "add", "change", "delete"),
            *_crud("earlierresult", "view", "add", "change", "delete"),
            *_crud("publication", "view"),
            # reminders (issue 13): Home Affairs sets the schedule and reads every reminder sent
            *_crud("reminderschedule", "view", "add", "change"),
            *_crud("remindersend", "view"),
        ],
        # Lockouts after repeated failed sign-ins: seen and lifted (deleted) by Home Affairs.
        "axes": _crud("accessattempt", "view", "delete"),
    },
    Role.APPRAISER: {
        "accounts": [*_crud("block", "view"), *_crud("unit", "view")],
        "assessment": [*_READ_FRAMEWORKS_AND_PERIODS, *_crud("score", "change")],
    },
    Role.COUNCIL: {
        "accounts": [*_crud("block", "view"), *_crud("unit", "view")],
        "assessment": [
            *_READ_FRAMEWORKS_AND_PERIODS,
            *_crud("surveyscore", "view"),
            *_crud("adjustment", "view"),
            *_crud("earlierresult", "view"),
            *_crud("publication", "view"),
        ],
    },
}

# --- celery: Home Affairs reads the e-mails sent (and their failures) and the background jobs (issue 14) ---
ROLE_PERMISSIONS[Role.COORDINATOR]["assessment"] += [*_crud("emailsend", "view"), *_crud("job", "view")]
# and every background import, its progress and its failures (issue 14)
ROLE_PERMISSIONS[Role.COORDINATOR]["assessment"] += _crud("importjob", "view")
