"""Why points were lost, for next year (issue 16): beside each criterion of the self-assessment, the appraisers'
comments behind the points lost on the same code in earlier published years (no unit named), the kinds of evidence
of the leaves at full points, and the unit's own improvement plan item of the year before.

Hand-made history of the departments' block (mini framework 2020–2024, then 2025's where 1.2 became 1.3):
  2021, approved but never published: Sở Alpha 1.1 = 0 "Nhận xét chưa công bố." (never shown)
  2023, published:
    Sở Alpha   1.1 = 2 "Kế hoạch ban hành chậm."
    Sở Beta    1.1 = 4 (full; 224/KH-UBND and a photo), 2.2 = 3 "Thiếu báo cáo quý."
    Sở Gamma   1.1 = 1 "Thiếu văn bản."
    Sở Tài chính 1.1 = 0 "Kế hoạch ban hành chậm."
  2024, published:
    Sở Alpha   1.1 = 3 "Chưa có kế hoạch kiểm tra." (99/QĐ-UBND attached: not at full points, not counted),
               2.1 full with 12/QĐ-UBND; plan item on 1.1 (another unit's: never shown)
    Sở Beta    1.1 = 4 (full; 15/KH-SNV and 16/BC-SNV), 2.2 round 1 = 2 "Vòng 1: thiếu.", round 2 = 4 "Vòng 2: thiếu
               phụ lục."
    Sở Tài chính 1.1 council 3 "Hội đồng: chưa đủ minh chứng."; plan items on 1.1 (done, with its evidence)
  2025, open: Sở Tài chính (the page), Sở Alpha graded 1.1 = 1 "Nhận xét năm nay." (this year: never shown)
Every other appraisal leaf at its maximum.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from assessment.models import Assessment, AssessmentStatus, ImprovementItem, Publication, Score
from assessment.selectors.guidance import EvidenceKind, PastComment, criteria_guidance, document_type, with_guidance
from assessment.selectors.portal import assessment_page
from tests.assessment.carry_over_helpers import FRAMEWORK_2025, framework_of
from tests.assessment.conftest import MINI_FRAMEWORK, open_period, set_scores
from tests.conftest import make_user
from tests.factories import DocumentFactory, EvidenceFactory, UnitFactory, UserFactory

FULL = {"1.1": Decimal("4"), "1.2": Decimal("8"), "2.1": Decimal("5"), "2.2": Decimal("5"), "3.1": Decimal("10")}
OTHERS = {"so-alpha": "Sở Alpha", "so-beta": "Sở Beta", "so-gamma": "Sở Gamma"}


def _grade(assessment, code, points, comment="", **more):
    Score.objects.filter(assessment=assessment, criterion__code=code).update(
        appraised_points=points, appraised_comment=comment, **more
    )


def _publication(period, version=1):
    """Home Affairs' publication of ``period`` (its rows only: the guidance reads the leaves, not the snapshot)."""
    return Publication.objects.create(
        period=period,
        version=version,
        decision_number=f"{version}/QĐ-UBND",
        decision_date=date(period.year + 1, 4, 1),
        reason="" if version == 1 else "Sửa sai sót",
        published_at=timezone.now(),
        published_by=UserFactory(),
    )


def _year(framework, year, units, status=AssessmentStatus.PUBLISHED):
    period = open_period(framework, year=year, units=units)
    by_unit = {a.unit.code: a for a in Assessment.objects.filter(period=period).select_related("unit")}
    for assessment in by_unit.values():
        set_scores(assessment, FULL)
    Assessment.objects.filter(period=period).update(status=status)
    if status == AssessmentStatus.PUBLISHED:
        _publication(period)
    return by_unit


def _evidence(assessment, code, number, kind="pdf"):
    score = Score.objects.get(assessment=assessment, criterion__code=code)
    return EvidenceFactory(score=score, document=DocumentFactory(unit=assessment.unit, number=number, kind=kind))


