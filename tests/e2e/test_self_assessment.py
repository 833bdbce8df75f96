"""A unit officer fills a field and uploads a PDF; the head submits; in a real browser, in Vietnamese."""

from decimal import Decimal

from playwright.sync_api import expect

from accounts.models import Role
from accounts.services import membership_grant
from assessment.models import Assessment, Evidence, Framework, Score
from assessment.resources import CriterionResource
from assessment.services import ScoreInput, framework_activate, score_save
from cchc.imports import import_table, read_table
from tests.assessment.conftest import AGENCIES, PDF_BYTES, SAMPLE, open_period
from tests.conftest import PASSWORD
from tests.factories import BlockFactory, UnitFactory, UserFactory


def sign_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def test_staff_fills_a_field_with_evidence_and_the_head_submits(page, screenshot, tmp_path, private_storage):
    block = BlockFactory(code="departments", name="Khối Sở, ban, ngành", order=1)
    for code, name in AGENCIES.items():
        UnitFactory(code=code, name=name, block=block)
    finance = UnitFactory(code="so-tai-chinh", block=block)
    framework = Framework.objects.create(block=block, name="Bộ chỉ số khối Sở", first_year=2024)
    import_table(CriterionResource(framework), read_table(SAMPLE.read_bytes(), SAMPLE.name), commit=True)
    framework_activate(framework=framework, actor=None)
    open_period(framework, units=[finance])
    assessment = Assessment.objects.get(unit=finance)
    staff = UserFactory(username="canbo", full_name="Nguyễn Văn An")
    membership_grant(user=staff, role=Role.UNIT_STAFF, unit=finance, actor=None)
    head = UserFactory(username="lanhdao", full_name="Đỗ Quang Huy")
    membership_grant(user=head, role=Role.UNIT_HEAD, unit=finance, actor=None)
    # Everything but 1.1.1 was filled in earlier.
    score_save(
        assessment=assessment,
        user=staff,
        rows=[
            ScoreInput(
                score_id=score.pk,
                version=score.version,
                self_points=score.max_points,
                no_evidence_reason="Hồ sơ giấy lưu tại đơn vị",
            )
            for score in Score.objects.filter(assessment=assessment, criterion__method="appraisal").exclude(
                criterion__code="1.1.1"
            )
        ],
    )
    plan = tmp_path / "Kế hoạch CCHC 2024.pdf"
    plan.write_bytes(PDF_BYTES)
    signed = tmp_path / "bao-cao-da-ky.pdf"
    signed.write_bytes(PDF_BYTES + b"% signed\n")

    sign_in(page, "canbo")
    page.get_by_role("link", name="Tiếp tục").click()
    leaf = page.locator("#leaf-1\\.1\\.1")
    leaf.get_by_label("Số liệu kê khai").select_option("1")
    expect(leaf.get_by_test_id("proposal")).to_have_text("1,00")
    expect(leaf.get_by_label("Điểm tự đánh giá")).to_have_value("1,00")
    page.get_by_test_id("save-section").click()
    expect(page.get_by_test_id("messages")).to_contain_text("Đã lưu 1 tiêu chí.")

    page.locator("#leaf-1\\.1\\.1").get_by_role("button", name="Thêm tài liệu").click()
    dialog = page.locator("#evidence-modal")
    expect(dialog).to_be_visible()
    dialog.locator("#evidence-files").set_input_files(str(plan))
    dialog.get_by_label("Số văn bản").fill("224/KH-UBND")
    dialog.get_by_label("Trang hoặc mục chứng minh").fill("Mục II")
    dialog.get_by_test_id("upload-evidence").click()
    expect(page.get_by_test_id("messages")).to_contain_text("Tiêu chí 1.1.1: đã gắn 1 tài liệu.")
    expect(page.locator("#leaf-1\\.1\\.1").get_by_test_id("evidence")).to_contain_text("Kế hoạch CCHC 2024.pdf")
    screenshot("self-assessment-field")
    assert Score.objects.get(assessment=assessment, criterion__code="1.1.1").self_points == Decimal("1.00")
    assert Evidence.objects.get().document.number == "224/KH-UBND"

    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Đăng xuất").click()
    sign_in(page, "lanhdao")
    page.get_by_role("link", name="Tổng hợp và gửi hồ sơ").first.click()
    expect(page.get_by_test_id("missing")).to_have_count(0)
    page.get_by_label("Báo cáo tự đánh giá đã ký (bản quét: PDF, JPG hoặc PNG)").set_input_files(str(signed))
    page.get_by_label("Tôi xác nhận hồ sơ tự đánh giá đã hoàn chỉnh").check()
    page.get_by_test_id("submit-assessment").click()
    expect(page.get_by_test_id("messages")).to_contain_text("Đã gửi hồ sơ tự đánh giá của")
    expect(page.get_by_test_id("assessment-status")).to_have_text("Đã gửi")
    screenshot("self-assessment-submitted")
    assessment.refresh_from_db()
    assert (assessment.status, assessment.submitted_by) == ("submitted", head)
