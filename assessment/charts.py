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


def _opening(width: int, height: int, title: str, *, variant: str, font_size: int) -> list[str]:
    """The chart's root element, sized by its viewBox, labelled for screen readers, in the PDF's font too."""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}" class="cchc-chart cchc-chart-{variant}" font-family="DejaVu Sans" '
        f'font-size="{font_size}">',
        f"<title>{escape(title)}</title>",
    ]


def wrap(label: str, chars: int, lines: int | None = None) -> list[str]:
    """A label cut into lines of at most ``chars`` characters on word boundaries (a longer word keeps its line);
    beyond ``lines`` lines, the last one ends with "…" after a whole word (the full label is in the <title>)."""
    out: list[str] = []
    for word in label.split():
        if out and len(f"{out[-1]} {word}") <= chars:
            out[-1] = f"{out[-1]} {word}"
        else:
            out.append(word)
    if lines is not None and len(out) > lines:
        out = out[:lines]
        words = out[-1].split()
        while len(words) > 1 and len(" ".join(words)) + 1 > chars:
            words.pop()
        out[-1] = " ".join(words).rstrip(",;:.–-") + "…"
    return out or [""]


def _tspans(lines: list[str], x, line_height: int) -> str:
    return "".join(
        f'<tspan x="{x}" dy="{0 if number == 0 else line_height}">{escape(line)}</tspan>'
        for number, line in enumerate(lines)
    )


# Two drawings of each chart: the wide one for screens from 768 px and for the PDF, the narrow one for phones
# (static/css/cchc.css shows one of them). Each keeps its texts at least 11 px where it is shown: the wide one
# is drawn 640 units wide in a column of at least ~470 px (15 × 470 / 640 ≈ 11 px), the narrow one 340 units
# wide in a phone's ~334 px (12 × 334 / 340 ≈ 11,8 px).
WIDE_WIDTH, WIDE_FONT, NARROW_WIDTH, NARROW_FONT = 640, 15, 340, 12


def _wide_bars(rows, *, title, width, scale_max, row_height, averages=None) -> str:
    """Labels on the left (two lines at most, on word boundaries), bars and values on the right."""
    label_width, value_width, top, line = 260, 70, 26, 17
    bar_room = width - label_width - value_width
    labels = [wrap(label, 25, lines=2) for label, _value in rows]
    heights = [max(row_height, line * len(lines) + 6) for lines in labels]
    height = top + sum(heights) + 8
    parts = _opening(width, height, title, variant="wide", font_size=WIDE_FONT)
    for tick in range(0, 101, 20):
        x = _at(label_width + bar_room * tick / scale_max)
        parts.append(f'<line x1="{x}" y1="{top - 6}" x2="{x}" y2="{height - 6}" stroke="#e5e5e5"/>')
        parts.append(f'<text x="{x}" y="{top - 10}" text-anchor="middle" fill="{AXIS}">{tick}</text>')
    y = top
    for position, ((label, value), lines, row) in enumerate(zip(rows, labels, heights, strict=True)):
        length = Decimal(0) if value is None else bar_room * min(Decimal(value), scale_max) / scale_max
        middle = y + row // 2
        first = middle + 5 - (len(lines) - 1) * line // 2
        bar = row_height - 6
        parts.append(
            f'<text x="{label_width - 6}" y="{first}" text-anchor="end" fill="{TEXT}">'
            f"<title>{escape(label)}</title>{_tspans(lines, label_width - 6, line)}</text>"
            f'<rect x="{label_width}" y="{middle - bar // 2}" width="{_at(length)}" height="{bar}" fill="{BAR}">'
            f"<title>{escape(label)}: {_percent(value)}</title></rect>"
        )
        value_x = label_width + bar_room + 6 if averages is not None else label_width + length + 4
        parts.append(f'<text x="{_at(value_x)}" y="{middle + 5}" fill="{TEXT}">{_percent(value)}</text>')
        if averages is not None and averages[position] is not None:
            x = _at(label_width + bar_room * Decimal(averages[position]) / scale_max)
            parts.append(
                f'<line x1="{x}" y1="{middle - bar // 2 - 3}" x2="{x}" y2="{middle + bar // 2 + 3}" stroke="{TEXT}" '
                f'stroke-width="2"><title>{_percent(averages[position])}</title></line>'
            )
        y += row
    parts.append("</svg>")
    return "".join(parts)