@pytest.fixture
def history(departments, agencies, finance, unit_staff, private_storage):
    others = {code: UnitFactory(code=code, name=name, block=departments) for code, name in OTHERS.items()}
    old = framework_of(departments, MINI_FRAMEWORK, 2020, 2024)
    y2021 = _year(old, 2021, [others["so-alpha"]], status=AssessmentStatus.APPROVED)
    _grade(y2021["so-alpha"], "1.1", 0, "Nhận xét chưa công bố.")

    y2023 = _year(old, 2023, [finance, *others.values()])
    _grade(y2023["so-alpha"], "1.1", 2, "Kế hoạch ban hành chậm.")
    _evidence(y2023["so-beta"], "1.1", "224/KH-UBND")
    _evidence(y2023["so-beta"], "1.1", "", kind="jpg")
    _grade(y2023["so-beta"], "2.2", 3, "Thiếu báo cáo quý.")
    _grade(y2023["so-gamma"], "1.1", 1, "Thiếu văn bản.")
    _grade(y2023["so-tai-chinh"], "1.1", 0, "Kế hoạch ban hành chậm.")

    y2024 = _year(old, 2024, [finance, others["so-alpha"], others["so-beta"]])
    _grade(y2024["so-alpha"], "1.1", 3, "Chưa có kế hoạch kiểm tra.")
    _evidence(y2024["so-alpha"], "1.1", "99/QĐ-UBND")
    _evidence(y2024["so-alpha"], "2.1", "12/QĐ-UBND")
    _evidence(y2024["so-beta"], "1.1", "15/KH-SNV")
    _evidence(y2024["so-beta"], "1.1", "16/BC-SNV")
    _grade(
        y2024["so-beta"],
        "2.2",
        2,
        "Vòng 1: thiếu.",
        reappraised_points=4,
        reappraised_comment="Vòng 2: thiếu phụ lục.",
    )
    Score.objects.filter(assessment=y2024["so-tai-chinh"], criterion__code="1.1").update(
        council_points=3, council_reason="Hội đồng: chưa đủ minh chứng."
    )
    proof = DocumentFactory(unit=finance, number="30/BC-STC", original_name="bao-cao-khac-phuc.pdf")
    _plan(y2024["so-tai-chinh"], "1.1", unit_staff, "Kế hoạch ban hành muộn", status="done", evidence=proof)
    _plan(y2024["so-alpha"], "1.1", unit_staff, "Nguyên nhân của Sở Alpha")
    _plan(y2023["so-tai-chinh"], "2.2", unit_staff, "Kế hoạch của năm 2023")

    new = framework_of(departments, FRAMEWORK_2025, 2025)
    period = open_period(new, year=2025, units=[finance, others["so-alpha"]])
    alpha_now = Assessment.objects.get(period=period, unit=others["so-alpha"])
    _grade(alpha_now, "1.1", 1, "Nhận xét năm nay.")
    return Assessment.objects.select_related("period", "unit", "framework").get(period=period, unit=finance)


def _plan(assessment, code, user, cause, status="planned", evidence=None):
    return ImprovementItem.objects.create(
        assessment=assessment,
        criterion=assessment.framework.criteria.get(code=code),
        cause=cause,
        action="Ban hành kế hoạch trước ngày 15/12",
        lead="Văn phòng Sở",
        starts=date(2025, 5, 1),
        due=date(2025, 12, 15),
        status=status,
        evidence=evidence,
        updated_by=user,
    )


def test_the_comments_behind_lost_points_most_recent_first_deduplicated_and_capped(history):
    guidance = criteria_guidance(history, ["1.1", "1.3", "2.1", "2.2"])
    first = guidance["1.1"]
    assert (first.first_year, first.last_year, first.graded, first.lost, first.full) == (2023, 2024, 7, 5, 2)
    assert first.comments == [
        PastComment("Chưa có kế hoạch kiểm tra.", 2024, 1),
        PastComment("Hội đồng: chưa đủ minh chứng.", 2024, 1),
        PastComment("Kế hoạch ban hành chậm.", 2023, 2),
    ]
    assert first.more_comments == 1  # "Thiếu văn bản." (2023, once)
    # round 2's comment is the one behind the final score
    assert guidance["2.2"].comments == [
        PastComment("Vòng 2: thiếu phụ lục.", 2024, 1),
        PastComment("Thiếu báo cáo quý.", 2023, 1),
    ]
    # every unit at its maximum on 2.1: no comment; 1.3 is new in 2025: nothing from earlier years
    assert (guidance["2.1"].graded, guidance["2.1"].lost, guidance["2.1"].comments) == (7, 0, [])
    assert (guidance["1.3"].shown, guidance["1.3"].comments, guidance["1.3"].kinds) == (False, [], [])


