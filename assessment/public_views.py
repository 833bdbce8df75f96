"""The public site: published results only, read from the frozen snapshots, without signing in."""

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from assessment import charts
from assessment.exports import FORMATS, file_name, publication_file
from assessment.models import PublishedUnit
from assessment.selectors.results import (
    latest_publications,
    previous_year,
    publication_for,
    publication_replacement,
    publication_tables,
    unit_trend,
)


def _publication(year, request):
    version = request.GET.get("version")
    publication = publication_for(year, int(version) if version and version.isdigit() else None)
    if publication is None:
        raise Http404
    return publication


def _change(current, previous):
    return None if current is None or previous is None else current - previous


@login_not_required
@require_GET
def results_index(request):
    """Every published year, newest first."""
    return render(
        request, "public/results_index.html", {"publications": list(latest_publications().prefetch_related("blocks"))}
    )


@login_not_required
@require_GET
def results_period(request, year):
    """One year's ranking in every block, with last year's comparison and the charts."""
    publication = _publication(year, request)
    blocks = publication_tables(publication)
    previous = previous_year(publication)
    tables = []
    for block in blocks:
        units = list(block.results.all())
        rows = []
        for unit in units:
            before = previous.units.get(unit.unit_id)
            rows.append(
                {
                    "unit": unit,
                    "change": _change(unit.shown_index, before[0] if before else None),
                    "rank_change": None
                    if not before or unit.rank is None or before[1] is None
                    else before[1] - unit.rank,
                }
            )
        block_fields = [
            {"field": item, "change": _change(item.average, previous.fields.get((block.block_id, item.code)))}
            for item in block.fields.all()
        ]
        tables.append(
            {
                "block": block,
                "rows": rows,
                "fields": block_fields,
                "change": _change(block.average, previous.blocks.get(block.block_id)),
                "bars": charts.ranking_bars([(unit.unit_name, unit.shown_index) for unit in units], title=block.name),
                "spread": charts.spread(
                    [unit.shown_index for unit in units if unit.shown_index is not None],
                    average=block.average,
                    title=block.name,
                ),
            }
        )
    versions = list(publication.period.publications.order_by("version"))
    return render(
        request,
        "public/results_period.html",
        {
            "publication": publication,
            "tables": tables,
            "previous": previous,
            "versions": versions,
            "replacement": publication_replacement(publication),
            "formats": list(FORMATS),
        },
    )


@login_not_required
@require_GET
def results_unit(request, year, unit_code):
    """One unit: its fields as the press writes them, its trend over the years, its weakest criteria."""
    publication = _publication(year, request)
    unit = (
        PublishedUnit.objects.filter(publication=publication, unit_code=unit_code)
        .select_related("block")
        .prefetch_related("fields", "weaknesses", "block__fields")
        .first()
    )
    if unit is None:
        raise Http404
    block_averages = {item.code: item.average for item in unit.block.fields.all()}
    fields = list(unit.fields.all())
    profile = charts.field_profile(
        [(f"{item.code}. {item.title}", item.index, block_averages.get(item.code)) for item in fields],
        title=unit.unit_name,
    )
    trend = unit_trend(unit.unit_id)
    replacement = publication_replacement(publication)
    return render(
        request,
        "public/results_unit.html",
        {
            "publication": publication,
            "unit": unit,
            "replacement": replacement,
            "unit_change": next((change for change in replacement.changes if change.unit_code == unit.unit_code), None)
            if replacement
            else None,
            "fields": [(item, block_averages.get(item.code)) for item in fields],
            "profile": profile,
            "trend": trend,
            "trend_chart": charts.ranking_bars(
                [(str(year_), index) for year_, index, _rank in trend], title=unit.unit_name
            ),
        },
    )


@login_not_required
@require_GET
def results_download(request, year, file_format):
    """A download of the publication, always the same bytes once made."""
    if file_format not in FORMATS:
        raise Http404
    publication = _publication(year, request)
    response = HttpResponse(publication_file(publication, file_format), content_type=FORMATS[file_format])
    response["Content-Disposition"] = f'attachment; filename="{file_name(publication, file_format)}"'
    return response


@login_not_required
@require_GET
def results_schema(request):
    """The documentation of the JSON download, for open-data users."""
    return render(request, "public/results_schema.html")
