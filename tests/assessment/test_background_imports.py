"""Issue 14: an admin import of IMPORT_BACKGROUND_ROWS rows or more is checked (its preview) and, once confirmed,
imported by background jobs through the outbox, with a progress page that reads its state from the database;
below the threshold nothing changes."""

import re
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import OperationalError, connection, connections
from django.test import TestCase
from django.urls import reverse

from accounts.models import Role, Unit
from assessment.models import ImportJob, ImportState, Job, JobState, Score
from assessment.resources import SurveyResource
from assessment.services import imports
from tests.assessment.test_results_inputs import survey_of, table_csv
from tests.conftest import make_user
from tests.jobs import CLOSED_PORT_BROKER, broker

HEADER = ["Mã đơn vị", "Mã tiêu chí", "Điểm"]
# graded_period's survey criterion 3.1: so-y-te 7,25, so-xay-dung 10, so-cong-thuong 10, so-du-lich 10.
FOUR_ROWS = [
    ["so-y-te", "3.1", "8,5"],  # changed
    ["so-xay-dung", "3.1", "9"],  # changed
    ["so-cong-thuong", "3.1", "10"],  # unchanged
    ["so-du-lich", "3.1", "10"],  # unchanged
]


@pytest.fixture(autouse=True)
def threshold(settings, private_storage):
    settings.IMPORT_BACKGROUND_ROWS = 3
    settings.IMPORT_MAX_RETRIES = 2
    settings.IMPORT_RETRY_BACKOFF = 30
    settings.JOBS_PENDING_GRACE_SECONDS = 60
    return private_storage


def upload_and_confirm(client, import_url: str, data: dict):
    """Upload a large file in the admin as a person would: its check runs as a job (eagerly here) and the person
    lands on the progress page; there, once checked, they confirm. The confirmation's response (or the upload's,
    when the check did not end: the queue down)."""
    with TestCase.captureOnCommitCallbacks(execute=True):  # the job goes to the queue after the commit
        upload = client.post(import_url, {"resource": "0", "format": "0", **data})
    job = ImportJob.objects.order_by("-pk").first()
    if job is None or job.state != ImportState.CHECKED:  # refused (the store down), or not checked yet
        return upload
    assert upload.status_code == 302 and upload["Location"] == progress_url(job)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("admin:assessment_importjob_confirm", args=[job.pk]))


def confirm_survey(client, period, rows, *, name="dieu-tra.csv"):
    """Upload, check, confirm in the admin as a person would; the confirmation's response."""
    return upload_and_confirm(
        client,
        reverse("admin:assessment_surveyscore_import"),
        {"period": period.pk, "import_file": SimpleUploadedFile(name, table_csv(HEADER, *rows))},
    )


def progress_url(job):
    return reverse("admin:assessment_importjob_progress", args=[job.pk])


def text_of(page, testid):
    found = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</', page.content.decode(), re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split()) if found else None


def kept_files(storage_root):
    folder = storage_root / "imports"
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


# -- below and above the threshold ------------------------------------------------------------------------------


def test_below_the_threshold_the_import_runs_in_the_request_as_before(client, graded_period, coordinator):
    client.force_login(coordinator)
    preview = client.post(
        reverse("admin:assessment_surveyscore_import"),
        {
            "period": graded_period.pk,
            "resource": "0",
            "format": "0",
            "import_file": SimpleUploadedFile("dieu-tra.csv", table_csv(HEADER, *FOUR_ROWS[:2])),
        },
    )
    assert preview.status_code == 200  # the preview in the request, with its confirmation form
    confirm = preview.context["confirm_form"].initial
    response = client.post(reverse("admin:assessment_surveyscore_process_import"), {**confirm, "resource": "0"})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:assessment_surveyscore_changelist")
    assert (survey_of("3.1"), survey_of("3.1", "so-xay-dung")) == (D("8.50"), D("9.00"))
    assert (ImportJob.objects.count(), Job.objects.count()) == (0, 0)


