"""python manage.py load_demo: everything a newcomer needs to see, loaded twice without duplicates."""

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from accounts.demo import DEMO_PASSWORD
from accounts.models import User
from assessment.models import Assessment, Framework, Period, Score


def test_load_demo_prints_the_period_and_the_logins(db, capsys, settings):
    settings.DEBUG = True
    call_command("load_demo")
    out = capsys.readouterr().out
    period = Period.objects.get(year=2024)
    assert (
        f"Đã nạp dữ liệu trình diễn. Chỉ số CCHC năm 2024: 52 đơn vị đang tự đánh giá đến hết ngày "
        f"{period.self_assessment_closes:%d/%m/%Y}." in out
    )
    assert f"Tài khoản trình diễn (mật khẩu chung: {DEMO_PASSWORD}):" in out
    assert "  lanhdao   Đỗ Quang Huy — Lãnh đạo đơn vị (Sở Tài chính)" in out
    assert "  thamdinh  Lê Văn Minh — Thẩm định viên (Sở Nội vụ), Cán bộ đầu mối CCHC (Sở Nội vụ)" in out


def test_the_demo_period_2024_is_open_for_self_assessment_for_every_unit(db, settings):
    settings.DEBUG = True
    call_command("load_demo")
    call_command("load_demo")  # idempotent
    period = Period.objects.get(year=2024)
    frameworks = Framework.objects.filter(state=Framework.State.ACTIVE)
    assert sorted(frameworks.values_list("block__code", flat=True)) == ["departments", "districts"]
    assert Assessment.objects.filter(period=period, status=Assessment.Status.DRAFT).count() == 52
    assert Score.objects.filter(assessment__period=period).count() == 52 * 43
    from django.utils import timezone

    today = timezone.localdate()
    assert period.self_assessment_opens <= today <= period.self_assessment_closes


@override_settings(DEBUG=False)
def test_load_demo_refuses_without_debug(db):
    with pytest.raises(CommandError) as error:
        call_command("load_demo")
    assert str(error.value) == (
        "Dữ liệu trình diễn tạo người dùng với mật khẩu công khai: hãy chạy với DEBUG=1 (hoặc --force)."
    )
    assert not User.objects.exists()


def test_the_demo_year_2023_is_approved_and_can_be_published_and_read(db, settings, client, capsys):
    from datetime import date

    from django.urls import reverse

    from assessment.models import EarlierResult
    from assessment.services.results import period_publish

    settings.DEBUG = True
    call_command("load_demo")
    assert "Chỉ số CCHC năm 2023: đã thẩm định và phê duyệt, sẵn sàng công bố" in capsys.readouterr().out
    period = Period.objects.get(year=2023)
    assert set(Assessment.objects.filter(period=period).values_list("status", flat=True)) == {"approved"}
    assert Assessment.objects.filter(period=period).count() == 52
    assert not Score.objects.filter(
        assessment__period=period, criterion__method="appraisal", appraised_points__isnull=True
    ).exists()
    assert not Score.objects.filter(
        assessment__period=period, criterion__method="survey", survey_points__isnull=True
    ).exists()
    assert EarlierResult.objects.filter(year=2022).count() == 52
    assert client.get(reverse("public:results-period", args=[2023])).status_code == 404

    period_publish(
        period=period,
        actor=User.objects.get(username="noivu"),
        decision_number="1234/QĐ-UBND",
        decision_date=date(2024, 4, 5),
    )
    call_command("load_demo")  # idempotent: the publication and the year stay as they are
    assert "Chỉ số CCHC năm 2023 đã được công bố: /results/2023/" in capsys.readouterr().out
    page = client.get(reverse("public:results-period", args=[2023]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Thay đổi thứ hạng" in html and "Mức tăng, giảm so với năm 2022." in html
    unit_page = client.get(reverse("public:results-unit", args=[2023, "so-tai-chinh"]))
    assert unit_page.status_code == 200
    _assert_the_unit_page_shows_its_published_result(unit_page.content.decode(), period)


def _assert_the_unit_page_shows_its_published_result(html, period):
    """Sở Tài chính's page says what the snapshot holds: its rank, index, each field, its totals."""
    from assessment.models import PublishedUnit
    from assessment.templatetags.results import compact, percent, points

    unit = PublishedUnit.objects.select_related("block").get(publication__period=period, unit_code="so-tai-chinh")
    assert '<h1 class="h3">Sở Tài chính</h1>' in html
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
