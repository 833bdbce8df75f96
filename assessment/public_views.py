"""The public site: published results only, read from the frozen snapshots, without signing in."""

import hashlib
from gzip import compress as gzip_compress
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from assessment import charts
from assessment.exports import FORMATS, file_name, publication_file
from assessment.models import PublishedUnit
from assessment.selectors.results import (
    PAGE_SIZE,
    block_indices,
    latest_publications,
    previous_year,
    public_key,
    public_page_key,
    public_page_version,
    public_publication,
    publication_blocks,
    publication_for,
    publication_replacement,
    ranking_page,
    unit_predecessors,
    unit_trend,
)
from assessment.selectors.signatures import publication_signature_cms, publication_signatures
from assessment.storage import StorageUnavailable


def _publication(year, request, find=publication_for):
    publication = find(year, _version_asked(request))
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


def _plain_reader(request) -> bool:
    """An anonymous reader with no session and no message waiting: the whole page is the same for all of them."""
    return settings.SESSION_COOKIE_NAME not in request.COOKIES and "messages" not in request.COOKIES


def _version_asked(request) -> int | None:
    version = request.GET.get("version")
    return int(version) if version and version.isdigit() else None


def _accepts_gzip(header: str) -> bool:
    """Whether an Accept-Encoding header allows gzip (RFC 9110: named with a weight above 0, or not named and
    ``*`` allowed)."""
    weights = {}
    for part in header.split(","):
        name, *parameters = (item.strip() for item in part.split(";"))
        weight = 1.0
        for parameter in parameters:
            key, _, value = parameter.partition("=")
            if key.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        weights[name.lower()] = weight
    return weights.get("gzip", weights.get("x-gzip", weights.get("*", 0.0))) > 0


def _whole_key(key: str, request, gzip: bool) -> str:
    """Where the whole page is kept for the version asked, each encoding under a key of its own, so that a reader
    fetches from the cache only the bytes it is sent (22 instead of 200 KB for a ranking page)."""
    return f"{key}:whole:{_version_asked(request)}:{'gzip' if gzip else 'plain'}"


def _whole_response(stored: tuple[str, bytes], gzip: bool, request) -> HttpResponse:
    """The stored whole page as it is (gzip-compressed when ``gzip``), or 304 when the reader has it already
    (If-None-Match with its entity tag)."""
    tag, content = stored
    etag = f'"{tag}-gzip"' if gzip else f'"{tag}"'
    if {etag, "*"} & {item.strip() for item in request.headers.get("If-None-Match", "").split(",")}:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(content)
        if gzip:
            response.headers["Content-Encoding"] = "gzip"
    response.headers["ETag"] = etag
    patch_vary_headers(response, ("Accept-Encoding", "Cookie"))
    return response


def _store_whole(key: str, request, rendered: str, gzip: bool) -> tuple[str, bytes]:
    """The whole page stored once, plain and gzip-compressed (the same bytes for every reader), each with the entity
    tag taken from its content; the variant ``gzip`` asks for."""
    plain = rendered.encode()
    tag = hashlib.blake2b(plain, digest_size=16).hexdigest()
    variants = {False: (tag, plain), True: (tag, gzip_compress(plain, mtime=0))}
    cache.set_many({_whole_key(key, request, variant): stored for variant, stored in variants.items()}, timeout=None)
    return variants[gzip]


def _stored_whole(request, year, page: str) -> HttpResponse | None:
    """The stored whole page for a plain anonymous reader, found with one plain SQL statement (the publication's id
    and the fingerprint of public_page_key), or None (anyone else, or not stored yet: the usual path below);
    404 when the year (or version) has no publication, as the usual path answers."""
    if not _plain_reader(request) or request.user.is_authenticated:
        return None
    found = public_page_version(year, _version_asked(request))
    if found is None:
        raise Http404
    gzip = _accepts_gzip(request.headers.get("Accept-Encoding", ""))
    stored = cache.get(_whole_key(public_key(*found, page, get_language()), request, gzip))
    return None if stored is None else _whole_response(stored, gzip, request)


def _cached(request, publication, page: str, build, address: str) -> HttpResponse:
    """The page kept in the cache for anonymous readers, keyed by the publication and by everything else it shows
    (public_page_key): its own content (title and body) for every anonymous reader, and the whole page, frame
    included, for a reader without session or waiting message (nearly all of them), the same bytes for all of
    them (the language switch returns to the page's own ``address``, which the key determines). Signed-in people
    always get a fresh rendering."""
    key = None if request.user.is_authenticated else public_page_key(publication, page, get_language())
    whole = key is not None and _plain_reader(request)
    gzip = _accepts_gzip(request.headers.get("Accept-Encoding", ""))
    if whole:
        stored = cache.get(_whole_key(key, request, gzip))
        if stored is not None:
            return _whole_response(stored, gzip, request)
    parts = cache.get(key) if key else None
    if parts is None:
        template, context = build()
        parts = (context.pop("title"), render_to_string(template, context, request))
        if key:
            cache.set(key, parts, timeout=None)
    title, body = parts
    template = "public/results_period.html" if page.startswith("period") else "public/results_unit.html"
    context = {"title": title, "body": mark_safe(body)}  # noqa: S308 - our own rendering
    if not whole:
        return HttpResponse(render_to_string(template, context, request))
    rendered = render_to_string(template, {**context, "language_next": address}, request)
    return _whole_response(_store_whole(key, request, rendered, gzip), gzip, request)