def test_above_the_threshold_the_confirmation_queues_a_job_run_eagerly_in_tests(
    client, graded_period, coordinator, threshold
):
    client.force_login(coordinator)
    response = confirm_survey(client, graded_period, FOUR_ROWS)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == progress_url(job)
    assert (job.state, job.rows_total, job.rows_processed) == (ImportState.DONE, 4, 4)
    assert (job.new_count, job.updated_count, job.skipped_count, job.problems) == (0, 2, 2, [])
    assert (job.target, job.resource, job.file_name, job.started_by) == (
        "assessment.surveyscore",
        "assessment.resources.SurveyResource",
        "dieu-tra.csv",
        coordinator,
    )
    assert job.options == {"period": {"model": "assessment.period", "pk": graded_period.pk}}
    assert (job.job.task, job.job.arguments, job.job.state) == ("assessment.tasks.run_import", [job.pk], JobState.SENT)
    assert [survey_of("3.1", unit) for unit in ("so-y-te", "so-xay-dung", "so-cong-thuong", "so-du-lich")] == [
        D("8.50"),
        D("9.00"),
        D("10.00"),
        D("10.00"),
    ]
    # The audit trail names the person who confirmed it.
    record = Score.objects.get(assessment__unit__code="so-y-te", criterion__code="3.1").history.first()
    assert (record.history_user, record.history_change_reason) == (coordinator, "survey")
    assert kept_files(threshold) == []  # the kept file goes once the import is over
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert text_of(page, "import-state") == "Đã hoàn thành"
    assert text_of(page, "import-rows") == "Đã xử lý 4 trên 4 dòng"
    assert text_of(page, "import-summary") == "Đã nhập xong: 0 mới, 2 cập nhật, 2 không đổi hoặc để trống."
    assert 'data-finished="true"' in page.content.decode()  # finished: the page's script asks no more


def test_a_large_file_is_checked_by_a_job_and_imported_only_once_its_starter_confirms(
    client, graded_period, coordinator, appraiser, threshold
):
    client.force_login(coordinator)
    with TestCase.captureOnCommitCallbacks(execute=True):
        upload = client.post(
            reverse("admin:assessment_surveyscore_import"),
            {
                "period": graded_period.pk,
                "resource": "0",
                "format": "0",
                "import_file": SimpleUploadedFile("dieu-tra.csv", table_csv(HEADER, *FOUR_ROWS)),
            },
        )
    job = ImportJob.objects.get()
    assert upload.status_code == 302 and upload["Location"] == progress_url(job)  # no preview in the request
    # The check (a dry run of every row) ran as a job: counted, nothing saved, the file kept for the import.
    assert (job.state, job.preview, job.rows_processed, job.new_count, job.updated_count, job.skipped_count) == (
        ImportState.CHECKED,
        True,
        4,
        0,
        2,
        2,
    )
    assert (job.job.task, job.job.arguments, job.job.state) == ("assessment.tasks.run_import", [job.pk], JobState.SENT)
    assert survey_of("3.1") == D("7.25")
    assert len(kept_files(threshold)) == 1
    page = client.get(progress_url(job))
    assert text_of(page, "import-state") == "Đã kiểm tra, chờ xác nhận"
    assert text_of(page, "import-checked") == (
        "Đã kiểm tra mọi dòng: nhập tệp này sẽ cho 0 mới, 2 cập nhật, 2 không đổi hoặc để trống. "
        "Chưa có dữ liệu nào được lưu."
    )
    assert 'data-testid="import-confirm"' in page.content.decode()
    assert 'data-finished="true"' in page.content.decode()  # nothing happens until the person confirms
    status = client.get(reverse("admin:assessment_importjob_status", args=[job.pk])).json()
    assert (status["state"], status["finished"], status["percent"]) == ("checked", True, 100)
    confirm_url = reverse("admin:assessment_importjob_confirm", args=[job.pk])
    assert client.get(confirm_url).status_code == 405

    # Home Affairs sees it, but only the person who started it confirms it; an appraiser does not even see it.
    other = make_user("noivu2", (Role.COORDINATOR, None), full_name="Phạm Văn Bình")
    client.force_login(other)
    page = client.get(progress_url(job))
    assert 'data-testid="import-confirm"' not in page.content.decode()
    refused = client.post(confirm_url)
    assert refused["Location"] == progress_url(job)
    assert [str(m) for m in client.get(progress_url(job)).context["messages"]] == [
        "Việc nhập này không chờ bạn xác nhận."
    ]
    client.force_login(appraiser)
    assert client.post(confirm_url).status_code == 404
    job.refresh_from_db()
    assert (job.state, Job.objects.count(), survey_of("3.1")) == (ImportState.CHECKED, 1, D("7.25"))

    client.force_login(coordinator)
    with TestCase.captureOnCommitCallbacks(execute=True):
        confirmed = client.post(confirm_url)
    assert confirmed["Location"] == progress_url(job)
    job.refresh_from_db()
    assert (job.state, job.preview, job.rows_processed, job.updated_count, job.skipped_count) == (
        ImportState.DONE,
        False,
        4,
        2,
        2,
    )
    assert Job.objects.filter(task="assessment.tasks.run_import", arguments=[job.pk]).count() == 2
    assert (survey_of("3.1"), survey_of("3.1", "so-xay-dung")) == (D("8.50"), D("9.00"))
    assert kept_files(threshold) == []
    # confirmed once: a second confirmation is refused and imports nothing again
    client.post(confirm_url)
    assert [str(m) for m in client.get(progress_url(job)).context["messages"]] == [
        "Việc nhập này không chờ bạn xác nhận."
    ]
    assert Job.objects.count() == 2


