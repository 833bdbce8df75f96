"""The public site: only published snapshots, the same numbers and bytes whatever happens afterwards."""

import csv
import hashlib
import io
import json
import os
import re
from decimal import Decimal as D

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Unit
from assessment.models import Adjustment, Assessment, EarlierResult, PublicationFile, Score
from tests.assessment.conftest import publish, set_scores
from tests.factories import UnitFactory


def main(response) -> str:
    """The page's own content, without the header (a signed-in person's menu)."""
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def urls(year=2023):
    return {
        "period": reverse("public:results-period", args=[year]),
        "unit": reverse("public:results-unit", args=[year, "so-y-te"]),
        **{name: reverse("public:results-download", args=[year, name]) for name in ("csv", "xlsx", "json", "pdf")},
    }


def test_nothing_is_public_before_publishing(client, graded_period):
    for url in urls().values():
        assert client.get(url).status_code == 404, url
    response = client.get(reverse("public:results-index"))
    assert response.status_code == 200
    assert "2023" not in main(response)
    assert "Chưa có kết quả nào được công bố." in main(response)


def test_anyone_reads_the_ranking_without_signing_in(client, graded_period, coordinator):
    publish(graded_period, coordinator)
    response = client.get(urls()["period"])
    assert response.status_code == 200
    html = main(response)
    rows = re.findall(
        r'<td class="text-end">(\d+)</td>\s*<td><a href="[^"]+">([^<]+)</a></td>\s*'
        r'<td class="text-end fw-semibold"[^>]*>([^<]+)</td>',  # [^>]*: the label a phone shows (data-label)
        html,
    )
    assert rows == [
        ("1", "Sở Du lịch", "100,00%"),
        ("2", "Sở Công Thương", "86,59%"),
        ("2", "Sở Xây dựng", "86,59%"),
        ("4", "Sở Y tế", "61,85%"),
    ]
    assert "Bình quân khối 83,76% (4 đơn vị)" in html
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html and "<title>Sở Y tế: 61,85%</title>" in html
    assert "Công bố theo Quyết định số 1234/QĐ-UBND ngày 05/04/2024 (phiên bản 1)." in html
    index = main(client.get(reverse("public:results-index")))
    assert "Chỉ số CCHC năm 2023" in index and "Khối Sở, ban, ngành: 4 đơn vị, bình quân 83,76%" in index


def test_the_unit_page_reads_as_the_press_writes(client, graded_period, coordinator):
    publish(graded_period, coordinator)
    html = main(client.get(urls()["unit"]))
    assert "Khối Sở, ban, ngành: xếp thứ 4/4, chỉ số 61,85%." in html
    assert "Lĩnh vực 1: 8,45/12 điểm, đạt 70,42%" in html
    assert "Lĩnh vực 2: 0,00/5 điểm, đạt 0,00%" in html
    assert "Lĩnh vực 3: 7,25/10 điểm, đạt 72,50%" in html
    assert "Thẩm định 8,45 + điều tra xã hội học 7,25 + điểm thưởng 2,00 − điểm trừ 1,00 = 16,70/27 điểm." in html
    weaknesses = re.findall(r"<li>Tiêu chí ([\d.]+) \(([^)]+)\): ([^<]+)</li>", html)
    assert weaknesses == [
        ("2.2", "Công khai thủ tục", "0,00/5 điểm"),
        ("1.2", "Kiểm tra CCHC", "4,95/8 điểm"),
        ("3.1", "Khảo sát sự hài lòng", "7,25/10 điểm"),
        ("1.1", "Kế hoạch CCHC", "3,50/4 điểm"),
    ]
    assert client.get(reverse("public:results-unit", args=[2023, "so-khong-co"])).status_code == 404


