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
from assessment.services.results import period_results, survey_points_set
from tests.assessment.conftest import approve_all, mini_framework, open_period, publish, set_scores
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
    period_open(period=graded_period, units=[ba_dinh, hoan_kiem], actor=None)
    set_scores(Assessment.objects.get(period=graded_period, unit=ba_dinh), {"1.1": D("4"), "3.1": D("8")})
    set_scores(Assessment.objects.get(period=graded_period, unit=hoan_kiem), {"1.1": D("2")})
    approve_all(graded_period)
    blocks = period_results(graded_period)
    assert [(rows.block.code, [(r.rank, r.unit_code) for r in rows.units], rows.average) for rows in blocks] == [
        ("departments", [(1, "so-du-lich"), (2, "so-cong-thuong"), (2, "so-xay-dung"), (4, "so-y-te")], D("83.76")),
        ("districts", [(1, "quan-ba-dinh"), (2, "quan-hoan-kiem")], D("21.88")),  # (37,50 + 6,25) / 2 = 21,875
    ]


# -- the block's averages and each unit's weakest criteria ---------------------------------------------------------


def test_the_block_average_is_the_mean_of_the_shown_values_not_of_the_four_place_values(
    departments, agencies, coordinator
):
    """Worked by hand on the mini framework (1.1: 4, 1.2: 8, 2.1: 5, 2.2: 5, 3.1: 10 points).

    Sở Y tế: 4 + 6,01 + 5 + 3,03 + 10 = 28,04 / 32 = 87,625 % → stored 87,6250, shown 87,63.
    Sở Xây dựng (2.1 N/A): 4 + 5,02 + 0 + 10 = 19,02 / 27 = 70,4444 %, shown 70,44.
    Mean of the shown values: (87,63 + 70,44) / 2 = 79,035 → 79,04; of the 4-place values 79,0347 → 79,03.
    Field 1: 10,01 / 12 = 83,4167 (83,42) and 9,02 / 12 = 75,1667 (75,17):
    (83,42 + 75,17) / 2 = 79,295 → 79,30; of the 4-place values 79,2917 → 79,29.
    """
    framework = mini_framework(departments)
    y_te = UnitFactory(code="so-y-te", name="Sở Y tế", block=departments)
    xay_dung = UnitFactory(code="so-xay-dung", name="Sở Xây dựng", block=departments)
    period = open_period(framework, year=2023, units=[y_te, xay_dung])
    by_unit = {a.unit_id: a for a in Assessment.objects.filter(period=period)}
    set_scores(by_unit[y_te.pk], {"1.1": D("4"), "1.2": D("6.01"), "2.1": D("5"), "2.2": D("3.03"), "3.1": D("10")})
    set_scores(by_unit[xay_dung.pk], {"1.1": D("4"), "1.2": D("5.02"), "2.2": D("0"), "3.1": D("10")}, na=["2.1"])

    (block,) = period_results(period)
    assert [(row.unit_code, row.result.index, row.result.shown_index) for row in block.units] == [
        ("so-y-te", D("87.6250"), D("87.63")),
        ("so-xay-dung", D("70.4444"), D("70.44")),
    ]
    assert block.average == D("79.04")
    assert [(code, block.field_average(code)) for code, _title in block.fields] == [
        ("1", D("79.30")),
        ("2", D("40.15")),  # (80,30 + 0) / 2
        ("3", D("100.00")),
    ]
    approve_all(period)
    (published,) = PublishedBlock.objects.filter(publication=publish(period, coordinator))
    assert published.average == D("79.04")
    assert [(f.code, f.title, f.average, f.order) for f in published.fields.order_by("order")] == [
        ("1", "Công tác chỉ đạo, điều hành", D("79.30"), 0),
        ("2", "Cải cách thủ tục hành chính", D("40.15"), 1),
        ("3", "Sự hài lòng của người dân", D("100.00"), 2),
    ]
    assert [row.field_indices(["3", "1", "4"]) for row in block.units] == [
        [D("100.0000"), D("83.4167"), None],
        [D("100.0000"), D("75.1667"), None],
    ]


def test_a_unit_that_lost_nothing_has_no_weakest_criteria(graded_period):
    (block,) = period_results(graded_period)
    du_lich = next(row for row in block.units if row.unit_code == "so-du-lich")
    assert du_lich.result.shown_index == D("100.00")
    assert du_lich.weakest == []


