"""Reads of the governance face (the admin's frameworks and periods): a framework's leaves and totals, whether a
period uses it, its tree in file order, and which units take part in a period.

Imports Django, the models and the pure tree; never a service, a view or the admin."""

from datetime import date

from django.db.models import Q, QuerySet

from accounts.models import Unit
from assessment.models import Criterion, Framework, Method
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


def framework_leaves_with_agency(framework_id: int) -> list[tuple[int, object, int | None]]:
    """Each leaf (id, maximum, appraising agency id) as opening a period assigns it: its own agency, else its
    nearest ancestor's.

    Survey leaves have none: their points come from the survey import of Home Affairs.
    """
    rows = list(
        Criterion.objects.filter(framework_id=framework_id).values_list(
            "id", "code", "method", "max_points", "appraising_agency_id"
        )
    )
    agency_by_code = {code: agency for _id, code, _method, _max, agency in rows}

    def agency_of(code):
        while code is not None:
            if agency_by_code.get(code):
                return agency_by_code[code]
            code = code.rsplit(".", 1)[0] if "." in code else None
        return None

    return [
        (criterion_id, max_points, None if method == Method.SURVEY else agency_of(code))
        for criterion_id, code, method, max_points, _agency in rows
        if method
    ]
