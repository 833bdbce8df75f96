"""Reads with a rule: frameworks and their trees, who takes part in a period, progress."""

from datetime import date

from django.db.models import Count, Q, QuerySet

from accounts.models import Unit
from accounts.selectors import user_access
from assessment.models import Assessment, AssessmentStatus, Criterion, Framework, Period
from assessment.tree import Node, Totals, totals


def framework_nodes(framework: Framework) -> list[Node]:
    rows = Criterion.objects.filter(framework=framework).values_list("code", "max_points", "method")
    return [Node(code=code, max_points=max_points, method=method) for code, max_points, method in rows]


def framework_totals(framework: Framework) -> Totals:
    """Appraisal, survey, bonus and penalty points of a framework (leaves only)."""
    return totals(framework_nodes(framework))


def framework_is_in_use(framework: Framework) -> bool:
    """A framework chosen for a period cannot go back to draft, nor be deleted."""
    return framework.period_blocks.exists()


def framework_tree(framework: Framework) -> list[Criterion]:
    """The criteria in file order, with what the tree display needs, in one query."""
    return list(
        Criterion.objects.filter(framework=framework).select_related("appraising_agency").order_by("order", "id")
    )


def units_taking_part(blocks, year: int) -> QuerySet[Unit]:
    """Units of ``blocks`` that existed at the end of ``year``: the default participants of its period.

    A unit that ended during the year (Hanoi's districts on 30/06/2025) is not assessed for it; a unit
    that began during the year (the communes of 1/7/2025) is. An inactive unit without an end date is left out.
    """
    year_end = date(year, 12, 31)
    return Unit.objects.filter(block__in=blocks).filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=year_end),
        Q(valid_to__gte=year_end) | Q(valid_to__isnull=True, active=True),
    )


def period_progress(period: Period) -> dict[str, int]:
    """Assessments of the period by status (every status present, 0 when none)."""
    counts = dict(
        Assessment.objects.filter(period=period)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in AssessmentStatus.values}


def assessments_visible_to(user) -> QuerySet[Assessment]:
    """Assessments a user may read: all for Home Affairs, appraisers and the council; their own unit's otherwise."""
    access = user_access(user)
    assessments = Assessment.objects.select_related("period", "unit__block", "framework")
    if access.sees_all_units:
        return assessments
    if access.unit is not None:
        return assessments.filter(unit=access.unit)
    return assessments.none()
