"""Home Affairs imports the sample framework in the admin: preview, confirm, then sees the tree and its points."""

from playwright.sync_api import expect

from accounts.models import Role
from accounts.services import membership_grant
from assessment.models import Criterion, Framework
from tests.assessment.conftest import AGENCIES, SAMPLE
from tests.e2e.conftest import sign_in
from tests.factories import BlockFactory, UnitFactory, UserFactory


def test_coordinator_imports_the_sample_framework_through_the_preview(page, screenshot):
    block = BlockFactory(code="departments", name="Khối Sở, ban, ngành", order=1)
    for code, name in AGENCIES.items():
        UnitFactory(code=code, name=name, block=block)
    framework = Framework.objects.create(block=block, name="Bộ chỉ số khối Sở 2025", first_year=2025)
    membership_grant(user=UserFactory(username="noivu", full_name="Trần Thị Hương"), role=Role.COORDINATOR, actor=None)

    sign_in(page, "noivu", admin=True)

    page.goto(f"/admin/assessment/framework/{framework.pk}/change/")
    page.get_by_role("link", name="Nhập tiêu chí từ bảng tính").click()
    expect(page.locator("#id_framework")).to_have_value(str(framework.pk))
    page.set_input_files("#id_import_file", str(SAMPLE))
    page.get_by_role("button", name="Gửi").click()

    expect(page.get_by_test_id("import-summary")).to_contain_text("54 mới, 0 thay đổi")
    screenshot("framework-import-preview")
    assert not Criterion.objects.filter(framework=framework).exists()

    page.get_by_role("button", name="Xác nhận nhập").click()
    expect(page.get_by_test_id("framework-totals")).to_have_text(
        "thẩm định 70 + điều tra xã hội học 30 = 100 điểm; điểm thưởng tối đa 2, "
        "điểm trừ tối đa 3; 43 tiêu chí được chấm."
    )
    expect(page.get_by_test_id("framework-tree").locator("tbody tr")).to_have_count(54)
    screenshot("framework-tree")
    assert Criterion.objects.filter(framework=framework).count() == 54