def test_the_kinds_of_evidence_are_counted_on_the_leaves_at_full_points_only(history):
    guidance = criteria_guidance(history, ["1.1", "2.1", "2.2"])
    # 1.1: Sở Beta's two full leaves (plans in both years, a report in 2024, a photo in 2023); Sở Alpha's decision
    # 99/QĐ-UBND proved a leaf that lost points: not counted
    assert guidance["1.1"].kinds == [
        EvidenceKind("Kế hoạch", 2),
        EvidenceKind("Báo cáo", 1),
        EvidenceKind("Ảnh, bản chụp không có số hiệu", 1),
    ]
    assert guidance["2.1"].kinds == [EvidenceKind("Quyết định", 1)]
    assert guidance["2.2"].kinds == []


@pytest.mark.parametrize(
    ("number", "kind", "expected"),
    [
        ("224/KH-UBND", "pdf", "Kế hoạch"),
        ("1234/qđ-ubnd", "pdf", "Quyết định"),
        ("15/2024/TT-BNV", "pdf", "Thông tư"),
        ("12/TTr-SNV", "docx", "Tờ trình"),
        ("123/UBND-VP", "pdf", "Công văn"),
        ("", "png", "Ảnh, bản chụp không có số hiệu"),
        ("", "xlsx", "Bảng tính không có số hiệu"),
        ("", "pdf", "Tài liệu không có số hiệu"),
    ],
)
def test_the_kind_of_a_document_comes_from_its_official_number(number, kind, expected):
    assert document_type(number, kind) == expected


def test_the_unit_sees_only_its_own_plan_items_of_the_year_before(history):
    guidance = criteria_guidance(history, ["1.1", "2.2"])
    [item] = guidance["1.1"].plan_items
    assert (item.assessment.unit.code, item.assessment.period.year, item.cause, item.status) == (
        "so-tai-chinh",
        2024,
        "Kế hoạch ban hành muộn",
        "done",
    )
    assert guidance["2.2"].plan_items == []  # 2023's item is two years back


def test_the_field_page_shows_the_guidance_without_naming_any_unit(client, history, unit_staff):
    client.force_login(unit_staff)
    url = reverse("assessment:assessment-detail", args=[history.pk])
    html = client.get(url, {"field": "1"}).content.decode()
    for name in [*OTHERS.values(), *OTHERS.keys()]:
        assert name not in html
    for hidden in ["Nhận xét chưa công bố.", "Nhận xét năm nay.", "Vòng 1: thiếu.", "Nguyên nhân của Sở Alpha"]:
        assert hidden not in html
    assert html.count('data-testid="earlier-1.1"') == 1 and 'data-testid="earlier-1.3"' not in html
    for shown in ["Chưa có kế hoạch kiểm tra.", "Hội đồng: chưa đủ minh chứng.", "Kế hoạch ban hành chậm."]:
        assert f"“{shown}”" in html
    assert "Thiếu văn bản." not in html and "và 1 nhận xét khác" in html
    assert "5 trên 7 hồ sơ được chấm trong các năm trước bị trừ điểm ở tiêu chí này." in html
    assert "Kế hoạch: 2 hồ sơ" in html and "Báo cáo: 1 hồ sơ" in html and "Quyết định" not in html
    assert "— 2023, 2 lần" in html
    assert "Kế hoạch khắc phục năm 2024 của đơn vị" in html and "Kế hoạch ban hành muộn" in html
    assert "30/BC-STC – bao-cao-khac-phuc.pdf" in html
    assert "Kế hoạch của năm 2023" not in html
    second = client.get(url, {"field": "2"}).content.decode()
    assert 'data-testid="earlier-2.1"' in second and "Quyết định: 1 hồ sơ" in second
    assert "0 trên 7 hồ sơ" in second and "“Vòng 2: thiếu phụ lục.”" in second


