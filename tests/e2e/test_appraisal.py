"""From a submitted assessment to approval in the browser: round 1, return, explanation, round 2, council."""

from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role
from accounts.services import membership_grant
from assessment.models import Assessment, Framework, Score
from assessment.resources import CriterionResource
from assessment.services import assessment_submit, framework_activate
from cchc.imports import import_table, read_table
from tests.assessment.conftest import AGENCIES, PDF_BYTES, SAMPLE, complete, grade, open_period
from tests.e2e.conftest import sign_in
from tests.factories import BlockFactory, UnitFactory, UserFactory


def session(browser, live_server, username, admin=False):
    context = browser.new_context(locale="vi-VN", viewport={"width": 1400, "height": 900}, base_url=live_server.url)
    context.set_default_timeout(15000)
    return sign_in(context.new_page(), username, admin=admin)


def test_a_submitted_assessment_goes_through_both_rounds_to_approval(
    browser, live_server, transactional_db, screenshot_dir, private_storage
):
    block = BlockFactory(code="departments", name="Khối Sở, ban, ngành", order=1)
    units = {code: UnitFactory(code=code, name=name, block=block) for code, name in AGENCIES.items()}
    finance = units["so-tai-chinh"]
    framework = Framework.objects.create(block=block, name="Bộ chỉ số khối Sở", first_year=2024)
    import_table(CriterionResource(framework), read_table(SAMPLE.read_bytes(), SAMPLE.name), commit=True)
    framework_activate(framework=framework, actor=None)
    open_period(framework, units=[finance])
    assessment = Assessment.objects.get(unit=finance)
    head = UserFactory(username="lanhdao", full_name="Đỗ Quang Huy")
    membership_grant(user=head, role=Role.UNIT_HEAD, unit=finance, actor=None)
    staff = UserFactory(username="canbo", full_name="Nguyễn Văn An")
    membership_grant(user=staff, role=Role.UNIT_STAFF, unit=finance, actor=None)
    appraiser = UserFactory(username="thamdinh", full_name="Lê Văn Minh")
    units["so-noi-vu"].refresh_from_db()  # the framework import made it an appraising agency
    membership_grant(user=appraiser, role=Role.APPRAISER, unit=units["so-noi-vu"], actor=None)
    coordinator = UserFactory(username="noivu", full_name="Trần Thị Hương")
    membership_grant(user=coordinator, role=Role.COORDINATOR, actor=None)
    complete(assessment, head)
    assessment_submit(assessment=assessment, user=head, signed_scan=SimpleUploadedFile("ky.pdf", PDF_BYTES))
    # Home Affairs already graded everything but criterion 1.1.1.
    for score in Score.objects.filter(assessment=assessment, criterion__method="appraisal").exclude(
        criterion__code="1.1.1"
    ):
        grade(coordinator, score, points=score.max_points)

    # Round 1: the appraiser of Sở Nội vụ grades 1.1.1 on the unit's page.
    appraiser_page = session(browser, live_server, "thamdinh", admin=True)
    appraiser_page.goto(f"/admin/assessment/assessment/{assessment.pk}/grade/")
    leaf = appraiser_page.locator("#leaf-1\\.1\\.1")
    leaf.locator("input[name$='-points']").fill("0,5")
    leaf.locator("textarea[name$='-comment']").fill("Kế hoạch ban hành muộn 5 ngày.")
    appraiser_page.get_by_test_id("save-grades").click()
    expect(appraiser_page.locator(".messagelist")).to_contain_text("Đã lưu 1 điểm thẩm định.")
    appraiser_page.screenshot(path=str(screenshot_dir / "appraisal-round1.png"))

    # The calendar moves on: the explanation window is open today.
    today = timezone.localdate()
    period = assessment.period
    period.self_assessment_opens, period.self_assessment_closes = today - timedelta(days=40), today - timedelta(days=30)
    period.appraisal_closes, period.explanation_opens = today - timedelta(days=10), today - timedelta(days=1)
    period.explanation_closes = today + timedelta(days=5)
    period.save()

    # Home Affairs returns it.
    home_affairs = session(browser, live_server, "noivu", admin=True)
    home_affairs.goto(f"/admin/assessment/assessment/{assessment.pk}/grade/")
    home_affairs.get_by_test_id("round-return").click()
    home_affairs.get_by_label("Lý do").fill("Đã chấm xong vòng 1.")
    home_affairs.get_by_test_id("confirm-round").click()
    expect(home_affairs.get_by_test_id("assessment-status")).to_have_text("Trả lại để giải trình")

    # The unit explains 1.1.1 and the head submits the explanation.
    unit = session(browser, live_server, "canbo")
    unit.goto(f"/assessments/{assessment.pk}/?field=1")
    card = unit.locator("#leaf-1\\.1\\.1")
    expect(card.get_by_test_id("appraisal")).to_contain_text("0,50")
    expect(card.get_by_test_id("appraisal")).to_contain_text("Kế hoạch ban hành muộn 5 ngày.")
    card.get_by_label("Giải trình").fill("Kế hoạch ban hành đúng hạn theo văn bản 12/KH-STC.")
    unit.get_by_test_id("save-section").click()
    expect(unit.get_by_test_id("messages")).to_contain_text("Đã lưu 1 tiêu chí.")
    unit.screenshot(path=str(screenshot_dir / "appraisal-explanation.png"))
    head_page = session(browser, live_server, "lanhdao")
    head_page.goto(f"/assessments/{assessment.pk}/summary/")
    head_page.get_by_test_id("submit-explanation").click()
    expect(head_page.get_by_test_id("assessment-status")).to_have_text("Đã giải trình")

    # Round 2 on the explained criterion.
    appraiser_page.goto(f"/admin/assessment/assessment/{assessment.pk}/grade/")
    leaf = appraiser_page.locator("#leaf-1\\.1\\.1")
    expect(leaf).to_contain_text("Kế hoạch ban hành đúng hạn theo văn bản 12/KH-STC.")
    leaf.locator("input[name$='-points']").fill("1")
    leaf.locator("textarea[name$='-comment']").fill("Chấp nhận giải trình.")
    appraiser_page.get_by_test_id("save-grades").click()
    expect(appraiser_page.locator(".messagelist")).to_contain_text("Đã lưu 1 điểm thẩm định.")

    # Home Affairs closes round 2 and records the council's approval.
    home_affairs.goto(f"/admin/assessment/assessment/{assessment.pk}/grade/")
    home_affairs.get_by_test_id("round-round2").click()
    home_affairs.get_by_test_id("confirm-round").click()
    expect(home_affairs.get_by_test_id("assessment-status")).to_have_text("Đã thẩm định lại")
    home_affairs.get_by_test_id("round-approve").click()
    home_affairs.get_by_label("Số quyết định của Hội đồng").fill("15/QĐ-HĐTĐ")
    home_affairs.get_by_label("Ngày quyết định của Hội đồng").fill(today.strftime("%d/%m/%Y"))
    home_affairs.get_by_test_id("confirm-round").click()
    expect(home_affairs.get_by_test_id("assessment-status")).to_have_text("Đã phê duyệt")
    home_affairs.screenshot(path=str(screenshot_dir / "appraisal-approved.png"))
    home_affairs.goto(f"/admin/assessment/assessment/{assessment.pk}/audit/")
    expect(home_affairs.get_by_test_id("audit-events")).to_contain_text("15/QĐ-HĐTĐ")
    home_affairs.screenshot(path=str(screenshot_dir / "appraisal-audit.png"), full_page=True)
    print(f"screenshots: {screenshot_dir}")

    assessment.refresh_from_db()
    leaf = Score.objects.get(assessment=assessment, criterion__code="1.1.1")
    assert (assessment.status, leaf.appraised_points, leaf.reappraised_points) == (
        "approved",
        Decimal("0.50"),
        Decimal("1.00"),
    )
