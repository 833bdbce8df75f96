"""Numbers and dates as Vietnamese readers write them; English keeps day-first dates."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import formats, translation


def test_vietnamese_numbers_use_a_decimal_comma_and_dates_are_day_first():
    with translation.override("vi"):
        assert formats.number_format(Decimal("89.83"), 2) == "89,83"
        assert formats.number_format(Decimal("1234.5"), 2, force_grouping=True) == "1.234,50"
        assert formats.date_format(date(2025, 11, 17)) == "17/11/2025"
        assert (
            formats.date_format(datetime(2025, 11, 17, 8, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")), "DATETIME_FORMAT")
            == "08:30 17/11/2025"
        )
        assert formats.sanitize_separators("8,45") == "8.45"


def test_english_uses_a_decimal_point_and_keeps_day_first_dates():
    with translation.override("en"):
        assert formats.number_format(Decimal("89.83"), 2) == "89.83"
        assert formats.date_format(date(2025, 11, 17)) == "17/11/2025"