def test_another_unit_cannot_open_the_page_nor_its_plan(client, history, departments):
    alpha_staff = make_user("alpha", (Role.UNIT_STAFF, history.unit.__class__.objects.get(code="so-alpha")))
    client.force_login(alpha_staff)
    response = client.get(reverse("assessment:assessment-detail", args=[history.pk]), {"field": "1"})
    assert response.status_code == 404
    alpha = Assessment.objects.get(period=history.period, unit__code="so-alpha")
    html = client.get(reverse("assessment:assessment-detail", args=[alpha.pk]), {"field": "1"}).content.decode()
    assert "Nguyên nhân của Sở Alpha" in html  # its own item of 2024
    assert "Kế hoạch ban hành muộn" not in html and "bao-cao-khac-phuc.pdf" not in html


# -- a constant number of queries ----------------------------------------------------------------------------------


def _wide_framework(block, leaves, first_year, last_year=None):
    rows = [MINI_FRAMEWORK[0], ["1", "Một lĩnh vực", str(leaves), "", "", "", "", "", "so-noi-vu", ""]]
    rows += [
        [f"1.{n}", f"Tiêu chí {n}", "1", "appraisal", "manual", "", "no", "no", "so-noi-vu", ""]
        for n in range(1, leaves + 1)
    ]
    return framework_of(block, rows, first_year, last_year)


def _wide_history(departments, finance, user, leaves, years):
    units = [finance, *(UnitFactory(code=f"so-{n}", block=departments) for n in range(3))]
    old = _wide_framework(departments, leaves, 2020, 2024)
    for year in range(2025 - years, 2025):
        period = open_period(old, year=year, units=units)
        Score.objects.filter(assessment__period=period).update(appraised_points=1)
        Score.objects.filter(assessment__period=period, criterion__order__lt=leaves // 2).update(
            appraised_points=0, appraised_comment=f"Thiếu tài liệu năm {year}."
        )
        for assessment in Assessment.objects.filter(period=period):
            for score in Score.objects.filter(assessment=assessment, criterion__code=f"1.{leaves}"):
                EvidenceFactory(score=score, document=DocumentFactory(unit=assessment.unit, number="1/KH-UBND"))
        Assessment.objects.filter(period=period).update(status=AssessmentStatus.PUBLISHED)
        _publication(period)
        mine = Assessment.objects.get(period=period, unit=finance)
        for criterion in mine.framework.criteria.filter(method="appraisal")[:3]:
            ImprovementItem.objects.create(
                assessment=mine,
                criterion=criterion,
                cause="Chậm",
                action="Sửa",
                lead="Văn phòng",
                starts=date(year, 5, 1),
                due=date(year, 12, 1),
                updated_by=user,
            )
    period = open_period(_wide_framework(departments, leaves, 2025), year=2025, units=[finance])
    return Assessment.objects.select_related("period", "framework").get(period=period, unit=finance)


@pytest.mark.parametrize(("leaves", "years"), [(10, 1), (10, 3), (100, 1), (100, 3)])
def test_the_guidance_of_a_whole_field_in_four_queries_then_two_from_the_cache(
    departments, agencies, finance, unit_staff, private_storage, django_assert_num_queries, leaves, years
):
    assessment = _wide_history(departments, finance, unit_staff, leaves, years)
    codes = [f"1.{n}" for n in range(1, leaves + 1)]
    # the newest publication, the leaves by comment, the evidence at full points, the plan items
    with django_assert_num_queries(4):
        guidance = criteria_guidance(assessment, codes)
    assert all(item.graded == 4 * years for item in guidance.values())
    assert sum(len(item.plan_items) for item in guidance.values()) == 3
    assert guidance["1.1"].comments[0] == PastComment("Thiếu tài liệu năm 2024.", 2024, 4)
    assert guidance[f"1.{leaves}"].kinds == [EvidenceKind("Kế hoạch", 4 * years)]
    assert (guidance["1.1"].lost, guidance["1.1"].kinds, guidance[f"1.{leaves}"].lost) == (4 * years, [], 0)
    with django_assert_num_queries(2):  # the earlier years from the cache: the newest publication, the plan items
        cached = criteria_guidance(assessment, codes)
    assert cached == guidance
    # read with the page's assessment (with_guidance, issue 12): the newest publication came with it; the unit has
    # plan items of the year before, so only they are left to read
    read = with_guidance(Assessment.objects.select_related("period", "framework")).get(pk=assessment.pk)
    with django_assert_num_queries(1):
        assert criteria_guidance(read, codes) == guidance
    cache.clear()
    with django_assert_num_queries(9):  # the page's five (fields and criteria in one), the guidance's four
        page = assessment_page(assessment, user=unit_staff, field_code="1")
    assert len(page.rows) == leaves + 1 and page.rows[1].earlier is page.guidance["1.1"]


