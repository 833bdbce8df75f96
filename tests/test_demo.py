"""python manage.py load_demo: everything a newcomer needs to see, loaded twice without duplicates."""

import re
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.demo import DEMO_PASSWORD
from accounts.models import User
from assessment.models import (
    Assessment,
    EarlierResult,
    Framework,
    Period,
    Publication,
    PublishedBlock,
    PublishedUnit,
    Score,
)


def test_load_demo_prints_the_period_and_the_logins(db, capsys, settings):
    settings.DEBUG = True
    call_command("load_demo")
    out = capsys.readouterr().out
    period = Period.objects.get(year=2026)
    assert (
        f"Đã nạp dữ liệu trình diễn. Chỉ số CCHC năm 2026: 142 đơn vị đang tự đánh giá đến hết ngày "
        f"{period.self_assessment_closes:%d/%m/%Y}." in out
    )
    assert (
        "Chỉ số CCHC năm 2025 đã được công bố: /results/2025/\n"
        "Chỉ số CCHC năm 2024 đã được công bố: /results/2024/\n"
        "Chỉ số CCHC năm 2023 đã được công bố: /results/2023/\n"
    ) in out
    assert f"Tài khoản trình diễn (mật khẩu chung: {DEMO_PASSWORD}):" in out
    assert "  lanhdao   Đỗ Quang Huy — Lãnh đạo đơn vị (Sở Tài chính)" in out
    assert "  thamdinh  Lê Văn Minh — Thẩm định viên (Sở Nội vụ), Cán bộ đầu mối CCHC (Sở Nội vụ)" in out
    assert re.search(r"^Đã nạp trong \d+,\d giây\.$|^Đã nạp trong \d+\.\d giây\.$", out, re.MULTILINE)


def test_the_demo_period_2026_is_open_for_self_assessment_for_hanoi_today(db, settings):
    settings.DEBUG = True
    call_command("load_demo")
    call_command("load_demo")  # idempotent
    period = Period.objects.get(year=2026)
    frameworks = Framework.objects.filter(state=Framework.State.ACTIVE)
    assert sorted(frameworks.values_list("block__code", "version", "first_year", "last_year")) == [
        ("communes", 1, 2025, None),
        ("departments", 1, 2022, 2024),
        ("departments", 2, 2025, None),
        ("districts", 1, 2022, 2024),
    ]
    assert frameworks.get(block__code="communes").name == "Bộ chỉ số CCHC khối xã, phường (mẫu minh họa)"
    assessments = Assessment.objects.filter(period=period)
    assert assessments.filter(status=Assessment.Status.DRAFT).count() == 142
    assert assessments.filter(unit__block__code="departments").count() == 16
    assert assessments.filter(unit__block__code="communes").count() == 126
    assert not assessments.filter(unit__block__code="districts").exists()
    assert not assessments.filter(unit__code="so-ke-hoach-va-dau-tu").exists()
    assert set(assessments.values_list("framework__block__code", "framework__version")) == {
        ("departments", 2),
        ("communes", 1),
    }
    assert Score.objects.filter(assessment__period=period).count() == 142 * 43
    # The 2025 departments' framework is appraised by the agencies of 2025 (the absorbed ones have ended).
    agencies = set(
        Score.objects.filter(assessment__period=period, agency__isnull=False).values_list("agency__code", flat=True)
    )
    assert agencies == {
        "so-noi-vu",
        "so-tu-phap",
        "so-tai-chinh",
        "so-khoa-hoc-va-cong-nghe",
        "van-phong-ubnd-thanh-pho",
    }
    today = timezone.localdate()
    assert period.self_assessment_opens <= today <= period.self_assessment_closes
    # The history is kept: 2022 imported, 2023–2025 published once each, whatever the number of loads.
    assert EarlierResult.objects.filter(year=2022).count() == 52
    assert sorted(Publication.objects.values_list("period__year", "version")) == [(2023, 1), (2024, 1), (2025, 1)]


@override_settings(DEBUG=False)
def test_load_demo_refuses_without_debug(db):
    with pytest.raises(CommandError) as error:
        call_command("load_demo")
    assert str(error.value) == (
        "Dữ liệu trình diễn tạo người dùng với mật khẩu công khai: hãy chạy với DEBUG=1 (hoặc --force)."
    )
    assert not User.objects.exists()


