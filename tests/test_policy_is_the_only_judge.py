"""Issue 10: no visibility or permission decision outside the policy and selector modules.

The scan reads the Python files of accounts/, assessment/ and cchc/ (not migrations, not tests, not the policy
and selector modules) and lists, as file:line, every inline role decision it finds:

- reading a role flag: ``.is_coordinator``, ``.is_appraiser``, ``.is_council``, ``.is_unit_head``,
  ``.is_unit_member``, ``.sees_all_units``, ``.appraiser_agencies``, ``.is_superuser``, ``.is_staff`` (what
  ``user_access(...)`` answers, or the user's own flags);
- asking an ``Access`` for a role: ``.has(Role.X)``;
- comparing with a role: ``x == Role.X``, ``x in (Role.X, ...)``;
- filtering a person's memberships by role: ``.memberships.filter(role=...)``.

Calling a policy function (``policy.is_coordinator(user)``) is asking, not deciding; writing a flag
(``user.is_superuser = ...``) is not reading one.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("accounts", "assessment", "cchc")
JUDGES = {
    "accounts/policy.py",
    "accounts/selectors.py",
    "assessment/policy.py",
    "assessment/selectors/visibility.py",
}
ROLE_FLAGS = {
    "is_coordinator",
    "is_appraiser",
    "is_council",
    "is_unit_head",
    "is_unit_member",
    "sees_all_units",
    "appraiser_agencies",
    "is_superuser",
    "is_staff",
}

# (file, the decision's source line stripped) → why it stays where it is. Keep it short.
ALLOWED = {
    # user_sync_access writes the staff flag enters_admin() decided; it reads the old value only to skip a save.
    ("accounts/services.py", "if user.is_staff != is_staff:"): "writes the flag, does not decide",
    # A data rule of the membership itself (an appraiser belongs to an appraising agency), not a user's permission.
    (
        "accounts/models.py",
        "if self.role == Role.APPRAISER and self.unit_id and not self.unit.is_appraising_agency:",
    ): "validates a membership's data",
}


def _is_role(node) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Role"


def _mentions_role(node) -> bool:
    if _is_role(node):
        return True
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_is_role(element) for element in node.elts)
    return False


def _reads_a_role_flag(node) -> bool:
    if not (isinstance(node, ast.Attribute) and node.attr in ROLE_FLAGS and isinstance(node.ctx, ast.Load)):
        return False
    return not (isinstance(node.value, ast.Name) and node.value.id == "policy")


def _asks_access_for_a_role(node) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "has"
        and any(_is_role(arg) for arg in node.args)
    )


def _filters_memberships_by_role(node) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "filter"
        and isinstance(node.func.value, ast.Attribute)
        and node.func.value.attr == "memberships"
        and any(keyword.arg == "role" or (keyword.arg or "").startswith("role__") for keyword in node.keywords)
    )


def _compares_with_a_role(node) -> bool:
    return isinstance(node, ast.Compare) and any(_mentions_role(n) for n in (node.left, *node.comparators))


CHECKS = (_reads_a_role_flag, _asks_access_for_a_role, _filters_memberships_by_role, _compares_with_a_role)


def inline_decisions(source: str) -> list[int]:
    """Line numbers of the inline role decisions in ``source``."""
    return sorted({node.lineno for node in ast.walk(ast.parse(source)) if any(check(node) for check in CHECKS)})


def scanned_files() -> list[Path]:
    files = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or "/tests/" in relative or relative in JUDGES:
                continue
            files.append(path)
    return files


def test_the_scan_finds_each_kind_of_inline_decision():
    source = "\n".join(
        [
            "if user_access(user).is_coordinator: pass",  # 1
            "ok = access.sees_all_units or request.user.is_superuser",  # 2
            "ok = access.has(Role.UNIT_HEAD)",  # 3
            "ok = membership.role == Role.APPRAISER",  # 4
            "ok = role in (Role.COUNCIL, Role.COORDINATOR)",  # 5
            "rows = user.memberships.filter(role=Role.APPRAISER)",  # 6
            "ok = policy.is_coordinator(user)",  # 7: asks the policy
            "user.is_superuser = True",  # 8: writes a flag
            "rows = Membership.objects.filter(role=role)",  # 9: not a person's memberships
        ]
    )
    assert inline_decisions(source) == [1, 2, 3, 4, 5, 6]


def test_the_scan_reads_every_package():
    scanned = {path.relative_to(ROOT).as_posix() for path in scanned_files()}
    assert {"accounts/sessions.py", "assessment/services/results.py", "cchc/views.py"} <= scanned
    assert not scanned & JUDGES
    assert not [name for name in scanned if "/migrations/" in name]


def test_no_role_decision_outside_the_policy_and_selector_modules():
    found, used = [], set()
    for path in scanned_files():
        relative = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        source_lines = text.splitlines()
        for line in inline_decisions(text):
            key = (relative, source_lines[line - 1].strip())
            if key in ALLOWED:
                used.add(key)
            else:
                found.append(f"{relative}:{line}: {key[1]}")
    assert found == [], "Ask assessment/policy.py or accounts/policy.py instead:\n" + "\n".join(found)
    assert used == set(ALLOWED), "Allowlist entries that no longer match anything: remove them"
