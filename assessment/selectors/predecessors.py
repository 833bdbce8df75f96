"""Reads of a unit's predecessors (the units it replaced, e.g. the districts a new ward took territory from) with
their last results, shown beside the unit for reference and never mixed into its own trend or rank.

Imports Django and the models; never a service."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import OuterRef, Q, Subquery

from accounts.models import Unit
from assessment.models import EarlierResult, Publication, PublishedUnit
from cchc.db import vi_order


@dataclass(frozen=True)
class PredecessorResult:
    """A predecessor of a unit and its last result before a year (year None: it has none)."""

    code: str
    name: str
    year: int | None
    index: Decimal | None
    rank: int | None
    units: int | None  # the size of its block that year, when known (published years)


def unit_predecessors(unit_id: int, before_year: int | None = None) -> list[PredecessorResult]:
    """The units ``unit_id`` replaced, in Vietnamese name order, each with its last published result (else its last
    imported earlier result) of a year before ``before_year``; with None, every predecessor and any year. Three
    queries whatever their number."""
    links = Unit.objects.filter(successors=unit_id)
    if before_year is not None:
        # A predecessor counts for a year once it had ended, or once the unit itself had begun, by the year's end:
        # Sở Tài chính's 2023 page does not list Sở Kế hoạch và Đầu tư (absorbed in 2025), its 2025 page does.
        year_end = date(before_year, 12, 31)
        links = Unit.objects.filter(
            Q(valid_to__lte=year_end) | Q(successors__valid_from__lte=year_end), successors=unit_id
        )
    predecessors = list(links.order_by(vi_order("name").asc()).values_list("id", "code", "name"))
    if not predecessors:
        return []
    ids = [unit_id_ for unit_id_, _code, _name in predecessors]
    newest = Publication.objects.filter(period=OuterRef("period")).order_by("-version").values("version")[:1]
    published = PublishedUnit.objects.filter(
        unit_id__in=ids,
        publication__in=Publication.objects.filter(version=Subquery(newest)),
    )
    earlier = EarlierResult.objects.filter(unit_id__in=ids)
    if before_year is not None:
        published = published.filter(publication__period__year__lt=before_year)
        earlier = earlier.filter(year__lt=before_year)
    last: dict[int, tuple] = {}
    for found, year, index, rank in earlier.values_list("unit_id", "year", "index_percent", "rank"):
        if found not in last or year > last[found][0]:
            last[found] = (year, index, rank, None)
    for found, year, index, rank, units in published.values_list(
        "unit_id", "publication__period__year", "shown_index", "rank", "block__units"
    ):
        if found not in last or year >= last[found][0]:
            last[found] = (year, index, rank, units)
    return [
        PredecessorResult(code, name, *last.get(found, (None, None, None, None))) for found, code, name in predecessors
    ]
