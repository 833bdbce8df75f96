"""How numbers are shown everywhere (pages, charts, files, commands): rounded half-up first, then localised.

Pure functions; the template filters in templatetags/results.py wrap them.
"""

from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from assessment.scoring import shown


def decimal2(value) -> str:
    """A number with two decimals in the active language, rounded half-up first (86.5850 → 86,59).

    Django's number_format cuts the extra decimals off; rounding comes first so that every page, chart and
    file shows the same value as the ranking uses.
    """
    return number_format(shown(Decimal(value)), 2)


def signed(value) -> str:
    """+1,23 / −0,50 / 0,00 (points of index)."""
    if value is None:
        return "—"
    value = Decimal(value)
    value = shown(value)
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    return f"{sign}{decimal2(abs(value))}"


def rank_move(value) -> str:
    """↑2 when the unit climbed two places, ↓1 when it fell one, = when it kept its rank."""
    if value is None:
        return "—"
    if value > 0:
        return f"↑{value}"
    if value < 0:
        return f"↓{-value}"
    return "="


def percent(value) -> str:
    return "—" if value is None else f"{decimal2(value)}%"


def points(value) -> str:
    return "—" if value is None else decimal2(value)


def compact(value) -> str:
    """A maximum as people write it, without trailing zeros: 100 rather than 100,00, 15,5 rather than 15,50;
    8,45 stays 8,45. Scores keep their two places (``points``)."""
    if value is None:
        return "—"
    value = shown(Decimal(value))
    places = max(0, -value.normalize().as_tuple().exponent)
    return number_format(value, places)


def declared(value) -> str:
    """A declared figure as people write it: 92,5 rather than 92,50; 85 rather than 85,00."""
    if value is None:
        return ""
    value = Decimal(value)
    places = max(0, -value.normalize().as_tuple().exponent) if value != value.to_integral_value() else 0
    return number_format(value, places)


def count(value) -> str:
    """A count of things (rows, units, people) with its thousands grouped: 2.080 in Vietnamese, 2,080 in English."""
    return "—" if value is None else number_format(value, force_grouping=True)


def date_in_words(value) -> str:
    """A date as an official document writes it: "ngày 05 tháng 01 năm 2026", "ngày 30 tháng 11 năm 2026" (days
    below 10 and the months 1 and 2 with a leading zero, as Decree 30/2020/NĐ-CP asks)."""
    if value is None:
        return ""
    return _("day %(day)s, month %(month)s, year %(year)s") % {
        "day": f"{value.day:02d}",
        "month": f"{value.month:02d}" if value.month <= 2 else str(value.month),
        "year": value.year,
    }