def test_year_over_year_against_imported_earlier_results(client, graded_period, coordinator, results_units):
    EarlierResult.objects.bulk_create(
        EarlierResult(year=2022, block=unit.block, unit=unit, index_percent=index, rank=rank)
        for unit, index, rank in [
            (results_units["so-du-lich"], D("90.00"), 2),
            (results_units["so-y-te"], D("95.50"), 1),
            (results_units["so-xay-dung"], D("70.00"), 3),
        ]
    )
    publish(graded_period, coordinator)
    html = main(client.get(urls()["period"]))
    ranking = html[html.index('data-testid="ranking"') : html.index('data-testid="field-averages"')]
    changes = re.findall(
        r'<td class="text-end"[^>]*>([^<]*)</td>\s*<td class="text-end"[^>]*>([^<]*)</td>\s*</tr>', ranking
    )
    assert changes == [("+10,00", "↑1"), ("—", "—"), ("+16,59", "↑1"), ("−33,65", "↓3")]
    # 2022 average of the shown indices: (90 + 95,50 + 70) / 3 = 85,17; 2023: 83,76
    assert "Bình quân khối 83,76% (4 đơn vị), <strong>−1,41</strong> điểm so với năm trước." in html
    trend = main(client.get(urls()["unit"]))
    assert re.findall(r"<tr><td>(\d{4})</td><td[^>]*>([^<]+)</td><td[^>]*>([^<]+)</td></tr>", trend) == [
        ("2022", "95,50%", "1"),
        ("2023", "61,85%", "4"),
    ]


def test_the_downloads_carry_the_domain_columns(client, graded_period, coordinator):
    publish(graded_period, coordinator)
    response = client.get(urls()["csv"])
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="chi-so-cchc-2023-v1.csv"'
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == [
        "Xếp hạng",
        "Đơn vị",
        "Khối",
        "Điểm thẩm định",
        "Điểm điều tra XHH",
        "Điểm thưởng",
        "Điểm trừ",
        "Tổng điểm",
        "Điểm tối đa",
        "Chỉ số (%)",
        "Lĩnh vực 1 (%)",
        "Lĩnh vực 2 (%)",
        "Lĩnh vực 3 (%)",
    ]
    assert rows[1:] == [
        [
            "1",
            "Sở Du lịch",
            "Khối Sở, ban, ngành",
            "22,00",
            "10,00",
            "0,00",
            "0,00",
            "32,00",
            "32,00",
            "100,00",
            "100,00",
            "100,00",
            "100,00",
        ],
        [
            "2",
            "Sở Công Thương",
            "Khối Sở, ban, ngành",
            "17,71",
            "10,00",
            "0,00",
            "0,00",
            "27,71",
            "32,00",
            "86,59",
            "97,58",
            "60,00",
            "100,00",
        ],
        [
            "2",
            "Sở Xây dựng",
            "Khối Sở, ban, ngành",
            "13,38",
            "10,00",
            "0,00",
            "0,00",
            "23,38",
            "27,00",
            "86,59",
            "69,83",
            "100,00",
            "100,00",
        ],
        [
            "4",
            "Sở Y tế",
            "Khối Sở, ban, ngành",
            "8,45",
            "7,25",
            "2,00",
            "1,00",
            "16,70",
            "27,00",
            "61,85",
            "70,42",
            "0,00",
            "72,50",
        ],
    ]
    book = openpyxl.load_workbook(io.BytesIO(client.get(urls()["xlsx"]).content))
    sheet = book.active
    assert sheet.title == "Kết quả 2023"
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:4] == ["Xếp hạng", "Đơn vị", "Khối", "Điểm thẩm định"]
    assert values[4] == [4, "Sở Y tế", "Khối Sở, ban, ngành", 8.45, 7.25, 2, 1, 16.7, 27, 61.85, 70.42, 0, 72.5]
    data = json.loads(client.get(urls()["json"]).content)
    assert data["schema_version"] == 1
    assert data["publication"] == {
        "version": 1,
        "decision_number": "1234/QĐ-UBND",
        "decision_date": "2024-04-05",
        "published_at": data["publication"]["published_at"],
        "correction_reason": "",
        "earlier_versions": [],
    }
    (block,) = data["blocks"]
    assert (block["code"], block["units_count"], block["average_percent"]) == ("departments", 4, 83.76)
    assert block["fields"][2] == {"code": "3", "title": "Sự hài lòng của người dân", "average_percent": 93.13}
    y_te = block["units"][3]
    assert {
        key: y_te[key] for key in ("rank", "code", "total_points", "max_points", "index_percent", "index_exact")
    } == {
        "rank": 4,
        "code": "so-y-te",
        "total_points": 16.7,
        "max_points": 27.0,
        "index_percent": 61.85,
        "index_exact": "61.8519",
    }
    assert y_te["fields"][0] == {
        "code": "1",
        "title": "Công tác chỉ đạo, điều hành",
        "achieved_points": 8.45,
        "max_points": 12.0,
        "index_percent": 70.42,
    }
    pdf = client.get(urls()["pdf"])
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")


