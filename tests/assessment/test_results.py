"""The period's results from the database: the hand-made table, the publication, its immutability, versions."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessment.models import (
    Assessment,
    AssessmentEvent,
    AssessmentStatus,
    Publication,
    PublishedBlock,
    PublishedUnit,
    Score,
)
from assessment.services.results import period_results
from tests.assessment.conftest import approve_all, mini_framework, publish, set_scores
from tests.factories import UnitFactory


def table(blocks):
    return [
        (
            row.rank,
            row.unit_code,
            row.result.appraised,
            row.result.survey,
            row.result.bonus,
            row.result.penalty,
            row.result.total,
            row.result.maximum,
            row.result.index,
            row.result.shown_index,
        )
        for rows in blocks
        for row in rows.units
    ]


def test_the_hand_made_table(graded_period):
    blocks = period_results(graded_period)
    assert table(blocks) == [
        (1, "so-du-lich", D("22"), D("10"), D("0"), D("0"), D("32"), D("32"), D("100.0000"), D("100.00")),
        (2, "so-cong-thuong", D("17.71"), D("10"), D("0"), D("0"), D("27.71"), D("32"), D("86.5938"), D("86.59")),
        (2, "so-xay-dung", D("13.38"), D("10"), D("0"), D("0"), D("23.38"), D("27"), D("86.5926"), D("86.59")),
        (4, "so-y-te", D("8.45"), D("7.25"), D("2"), D("1"), D("16.70"), D("27"), D("61.8519"), D("61.85")),
    ]
    (departments,) = blocks
    assert departments.average == D("83.76")  # (100 + 86,59 + 86,59 + 61,85) / 4 = 83,7575
    assert [(code, departments.field_average(code)) for code, _title in departments.fields] == [
        ("1", D("84.46")),  # (100 + 97,58 + 69,83 + 70,42) / 4 = 84,4575
        ("2", D("65.00")),  # (100 + 60 + 100 + 0) / 4
        ("3", D("93.13")),  # (100 + 100 + 100 + 72,50) / 4 = 93,125
    ]
    y_te = departments.units[3]
    assert [(f.code, f.achieved, f.maximum, f.index) for f in y_te.result.fields] == [
        ("1", D("8.45"), D("12"), D("70.4167")),
        ("2", D("0"), D("5"), D("0.0000")),
        ("3", D("7.25"), D("10"), D("72.5000")),
    ]
    assert y_te.weakest == [
        ("2.2", "Công khai thủ tục", D("5"), D("0")),
        ("1.2", "Kiểm tra CCHC", D("8"), D("4.95")),
        ("3.1", "Khảo sát sự hài lòng", D("10"), D("7.25")),
        ("1.1", "Kế hoạch CCHC", D("4"), D("3.50")),
    ]


def test_round_two_and_the_council_replace_round_one_and_self_scores_never_count(graded_period):
    score = Score.objects.get(assessment__unit__code="so-du-lich", criterion__code="1.2")
    score.self_points, score.reappraised_points = D("8"), D("6")
    score.save()
    (block,) = period_results(graded_period)
    assert next(r for r in block.units if r.unit_code == "so-du-lich").result.total == D("30")
    score.council_points, score.council_reason = D("7"), "Hội đồng xem xét lại minh chứng"
    score.save()
    (block,) = period_results(graded_period)
    assert next(r for r in block.units if r.unit_code == "so-du-lich").result.total == D("31")


def test_an_na_the_appraiser_did_not_confirm_still_counts(graded_period):
    Score.objects.filter(assessment__unit__code="so-xay-dung", criterion__code="2.1").update(na_confirmed=False)
    (block,) = period_results(graded_period)
    row = next(r for r in block.units if r.unit_code == "so-xay-dung")
    assert (row.result.maximum, row.result.index) == (D("32"), D("73.0625"))  # 23,38 / 32


# -- publication -------------------------------------------------------------------------------------------------


def test_publishing_freezes_the_table(graded_period, coordinator):
    publication = publish(graded_period, coordinator)
    assert (publication.version, publication.decision_number, publication.reason) == (1, "1234/QĐ-UBND", "")
    (block,) = PublishedBlock.objects.filter(publication=publication)
    assert (block.name, block.average, block.units) == ("Khối Sở, ban, ngành", D("83.76"), 4)
    assert [(f.code, f.average) for f in block.fields.all()] == [
        ("1", D("84.46")),
        ("2", D("65.00")),
        ("3", D("93.13")),
    ]
    assert list(
        PublishedUnit.objects.filter(publication=publication).values_list(
            "rank", "unit_name", "appraised", "survey", "bonus", "penalty", "total", "maximum", "index", "shown_index"
        )
    ) == [
        (1, "Sở Du lịch", D("22"), D("10"), D("0"), D("0"), D("32"), D("32"), D("100.0000"), D("100.00")),
        (2, "Sở Công Thương", D("17.71"), D("10"), D("0"), D("0"), D("27.71"), D("32"), D("86.5938"), D("86.59")),
        (2, "Sở Xây dựng", D("13.38"), D("10"), D("0"), D("0"), D("23.38"), D("27"), D("86.5926"), D("86.59")),
        (4, "Sở Y tế", D("8.45"), D("7.25"), D("2"), D("1"), D("16.70"), D("27"), D("61.8519"), D("61.85")),
    ]
    y_te = PublishedUnit.objects.get(publication=publication, unit_code="so-y-te")
    assert [(f.code, f.title, f.achieved, f.maximum, f.index) for f in y_te.fields.all()] == [
        ("1", "Công tác chỉ đạo, điều hành", D("8.45"), D("12"), D("70.4167")),
        ("2", "Cải cách thủ tục hành chính", D("0"), D("5"), D("0.0000")),
        ("3", "Sự hài lòng của người dân", D("7.25"), D("10"), D("72.5000")),
    ]
    assert [(w.code, w.points, w.max_points) for w in y_te.weaknesses.all()] == [
        ("2.2", D("0"), D("5")),
        ("1.2", D("4.95"), D("8")),
        ("3.1", D("7.25"), D("10")),
        ("1.1", D("3.50"), D("4")),
    ]
    assert set(Assessment.objects.filter(period=graded_period).values_list("status", flat=True)) == {"published"}
    assert AssessmentEvent.objects.filter(to_status="published", actor=coordinator).count() == 4


def test_only_approved_periods_are_published(graded_period, coordinator):
    Assessment.objects.filter(unit__code="so-y-te").update(status=AssessmentStatus.UNDER_APPRAISAL)
    with pytest.raises(ValidationError) as error:
        publish(graded_period, coordinator)
    assert error.value.messages == ["Các đơn vị sau chưa được phê duyệt: Sở Y tế."]
    assert not Publication.objects.exists()
    assert not Assessment.objects.filter(status="published").exists()


def test_only_home_affairs_publishes(graded_period, council_member, appraiser):
    for user in (council_member, appraiser):
        with pytest.raises(PermissionDenied):
            publish(graded_period, user)
    assert not Publication.objects.exists()


def test_the_decision_is_required(graded_period, coordinator):
    with pytest.raises(ValidationError) as error:
        publish(graded_period, coordinator, decision_number="  ")
    assert error.value.messages == ["Nhập số và ngày của quyết định công bố kết quả."]


def test_a_correction_is_a_new_version_with_a_reason(graded_period, coordinator):
    first = publish(graded_period, coordinator)
    set_scores(Assessment.objects.get(unit__code="so-y-te"), {"2.2": D("5")})
    with pytest.raises(ValidationError) as error:
        publish(graded_period, coordinator, decision_number="1300/QĐ-UBND")
    assert error.value.messages == ["Nhập lý do của phiên bản đính chính này."]
    second = publish(graded_period, coordinator, decision_number="1300/QĐ-UBND", reason="Sửa điểm tiêu chí 2.2")
    assert (second.version, second.reason) == (2, "Sửa điểm tiêu chí 2.2")
    assert PublishedUnit.objects.get(publication=first, unit_code="so-y-te").shown_index == D("61.85")
    assert PublishedUnit.objects.get(publication=second, unit_code="so-y-te").shown_index == D("80.37")  # 21,70/27
    assert PublishedUnit.objects.get(publication=second, unit_code="so-y-te").rank == 4


def test_the_snapshot_keeps_names_as_published(graded_period, coordinator):
    publication = publish(graded_period, coordinator)
    Assessment.objects.get(unit__code="so-y-te").unit.__class__.objects.filter(code="so-y-te").update(
        name="Sở Y tế (mới)"
    )
    assert PublishedUnit.objects.get(publication=publication, unit_code="so-y-te").unit_name == "Sở Y tế"


def test_two_blocks_rank_on_their_own(graded_period, districts, coordinator, agencies):
    from assessment.models import PeriodBlock
    from assessment.services import period_open

    framework = mini_framework(districts, name="Bộ chỉ số khối quận")
    PeriodBlock.objects.create(period=graded_period, block=districts, framework=framework)
    ba_dinh = UnitFactory(code="quan-ba-dinh", name="Quận Ba Đình", block=districts)
    hoan_kiem = UnitFactory(code="quan-hoan-kiem", name="Quận Hoàn Kiếm", block=districts)
    period_open(period=graded_period, units=[ba_dinh, hoan_kiem])
    set_scores(Assessment.objects.get(period=graded_period, unit=ba_dinh), {"1.1": D("4"), "3.1": D("8")})
    set_scores(Assessment.objects.get(period=graded_period, unit=hoan_kiem), {"1.1": D("2")})
    approve_all(graded_period)
    blocks = period_results(graded_period)
    assert [(rows.block.code, [(r.rank, r.unit_code) for r in rows.units], rows.average) for rows in blocks] == [
        ("departments", [(1, "so-du-lich"), (2, "so-cong-thuong"), (2, "so-xay-dung"), (4, "so-y-te")], D("83.76")),
        ("districts", [(1, "quan-ba-dinh"), (2, "quan-hoan-kiem")], D("21.88")),  # (37,50 + 6,25) / 2 = 21,875
    ]
