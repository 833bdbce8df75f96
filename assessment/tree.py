"""Rules that need the whole criteria tree: parents, leaves, and maxima that add up."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from assessment.formatting import compact
from assessment.models import ADJUSTMENT_METHODS, SCORED_METHODS, Method


@dataclass(frozen=True)
class Node:
    """What the tree checks need of one criterion; ``line`` is its spreadsheet row, if it came from a file."""

    code: str
    max_points: Decimal | None
    method: str
    line: int | None = None
    max_unreadable: bool = False


@dataclass(frozen=True)
class TreeProblem:
    line: int | None
    message: str


@dataclass(frozen=True)
class Totals:
    """The framework's points: appraisal + survey make the scale; bonus and penalty sit outside it."""

    appraisal: Decimal
    survey: Decimal
    bonus: Decimal
    penalty: Decimal
    leaves: int

    @property
    def total(self) -> Decimal:
        return self.appraisal + self.survey


def parent_code(code: str) -> str | None:
    return code.rsplit(".", 1)[0] if "." in code else None


def tree_problems(nodes: list[Node]) -> list[TreeProblem]:
    """Every reason the tree is not a valid framework, each tied to the criterion (and row) it concerns."""
    problems: list[TreeProblem] = []
    by_code = {node.code: node for node in nodes}
    children: dict[str, list[Node]] = defaultdict(list)
    for node in nodes:
        parent = parent_code(node.code)
        if parent is None:
            continue
        if parent not in by_code:
            problems.append(
                TreeProblem(
                    node.line,
                    _("Criterion %(code)s: its parent %(parent)s is not in the framework.")
                    % {"code": node.code, "parent": parent},
                )
            )
        else:
            children[parent].append(node)

    def leaves_under(node: Node) -> list[Node]:
        kids = children.get(node.code, [])
        if not kids:
            return [node]
        return [leaf for kid in kids for leaf in leaves_under(kid)]

    def computed_max(node: Node) -> Decimal | None:
        """The node's maximum: its own for a leaf, the sum of its children's for a group (None if unknown)."""
        kids = children.get(node.code, [])
        if not kids:
            return None if node.max_unreadable else node.max_points
        if node.max_points is not None:
            return node.max_points
        sums = [computed_max(kid) for kid in kids]
        return None if any(value is None for value in sums) else sum(sums, Decimal(0))

    for node in nodes:
        kids = children.get(node.code, [])
        if not kids:
            if not node.method:
                problems.append(
                    TreeProblem(
                        node.line,
                        _("Criterion %(code)s has no sub-criteria, so it is scored: give its method.")
                        % {"code": node.code},
                    )
                )
            continue
        if node.method:
            problems.append(
                TreeProblem(
                    node.line,
                    _("Criterion %(code)s has sub-criteria, so it is not scored itself: leave its method empty.")
                    % {"code": node.code},
                )
            )
            continue
        methods = {leaf.method for leaf in leaves_under(node) if leaf.method}
        if methods & set(ADJUSTMENT_METHODS) and methods & set(SCORED_METHODS):
            problems.append(
                TreeProblem(
                    node.line,
                    _(
                        "Criterion %(code)s mixes bonus or penalty points with scored criteria; "
                        "put them in a field of their own."
                    )
                    % {"code": node.code},
                )
            )
            continue
        if methods and methods <= set(ADJUSTMENT_METHODS):
            if node.max_points is not None:
                problems.append(
                    TreeProblem(
                        node.line,
                        _(
                            "Criterion %(code)s groups bonus and penalty points, which are outside the scale: "
                            "leave its maximum empty."
                        )
                        % {"code": node.code},
                    )
                )
            continue
        if node.max_points is None or node.max_unreadable:
            continue
        sums = [computed_max(kid) for kid in kids]
        if any(value is None for value in sums):
            continue
        total = sum(sums, Decimal(0))
        if total != node.max_points:
            problems.append(
                TreeProblem(
                    node.line,
                    _("Criterion %(code)s: the maximum %(max)s is not the sum of its sub-criteria (%(sum)s).")
                    % {"code": node.code, "max": compact(node.max_points), "sum": compact(total)},
                )
            )
    return problems


def group_maxima(nodes: list[Node]) -> dict[str, Decimal | None]:
    """The maximum each group should store: given, or the sum of its children; None for bonus/penalty groups."""
    children: dict[str, list[Node]] = defaultdict(list)
    for node in nodes:
        parent = parent_code(node.code)
        if parent is not None:
            children[parent].append(node)

    def maximum(node: Node) -> Decimal | None:
        kids = children.get(node.code, [])
        if not kids:
            return node.max_points if node.method in SCORED_METHODS else None
        if node.max_points is not None:
            return node.max_points
        values = [maximum(kid) for kid in kids]
        values = [value for value in values if value is not None]
        return sum(values, Decimal(0)) if values else None

    return {node.code: maximum(node) for node in nodes if children.get(node.code)}


def totals(nodes: list[Node]) -> Totals:
    """Sum the leaves' maxima by method."""
    sums = {method: Decimal("0.00") for method in Method.values}
    parents = {parent_code(node.code) for node in nodes}
    leaves = [node for node in nodes if node.code not in parents and node.method]
    for leaf in leaves:
        if leaf.max_points is not None:
            sums[leaf.method] += leaf.max_points
    return Totals(
        appraisal=sums[Method.APPRAISAL],
        survey=sums[Method.SURVEY],
        bonus=sums[Method.BONUS],
        penalty=sums[Method.PENALTY],
        leaves=len(leaves),
    )
