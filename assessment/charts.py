"""Charts as inline SVG, drawn on the server: the same picture in the page and in the PDF, no script, no CDN."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from assessment.formatting import decimal2

BAR = "#8b1d1d"
BAR_LIGHT = "#d9a3a3"
AXIS = "#888888"
TEXT = "#222222"


HUNDRED = Decimal(100)


def _at(value: Decimal | int) -> str:
    """A coordinate in Decimal, to the hundredth, half-up (30 + 700 × 61,85 / 100 = 462.95, not float's 462.9)."""
    return str(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _share(room: int, value: Decimal) -> Decimal:
    """The length of ``value`` % on ``room`` pixels, capped at 100 %."""
    return room * min(Decimal(value), HUNDRED) / HUNDRED


def _percent(value) -> str:
    return f"{decimal2(value)}%" if value is not None else "—"


def _opening(width: int, height: int, title: str) -> list[str]:
    """The chart's root element, sized by its viewBox, labelled for screen readers, in the PDF's font too."""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}" class="cchc-chart" font-family="DejaVu Sans" font-size="11">',
        f"<title>{escape(title)}</title>",
    ]


def ranking_bars(rows: list[tuple[str, Decimal | None]], *, title: str, width: int = 760) -> SafeString:
    """Horizontal bars, one per unit in ranking order, scaled 0–100% (longer for a bonus above 100%)."""
    label_width, value_width, row_height, top = 300, 70, 18, 26
    scale_max = max([HUNDRED, *[Decimal(value) for _label, value in rows if value is not None]])
    bar_room = width - label_width - value_width
    height = top + row_height * len(rows) + 8
    parts = _opening(width, height, title)
    for tick in range(0, 101, 20):
        x = _at(label_width + bar_room * tick / scale_max)
        parts.append(f'<line x1="{x}" y1="{top - 6}" x2="{x}" y2="{height - 6}" stroke="#e5e5e5"/>')
        parts.append(f'<text x="{x}" y="{top - 10}" text-anchor="middle" fill="{AXIS}">{tick}</text>')
    for position, (label, value) in enumerate(rows):
        y = top + position * row_height
        length = Decimal(0) if value is None else bar_room * Decimal(value) / scale_max
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 12}" text-anchor="end" fill="{TEXT}">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y + 3}" width="{_at(length)}" height="{row_height - 6}" fill="{BAR}">'
            f"<title>{escape(label)}: {_percent(value)}</title></rect>"
            f'<text x="{_at(label_width + length + 4)}" y="{y + 12}" fill="{TEXT}">{_percent(value)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def field_profile(
    fields: list[tuple[str, Decimal | None, Decimal | None]], *, title: str, width: int = 760
) -> SafeString:
    """A unit's fields as bars from 0 to 100%, with the block's average of each field as a dark tick."""
    label_width, value_width, row_height, top = 300, 70, 22, 26
    room = width - label_width - value_width
    height = top + row_height * len(fields) + 8
    parts = _opening(width, height, title)
    for tick in range(0, 101, 20):
        x = _at(label_width + _share(room, tick))
        parts.append(f'<line x1="{x}" y1="{top - 6}" x2="{x}" y2="{height - 6}" stroke="#e5e5e5"/>')
        parts.append(f'<text x="{x}" y="{top - 10}" text-anchor="middle" fill="{AXIS}">{tick}</text>')
    for position, (label, value, block_average) in enumerate(fields):
        y = top + position * row_height
        length = Decimal(0) if value is None else _share(room, value)
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 14}" text-anchor="end" fill="{TEXT}">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y + 4}" width="{_at(length)}" height="{row_height - 8}" fill="{BAR}"/>'
            f'<text x="{label_width + room + 6}" y="{y + 14}" fill="{TEXT}">{_percent(value)}</text>'
        )
        if block_average is not None:
            x = _at(label_width + _share(room, block_average))
            parts.append(
                f'<line x1="{x}" y1="{y + 1}" x2="{x}" y2="{y + row_height - 1}" stroke="{TEXT}" '
                f'stroke-width="2"><title>{_percent(block_average)}</title></line>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


SPREAD_DOTS = 250  # above this many units, the spread draws one dot per occupied pixel


def spread(values: list[Decimal], *, average: Decimal | None, title: str, width: int = 760) -> SafeString:
    """Every unit of a block as a dot on one 0–100% line, with the block's average; the spread at a glance."""
    left, right, height, middle = 30, 30, 70, 34
    room = width - left - right
    parts = [
        *_opening(width, height, title),
        f'<line x1="{left}" y1="{middle}" x2="{width - right}" y2="{middle}" stroke="{AXIS}"/>',
    ]
    for tick in range(0, 101, 10):
        x = _at(left + _share(room, tick))
        parts.append(f'<line x1="{x}" y1="{middle - 4}" x2="{x}" y2="{middle + 4}" stroke="{AXIS}"/>')
        parts.append(f'<text x="{x}" y="{middle + 18}" text-anchor="middle" fill="{AXIS}">{tick}</text>')
    positions = [_at(left + _share(room, value)) for value in values]
    if len(positions) > SPREAD_DOTS:
        # A national-size block: one dot per whole pixel where any unit lies (a few hundred, not thousands).
        positions = list(dict.fromkeys(str(Decimal(x).quantize(Decimal(1), rounding=ROUND_HALF_UP)) for x in positions))
    for x in positions:
        parts.append(f'<circle cx="{x}" cy="{middle}" r="5" fill="{BAR_LIGHT}" stroke="{BAR}" fill-opacity="0.7"/>')
    if average is not None:
        x = _at(left + _share(room, average))
        parts.append(f'<line x1="{x}" y1="{middle - 16}" x2="{x}" y2="{middle + 8}" stroke="{BAR}" stroke-width="2"/>')
        parts.append(f'<text x="{x}" y="{middle - 20}" text-anchor="middle" fill="{BAR}">{_percent(average)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