# -- the job queue down: the request succeeds, the job waits, send_pending_jobs runs it --------------------------


def test_with_the_broker_down_the_request_returns_the_progress_page_and_the_job_runs_later(
    client, graded_period, coordinator, threshold
):
    client.force_login(coordinator)
    with broker(CLOSED_PORT_BROKER):
        response = confirm_survey(client, graded_period, FOUR_ROWS)  # the upload: its check waits for the queue
        job = ImportJob.objects.get()
        assert response.status_code == 302 and response["Location"] == progress_url(job)
        page = client.get(response["Location"])
    job.refresh_from_db()
    assert (job.state, job.preview, job.rows_processed, job.job.state, job.job.send_attempts) == (
        ImportState.QUEUED,
        True,
        0,
        JobState.PENDING,
        1,
    )
    assert job.job.last_error == "OperationalError: Error 111 connecting to 127.0.0.1:9. Connection refused."
    assert survey_of("3.1") == D("7.25")  # nothing imported yet
    assert len(kept_files(threshold)) == 1  # the file is kept in the storage for the job
    assert text_of(page, "import-state") == "Đang chờ"
    assert text_of(page, "import-waiting") == (
        "Hiện không kết nối được hàng đợi công việc: tệp đã được giữ lại và việc nhập sẽ bắt đầu ngay khi "
        "hàng đợi hoạt động trở lại. Chưa có dữ liệu nào được lưu."
    )
    assert 'data-finished="false"' in page.content.decode()  # the page's script asks for the state every 3 s
    status_url = reverse("admin:assessment_importjob_status", args=[job.pk])
    assert client.get(status_url).json() == {
        "state": "queued",
        "state_label": "Đang chờ",
        "finished": False,
        "rows_processed": 0,
        "rows_total": 4,
        "percent": 0,
        "rows_text": "Đã xử lý 0 trên 4 dòng",
    }
    # The page survives a reload: its state is in the database.
    again = client.get(response["Location"])
    assert (text_of(again, "import-state"), text_of(again, "import-rows")) == ("Đang chờ", "Đã xử lý 0 trên 4 dòng")

    with broker(None):
        call_command("send_pending_jobs", "--all")
    job.refresh_from_db()
    assert (job.state, job.rows_processed, job.updated_count, job.skipped_count) == (ImportState.CHECKED, 4, 2, 2)
    assert (job.job.state, job.job.send_attempts) == (JobState.SENT, 2)
    assert survey_of("3.1") == D("7.25")  # checked, nothing saved before the confirmation
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("admin:assessment_importjob_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert (job.state, job.preview, job.rows_processed, job.updated_count, job.skipped_count) == (
        ImportState.DONE,
        False,
        4,
        2,
        2,
    )
    assert (job.job.task, job.job.state, job.job.send_attempts) == ("assessment.tasks.run_import", JobState.SENT, 1)
    assert survey_of("3.1") == D("8.50")
    assert kept_files(threshold) == []
    assert text_of(client.get(response["Location"]), "import-state") == "Đã hoàn thành"
    status = client.get(status_url).json()
    assert (status["state"], status["finished"], status["percent"], status["rows_text"]) == (
        "done",
        True,
        100,
        "Đã xử lý 4 trên 4 dòng",
    )


# -- progress ---------------------------------------------------------------------------------------------------