def test_the_pdf_is_a_vietnamese_annex(client, graded_period, coordinator, tmp_path):
    import shutil
    import subprocess

    publish(graded_period, coordinator)
    path = tmp_path / "annex.pdf"
    path.write_bytes(client.get(urls()["pdf"]).content)
    if shutil.which("pdftotext") is None:
        assert not os.environ.get("CI"), ".ci/run installs poppler-utils"
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "KẾT QUẢ CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM 2023" in text
    assert "(Kèm theo Quyết định số 1234/QĐ-UBND ngày 05 tháng 4 năm 2024; phiên bản 1)" in text
    assert re.search(r"4\s+Sở Y tế\s+8,45\s+7,25\s+2,00\s+1,00\s+16,70\s+27\s+61,85%", text)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    names = [line.split()[0].split("+")[-1] for line in fonts.splitlines()[2:]]
    assert sorted(names) == ["DejaVu-Sans", "DejaVu-Sans-Bold"]  # every text in the Vietnamese-capable font


def test_after_publishing_nothing_changes_what_the_public_sees(client, graded_period, coordinator):
    publish(graded_period, coordinator)
    before = {name: client.get(url) for name, url in urls().items()}
    # Everything the computation reads changes afterwards …
    Score.objects.filter(assessment__unit__code="so-y-te", criterion__code="2.2").update(appraised_points=D("5"))
    Adjustment.objects.filter(assessment__unit__code="so-y-te").delete()
    Unit.objects.filter(code="so-y-te").update(name="Sở Y tế Hà Nội")
    set_scores(Assessment.objects.get(unit__code="so-du-lich"), {"1.1": D("0")})
    after = {name: client.get(url) for name, url in urls().items()}
    # … the pages and every download stay as published, byte for byte.
    for name in ("period", "unit"):
        assert main(after[name]) == main(before[name]), name
    for name in ("csv", "xlsx", "json", "pdf"):
        assert after[name].content == before[name].content, name
    assert PublicationFile.objects.count() == 4


def test_a_second_version_replaces_the_first_and_says_so(client, graded_period, coordinator):
    publish(graded_period, coordinator)
    set_scores(Assessment.objects.get(unit__code="so-y-te"), {"2.2": D("5")})
    publish(graded_period, coordinator, decision_number="1300/QĐ-UBND", reason="Sửa điểm tiêu chí 2.2 của Sở Y tế")
    html = main(client.get(urls()["period"]))
    assert "Công bố theo Quyết định số 1300/QĐ-UBND ngày 05/04/2024 (phiên bản 2)." in html
    assert "Đính chính: Sửa điểm tiêu chí 2.2 của Sở Y tế" in html
    assert re.findall(r'\?version=(\d)"[^>]*>v\d', html) == ["1", "2"]
    assert "80,37%" in html and "61,85%" not in html
    first = main(client.get(urls()["period"] + "?version=1"))
    assert "(phiên bản 1)" in first and "61,85%" in first
    data = json.loads(client.get(urls()["json"]).content)
    assert data["publication"]["version"] == 2
    assert [item["version"] for item in data["publication"]["earlier_versions"]] == [1]
    assert client.get(urls()["csv"])["Content-Disposition"] == 'attachment; filename="chi-so-cchc-2023-v2.csv"'
    assert client.get(urls()["period"] + "?version=3").status_code == 404