def test_weakest_criteria_most_points_lost_first_ties_in_framework_order(graded_period):
    """Sở Xây dựng loses 3,62 on 1.2, then exactly 1 point on 1.1, 2.2 and 3.1: those three in framework order."""
    set_scores(
        Assessment.objects.get(period=graded_period, unit__code="so-xay-dung"),
        {"1.1": D("3"), "1.2": D("4.38"), "2.2": D("4"), "3.1": D("9")},
    )
    (block,) = period_results(graded_period)
    xay_dung = next(row for row in block.units if row.unit_code == "so-xay-dung")
    assert xay_dung.weakest == [
        ("1.2", "Kiểm tra CCHC", D("8"), D("4.38")),
        ("1.1", "Kế hoạch CCHC", D("4"), D("3")),
        ("2.2", "Công khai thủ tục", D("5"), D("4")),
        ("3.1", "Khảo sát sự hài lòng", D("10"), D("9")),
    ]


# -- the survey results: Home Affairs' own service refuses what the import would refuse -------------------------


def _survey_state(period):
    return sorted(
        Score.objects.filter(assessment__period=period, criterion__code__in=["3.1", "1.1"]).values_list(
            "assessment__unit__code", "criterion__code", "survey_points", "version"
        )
    )


def _survey_leaf(period, unit_code, code="3.1"):
    return Score.objects.get(assessment__period=period, assessment__unit__code=unit_code, criterion__code=code)


def test_survey_points_are_set_by_home_affairs_from_0_to_the_maximum(graded_period, coordinator):
    y_te, du_lich, xay_dung = (_survey_leaf(graded_period, code) for code in ("so-y-te", "so-du-lich", "so-xay-dung"))
    assert survey_points_set(actor=coordinator, rows=[(y_te.pk, D("0")), (du_lich.pk, D("10")), (xay_dung.pk, None)])
    assert [
        (score.survey_points, score.version, score.updated_by)
        for score in Score.objects.filter(pk__in=[y_te.pk, du_lich.pk, xay_dung.pk]).order_by("assessment__unit__code")
    ] == [(D("10.00"), 1, coordinator), (None, 1, coordinator), (D("0.00"), 1, coordinator)]
    record = Score.history.filter(id=y_te.pk).first()
    assert (record.history_user, record.history_change_reason, record.survey_points) == (coordinator, "survey", D("0"))


@pytest.mark.parametrize(
    ("points", "code", "message"),
    [
        (D("-0.01"), "3.1", "Điểm điều tra của 3.1 phải từ 0 đến 10."),
        (D("10.01"), "3.1", "Điểm điều tra của 3.1 phải từ 0 đến 10."),
        (D("3"), "1.1", "Tiêu chí 1.1 không phải là tiêu chí điều tra xã hội học."),
    ],
)
def test_the_survey_service_refuses_bad_points_and_other_criteria_and_saves_nothing(
    graded_period, coordinator, points, code, message
):
    before = _survey_state(graded_period)
    good = _survey_leaf(graded_period, "so-y-te")
    bad = _survey_leaf(graded_period, "so-du-lich", code)
    with pytest.raises(ValidationError) as error:
        survey_points_set(actor=coordinator, rows=[(good.pk, D("5")), (bad.pk, points)])
    assert error.value.messages == [message]
    assert _survey_state(graded_period) == before


def test_the_survey_service_refuses_a_criterion_that_does_not_exist(graded_period, coordinator):
    before = _survey_state(graded_period)
    good = _survey_leaf(graded_period, "so-y-te")
    with pytest.raises(ValidationError) as error:
        survey_points_set(actor=coordinator, rows=[(good.pk, D("5")), (999999, D("5"))])
    assert error.value.messages == ["Các tiêu chí này không tồn tại."]
    assert _survey_state(graded_period) == before


def test_only_home_affairs_sets_survey_points(graded_period, appraiser, council_member, unit_staff):
    before = _survey_state(graded_period)
    leaf = _survey_leaf(graded_period, "so-y-te")
    for user in (appraiser, council_member, unit_staff):
        with pytest.raises(PermissionDenied) as error:
            survey_points_set(actor=user, rows=[(leaf.pk, D("5"))])
        assert str(error.value) == "Chỉ Sở Nội vụ được nhập kết quả điều tra xã hội học."
    assert _survey_state(graded_period) == before


# -- bonus and penalty entries ---------------------------------------------------------------------------------


def _entry(assessment, code, points, framework=None):
    from assessment.models import Adjustment, Criterion

    criterion = Criterion.objects.get(framework=framework or assessment.framework, code=code)
    return Adjustment(assessment=assessment, criterion=criterion, points=points, reason="Khen thưởng")


