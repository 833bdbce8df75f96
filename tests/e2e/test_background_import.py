"""Issue 14: Home Affairs imports a survey file above IMPORT_BACKGROUND_ROWS; the upload lands on the progress page
(the job queue is down: its check waits, kept); once the queue is back the page shows what the import would do,
and the confirmation imports it, the page then showing the summary."""

import csv

from django.core.management import call_command
from playwright.sync_api import expect

from accounts.models import Role
from accounts.services import membership_grant
from assessment.models import Criterion, Framework, Method, Score
from assessment.services import framework_activate
from tests.assessment.conftest import AGENCIES, import_rows, open_period, sample_rows
from tests.e2e.conftest import sign_in
from tests.factories import BlockFactory, UnitFactory, UserFactory
from tests.jobs import CLOSED_PORT_BROKER, broker

UNITS = 260  # × 8 survey criteria of the sample framework = 2,080 rows, above the default threshold of 2,000


def survey_file(path, framework) -> int:
    leaves = list(Criterion.objects.filter(framework=framework, method=Method.SURVEY).order_by("order"))
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Mã đơn vị", "Mã tiêu chí", "Điểm"])
        for number in range(1, UNITS + 1):
            for leaf in leaves:
                writer.writerow([f"xa-{number:03d}", leaf.code, str(leaf.max_points - (number % 3)).replace(".", ",")])
                rows += 1
    return rows


def test_home_affairs_follows_a_large_survey_import_from_queued_to_done(page, screenshot, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    settings.JOBS_PENDING_GRACE_SECONDS = 60
    block = BlockFactory(code="communes", name="Khối xã, phường", order=1)
    agencies = BlockFactory(code="departments", name="Khối Sở, ban, ngành", order=2)
    for code, name in AGENCIES.items():
        UnitFactory(code=code, name=name, block=agencies)
    units = [
        UnitFactory(code=f"xa-{number:03d}", name=f"Xã số {number}", block=block) for number in range(1, UNITS + 1)
    ]
    framework = Framework.objects.create(block=block, name="Bộ chỉ số xã", first_year=2024)
    outcome = import_rows(framework, sample_rows())
    assert outcome.ok, outcome.problems
    framework_activate(framework=framework, actor=None)
    period = open_period(framework, year=2026, units=units)
    membership_grant(user=UserFactory(username="noivu", full_name="Trần Thị Hương"), role=Role.COORDINATOR, actor=None)
    path = tmp_path / "dieu-tra-2026.csv"
    assert survey_file(path, framework) == 2080

    sign_in(page, "noivu", admin=True)
    page.goto("/admin/assessment/surveyscore/import/")
    page.get_by_label("Kỳ đánh giá").select_option(str(period.pk))
    page.set_input_files("#id_import_file", str(path))
    with broker(CLOSED_PORT_BROKER):  # the job queue is down: the upload still succeeds, its check waits
        page.get_by_role("button", name="Gửi").click()
        page.wait_for_url("**/admin/assessment/importjob/*/progress/")
    expect(page.get_by_test_id("import-state")).to_have_text("Đang chờ")
    expect(page.get_by_test_id("import-rows")).to_have_text("Đã xử lý 0 trên 2.080 dòng")
    expect(page.get_by_test_id("import-check")).to_contain_text("Chưa có dữ liệu nào được lưu cho đến khi bạn xác nhận")
    expect(page.get_by_test_id("import-waiting")).to_contain_text("Hiện không kết nối được hàng đợi công việc")
    assert Score.objects.filter(survey_points__isnull=False).count() == 0
    page.set_viewport_size({"width": 1366, "height": 900})
    screenshot("background-import-waiting-1366")

    with broker(None):  # the queue is back: beat's send_pending_jobs hands the check over
        call_command("send_pending_jobs", "--all")
    # The page refreshes itself (its script asks for the state) and reads the state from the database.
    expect(page.get_by_test_id("import-state")).to_have_text("Đã kiểm tra, chờ xác nhận", timeout=15000)
    expect(page.get_by_test_id("import-checked")).to_contain_text("0 mới, 2.080 cập nhật, 0 không đổi")
    assert Score.objects.filter(survey_points__isnull=False).count() == 0
    screenshot("background-import-checked-1366")

    page.get_by_role("button", name="Xác nhận nhập").click()  # the queue is up (eager here): imported
    expect(page.get_by_test_id("import-state")).to_have_text("Đã hoàn thành", timeout=15000)
    expect(page.get_by_test_id("import-rows")).to_have_text("Đã xử lý 2.080 trên 2.080 dòng")
    expect(page.get_by_test_id("import-summary")).to_have_text(
        "Đã nhập xong: 0 mới, 2.080 cập nhật, 0 không đổi hoặc để trống."
    )
    expect(page.get_by_test_id("import-recent")).to_contain_text("dieu-tra-2026.csv")
    expect(page.get_by_test_id("import-recent")).to_contain_text("2.080/2.080")
    assert Score.objects.filter(survey_points__isnull=False).count() == 2080
    screenshot("background-import-done-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("background-import-done-390")


def test_the_progress_pages_have_no_serious_accessibility_violation(browser, live_server, transactional_db):
    from assessment.models import ImportJob, ImportState
    from tests.e2e.test_accessibility import check

    coordinator = UserFactory(username="noivu", full_name="Trần Thị Hương")
    membership_grant(user=coordinator, role=Role.COORDINATOR, actor=None)
    failed = ImportJob.objects.create(
        target="assessment.surveyscore",
        resource="assessment.resources.SurveyResource",
        file_name="dieu-tra.csv",
        started_by=coordinator,
        state=ImportState.FAILED,
        rows_total=2500,
        rows_processed=2500,
        problems=[[4, "Điểm: “tám” không phải là số."], [None, "Tệp có dòng trống."]],
    )
    waiting = ImportJob.objects.create(
        target="accounts.unit",
        resource="accounts.resources.UnitResource",
        file_name="don-vi.csv",
        started_by=coordinator,
        rows_total=3000,
    )
    checked = ImportJob.objects.create(
        target="assessment.surveyscore",
        resource="assessment.resources.SurveyResource",
        file_name="dieu-tra-lon.csv",
        started_by=coordinator,
        state=ImportState.CHECKED,
        preview=True,
        rows_total=2500,
        rows_processed=2500,
        updated_count=2400,
        skipped_count=100,
    )
    check(
        browser,
        live_server,
        {
            "import-checked": f"/admin/assessment/importjob/{checked.pk}/progress/",
            "import-failed": f"/admin/assessment/importjob/{failed.pk}/progress/",
            "import-waiting": f"/admin/assessment/importjob/{waiting.pk}/progress/",
            "import-list": "/admin/assessment/importjob/",
        },
        "noivu",
        admin=True,
    )