def survey_file(rows) -> bytes:
    return table_csv(HEADER, *rows)


def queue_survey(period, user, rows, *, name="dieu-tra.csv"):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return imports.import_queue(
            actor=user,
            target="assessment.surveyscore",
            resource_class=SurveyResource,
            resource_kwargs={"period": period},
            file_name=name,
            content=survey_file(rows),
            extension="csv",
            rows_total=len(rows),
        )


def test_the_rows_processed_are_written_as_the_import_goes(graded_period, coordinator, monkeypatch):
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 2)
    written = []
    original = imports._Progress.write

    def spy(self, processed):
        written.append(processed)
        original(self, processed)

    monkeypatch.setattr(imports._Progress, "write", spy)
    rows = [*FOUR_ROWS, ["", "", ""], ["so-y-te", "3.1", "8,5"]]  # a blank row counts; row 7 repeats row 2
    job = queue_survey(graded_period, coordinator, rows[:5])
    job.refresh_from_db()
    assert written == [2, 4]
    assert (job.state, job.rows_processed, job.updated_count, job.skipped_count) == (ImportState.DONE, 5, 2, 2)


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_progress_page_sees_the_rows_while_the_import_runs(graded_period, coordinator, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite allows one writer: there the counts are written at the start and the end only")
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 1)
    seen = []
    original = imports._Progress.write

    def read_from_elsewhere(self, processed):
        original(self, processed)
        reader = connections.create_connection("default")
        try:
            with reader.cursor() as cursor:
                cursor.execute("SELECT state, rows_processed FROM assessment_importjob WHERE id = %s", [self.import_id])
                seen.append(cursor.fetchone())
                # and the import's own rows are not visible yet: all or nothing
                cursor.execute(
                    "SELECT s.survey_points FROM assessment_score s JOIN assessment_assessment a "
                    "ON a.id = s.assessment_id JOIN accounts_unit u ON u.id = a.unit_id "
                    "JOIN assessment_criterion c ON c.id = s.criterion_id WHERE u.code = 'so-y-te' AND c.code = '3.1'"
                )
                seen.append(cursor.fetchone()[0])
        finally:
            reader.close()

    monkeypatch.setattr(imports._Progress, "write", read_from_elsewhere)
    queue_survey(graded_period, coordinator, FOUR_ROWS)
    assert seen[::2] == [("running", 1), ("running", 2), ("running", 3), ("running", 4)]
    assert seen[1::2] == [D("7.25")] * 4
    assert survey_of("3.1") == D("8.50")


# -- failures ---------------------------------------------------------------------------------------------------


def test_a_bad_row_fails_the_import_with_its_row_number_and_nothing_is_saved(
    client, graded_period, coordinator, threshold
):
    rows = [FOUR_ROWS[0], FOUR_ROWS[1], ["so-du-lich", "3.1", "tám"], ["so-khong-co", "3.1", "5"]]
    job = queue_survey(graded_period, coordinator, rows)
    job.refresh_from_db()
    assert (job.state, job.rows_processed, job.new_count, job.updated_count) == (ImportState.FAILED, 4, 0, 0)
    assert job.problems == [
        [4, "Điểm: “tám” không phải là số."],
        [5, "Mã đơn vị: so-khong-co không có hồ sơ trong Chỉ số CCHC năm 2023."],
    ]
    assert (survey_of("3.1"), survey_of("3.1", "so-xay-dung")) == (D("7.25"), D("10.00"))  # nothing saved
    assert kept_files(threshold) == []
    client.force_login(coordinator)
    page = client.get(progress_url(job))
    assert text_of(page, "import-state") == "Thất bại"
    assert text_of(page, "import-failed") == (
        "Việc nhập không thành công: không có dữ liệu nào được lưu. Hãy sửa tệp và nhập lại."
    )
    problems = re.findall(r"<li>(.*?)</li>", page.content.decode().split('data-testid="import-problems"')[1], re.S)
    assert [" ".join(problem.split()) for problem in problems] == [
        "Dòng 4: Điểm: “tám” không phải là số.",
        "Dòng 5: Mã đơn vị: so-khong-co không có hồ sơ trong Chỉ số CCHC năm 2023.",
    ]
    # Home Affairs finds the failure in the list of background imports, with its first problem.
    listing = client.get(reverse("admin:assessment_importjob_changelist"))
    assert listing.status_code == 200
    assert "Dòng 4: Điểm: “tám” không phải là số." in listing.content.decode()