@pytest.mark.parametrize(
    ("code", "points", "errors"),
    [
        ("9.1", D("2"), None),  # up to the leaf's maximum
        ("9.2", D("3"), None),
        ("9.1", None, None),
        ("9.1", D("2.01"), {"points": ["Tiêu chí này tối đa 2 điểm."]}),
        ("9.2", D("3.50"), {"points": ["Tiêu chí này tối đa 3 điểm."]}),
        ("1.1", D("1"), {"criterion": ["Chọn một tiêu chí điểm thưởng hoặc điểm trừ thuộc bộ chỉ số của đơn vị."]}),
        ("3.1", D("1"), {"criterion": ["Chọn một tiêu chí điểm thưởng hoặc điểm trừ thuộc bộ chỉ số của đơn vị."]}),
    ],
)
def test_an_entry_is_a_bonus_or_penalty_of_the_units_framework_within_its_maximum(graded_period, code, points, errors):
    from assessment.services.results import adjustment_check

    entry = _entry(Assessment.objects.get(period=graded_period, unit__code="so-y-te"), code, points)
    if errors is None:
        adjustment_check(entry)
        return
    with pytest.raises(ValidationError) as error:
        adjustment_check(entry)
    assert error.value.message_dict == errors


def test_an_entry_of_another_frameworks_bonus_is_refused(graded_period, districts):
    from assessment.services.results import adjustment_check

    other = mini_framework(districts, name="Bộ chỉ số khối quận")
    entry = _entry(Assessment.objects.get(period=graded_period, unit__code="so-y-te"), "9.1", D("1"), other)
    with pytest.raises(ValidationError) as error:
        adjustment_check(entry)
    assert error.value.message_dict == {
        "criterion": ["Chọn một tiêu chí điểm thưởng hoặc điểm trừ thuộc bộ chỉ số của đơn vị."]
    }


def test_publishing_records_each_approved_units_move_once_and_touches_no_other_period(
    graded_period, coordinator, departments, agencies
):
    other_unit = UnitFactory(code="so-noi-vu-khac", name="Sở Khác", block=departments)
    other = open_period(mini_framework(departments, name="Bộ chỉ số 2024"), year=2024, units=[other_unit])
    approve_all(other)
    publish(graded_period, coordinator)
    events = AssessmentEvent.objects.filter(assessment__period=graded_period).order_by("assessment__unit__code")
    assert list(events.values_list("assessment__unit__code", "from_status", "to_status", "actor", "reason")) == [
        (code, "approved", "published", coordinator.pk, "Công bố theo quyết định 1234/QĐ-UBND (phiên bản 1)")
        for code in ["so-cong-thuong", "so-du-lich", "so-xay-dung", "so-y-te"]
    ]
    # A corrected version changes no state: the units are published already, nothing is recorded again.
    set_scores(Assessment.objects.get(period=graded_period, unit__code="so-y-te"), {"2.2": D("5")})
    publish(graded_period, coordinator, decision_number="1300/QĐ-UBND", reason="Đính chính")
    assert AssessmentEvent.objects.filter(assessment__period=graded_period).count() == 4
    assert list(Assessment.objects.filter(period=other).values_list("status", flat=True)) == ["approved"]
    assert not AssessmentEvent.objects.filter(assessment__period=other).exists()


def test_a_field_that_is_itself_a_leaf_is_its_own_field(departments, agencies):
    """Field 4 has no sub-criteria: its code has no dot, and it still counts as field 4."""
    from assessment.models import Framework
    from assessment.services import framework_activate
    from tests.assessment.conftest import MINI_FRAMEWORK, import_rows

    framework = Framework.objects.create(block=departments, name="Bộ chỉ số có lĩnh vực một tiêu chí", first_year=2020)
    leaf_field = ["4", "Hiệu quả phục vụ", "5", "appraisal", "manual", "", "no", "no", "so-noi-vu", ""]
    outcome = import_rows(framework, [*MINI_FRAMEWORK[:9], leaf_field, *MINI_FRAMEWORK[9:]])
    assert outcome.ok, outcome.problems
    framework_activate(framework=framework, actor=None)
    unit = UnitFactory(code="so-y-te", name="Sở Y tế", block=departments)
    period = open_period(framework, year=2023, units=[unit])
    set_scores(Assessment.objects.get(period=period), {"1.1": D("4"), "3.1": D("5"), "4": D("2.50")})
    (block,) = period_results(period)
    assert [(f.code, f.achieved, f.maximum, f.index) for f in block.units[0].result.fields] == [
        ("1", D("4"), D("12"), D("33.3333")),
        ("2", D("0"), D("10"), D("0.0000")),
        ("3", D("5"), D("10"), D("50.0000")),
        ("4", D("2.50"), D("5"), D("50.0000")),
    ]
    assert [code for code, _title in block.fields] == ["1", "2", "3", "4"]