def test_public_pages_run_a_fixed_number_of_queries(client, graded_period, coordinator, departments):
    def counts():
        result = {}
        for name in ("period", "unit"):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(urls()[name]).status_code == 200
            result[name] = len(queries.captured_queries)
        return result

    publish(graded_period, coordinator)
    small = counts()
    # A bigger block: the same queries.
    from assessment.services import period_open

    period_open(period=graded_period, units=[UnitFactory(block=departments) for _ in range(12)], actor=None)
    Assessment.objects.filter(period=graded_period).update(status="approved")
    publish(graded_period, coordinator, decision_number="2/QĐ", reason="Thêm đơn vị")
    assert counts() == small
    # the newest version: one query finds nothing replaced it; one lists the signed files (issue 15); one finds the
    # unit replaced no other unit; and first, for an anonymous reader, one plain statement looks for the stored page
    # (issue 12)
    assert small == {"period": 11, "unit": 10}
    # Read again: the stored whole page, found with the publication's id and the fingerprint of its key in one
    # plain statement (public_page_version), no model built.
    assert counts() == {"period": 1, "unit": 1}


def ranking(html):
    return re.findall(r'<td class="text-end">(\d+)</td>\s*<td><a href="[^"]+">([^<]+)</a></td>', html)


def test_a_big_block_is_shown_by_pages(client, graded_period, coordinator, monkeypatch):
    monkeypatch.setattr("assessment.public_views.PAGE_SIZE", 3)
    publish(graded_period, coordinator)
    first = main(client.get(urls()["period"]))
    assert ranking(first) == [("1", "Sở Du lịch"), ("2", "Sở Công Thương"), ("2", "Sở Xây dựng")]
    assert "Đơn vị thứ 1 đến 3 trong tổng số 4 đơn vị." in first
    pages = re.findall(r'href="\?version=1&amp;block=([^&]+)&amp;page=(\d)"', first)
    assert pages == [("departments", "1"), ("departments", "2")]
    second = main(client.get(urls()["period"] + "?version=1&block=departments&page=2"))
    assert ranking(second) == [("4", "Sở Y tế")]
    assert "Đơn vị thứ 4 đến 4 trong tổng số 4 đơn vị." in second and "Bình quân khối 83,76% (4 đơn vị)" in second
    # The spread shows the whole block on every page (in its wide and its phone drawing).
    assert second.count("<circle") == first.count("<circle") == 2 * 4
    assert client.get(urls()["period"] + "?block=departments&page=3").status_code == 404
    assert client.get(urls()["period"] + "?block=khong-co&page=1").status_code == 404


