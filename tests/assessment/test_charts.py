"""The SVG charts: drawn on the server, every text escaped, the same numbers as the tables."""

import re
from decimal import Decimal as D

from django.utils import translation

from assessment.charts import field_profile, ranking_bars, spread, wrap


def drawings(svg) -> tuple[str, str]:
    """The wide drawing (screens from 768 px, the PDF) and the narrow one (phones)."""
    wide, narrow, rest = svg.split("</svg>")
    assert rest == ""
    assert 'class="cchc-chart cchc-chart-wide" font-family="DejaVu Sans" font-size="15"' in wide
    assert 'class="cchc-chart cchc-chart-narrow" font-family="DejaVu Sans" font-size="12"' in narrow
    return wide, narrow


def test_ranking_bars_scale_to_the_best_index_and_escape_names():
    with translation.override("vi"):
        svg = ranking_bars([("Sở <A> & B", D("103.13")), ("Sở C", D("51.56")), ("Sở D", None)], title="Khối <x>")
    wide, narrow = drawings(svg)
    assert wide.startswith('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 640 103"')
    assert "<title>Khối &lt;x&gt;</title>" in svg and "Sở &lt;A&gt; &amp; B" in svg and "<A>" not in svg
    widths = re.findall(r'<rect [^>]*width="([\d.]+)"', wide)
    # 310 px of room for the 103,13% bonus-lifted best; 310 × 51,56 / 103,13 = 154,984… px for 51,56%
    assert widths == ["310.00", "154.98", "0.00"]
    # On a phone: 278 px of room under each label (a grey track, then the bar): 278 × 51,56 / 103,13 = 138,98…
    assert re.findall(r'<rect [^>]*width="([\d.]+)" height="10" fill="#8b1d1d"', narrow) == ["278.00", "138.99", "0.00"]
    for drawing in (wide, narrow):
        assert "<title>Sở C: 51,56%</title>" in drawing and "<title>Sở D: —</title>" in drawing


def test_the_field_profile_marks_the_block_average():
    with translation.override("vi"):
        svg = field_profile(
            [("1. Lĩnh vực 1", D("70.4167"), D("84.46")), ("2. Lĩnh vực 2", None, None)], title="Sở Y tế"
        )
    assert ">70,42%<" in svg and "<title>84,46%</title>" in svg and ">—<" in svg
    wide, narrow = drawings(svg)
    assert wide.count("<rect ") == 2 and narrow.count("<rect ") == 4  # the narrow one draws each bar's track


def test_the_spread_puts_each_unit_on_one_line():
    with translation.override("vi"):
        svg = spread([D("100"), D("86.59"), D("61.85")], average=D("83.76"), title="Khối")
    # 30 px margin + 580 px × index / 100, exact in Decimal: 30 + 5,8 × 61,85 = 388,73
    wide, narrow = drawings(svg)
    assert re.findall(r'<circle cx="([\d.]+)"', wide) == ["610.00", "532.22", "388.73"]
    assert '<line x1="515.81" y1="18"' in wide  # the average: 30 + 5,8 × 83,76 = 515,808
    assert ">83,76%<" in wide and ">83,76%<" in narrow
    assert re.findall(r'<circle cx="([\d.]+)"', narrow) == ["310.00", "272.45", "203.18"]  # 30 + 280 × index


def test_labels_wrap_on_words_and_are_never_cut_inside_one():
    title = "Công tác chỉ đạo, điều hành cải cách hành chính"
    assert wrap(title, 30) == ["Công tác chỉ đạo, điều hành", "cải cách hành chính"]
    assert wrap("Ban Quản lý các khu công nghiệp và chế xuất Hà Nội", 30, lines=1) == ["Ban Quản lý các khu công…"]
    with translation.override("vi"):
        svg = field_profile([(f"1. {title}", D("70"), D("80"))], title="Sở Y tế")
    wide, narrow = drawings(svg)
    lines = re.findall(r"<tspan [^>]*>([^<]*)</tspan>", wide)
    assert lines == ["1. Công tác chỉ đạo, điều", "hành cải cách hành chính"]
    assert re.findall(r"<tspan [^>]*>([^<]*)</tspan>", narrow) == [
        "1. Công tác chỉ đạo, điều hành cải cách hành",
        "chính",
    ]
    assert f"<title>1. {title}</title>" in wide and f"<title>1. {title}</title>" in narrow  # the whole label


def test_a_label_longer_than_two_lines_ends_on_a_word_with_the_whole_text_in_its_title():
    label = "3. Cải cách thủ tục hành chính và thực hiện cơ chế một cửa, một cửa liên thông trong giải quyết"
    with translation.override("vi"):
        wide, _narrow = drawings(ranking_bars([(label, D("50"))], title="x"))
    assert re.findall(r"<tspan [^>]*>([^<]*)</tspan>", wide) == [
        "3. Cải cách thủ tục hành",
        "chính và thực hiện cơ…",
    ]
    assert f"<title>{label}</title>" in wide