def test_a_system_error_is_retried_with_backoff_then_failed_for_home_affairs(
    client, graded_period, coordinator, monkeypatch, caplog
):
    def unreachable(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(imports, "read_table", unreachable)
    caplog.set_level("INFO", logger="assessment.tasks")
    job = queue_survey(graded_period, coordinator, FOUR_ROWS)
    job.refresh_from_db()
    assert (job.state, job.attempts, job.rows_processed) == (ImportState.FAILED, 3, 0)
    assert job.last_error == "OperationalError: could not connect to server"
    assert job.problems == [[None, "Không thể hoàn tất việc nhập do lỗi hệ thống; không có dữ liệu nào được lưu."]]
    retries = [r.getMessage() for r in caplog.records if r.name == "assessment.tasks" and "retry" in r.getMessage()]
    assert retries == [f"import {job.pk}: retry 1 in 30 s", f"import {job.pk}: retry 2 in 60 s"]
    assert survey_of("3.1") == D("7.25")
    client.force_login(coordinator)
    listing = client.get(reverse("admin:assessment_importjob_changelist") + "?state__exact=failed")
    assert "dieu-tra.csv" in listing.content.decode()
    assert "Không thể hoàn tất việc nhập do lỗi hệ thống" in listing.content.decode()


def test_a_file_store_that_cannot_be_reached_refuses_the_confirmation_and_queues_nothing(
    client, graded_period, coordinator, monkeypatch
):
    def refuse(*args, **kwargs):
        raise OSError("disk unreachable")

    client.force_login(coordinator)
    monkeypatch.setattr("django.core.files.storage.FileSystemStorage._save", refuse)
    response = confirm_survey(client, graded_period, FOUR_ROWS)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:assessment_surveyscore_import")
    assert (ImportJob.objects.count(), Job.objects.count()) == (0, 0)
    assert survey_of("3.1") == D("7.25")
    messages = [str(message) for message in client.get(response["Location"]).context["messages"]]
    assert messages == [
        "Hiện không kết nối được kho lưu trữ tệp: tệp chưa được lưu và không có thay đổi nào. Hãy thử lại sau ít "
        "phút; nếu vẫn gặp lỗi, hãy báo cho quản trị hệ thống."
    ]


# -- who sees the progress page ---------------------------------------------------------------------------------


def test_the_progress_groups_thousands_as_each_language_writes_them(client, settings, graded_period, coordinator):
    job = queue_survey(graded_period, coordinator, FOUR_ROWS)
    ImportJob.objects.filter(pk=job.pk).update(
        state=ImportState.RUNNING, rows_total=12080, rows_processed=2080, new_count=1200, updated_count=880
    )
    client.force_login(coordinator)
    status_url = reverse("admin:assessment_importjob_status", args=[job.pk])
    assert client.get(status_url).json()["rows_text"] == "Đã xử lý 2.080 trên 12.080 dòng"
    assert text_of(client.get(progress_url(job)), "import-rows") == "Đã xử lý 2.080 trên 12.080 dòng"
    listing = client.get(reverse("admin:assessment_importjob_changelist")).content.decode()
    assert "2.080/12.080" in listing
    recent = client.get(progress_url(job)).content.decode().split('data-testid="import-recent"')[1]
    assert "2.080/12.080" in recent  # the person's recent imports under the progress
    ImportJob.objects.filter(pk=job.pk).update(state=ImportState.DONE, rows_processed=12080, skipped_count=10000)
    assert text_of(client.get(progress_url(job)), "import-summary") == (
        "Đã nhập xong: 1.200 mới, 880 cập nhật, 10.000 không đổi hoặc để trống."
    )
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert client.get(status_url).json()["rows_text"] == "12,080 of 12,080 rows processed"
    assert text_of(client.get(progress_url(job)), "import-summary") == (
        "Import finished: 1,200 new, 880 updated, 10,000 unchanged or blank."
    )


def test_only_the_person_who_started_it_and_home_affairs_see_the_progress_page(
    client, graded_period, coordinator, appraiser, unit_staff, council_member, superuser
):
    job = queue_survey(graded_period, coordinator, FOUR_ROWS)
    other_coordinator = make_user("noivu2", (Role.COORDINATOR, None), full_name="Phạm Văn Bình")
    expected = {
        coordinator: 200,  # started it
        other_coordinator: 200,  # Home Affairs
        superuser: 200,
        appraiser: 404,
        council_member: 404,
        unit_staff: 302,  # no entry to the admin at all: to its sign-in
    }
    seen, statuses = {}, {}
    status_url = reverse("admin:assessment_importjob_status", args=[job.pk])
    for user in expected:
        client.force_login(user)
        seen[user] = client.get(progress_url(job)).status_code
        statuses[user] = client.get(status_url).status_code
    assert seen == expected
    assert statuses == expected  # the state the page's script reads: the same people
    client.logout()
    assert client.get(progress_url(job)).status_code == 302
    # The list of every background import is Home Affairs'.
    for user, status in [(other_coordinator, 200), (appraiser, 403), (council_member, 403)]:
        client.force_login(user)
        assert client.get(reverse("admin:assessment_importjob_changelist")).status_code == status


def test_an_appraiser_follows_their_own_grades_import_and_lists_only_their_own(
    client, graded_period, coordinator, appraiser
):
    own = queue_survey(graded_period, appraiser, FOUR_ROWS, name="cua-toi.csv")
    queue_survey(graded_period, coordinator, FOUR_ROWS, name="cua-noi-vu.csv")
    client.force_login(appraiser)
    page = client.get(progress_url(own))
    assert page.status_code == 200
    recent = page.content.decode().split('data-testid="import-recent"')[1]
    assert "cua-toi.csv" in recent and "cua-noi-vu.csv" not in recent


# -- the other imports share the path ---------------------------------------------------------------------------


def test_the_units_import_above_the_threshold_runs_in_the_background(client, coordinator, departments):
    client.force_login(coordinator)
    rows = [[f"don-vi-{number}", f"Đơn vị {number}", "departments"] for number in range(1, 6)]
    response = upload_and_confirm(
        client,
        reverse("admin:accounts_unit_import"),
        {"import_file": SimpleUploadedFile("units.csv", table_csv(["code", "name", "block"], *rows))},
    )
    job = ImportJob.objects.get()
    assert response["Location"] == progress_url(job)
    assert (job.target, job.state, job.rows_total, job.new_count) == ("accounts.unit", ImportState.DONE, 5, 5)
    assert Unit.objects.filter(code__startswith="don-vi-").count() == 5
    page = client.get(progress_url(job))
    assert text_of(page, "import-summary") == "Đã nhập xong: 5 mới, 0 cập nhật, 0 không đổi hoặc để trống."


def test_people_imported_in_the_background_are_created_under_the_coordinator_and_invited(
    client, coordinator, finance, settings
):
    from django.core import mail

    from accounts.models import GovernanceEvent, User

    settings.SITE_URL = "https://cchc.hanoi.gov.vn/"
    client.force_login(coordinator)
    rows = [
        [
            f"tc.canbo{number}",
            f"Cán bộ {number}",
            f"canbo{number}@taichinh.hanoi.example",
            "",
            "so-tai-chinh",
            "unit_staff",
        ]
        for number in range(1, 5)
    ]
    content = table_csv(["username", "full_name", "email", "phone", "unit", "role"], *rows)
    response = upload_and_confirm(
        client,
        reverse("admin:accounts_user_import"),
        {"import_file": SimpleUploadedFile("nguoi-dung.csv", content)},
    )
    job = ImportJob.objects.get()
    assert response["Location"] == progress_url(job)
    assert (job.target, job.state, job.rows_total, job.new_count) == ("accounts.user", ImportState.DONE, 4, 4)
    assert sorted(User.objects.filter(username__startswith="tc.canbo").values_list("username", flat=True)) == [
        "tc.canbo1",
        "tc.canbo2",
        "tc.canbo3",
        "tc.canbo4",
    ]
    assert sorted(message.to[0] for message in mail.outbox) == [
        f"canbo{number}@taichinh.hanoi.example" for number in range(1, 5)
    ]
    people = set(User.objects.filter(username__startswith="tc.canbo").values_list("pk", flat=True))
    events = GovernanceEvent.objects.filter(object_id__in=people, content_type__model="user")
    assert events.count() == 8  # each person added and their role granted
    assert set(events.values_list("actor", flat=True)) == {coordinator.pk}
