"""The SVG charts: drawn on the server, every text escaped, the same numbers as the tables."""

import re
from decimal import Decimal as D

from django.utils import translation

from assessment.charts import field_profile, ranking_bars, spread


def test_ranking_bars_scale_to_the_best_index_and_escape_names():
    with translation.override("vi"):
        svg = ranking_bars([("Sở <A> & B", D("103.13")), ("Sở C", D("51.56")), ("Sở D", None)], title="Khối <x>")
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 760 88"')
    assert "<title>Khối &lt;x&gt;</title>" in svg and "Sở &lt;A&gt; &amp; B" in svg and "<A>" not in svg
    widths = re.findall(r'<rect [^>]*width="([\d.]+)"', svg)
    # 390 px of room for the 103,13% bonus-lifted best; 390 × 51,56 / 103,13 = 194,981… px for 51,56%
    assert widths == ["390.00", "194.98", "0.00"]
    assert "<title>Sở C: 51,56%</title>" in svg and "<title>Sở D: —</title>" in svg


def test_the_field_profile_marks_the_block_average():
    with translation.override("vi"):
        svg = field_profile(
            [("1. Lĩnh vực 1", D("70.4167"), D("84.46")), ("2. Lĩnh vực 2", None, None)], title="Sở Y tế"
        )
    assert ">70,42%<" in svg and "<title>84,46%</title>" in svg and ">—<" in svg
    assert svg.count("<rect ") == 2


def test_the_spread_puts_each_unit_on_one_line():
    with translation.override("vi"):
        svg = spread([D("100"), D("86.59"), D("61.85")], average=D("83.76"), title="Khối")
    # 30 px margin + 700 px × index / 100, exact in Decimal: 30 + 7 × 61,85 = 462,95 (float arithmetic gives 462.9)
    assert re.findall(r'<circle cx="([\d.]+)"', svg) == ["730.00", "636.13", "462.95"]
    assert '<line x1="616.32" y1="18"' in svg  # the average: 30 + 7 × 83,76 = 616,32
    assert ">83,76%<" in svg
