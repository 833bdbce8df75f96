"""Reads of the results: publications (the newest of each period, one year's, its tables), the year before, a
unit's trend over the years, its published row, and the points it lost.

Imports Django, the scoring rules and the models; never a service."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from accounts.models import Unit
from assessment import scoring
from assessment.models import (
    Adjustment,
    Criterion,
    EarlierResult,
    Method,
    Publication,
    PublishedBlock,
    PublishedField,
    PublishedUnit,
    Score,
)
from cchc.db import vi_order


def latest_publications() -> QuerySet:
    """The newest version of every published period, newest year first (what the public sees)."""
    newest = Publication.objects.filter(period=OuterRef("period")).order_by("-version").values("version")[:1]
    return Publication.objects.filter(version=Subquery(newest)).select_related("period").order_by("-period__year")


def publication_for(year: int, version: int | None = None):
    """The publication of ``year`` (its newest version unless one is asked for), or None."""
    publications = Publication.objects.filter(period__year=year).select_related("period", "published_by")
    if version is not None:
        return publications.filter(version=version).first()
    return publications.order_by("-version").first()


def publication_tables(publication):
    """Blocks with their field averages and their ranked units (each with its fields): four queries."""
    return list(
        PublishedBlock.objects.filter(publication=publication)
        .prefetch_related(
            "fields",
            Prefetch(
                "results",
                queryset=PublishedUnit.objects.order_by("rank", "unit_code").prefetch_related("fields"),
            ),
        )
        .order_by("order")
    )


PAGE_SIZE = 150  # units of a block per page of the public ranking (a 5,000-unit block: 34 pages of ~240 KB)


def publication_blocks(publication):
    """The publication's blocks with their field averages, without their units (two queries)."""
    return list(
        PublishedBlock.objects.filter(publication=publication)
        .select_related("block")
        .prefetch_related("fields")
        .order_by("order")
    )


def ranking_page(block, start: int, size: int):
    """``size`` units of a published block from place ``start`` (0-based) of its ranking."""
    return PublishedUnit.objects.filter(block=block).order_by("rank", "unit_code")[start : start + size]


def block_indices(block) -> list[Decimal]:
    """Every shown index of a published block (for its spread chart)."""
    return list(
        PublishedUnit.objects.filter(block=block, shown_index__isnull=False)
        .order_by("rank", "unit_code")
        .values_list("shown_index", flat=True)
    )


def _public_fingerprint_sql() -> str:
    """One SQL expression (text) of what the public pages show besides their publication: the newest publication
    and fingerprints of the earlier results and of the predecessor links."""
    quote = connection.ops.quote_name
    earlier, publications = EarlierResult._meta, Publication._meta
    links = Unit.predecessors.through._meta

    def text(expression: str) -> str:
        return f"COALESCE(CAST({expression} AS TEXT), '-')"

    link = f"{quote('from_unit_id')} * 1000003 + {quote('to_unit_id')}"
    parts = [  # our own table and column names, no value from outside
        text(f"(SELECT MAX({quote(publications.pk.column)}) FROM {quote(publications.db_table)})"),  # noqa: S608
        text(f"(SELECT COUNT(*) FROM {quote(links.db_table)})"),  # noqa: S608
        text(f"(SELECT SUM({link}) FROM {quote(links.db_table)})"),  # noqa: S608
        text("COUNT(*)"),
        text(f"MAX({quote(earlier.pk.column)})"),
        text(f"SUM({quote(earlier.get_field('index_percent').column)})"),
        text(f"SUM({quote(earlier.get_field('rank').column)})"),
    ]
    joined = " || ':' || ".join(parts)
    return f"SELECT {joined} FROM {quote(earlier.db_table)}"  # noqa: S608 - our own names


def public_publication(year: int, version: int | None = None):
    """publication_for with the fingerprint of public_page_key read in the same query (a cached public page
    then costs this one query)."""
    publications = Publication.objects.filter(period__year=year).select_related("period", "published_by")
    publications = publications.annotate(public_fingerprint=RawSQL(f"({_public_fingerprint_sql()})", ()))  # noqa: S611
    if version is not None:
        return publications.filter(version=version).first()
    return publications.order_by("-version").first()


