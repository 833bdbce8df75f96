"""assessment/formatting.py: numbers rounded half-up first, then written in the active language."""

from decimal import Decimal

from django.template import Context, Template
from django.utils import translation

from assessment.formatting import compact, decimal2, percent, points, rank_move, signed


def test_decimal2_rounds_half_up_then_writes_vietnamese_decimals():
    with translation.override("vi"):
        assert decimal2(Decimal("86.585")) == "86,59"
        assert decimal2(Decimal("0.125")) == "0,13"
        assert decimal2(3) == "3,00"


def test_signed_percent_points_compact_and_rank_move():
    with translation.override("vi"):
        assert [signed(Decimal("1.234")), signed(Decimal("-0.5")), signed(0), signed(None)] == [
            "+1,23",
            "−0,50",
            "±0,00",
            "—",
        ]
        assert [percent(Decimal("86.585")), percent(None)] == ["86,59%", "—"]
        assert [points(Decimal("8.445")), points(None)] == ["8,45", "—"]
        assert [compact(Decimal("12.00")), compact(Decimal("8.45")), compact(None)] == ["12", "8,45", "—"]
    assert [rank_move(2), rank_move(-1), rank_move(0), rank_move(None)] == ["↑2", "↓1", "=", "—"]


def test_the_template_filters_are_the_same_functions():
    template = Template(
        "{% load results %}{{ a|signed }} {{ b|percent }} {{ c|points }} {{ d|compact }} {{ e|rank_move }}"
    )
    with translation.override("vi"):
        html = template.render(
            Context({"a": Decimal("-0.5"), "b": Decimal("50"), "c": Decimal("1.005"), "d": Decimal("12"), "e": 3})
        )
    assert html == "−0,50 50,00% 1,01 12 ↑3"