def _narrow_bars(rows, *, title, scale_max, averages=None) -> str:
    """For phones: each label on its own lines above its bar, wrapped on word boundaries, never cut."""
    width, value_width, line, bar, gap = NARROW_WIDTH, 62, 15, 10, 8
    bar_room = width - value_width
    labels = [wrap(label, 44) for label, _value in rows]
    height = sum(line * len(lines) + bar + gap + 4 for lines in labels) + 4
    parts = _opening(width, height, title, variant="narrow", font_size=NARROW_FONT)
    y = 2
    for position, ((label, value), lines) in enumerate(zip(rows, labels, strict=True)):
        length = Decimal(0) if value is None else bar_room * min(Decimal(value), scale_max) / scale_max
        parts.append(
            f'<text x="0" y="{y + 12}" fill="{TEXT}"><title>{escape(label)}</title>{_tspans(lines, 0, line)}</text>'
        )
        y += line * len(lines) + 2
        parts.append(
            f'<rect x="0" y="{y}" width="{_at(bar_room)}" height="{bar}" fill="#eeeeee"/>'
            f'<rect x="0" y="{y}" width="{_at(length)}" height="{bar}" fill="{BAR}">'
            f"<title>{escape(label)}: {_percent(value)}</title></rect>"
            f'<text x="{bar_room + 6}" y="{y + bar - 1}" fill="{TEXT}">{_percent(value)}</text>'
        )
        if averages is not None and averages[position] is not None:
            x = _at(bar_room * Decimal(averages[position]) / scale_max)
            parts.append(
                f'<line x1="{x}" y1="{y - 2}" x2="{x}" y2="{y + bar + 2}" stroke="{TEXT}" stroke-width="2">'
                f"<title>{_percent(averages[position])}</title></line>"
            )
        y += bar + gap
    parts.append("</svg>")
    return "".join(parts)


def ranking_bars(rows: list[tuple[str, Decimal | None]], *, title: str, width: int = WIDE_WIDTH) -> SafeString:
    """Horizontal bars, one per unit in ranking order, scaled 0–100% (longer for a bonus above 100%)."""
    scale_max = max([HUNDRED, *[Decimal(value) for _label, value in rows if value is not None]])
    wide = _wide_bars(rows, title=title, width=width, scale_max=scale_max, row_height=22)
    narrow = _narrow_bars(rows, title=title, scale_max=scale_max)
    return mark_safe(wide + narrow)  # noqa: S308 - every text is escaped


def field_profile(
    fields: list[tuple[str, Decimal | None, Decimal | None]], *, title: str, width: int = WIDE_WIDTH
) -> SafeString:
    """A unit's fields as bars from 0 to 100%, with the block's average of each field as a dark tick."""
    rows = [(label, None if value is None else min(Decimal(value), HUNDRED)) for label, value, _average in fields]
    averages = [average for _label, _value, average in fields]
    wide = _wide_bars(rows, title=title, width=width, scale_max=HUNDRED, row_height=26, averages=averages)
    narrow = _narrow_bars(rows, title=title, scale_max=HUNDRED, averages=averages)
    return mark_safe(wide + narrow)  # noqa: S308 - every text is escaped


SPREAD_DOTS = 250  # above this many units, the spread draws one dot per occupied pixel


def spread(values: list[Decimal], *, average: Decimal | None, title: str, width: int = WIDE_WIDTH) -> SafeString:
    """Every unit of a block as a dot on one 0–100% line, with the block's average; the spread at a glance."""
    return mark_safe(  # noqa: S308 - every text is escaped
        _spread(values, average=average, title=title, width=width, variant="wide", font_size=WIDE_FONT, step=10)
        + _spread(
            values, average=average, title=title, width=NARROW_WIDTH, variant="narrow", font_size=NARROW_FONT, step=20
        )
    )


def _spread(values, *, average, title, width, variant, font_size, step) -> str:
    left, right, height, middle = 30, 30, 70, 34
    room = width - left - right
    parts = [
        *_opening(width, height, title, variant=variant, font_size=font_size),
        f'<line x1="{left}" y1="{middle}" x2="{width - right}" y2="{middle}" stroke="{AXIS}"/>',
    ]
    for tick in range(0, 101, step):
        x = _at(left + _share(room, tick))
        parts.append(f'<line x1="{x}" y1="{middle - 4}" x2="{x}" y2="{middle + 4}" stroke="{AXIS}"/>')
        parts.append(f'<text x="{x}" y="{middle + 22}" text-anchor="middle" fill="{AXIS}">{tick}</text>')
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
    return "".join(parts)