def test_the_demo_history_is_published_with_stable_illustrative_numbers(db, settings, client):
    settings.DEBUG = True
    call_command("load_demo")
    for year, units in [(2023, 52), (2024, 52), (2025, 142)]:
        period = Period.objects.get(year=year)
        assert set(Assessment.objects.filter(period=period).values_list("status", flat=True)) == {"published"}
        assert PublishedUnit.objects.filter(publication__period=period).count() == units
    blocks = PublishedBlock.objects.filter(publication__period__year=2025).order_by("order")
    assert [(block.block.code, block.units, block.average) for block in blocks] == [
        ("departments", 16, Decimal("77.86")),
        ("communes", 126, Decimal("80.71")),
    ]
    # Derived from the codes: the same at every load, on every machine.
    assert list(
        PublishedUnit.objects.filter(unit_code__in=["quan-ba-dinh", "phuong-ba-dinh", "so-tai-chinh"])
        .order_by("unit_code", "publication__period__year")
        .values_list("unit_code", "publication__period__year", "shown_index", "rank")
    ) == [
        ("phuong-ba-dinh", 2025, Decimal("81.37"), 56),
        ("quan-ba-dinh", 2023, Decimal("82.21"), 7),
        ("quan-ba-dinh", 2024, Decimal("73.46"), 30),
        ("so-tai-chinh", 2023, Decimal("74.04"), 22),
        ("so-tai-chinh", 2024, Decimal("82.27"), 7),
        ("so-tai-chinh", 2025, Decimal("83.06"), 4),
    ]

    page = client.get(reverse("public:results-period", args=[2025]))
    assert page.status_code == 200
    html = page.content.decode()
    departments = html[html.index('data-testid="block-departments"') : html.index('data-testid="block-communes"')]
    communes = html[html.index('data-testid="block-communes"') :]
    assert "Thay đổi thứ hạng" in departments and "Mức tăng, giảm so với năm 2024." in html
    assert (
        "Khối xã, phường được đánh giá lần đầu năm 2025: không có kết quả năm 2024 để so sánh nên không hiển thị "
        "mức tăng, giảm." in communes
    )
    assert "Thay đổi thứ hạng" not in communes and "Tăng/giảm" not in communes

    unit_page = client.get(reverse("public:results-unit", args=[2025, "so-tai-chinh"]))
    assert unit_page.status_code == 200
    _assert_the_unit_page_shows_its_published_result(unit_page.content.decode(), Period.objects.get(year=2025))

    ward = client.get(reverse("public:results-unit", args=[2025, "phuong-ba-dinh"])).content.decode()
    assert "Phường Ba Đình ← Quận Ba Đình, Quận Hoàn Kiếm, Quận Tây Hồ" in ward
    shown = re.findall(
        r"<tr><td>([^<]+)</td><td[^>]*>(\d{4})</td><td[^>]*>([^<]+)</td><td[^>]*>([^<]+)</td></tr>",
        ward[ward.index('data-testid="predecessor-results"') :],
    )
    assert shown[0] == ("Quận Ba Đình", "2024", "73,46%", "30/30")
    assert [row[:2] for row in shown] == [("Quận Ba Đình", "2024"), ("Quận Hoàn Kiếm", "2024"), ("Quận Tây Hồ", "2024")]
    # Its own trend holds its own year only: the districts' results are never its history.
    trend = ward[
        ward.index('data-testid="unit-trend"') : ward.index("</table>", ward.index('data-testid="unit-trend"'))
    ]
    assert re.findall(r"<tr><td>(\d{4})</td>", trend) == ["2025"]


def _assert_the_unit_page_shows_its_published_result(html, period):
    """Sở Tài chính's page says what the snapshot holds: its rank, index, each field, its totals."""
    from assessment.models import PublishedUnit
    from assessment.templatetags.results import compact, percent, points

    unit = PublishedUnit.objects.select_related("block").get(publication__period=period, unit_code="so-tai-chinh")
    assert '<h1 class="h3">Sở Tài chính</h1>' in html
    assert "Sở Tài chính ← Sở Kế hoạch và Đầu tư" in html  # absorbed on 1/3/2025, shown with its own result
    departments = Assessment.objects.filter(period=period, unit__block__code="departments").count()
    assert (unit.block.name, unit.block.units) == ("Khối Sở, ban, ngành", departments)
    assert 1 <= unit.rank <= departments
    assert unit.total == unit.appraised + unit.survey + unit.bonus - unit.penalty
    assert f"Khối Sở, ban, ngành: xếp thứ {unit.rank}/{departments}, chỉ số {percent(unit.shown_index)}." in html
    fields = list(unit.fields.order_by("order"))
    assert [field.code for field in fields] == ["1", "2", "3", "4", "5", "6", "7", "8"]
    for field in fields:
        assert (
            f"Lĩnh vực {field.code}: {points(field.achieved)}/{compact(field.maximum)} điểm, đạt {percent(field.index)}"
            in html
        )
    assert (
        f"Thẩm định {points(unit.appraised)} + điều tra xã hội học {points(unit.survey)} + điểm thưởng "
        f"{points(unit.bonus)} − điểm trừ {points(unit.penalty)} = {points(unit.total)}/{compact(unit.maximum)} điểm."
        in html
    )


def test_the_demo_staff_have_fixed_authenticators_and_the_code_command_prints_their_code(db, capsys, settings):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.demo import demo_totp_key

    settings.DEBUG = True
    call_command("load_demo")
    call_command("load_demo")  # idempotent: one device each, the same key
    out = capsys.readouterr().out
    devices = TOTPDevice.objects.filter(confirmed=True).select_related("user")
    assert sorted(device.user.username for device in devices) == ["admin", "hoidong", "noivu", "thamdinh", "tuphap"]
    assert all(device.key == demo_totp_key(device.user.username) for device in devices)
    assert "  noivu     NUAK 5SGD KPBZ Q7SH 2JDJ E3PP IAB7 AJJ7" in out  # the key the README lists

    noivu = devices.get(user__username="noivu")
    before = f"{totp(noivu.bin_key):06d}"
    call_command("demo_otp_code", "noivu")
    assert capsys.readouterr().out.strip() in {before, f"{totp(noivu.bin_key):06d}"}  # a 30-s step may end between
    with pytest.raises(CommandError) as error:
        call_command("demo_otp_code", "canbo")
    assert str(error.value) == (
        "canbo không có thiết bị xác thực trình diễn: chỉ các tài khoản quản trị có, "
        "sau khi đã chạy `python manage.py load_demo`."
    )


@override_settings(DEBUG=False)
def test_demo_otp_code_refuses_without_debug(db):
    with pytest.raises(CommandError) as error:
        call_command("demo_otp_code", "noivu")
    assert str(error.value) == "Mã trình diễn chỉ dành cho bản trình diễn: hãy chạy với DEBUG=1 (hoặc --force)."
