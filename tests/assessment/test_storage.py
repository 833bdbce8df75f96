"""The storage faults: a file store that cannot be reached refuses uploads clearly and leaves nothing half-written;
downloads say the store is unavailable; the settings build the S3 storage from the environment."""

import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from assessment.models import AssessmentEvent, Document, Evidence, PublicationFile, Score
from assessment.services import evidence_upload
from cchc.settings import s3_storage
from tests.assessment.conftest import PDF_BYTES, PNG_BYTES, complete, publish, score_of
from tools.seaweedfs import free_ports

ROOT = Path(__file__).resolve().parents[2]
UNREACHABLE = (
    "Hiện không kết nối được kho lưu trữ tệp: tệp chưa được lưu và không có thay đổi nào. "
    "Hãy thử lại sau ít phút; nếu vẫn gặp lỗi, hãy báo cho quản trị hệ thống."
)
JSON = {"HTTP_ACCEPT": "application/json", "HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


def store_down_entry() -> dict:
    """An S3 bucket on a loopback port where nothing listens (one attempt, no retry)."""
    entry = s3_storage(
        bucket="cchc-test",
        endpoint_url=f"http://127.0.0.1:{free_ports(1)[0]}",
        access_key="cchc-test",
        secret_key="cchc-test-secret-key",
        region="us-east-1",
        addressing_style="path",
    )
    entry["OPTIONS"]["client_config"] = Config(
        signature_version="s3v4", connect_timeout=1, retries={"max_attempts": 1, "mode": "standard"}
    )
    return entry


@pytest.fixture
def store_down(settings, private_storage):
    settings.STORAGES = {**settings.STORAGES, "default": store_down_entry()}


class SecondSaveFails(FileSystemStorage):
    """A disk that takes the first file of a request and loses its connection on the second."""

    saves = 0

    def _save(self, name, content):
        type(self).saves += 1
        if type(self).saves == 2:
            raise EndpointConnectionError(endpoint_url="http://store.internal")
        return super()._save(name, content)


def upload_url(assessment, score):
    return reverse("assessment:evidence-add", args=[assessment.pk, score.pk])


def untouched(assessment):
    """Nothing of an upload or a submission: no document, no evidence link, no history, no event, no new version."""
    return (
        Document.objects.count(),
        Evidence.objects.count(),
        Evidence.history.count(),
        AssessmentEvent.objects.filter(assessment=assessment).count(),
        sorted(Score.objects.filter(assessment=assessment).values_list("version", flat=True).distinct()),
    )


def test_an_upload_with_the_store_down_is_refused_clearly_and_saves_nothing(client, unit_staff, assessment, store_down):
    before = untouched(assessment)
    client.force_login(unit_staff)
    url = upload_url(assessment, score_of(assessment, "1.1.1"))

    dialog = client.post(url, {"files": SimpleUploadedFile("kh.pdf", PDF_BYTES), "number": "224/KH-UBND"}, **JSON)
    assert (dialog.status_code, dialog.json()) == (400, {"ok": False, "errors": {"files": [UNREACHABLE]}})

    page = client.post(url, {"files": SimpleUploadedFile("kh.pdf", PDF_BYTES)})
    assert page.status_code == 302
    assert [str(message) for message in page.wsgi_request._messages] == [f"Tiêu chí 1.1.1: {UNREACHABLE}"]
    assert untouched(assessment) == before == (0, 0, 0, 0, before[4])


def test_a_store_lost_in_the_middle_of_two_files_keeps_neither(client, settings, unit_staff, assessment, tmp_path):
    SecondSaveFails.saves = 0
    location = tmp_path / "flaky"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.SecondSaveFails", "OPTIONS": {"location": str(location)}},
    }
    client.force_login(unit_staff)
    response = client.post(
        upload_url(assessment, score_of(assessment, "1.1.1")),
        {"files": [SimpleUploadedFile("a.pdf", PDF_BYTES), SimpleUploadedFile("b.png", PNG_BYTES)]},
        **JSON,
    )
    assert (response.status_code, response.json()) == (400, {"ok": False, "errors": {"files": [UNREACHABLE]}})
    assert SecondSaveFails.saves == 2
    assert (Document.objects.count(), Evidence.objects.count(), Evidence.history.count()) == (0, 0, 0)
    # The first file reached the disk before the second failed: an orphan named by its content, linked to nothing,
    # which the next successful upload of the same file reuses.
    assert [path.name for path in location.rglob("*.*")] == [f"{hashlib.sha256(PDF_BYTES).hexdigest()}.pdf"]


def test_submitting_with_the_store_down_is_refused_and_the_assessment_stays_a_draft(
    client, unit_head, assessment, store_down
):
    complete(assessment, unit_head)
    before = untouched(assessment)
    client.force_login(unit_head)
    response = client.post(
        reverse("assessment:assessment-submit", args=[assessment.pk]),
        {"confirm": "on", "signed_report": SimpleUploadedFile("bao-cao-da-ky.pdf", PDF_BYTES)},
    )
    assert response.status_code == 400
    assert response.context["submit_problems"] == [
        {"text": f"Báo cáo đã ký: {UNREACHABLE}", "href": "#id_signed_report"}
    ]
    assessment.refresh_from_db()
    assert (assessment.status, assessment.signed_report, assessment.submitted_at) == ("draft", None, None)
    assert untouched(assessment) == before