def test_a_new_version_of_an_earlier_year_is_read_at_once(history):
    before = criteria_guidance(history, ["2.2"])["2.2"].comments
    assert before[0] == PastComment("Vòng 2: thiếu phụ lục.", 2024, 1)
    beta = Assessment.objects.get(period__year=2024, unit__code="so-beta")
    Score.objects.filter(assessment=beta, criterion__code="2.2").update(
        council_points=3, council_reason="Hội đồng: thiếu phụ lục, trừ 2 điểm."
    )
    # until the council's decision is published, the published comment stays
    assert criteria_guidance(history, ["2.2"])["2.2"].comments == before
    _publication(beta.period, version=2)
    assert criteria_guidance(history, ["2.2"])["2.2"].comments[0] == PastComment(
        "Hội đồng: thiếu phụ lục, trừ 2 điểm.", 2024, 1
    )


def test_nothing_is_read_before_any_earlier_year_is_published(
    departments, agencies, finance, unit_staff, django_assert_num_queries
):
    framework = framework_of(departments, MINI_FRAMEWORK, 2020)
    period = open_period(framework, year=2025, units=[finance])
    assessment = Assessment.objects.select_related("period").get(period=period)
    with django_assert_num_queries(2):  # the newest publication (none), the plan items
        guidance = criteria_guidance(assessment, ["1.1", "1.2"])
    assert [item.shown for item in guidance.values()] == [False, False]
    read = with_guidance(Assessment.objects.select_related("period")).get(pk=assessment.pk)
    # read with the page's assessment (with_guidance, issue 12): the newest publication (none) came with it and the
    # unit has no plan item of the year before: nothing left to read
    with django_assert_num_queries(0):
        assert criteria_guidance(read, ["1.1", "1.2"]) == guidance


def test_the_advice_of_earlier_years_is_drawn_once_and_kept_by_what_it_shows(client, history, unit_staff, monkeypatch):
    """Issue 12: each leaf's advice from earlier years is drawn once into the cache, keyed by its code, the language
    and what it says; the same page again draws none of it, the same bytes; new advice is a new drawing."""
    import re

    import assessment.views as views

    token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    drawn = []
    real = views.render_to_string
    monkeypatch.setattr(
        views, "render_to_string", lambda name, context: drawn.append(context["code"]) or real(name, context)
    )
    cache.clear()
    client.force_login(unit_staff)
    url = reverse("assessment:assessment-detail", args=[history.pk])
    first = client.get(url, {"field": "1"}).content.decode()
    assert drawn == ["1.1"]
    again = client.get(url, {"field": "1"}).content.decode()
    assert drawn == ["1.1"] and token.sub("", again) == token.sub("", first)
    assert "5 trên 7 hồ sơ được chấm trong các năm trước bị trừ điểm ở tiêu chí này." in again
    assert "Kế hoạch khắc phục năm 2024 của đơn vị" in again  # the unit's own plan, drawn apart every time
    # In English: its own drawing.
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = client.get(url, {"field": "1"}).content.decode()
    assert drawn == ["1.1", "1.1"] and "5 of 7 assessments graded in earlier years lost points here." in english
    # What the earlier years say changes (a new version of 2024 with the council's reason): a new key, a new drawing.
    beta = Assessment.objects.get(period__year=2024, unit__code="so-beta")
    Score.objects.filter(assessment=beta, criterion__code="1.1").update(
        council_points=0, council_reason="Hội đồng: không có kế hoạch."
    )
    _publication(beta.period, version=2)
    client.post(reverse("set_language"), {"language": "vi", "next": "/"})
    changed = client.get(url, {"field": "1"}).content.decode()
    assert "“Hội đồng: không có kế hoạch.”" in changed and drawn == ["1.1", "1.1", "1.1"]