def test_a_national_size_ranking_page_stays_small(client, graded_period, coordinator, departments):
    """5,000 units in one block: each page of the ranking well under 300 KB, the spread one dot per pixel."""
    from assessment.models import PublishedBlock, PublishedUnit
    from assessment.selectors.results import PAGE_SIZE

    publication = publish(graded_period, coordinator)
    block = PublishedBlock.objects.get(publication=publication)
    units = Unit.objects.bulk_create(
        Unit(code=f"xa-{number:04d}", name=f"Ủy ban nhân dân xã Thử Nghiệm Số {number:04d}", block=departments)
        for number in range(4996)
    )
    PublishedUnit.objects.bulk_create(
        PublishedUnit(
            publication=publication,
            block=block,
            unit=unit,
            unit_code=unit.code,
            unit_name=unit.name,
            appraised=D("50"),
            survey=D("20"),
            bonus=D("0"),
            penalty=D("0"),
            total=D("70"),
            maximum=D("100"),
            index=D(number % 4000) / 100 + 55,
            shown_index=D(number % 4000) / 100 + 55,
            rank=5 + number,
        )
        for number, unit in enumerate(units)
    )
    PublishedBlock.objects.filter(pk=block.pk).update(units=5000)
    pages = -(-5000 // PAGE_SIZE)
    for url, shown in (
        (urls()["period"], PAGE_SIZE),
        (urls()["period"] + f"?block=departments&page={pages}", 5000 - (pages - 1) * PAGE_SIZE),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert len(response.content) < 300_000, len(response.content)
        html = main(response)
        assert len(ranking(html)) == shown
        assert html.count("<circle") <= 1100  # one dot per pixel in the wide (700 px) and the phone drawing
    assert client.get(urls()["period"] + f"?block=departments&page={pages + 1}").status_code == 404


def test_the_cached_page_follows_new_versions_languages_and_signed_in_readers(
    client, graded_period, coordinator, unit_staff
):
    publish(graded_period, coordinator)
    first = urls()["period"] + "?version=1"
    assert "v2" not in main(client.get(first))
    set_scores(Assessment.objects.get(unit__code="so-y-te"), {"2.2": D("5")})
    publish(graded_period, coordinator, decision_number="1300/QĐ-UBND", reason="Sửa điểm")
    # A new version is a new key for every page: the first version's page now links the second.
    assert re.findall(r'\?version=(\d)"[^>]*>v\d', main(client.get(first))) == ["1", "2"]
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = main(client.get(first))
    assert "Block average 83.76% (4 units)" in english and "Bình quân khối" not in english
    # Signed in: a fresh rendering every time (more queries than the cached 2), the same content.
    client.force_login(unit_staff)
    with CaptureQueriesContext(connection) as queries:
        signed_in = main(client.get(first))
    assert len(queries.captured_queries) > 2
    assert "Block average 83.76% (4 units)" in signed_in


def test_the_cached_pages_follow_the_earlier_results_imported_later(client, graded_period, coordinator, results_units):
    publish(graded_period, coordinator)
    assert "−33,65" not in main(client.get(urls()["period"]))
    unit = results_units["so-y-te"]
    EarlierResult.objects.create(year=2022, block=unit.block, unit=unit, index_percent=D("95.50"), rank=1)
    period, unit_page = main(client.get(urls()["period"])), main(client.get(urls()["unit"]))
    assert "2022" in period and "−33,65" in period
    assert re.search(r"<td>2022</td><td class=\"text-end\">95,50%</td>", unit_page)
    EarlierResult.objects.filter(unit=unit).update(index_percent=D("90.00"))
    assert "−28,15" in main(client.get(urls()["period"]))


SECURITY_HEADERS = ("Content-Security-Policy", "Permissions-Policy", "X-Frame-Options", "X-Content-Type-Options")


def test_the_whole_page_is_stored_once_the_same_bytes_for_every_reader(client, graded_period, coordinator, monkeypatch):
    """A reader without session or waiting message gets the stored whole page (frame included), the same bytes for
    every one of them: no CSRF token, no cookie, the language switch returning to the page's own address; a new
    publication is a new rendering."""
    import gzip

    from django.core.cache import cache
    from django.test import Client

    import assessment.public_views as public_views

    renderings = []
    real = public_views.render_to_string
    monkeypatch.setattr(
        public_views, "render_to_string", lambda *args, **kwargs: renderings.append(args[0]) or real(*args, **kwargs)
    )
    publish(graded_period, coordinator)
    reader = Client(enforce_csrf_checks=True)
    url = urls()["period"] + "?version=1"
    fresh = reader.get(url)
    assert renderings == ["public/results_period_body.html", "public/results_period.html"]
    stored = reader.get(url)
    assert renderings == ["public/results_period_body.html", "public/results_period.html"]  # nothing drawn again
    assert fresh.status_code == stored.status_code == 200
    assert stored.content == fresh.content
    assert "csrfmiddlewaretoken" not in stored.content.decode() and not stored.cookies and not reader.cookies
    assert 'href="/i18n/language/en/?next=%2Fresults%2F2023%2F%3Fversion%3D1" lang="en"' in stored.content.decode()
    tag = hashlib.blake2b(fresh.content, digest_size=16).hexdigest()
    assert stored.headers["ETag"] == f'"{tag}"' and "Content-Encoding" not in stored.headers
    assert stored.headers["Vary"] == "Accept-Encoding, Cookie, Accept-Language"
    assert all(stored.headers[name] for name in SECURITY_HEADERS)
    # Another query string, the same page: the same bytes (the switch returns to the page's own address).
    assert Client().get(url + "&ref=b%C3%A1o").content == fresh.content
    # Drawn again from nothing: the same bytes.
    cache.clear()
    again = Client().get(url)
    assert len(renderings) == 4
    assert again.content == fresh.content
    # A reader with a session (a message may wait for them) gets the frame drawn for them, the content from the cache.
    with_session = Client()
    with_session.cookies["sessionid"] = "x"
    drawn = with_session.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert main(drawn) == main(fresh) and "Content-Encoding" not in drawn.headers and "ETag" not in drawn.headers
    assert renderings[4:] == ["public/results_period.html"]
    # A new publication: a new rendering of the first version's page, which now links the second.
    set_scores(Assessment.objects.get(unit__code="so-y-te"), {"2.2": D("5")})
    publish(graded_period, coordinator, decision_number="1300/QĐ-UBND", reason="Sửa điểm")
    renderings.clear()
    newer = Client().get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert renderings == ["public/results_period_body.html", "public/results_period.html"]
    assert re.findall(r'\?version=(\d)"[^>]*>v\d', main_of(gzip.decompress(newer.content))) == ["1", "2"]


def main_of(content: bytes) -> str:
    html = content.decode()
    return html[html.index("<main") : html.index("</main>")]


@pytest.mark.parametrize(
    ("header", "gzip"),
    [
        ("gzip, deflate", True),
        ("deflate, gzip;q=0.5", True),
        ("GZIP", True),
        ("*", True),
        ("gzip;q=0", False),
        ("gzip;q=0.000, *", False),
        ("*;q=0", False),
        ("deflate, br", False),
        ("identity", False),
        ("", False),
        ("gzip;q=x", False),
    ],
)
def test_gzip_is_sent_only_where_accepted(header, gzip):
    from assessment.public_views import _accepts_gzip

    assert _accepts_gzip(header) is gzip


def test_the_stored_page_is_sent_compressed_and_answers_304(client, graded_period, coordinator):
    """The stored page kept gzip-compressed too: a reader accepting gzip gets those bytes (the plain page once
    decompressed), with its own entity tag; a reader who has the page already gets 304 without a body."""
    import gzip

    from django.test import Client

    publish(graded_period, coordinator)
    for url in (urls()["period"], urls()["unit"]):
        plain = Client().get(url)
        compressed = Client().get(url, HTTP_ACCEPT_ENCODING="gzip, deflate")
        assert compressed.status_code == 200 and compressed.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(compressed.content) == plain.content
        assert len(compressed.content) < len(plain.content) / 3
        tag = hashlib.blake2b(plain.content, digest_size=16).hexdigest()
        assert plain.headers["ETag"] == f'"{tag}"' and compressed.headers["ETag"] == f'"{tag}-gzip"'
        assert all(compressed.headers[name] for name in SECURITY_HEADERS)
        assert Client().get(url, HTTP_ACCEPT_ENCODING="gzip;q=0").content == plain.content
        # If-None-Match: 304 for the tag of what this reader would get, the page for any other tag.
        again = Client().get(url, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=f'"x", "{tag}-gzip"')
        assert again.status_code == 304 and again.content == b"" and again.headers["ETag"] == f'"{tag}-gzip"'
        assert Client().get(url, HTTP_IF_NONE_MATCH=f'"{tag}"').status_code == 304
        other = Client().get(url, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=f'"{tag}"')
        assert other.status_code == 200 and other.content == compressed.content


def test_a_reader_fetches_only_the_encoding_it_is_sent(graded_period, coordinator, django_assert_num_queries):
    """The plain and the compressed page are kept under keys of their own: a reader accepting gzip is served from its
    key alone (one statement), even when the plain page has left the cache; the plain reader then gets it drawn and
    stored again, the same bytes."""
    import gzip

    from django.core.cache import cache
    from django.test import Client

    publish(graded_period, coordinator)
    url = urls()["period"]
    plain = Client().get(url).content
    plain_keys = [key.removeprefix(":1:") for key in cache._cache if key.endswith(":plain")]  # the memory cache's
    assert len(plain_keys) == 1 and cache.get(plain_keys[0].replace(":plain", ":gzip")) is not None
    cache.delete(plain_keys[0])
    with django_assert_num_queries(1):  # the publication's version; nothing drawn
        compressed = Client().get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert gzip.decompress(compressed.content) == plain
    assert Client().get(url).content == plain


def test_the_language_switch_is_a_link(client, graded_period, coordinator, unit_staff):
    """The switch sets the language cookie and returns to an address of this site only; the stored page then
    comes in that language, compressed as well."""
    import gzip

    from django.conf import settings

    publish(graded_period, coordinator)
    page = urls()["period"]
    switch = reverse("language-choose", args=["en"])
    assert switch == "/i18n/language/en/"
    answer = client.get(switch, {"next": page + "?version=1"})
    assert answer.status_code == 302 and answer.headers["Location"] == page + "?version=1"
    assert answer.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    english = client.get(page, HTTP_ACCEPT_ENCODING="gzip")
    assert "Block average 83.76% (4 units)" in main_of(gzip.decompress(english.content))
    assert 'href="/i18n/language/vi/?next=%2Fresults%2F2023%2F" lang="vi"' in gzip.decompress(english.content).decode()
    assert english.headers["Content-Language"] == "en"
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)", ""):
        assert client.get(switch, {"next": target}).headers["Location"] == "/"
    assert client.get(reverse("language-choose", args=["fr"])).status_code == 404
    assert client.post(switch, {"next": page}).status_code == 405
    back = client.get(reverse("language-choose", args=["vi"]), {"next": page})
    assert back.cookies[settings.LANGUAGE_COOKIE_NAME].value == "vi"
    assert "Bình quân khối" in main(client.get(page))
    # Signed in, the same link (the page is drawn for the person: it carries the return address as it came).
    client.force_login(unit_staff)
    signed_in = client.get(page + "?ref=1").content.decode()
    assert 'href="/i18n/language/en/?next=%2Fresults%2F2023%2F%3Fref%3D1" lang="en"' in signed_in


def test_a_stored_page_is_served_without_building_the_publication(
    client, graded_period, coordinator, unit_staff, monkeypatch
):
    """Issue 12: a plain reader's stored whole page is found by one plain statement (the publication's id and the
    fingerprint of its key); what has no publication is still a 404, the signed-in still get a fresh rendering."""
    from django.test import Client

    import assessment.public_views as public_views
    from assessment.selectors.results import public_page_key, public_page_version, public_publication

    publish(graded_period, coordinator)
    first = client.get(urls()["period"]).content.decode()
    unit_page = client.get(urls()["unit"]).content.decode()
    publication = public_publication(2023)
    assert public_page_version(2023) == (publication.pk, publication.public_fingerprint)
    assert public_page_version(2023, 1) == (publication.pk, publication.public_fingerprint)
    assert public_page_version(2023, 2) is None and public_page_version(2022) is None
    assert (
        public_page_key(publication, "unit:so-y-te", "vi")
        == f"public:{publication.pk}:{publication.public_fingerprint}:vi:unit:so-y-te"
    )

    def refused(*args, **kwargs):
        raise AssertionError("the stored page needs no publication built")

    monkeypatch.setattr(public_views, "public_publication", refused)
    reader = Client()
    with CaptureQueriesContext(connection) as queries:
        stored = reader.get(urls()["period"])
        stored_unit = reader.get(urls()["unit"])
    assert len(queries.captured_queries) == 2
    assert stored.content.decode() == first
    assert stored_unit.content.decode() == unit_page
    # No publication that year, or no such version: 404 from the plain statement alone.
    assert reader.get(urls(2022)["period"]).status_code == 404
    assert reader.get(urls()["period"] + "?version=2").status_code == 404
    assert reader.get(urls(2022)["unit"]).status_code == 404
    # Signed in: the usual path (which builds the publication).
    client.force_login(unit_staff)
    with pytest.raises(AssertionError, match="no publication built"):
        client.get(urls()["period"])