def public_page_version(year: int, version: int | None = None) -> tuple[int, str] | None:
    """The id of the publication public_publication finds and its public_page_key fingerprint, or None: one
    plain SQL statement without building the publication (issue 12: a stored public page is served on this alone,
    the ORM's query building was half a cached page's time)."""
    quote = connection.ops.quote_name
    publications, periods = Publication._meta, Publication._meta.get_field("period").related_model._meta
    pk, period_id, number = (
        quote(publications.pk.column),
        quote(publications.get_field("period").column),
        quote(publications.get_field("version").column),
    )
    where = f"{quote('r')}.{quote(periods.get_field('year').column)} = %s"
    params: list = [year]
    if version is not None:
        where += f" AND {quote('p')}.{number} = %s"
        params.append(version)
    p, r = quote("p"), quote("r")
    sql = (  # our own table and column names; the year and version are parameters
        f"SELECT {p}.{pk}, ({_public_fingerprint_sql()}) FROM {quote(publications.db_table)} {p} "  # noqa: S608
        f"INNER JOIN {quote(periods.db_table)} {r} ON {p}.{period_id} = {r}.{quote(periods.pk.column)} "
        f"WHERE {where} ORDER BY {p}.{number} DESC LIMIT 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else (row[0], row[1])


def public_key(publication_id: int, fingerprint: str, page: str, language: str) -> str:
    return ":".join(("public", str(publication_id), fingerprint, language, page))


def public_page_key(publication, page: str, language: str) -> str:
    """The cache key of a public page of ``publication``: the publication itself never changes, but its pages
    also show the other versions, the other years (changes against last year, a unit's trend) and imported
    earlier results, and a unit's page lists the units it replaced; so the key carries the newest publication and
    fingerprints of the earlier results and of the predecessor links (read with the publication by
    public_publication, or here in one query)."""
    fingerprint = getattr(publication, "public_fingerprint", None)
    if fingerprint is None:
        with connection.cursor() as cursor:
            cursor.execute(_public_fingerprint_sql())
            fingerprint = cursor.fetchone()[0]
    return public_key(publication.pk, fingerprint, page, language)


@dataclass(frozen=True)
class Previous:
    """The year before, for the changes: per unit (index, rank), per block its average, per block field its average."""

    year: int | None
    units: dict
    blocks: dict
    fields: dict


def previous_year(publication) -> Previous:
    """The published results of the year before, or the imported earlier results of that year (two queries)."""
    year = publication.period.year - 1
    before = publication_for(year)
    if before is not None:
        units = {
            unit_id: (index, rank)
            for unit_id, index, rank in PublishedUnit.objects.filter(publication=before).values_list(
                "unit_id", "shown_index", "rank"
            )
        }
        blocks, fields = {}, {}
        for block in PublishedBlock.objects.filter(publication=before).prefetch_related("fields"):
            blocks[block.block_id] = block.average
            for block_field in block.fields.all():
                fields[(block.block_id, block_field.code)] = block_field.average
        return Previous(year, units, blocks, fields)
    rows = list(EarlierResult.objects.filter(year=year).values_list("unit_id", "block_id", "index_percent", "rank"))
    if not rows:
        return Previous(None, {}, {}, {})
    by_block: dict[int, list[Decimal]] = {}
    for _unit, block_id, index, _rank in rows:
        by_block.setdefault(block_id, []).append(index)
    return Previous(
        year,
        {unit_id: (index, rank) for unit_id, _block, index, rank in rows},
        {block_id: scoring.average(values) for block_id, values in by_block.items()},
        {},
    )


def unit_trend(unit_id: int) -> list[tuple[int, Decimal | None, int | None]]:
    """(year, index, rank) of a unit over every published year and every imported earlier year."""
    latest = latest_publications()
    trend = {
        year: (index, rank)
        for year, index, rank in PublishedUnit.objects.filter(unit_id=unit_id, publication__in=latest).values_list(
            "publication__period__year", "shown_index", "rank"
        )
    }
    for year, index, rank in EarlierResult.objects.filter(unit_id=unit_id).values_list("year", "index_percent", "rank"):
        trend.setdefault(year, (index, rank))
    return [(year, *trend[year]) for year in sorted(trend)]


def unit_published_result(assessment):
    """The unit's row in the latest publication of the assessment's period (its fields and block), or None."""
    publication = publication_for(assessment.period.year)
    if publication is None:
        return None
    return (
        PublishedUnit.objects.filter(publication=publication, unit_id=assessment.unit_id)
        .select_related("block", "publication__period")
        .prefetch_related("fields", "block__fields")
        .first()
    )


@dataclass(frozen=True)
class LostPoints:
    """A leaf (or a penalty entry) where the unit got less than the maximum, for next year's plan."""

    code: str
    title: str
    field: str
    max_points: Decimal | None  # None for a penalty entry
    self_points: Decimal | None
    points: Decimal  # a penalty entry counts negative
    comment: str

    @property
    def lost(self) -> Decimal:
        return -self.points if self.max_points is None else self.max_points - self.points


def lost_points(assessment) -> list[LostPoints]:
    """The leaves where the unit lost points, in framework order, with the comment behind the final score."""
    fields = dict(
        Criterion.objects.filter(framework_id=assessment.framework_id, parent__isnull=True).values_list("code", "title")
    )
    rows = []
    scores = (
        Score.objects.filter(assessment=assessment, criterion__method__in=[Method.APPRAISAL, Method.SURVEY])
        .select_related("criterion")
        .order_by("criterion__order")
    )
    for score in scores:
        criterion = score.criterion
        if criterion.method == Method.SURVEY:
            points = score.survey_points if score.survey_points is not None else Decimal("0.00")
            comment = _("Survey result")
        else:
            if score.is_na and score.na_confirmed:
                continue
            points = scoring.final_points(score.appraised_points, score.reappraised_points, score.council_points)
            if score.council_points is not None:
                comment = score.council_reason
            elif score.reappraised_points is not None:
                comment = score.reappraised_comment or score.appraised_comment
            else:
                comment = score.appraised_comment
        if points < score.max_points:
            field_code = criterion.field_code
            rows.append(
                LostPoints(
                    criterion.code,
                    criterion.title,
                    f"{field_code}. {fields.get(field_code, '')}",
                    score.max_points,
                    score.self_points if criterion.method == Method.APPRAISAL else None,
                    points,
                    comment,
                )
            )
    for entry in Adjustment.objects.filter(assessment=assessment, criterion__method=Method.PENALTY).select_related(
        "criterion"
    ):
        field_code = entry.criterion.field_code
        rows.append(
            LostPoints(
                entry.criterion.code,
                entry.criterion.title,
                f"{field_code}. {fields.get(field_code, '')}",
                None,
                None,
                -entry.points,
                f"{entry.reason} ({entry.decision_reference})",
            )
        )
    return rows


# -- versions of a publication -------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitPosition:
    """A unit's place in one version (or in what publishing now would freeze)."""

    unit_code: str
    unit_name: str
    block_name: str
    index: Decimal | None  # the shown index, 2 places
    rank: int | None


@dataclass(frozen=True)
class UnitChange:
    """A unit whose shown index or rank differs between two versions (None: not in that version)."""

    unit_code: str
    unit_name: str
    block_name: str
    old_index: Decimal | None
    new_index: Decimal | None
    old_rank: int | None
    new_rank: int | None


def published_positions(publication) -> dict[int, UnitPosition]:
    """Every unit of a version: unit id → its position (one query)."""
    return {
        unit_id: UnitPosition(code, name, block_name, index, rank)
        for unit_id, code, name, block_name, index, rank in PublishedUnit.objects.filter(
            publication=publication
        ).values_list("unit_id", "unit_code", "unit_name", "block__name", "shown_index", "rank")
    }


def published_figures(publication) -> dict[int, tuple]:
    """Every unit of a version with all it froze (block, name, totals, index, rank, fields): two queries. The
    same shape as services.results._results_figures, so that an unchanged version can be recognised."""
    fields: dict[int, list[tuple]] = {}
    for result_id, code, title, achieved, maximum, index in (
        PublishedField.objects.filter(result__publication=publication)
        .order_by("result_id", "order")
        .values_list("result_id", "code", "title", "achieved", "maximum", "index")
    ):
        fields.setdefault(result_id, []).append((code, title, achieved, maximum, index))
    return {
        row[1]: (*row[2:], tuple(fields.get(row[0], ())))
        for row in PublishedUnit.objects.filter(publication=publication).values_list(
            "pk",
            "unit_id",
            "block__block_id",
            "unit_name",
            *PublishedUnit.FIGURES,
        )
    }


def unit_changes(before: dict[int, UnitPosition], after: dict[int, UnitPosition]) -> list[UnitChange]:
    """The units whose shown index or rank moved from ``before`` to ``after`` (added and removed units too),
    by block, then new rank."""
    changes = []
    for unit_id in before.keys() | after.keys():
        old, new = before.get(unit_id), after.get(unit_id)
        if old is not None and new is not None and (old.index, old.rank) == (new.index, new.rank):
            continue
        shown = new or old
        changes.append(
            UnitChange(
                shown.unit_code,
                shown.unit_name,
                shown.block_name,
                old.index if old else None,
                new.index if new else None,
                old.rank if old else None,
                new.rank if new else None,
            )
        )
    order = {position.block_name: number for number, position in enumerate((after or before).values())}
    return sorted(
        changes,
        key=lambda change: (
            order.get(change.block_name, len(order)),
            change.new_rank is None,
            change.new_rank or 0,
            change.unit_code,
        ),
    )


@dataclass(frozen=True)
class Replacement:
    """The version that replaced a publication, and what it changed."""

    publication: Publication
    changes: list[UnitChange]


def publication_replacement(publication) -> Replacement | None:
    """The next version of the same period (computed from the later versions, nothing stored), with the units
    whose index or rank it changed; None for the newest version (three queries)."""
    later = (
        Publication.objects.filter(period_id=publication.period_id, version__gt=publication.version)
        .order_by("version")
        .first()
    )
    if later is None:
        return None
    return Replacement(later, unit_changes(published_positions(publication), published_positions(later)))


# -- predecessors shown honestly (issue 13): the units a unit replaced, with their own last results --------------


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