def assert_unavailable(response):
    assert response.status_code == 503
    page = response.content.decode()
    assert "Kho lưu trữ tệp tạm thời không truy cập được" in page
    assert "Hiện chưa đọc được tệp từ kho lưu trữ. Không có thay đổi nào" in page


def test_an_evidence_download_with_the_store_down_says_so(client, settings, unit_staff, assessment):
    evidence = evidence_upload(
        score=score_of(assessment, "1.1.1"), user=unit_staff, upload=SimpleUploadedFile("kh.pdf", PDF_BYTES)
    )
    settings.STORAGES = {**settings.STORAGES, "default": store_down_entry()}
    client.force_login(unit_staff)
    assert_unavailable(client.get(reverse("assessment:document-download", args=[evidence.document.pk])))


def test_a_public_download_with_the_store_down_says_so_and_records_nothing(
    client, graded_period, coordinator, store_down
):
    publish(graded_period, coordinator)
    assert_unavailable(client.get(reverse("public:results-download", args=[2023, "csv"])))
    assert not PublicationFile.objects.exists()


def test_the_local_disk_streams_even_when_redirects_are_asked_for(
    client, settings, unit_staff, assessment, private_storage
):
    settings.STORAGE_DOWNLOADS = "redirect"  # only a bucket can sign URLs
    evidence = evidence_upload(
        score=score_of(assessment, "1.1.1"), user=unit_staff, upload=SimpleUploadedFile("kh.pdf", PDF_BYTES)
    )
    client.force_login(unit_staff)
    response = client.get(reverse("assessment:document-download", args=[evidence.document.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_a_file_missing_from_the_store_is_not_found(client, unit_staff, assessment, private_storage):
    evidence = evidence_upload(
        score=score_of(assessment, "1.1.1"), user=unit_staff, upload=SimpleUploadedFile("kh.pdf", PDF_BYTES)
    )
    (private_storage / evidence.document.file.name).unlink()
    client.force_login(unit_staff)
    assert client.get(reverse("assessment:document-download", args=[evidence.document.pk])).status_code == 404


def test_the_move_command_with_the_store_down_stops_and_says_why(unit_staff, assessment, private_storage, settings):
    evidence_upload(score=score_of(assessment, "1.1.1"), user=unit_staff, upload=SimpleUploadedFile("a.pdf", PDF_BYTES))
    settings.STORAGES = {**settings.STORAGES, "default": store_down_entry()}
    with pytest.raises(CommandError) as error:
        call_command("move_files_to_storage", f"--source={private_storage}", stdout=io.StringIO())
    assert str(error.value).startswith("Không kết nối được kho lưu trữ (")
    assert str(error.value).endswith("). Các tệp đã chép vẫn giữ nguyên; hãy chạy lại lệnh.")


def storages_under(env: dict) -> subprocess.CompletedProcess:
    clean = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    code = (
        "import json; from django.conf import settings; o = settings.STORAGES['default'].get('OPTIONS', {}); "
        "c = o.get('client_config'); print(json.dumps({'backend': settings.STORAGES['default']['BACKEND'], "
        "'bucket': o.get('bucket_name'), 'endpoint': o.get('endpoint_url'), 'key': o.get('access_key'), "
        "'region': o.get('region_name'), 'expire': o.get('querystring_expire'), 'acl': o.get('default_acl'), "
        "'signature': c and c.signature_version, 's3': c and c.s3, 'attempts': c and c.retries, "
        "'downloads': settings.STORAGE_DOWNLOADS}))"
    )
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env={**clean, "DEBUG": "1", **env},
        capture_output=True,
        text=True,
    )


def test_the_storage_comes_from_the_environment():
    local = storages_under({})
    assert json.loads(local.stdout)["backend"] == "django.core.files.storage.FileSystemStorage"
    s3 = storages_under(
        {
            "STORAGE_BACKEND": "s3",
            "AWS_STORAGE_BUCKET_NAME": "cchc-evidence",
            "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:8333",
            "AWS_ACCESS_KEY_ID": "cchc",
            "AWS_SECRET_ACCESS_KEY": "secret",
            "AWS_S3_REGION_NAME": "hn-1",
            "AWS_S3_MAX_ATTEMPTS": "5",
            "STORAGE_DOWNLOADS": "redirect",
            "STORAGE_SIGNED_URL_SECONDS": "30",
        }
    )
    assert json.loads(s3.stdout) == {
        "backend": "storages.backends.s3.S3Storage",
        "bucket": "cchc-evidence",
        "endpoint": "http://127.0.0.1:8333",
        "key": "cchc",
        "region": "hn-1",
        "expire": 30,
        "acl": None,
        "signature": "s3v4",
        "s3": {"addressing_style": "path"},
        "attempts": {"max_attempts": 5, "mode": "standard"},
        "downloads": "redirect",
    }
    refused = storages_under({"STORAGE_BACKEND": "s3"})
    assert refused.returncode != 0
    assert "STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME." in refused.stderr
    assert "STORAGE_DOWNLOADS is 'stream' or 'redirect'." in storages_under({"STORAGE_DOWNLOADS": "proxy"}).stderr