def _address(name: str, args: list, **query) -> str:
    """The canonical address of a public page: its path and the query that chose it, in a fixed order."""
    shown = {field: value for field, value in query.items() if value is not None}
    return reverse(name, args=args) + (f"?{urlencode(shown)}" if shown else "")


def _page_number(value) -> int:
    return int(value) if value and value.isdigit() and 0 < int(value) < 100_000 else 1


@login_not_required
@require_GET
def results_period(request, year):
    """One year's ranking in every block, with last year's comparison and the charts.

    A block of more than PAGE_SIZE units is shown by pages (``?block=<code>&page=<n>``): without ``block``
    every block shows its first page; with it, only that block, at that page.
    """
    chosen = request.GET.get("block") or None
    number = _page_number(request.GET.get("page"))
    if chosen is None:
        number = 1
    page = f"period:{chosen or ''}:{number}"
    stored = _stored_whole(request, year, page)
    if stored is not None:
        return stored
    publication = _publication(year, request, public_publication)

    def build():
        blocks = publication_blocks(publication)
        if chosen is not None:
            blocks = [block for block in blocks if block.block.code == chosen]
            if not blocks:
                raise Http404
        previous = previous_year(publication)
        tables = []
        for block in blocks:
            pages = max(1, -(-block.units // PAGE_SIZE))
            if number > pages:
                raise Http404
            start = (number - 1) * PAGE_SIZE
            units = list(ranking_page(block, start, PAGE_SIZE))
            # A block that did not exist the year before (the communes and wards in 2025) has nothing to compare.
            new_block = previous.year is not None and block.block_id not in previous.blocks
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
                    "new_block": new_block,
                    "page": number,
                    "pages": range(1, pages + 1),
                    "first": start + 1,
                    "last": start + len(units),
                    "bars": charts.ranking_bars(
                        [(unit.unit_name, unit.shown_index) for unit in units], title=block.name
                    ),
                    "spread": charts.spread(block_indices(block), average=block.average, title=block.name),
                }
            )
        versions = list(publication.period.publications.order_by("version"))
        return "public/results_period_body.html", {
            "title": publication.period.name,
            "publication": publication,
            "tables": tables,
            "previous": previous,
            "versions": versions,
            "replacement": publication_replacement(publication),
            "formats": list(FORMATS),
            "file_signatures": publication_signatures(publication),  # issue 15
        }

    address = _address(
        "public:results-period",
        [publication.period.year],
        version=_version_asked(request),
        block=chosen,
        page=number if chosen is not None and number > 1 else None,
    )
    return _cached(request, publication, page, build, address)


@login_not_required
@require_GET
def results_unit(request, year, unit_code):
    """One unit: its fields as the press writes them, its trend over the years, its weakest criteria."""
    stored = _stored_whole(request, year, f"unit:{unit_code}")
    if stored is not None:
        return stored
    publication = _publication(year, request, public_publication)

    def build():
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
        predecessors = unit_predecessors(unit.unit_id, publication.period.year)
        replacement = publication_replacement(publication)
        return "public/results_unit_body.html", {
            "title": f"{unit.unit_name} · {publication.period.name}",
            "publication": publication,
            "unit": unit,
            "replacement": replacement,
            "unit_change": next((change for change in replacement.changes if change.unit_code == unit.unit_code), None)
            if replacement
            else None,
            "fields": [(item, block_averages.get(item.code)) for item in fields],
            "profile": profile,
            "trend": trend,
            "predecessors": predecessors,
            "trend_chart": charts.ranking_bars(
                [(str(year_), index) for year_, index, _rank in trend], title=unit.unit_name
            ),
        }

    address = _address("public:results-unit", [publication.period.year, unit_code], version=_version_asked(request))
    return _cached(request, publication, f"unit:{unit_code}", build, address)


@login_not_required
@require_GET
def results_download(request, year, file_format):
    """A download of the publication, always the same bytes once made."""
    if file_format not in FORMATS:
        raise Http404
    publication = _publication(year, request)
    try:
        content = publication_file(publication, file_format)
    except StorageUnavailable:
        return render(request, "storage_unavailable.html", status=503)
    response = HttpResponse(content, content_type=FORMATS[file_format])
    response["Content-Disposition"] = f'attachment; filename="{file_name(publication, file_format)}"'
    return response


@login_not_required
@require_GET
def results_schema(request):
    """The documentation of the JSON download, for open-data users."""
    return render(request, "public/results_schema.html")


# -- the city's signatures of the published files (issue 15) ----------------------------------------------------


@login_not_required
@require_GET
def results_signature(request, year, file_format):
    """The detached CMS signature (.p7s) of a published data file, made once at publication."""
    publication = _publication(year, request)
    cms = publication_signature_cms(publication, file_format) if file_format in FORMATS else None
    if cms is None:
        raise Http404
    response = HttpResponse(cms, content_type="application/pkcs7-signature")
    response["Content-Disposition"] = f'attachment; filename="{file_name(publication, file_format)}.p7s"'
    return response
