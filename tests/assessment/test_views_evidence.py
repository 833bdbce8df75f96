"""Evidence: uploads checked by content, size and name, stored once, private, and only for the right people."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessment.models import Document, Evidence
from assessment.services import evidence_upload
from tests.assessment.conftest import EXE_BYTES, PDF_BYTES, score_of


def upload_url(assessment, score):
    return reverse("assessment:evidence-add", args=[assessment.pk, score.pk])


def messages_after(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


def test_upload_a_pdf_with_its_reference(client, unit_staff, assessment, private_storage):
    leaf = score_of(assessment, "1.1.1")
    client.force_login(unit_staff)
    response = client.post(
        upload_url(assessment, leaf),
        {
            "files": SimpleUploadedFile("Kế hoạch CCHC 2024.pdf", PDF_BYTES),
            "number": "224/KH-UBND",
            "issued_on": "15/01/2024",
            "issuer": "UBND Thành phố",
            "locator": "Mục II, trang 3",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?field=1#leaf-1.1.1")
    assert messages_after(response) == ["Tiêu chí 1.1.1: đã gắn 1 tài liệu."]
    document = Document.objects.get()
    assert (document.original_name, document.kind, document.size, document.number, document.issuer) == (
        "Kế hoạch CCHC 2024.pdf",
        "pdf",
        len(PDF_BYTES),
        "224/KH-UBND",
        "UBND Thành phố",
    )
    assert f"{document.issued_on:%d/%m/%Y}" == "15/01/2024"
    import hashlib

    assert document.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    assert document.file.name == f"evidence/{assessment.unit_id}/{document.sha256[:2]}/{document.sha256}.pdf"
    assert (private_storage / document.file.name).read_bytes() == PDF_BYTES
    evidence = Evidence.objects.get()
    assert (evidence.score, evidence.locator, evidence.round, evidence.added_by) == (
        leaf,
        "Mục II, trang 3",
        "self",
        unit_staff,
    )


def test_the_same_file_twice_is_stored_once_and_proves_two_leaves(client, unit_staff, assessment, private_storage):
    client.force_login(unit_staff)
    for code in ("1.1.1", "1.1.2"):
        client.post(
            upload_url(assessment, score_of(assessment, code)), {"files": SimpleUploadedFile("kh.pdf", PDF_BYTES)}
        )
    assert Document.objects.count() == 1
    assert Evidence.objects.count() == 2
    assert len(list(Path(private_storage).rglob("*.pdf"))) == 1


def test_attach_a_document_the_unit_already_has(client, unit_staff, assessment):
    client.force_login(unit_staff)
    client.post(
        upload_url(assessment, score_of(assessment, "1.1.1")), {"files": SimpleUploadedFile("kh.pdf", PDF_BYTES)}
    )
    document = Document.objects.get()
    response = client.post(
        upload_url(assessment, score_of(assessment, "1.4")), {"document": document.pk, "locator": "tr. 5"}
    )
    assert messages_after(response)[-1] == "Tiêu chí 1.4: đã gắn 1 tài liệu."
    assert Evidence.objects.get(score=score_of(assessment, "1.4")).locator == "tr. 5"
    again = client.post(upload_url(assessment, score_of(assessment, "1.4")), {"document": document.pk})
    assert messages_after(again)[-1] == "Tiêu chí 1.4: Tài liệu này đã được gắn với tiêu chí này."


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            [("virus.pdf", EXE_BYTES)],
            "Tiêu chí 1.1.1: “virus.pdf” không thực sự là tệp PDF: nội dung không khớp với phần mở rộng.",
        ),
        (
            [("kh.pdf", PDF_BYTES), ("virus.pdf", EXE_BYTES)],
            "Tiêu chí 1.1.1: “virus.pdf” không thực sự là tệp PDF: nội dung không khớp với phần mở rộng.",
        ),
        ([("lớn.pdf", PDF_BYTES + b"0" * (1024 * 1024))], "Tiêu chí 1.1.1: “lớn.pdf” lớn hơn 1 MB."),
        (
            [("..kh.pdf", PDF_BYTES)],
            "Tiêu chí 1.1.1: Tên tệp “..kh.pdf” không hợp lệ: hãy đặt cho tệp một tên thông thường.",
        ),
        ([], "Tiêu chí 1.1.1: Hãy chọn tệp để tải lên hoặc tài liệu để gắn."),
    ],
)
def test_a_refused_upload_saves_nothing(client, unit_staff, assessment, private_storage, settings, files, message):
    settings.EVIDENCE_MAX_UPLOAD_MB = 1
    client.force_login(unit_staff)
    response = client.post(
        upload_url(assessment, score_of(assessment, "1.1.1")),
        {"files": [SimpleUploadedFile(name, content) for name, content in files]},
    )
    assert response.status_code == 302
    assert messages_after(response) == [message]
    assert not Document.objects.exists()
    assert not Evidence.objects.exists()
    assert not list(Path(private_storage).rglob("*.*"))


def test_a_path_in_the_uploaded_name_never_reaches_the_disk(client, unit_staff, assessment, private_storage):
    """Django's parser keeps only the last part of a name; what is stored is named by its SHA-256 anyway."""
    from django.test.client import BOUNDARY, encode_multipart

    client.force_login(unit_staff)
    body = encode_multipart(BOUNDARY, {"files": SimpleUploadedFile("x.pdf", PDF_BYTES)}).replace(
        b'filename="x.pdf"', b'filename="../../../etc/passwd.pdf"'
    )
    client.post(
        upload_url(assessment, score_of(assessment, "1.1.1")),
        body,
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )
    document = Document.objects.get()
    assert document.original_name == "passwd.pdf"
    stored = (private_storage / document.file.name).resolve()
    assert stored.is_relative_to(private_storage.resolve())


def test_survey_criteria_take_no_evidence(client, unit_staff, assessment):
    client.force_login(unit_staff)
    response = client.post(
        upload_url(assessment, score_of(assessment, "1.6")), {"files": SimpleUploadedFile("kh.pdf", PDF_BYTES)}
    )
    assert messages_after(response) == [
        "Tiêu chí 1.6: Tiêu chí điều tra xã hội học không cần tài liệu kiểm chứng: điểm lấy từ kết quả điều tra."
    ]
    assert not Evidence.objects.exists()


def test_removing_a_link_keeps_the_document_in_the_library_and_the_audit(
    client, unit_staff, assessment, private_storage
):
    client.force_login(unit_staff)
    client.post(
        upload_url(assessment, score_of(assessment, "1.1.1")), {"files": SimpleUploadedFile("kh.pdf", PDF_BYTES)}
    )
    evidence = Evidence.objects.get()
    path = private_storage / evidence.document.file.name
    response = client.post(reverse("assessment:evidence-remove", args=[assessment.pk, evidence.pk]))
    assert response.status_code == 302
    assert not Evidence.objects.exists()
    assert Document.objects.count() == 1
    assert path.exists()
    assert list(Evidence.history.values_list("history_type", "history_user__username")) in (
        [("+", "canbo"), ("-", "canbo")],
        [("-", "canbo"), ("+", "canbo")],
    )


def test_a_document_still_used_elsewhere_is_kept(client, unit_staff, assessment):
    client.force_login(unit_staff)
    for code in ("1.1.1", "1.4"):
        client.post(
            upload_url(assessment, score_of(assessment, code)), {"files": SimpleUploadedFile("kh.pdf", PDF_BYTES)}
        )
    evidence = Evidence.objects.get(score=score_of(assessment, "1.1.1"))
    client.post(reverse("assessment:evidence-remove", args=[assessment.pk, evidence.pk]))
    assert Document.objects.count() == 1
    assert list(Evidence.objects.values_list("score__criterion__code", flat=True)) == ["1.4"]


def test_downloads_are_attachments_for_the_unit_appraisers_home_affairs_and_council(
    client, assessment, unit_staff, appraiser, coordinator, council_member
):
    evidence = evidence_upload(
        score=score_of(assessment, "1.1.1"), user=unit_staff, upload=SimpleUploadedFile("Kế hoạch.pdf", PDF_BYTES)
    )
    url = reverse("assessment:document-download", args=[evidence.document.pk])

    def download(user):
        client.force_login(user)
        return client.get(url)

    # While the unit is still writing, its evidence is its own (and Home Affairs').
    assert download(appraiser).status_code == 404
    assert download(council_member).status_code == 404
    assessment.status = "submitted"
    assessment.save()
    for user in (unit_staff, appraiser, coordinator, council_member):
        response = download(user)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == "attachment; filename*=utf-8''K%E1%BA%BF%20ho%E1%BA%A1ch.pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == PDF_BYTES
    client.logout()
    assert client.get(url).status_code == 302


def test_a_user_of_another_unit_gets_404_everywhere(client, assessment, unit_staff, other_unit_staff):
    leaf = score_of(assessment, "1.1.1")
    evidence = evidence_upload(score=leaf, user=unit_staff, upload=SimpleUploadedFile("kh.pdf", PDF_BYTES))
    client.force_login(other_unit_staff)
    gets = [
        reverse("assessment:assessment-detail", args=[assessment.pk]),
        reverse("assessment:assessment-summary", args=[assessment.pk]),
        reverse("assessment:assessment-report", args=[assessment.pk]),
        reverse("assessment:score-proposal", args=[assessment.pk, leaf.pk]) + "?declared_value=1",
        reverse("assessment:document-download", args=[evidence.document.pk]),
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    posts = [
        (
            reverse("assessment:section-save", args=[assessment.pk, "1"]),
            {f"s{leaf.pk}-version": "0", f"s{leaf.pk}-declared_value": "1"},
        ),
        (upload_url(assessment, leaf), {"files": SimpleUploadedFile("x.pdf", PDF_BYTES + b"x")}),
        (reverse("assessment:evidence-remove", args=[assessment.pk, evidence.pk]), {}),
        (reverse("assessment:assessment-submit", args=[assessment.pk]), {"confirm": "on"}),
        (reverse("assessment:explanation-submit", args=[assessment.pk]), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    leaf.refresh_from_db()
    assert (leaf.declared_value, leaf.version) == (None, 0)
    assert Evidence.objects.count() == 1
    assert Document.objects.count() == 1


def multipart_with_raw_filename(field: str, filename: bytes, content: bytes, fields=None) -> tuple[bytes, str]:
    """A multipart body written by hand: the test client would clean the file name itself."""
    boundary = "----cchc-raw-boundary"
    parts = []
    for name, value in (fields or {}).items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="'.encode()
        + filename
        + b'"\r\nContent-Type: application/pdf\r\n\r\n'
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize("filename", [b"a\x00.exe.pdf", b"b\x1b.pdf", "c\u202efdp.pdf".encode()])
def test_a_name_with_a_control_character_is_refused_not_renamed(
    client, unit_staff, assessment, private_storage, filename
):
    client.force_login(unit_staff)
    body, content_type = multipart_with_raw_filename("files", filename, PDF_BYTES)
    response = client.generic(
        "POST", upload_url(assessment, score_of(assessment, "1.1.1")), body, content_type=content_type
    )
    assert response.status_code == 302
    assert messages_after(response) == ["Tiêu chí 1.1.1: Tên tệp chứa ký tự điều khiển."]
    assert not Document.objects.exists()
    assert not Evidence.objects.exists()
    assert not list(Path(private_storage).rglob("*.*"))


def test_an_archive_bomb_is_refused_through_the_page(client, unit_staff, assessment, private_storage, settings):
    from tests.archive_files import bomb_docx

    settings.EVIDENCE_MAX_UNCOMPRESSED_MB = 5
    client.force_login(unit_staff)
    response = client.post(
        upload_url(assessment, score_of(assessment, "1.1.1")),
        {"files": SimpleUploadedFile("quyết định.docx", bomb_docx(6))},
    )
    assert messages_after(response) == [
        "Tiêu chí 1.1.1: “quyết định.docx”: Khi giải nén, tệp sẽ chiếm hơn 5 MB: tệp bị từ chối vì nghi là bom nén."
    ]
    assert not Document.objects.exists()
    assert not list(Path(private_storage).rglob("*.*"))


# The page's script posts with "Accept: application/json": the answer replaces the leaf's evidence in place (the
# page is not reloaded, so nothing typed elsewhere is lost) or lists the errors inside the dialog.
JSON = {"HTTP_ACCEPT": "application/json"}


def test_an_upload_from_the_dialog_answers_with_the_leafs_new_evidence_block(
    client, unit_staff, assessment, private_storage
):
    leaf = score_of(assessment, "1.1.1")
    client.force_login(unit_staff)
    response = client.post(
        upload_url(assessment, leaf),
        {"files": SimpleUploadedFile("kh.pdf", PDF_BYTES), "number": "224/KH-UBND", "locator": "Mục II"},
        **JSON,
    )
    assert response.status_code == 200
    data = response.json()
    assert (data["ok"], data["message"], data["target"]) == (
        True,
        "Tiêu chí 1.1.1: đã gắn 1 tài liệu.",
        f"evidence-{leaf.pk}",
    )
    evidence = Evidence.objects.get()
    html = data["html"]
    assert html.startswith(f'<div class="mt-2" data-testid="evidence" id="evidence-{leaf.pk}">')
    assert f'href="{reverse("assessment:document-download", args=[evidence.document.pk])}" download>kh.pdf</a>' in html
    assert '<span class="badge text-bg-light">Mục II</span>' in html
    assert f'data-evidence-remove="{reverse("assessment:evidence-remove", args=[assessment.pk, evidence.pk])}"' in html
    assert "Thêm tài liệu" in html
    assert not list(response.wsgi_request._messages)  # said in the answer, not again on the next page


@pytest.mark.parametrize(
    ("post", "errors"),
    [
        (
            {"files": ("virus.pdf", EXE_BYTES), "number": "224/KH-UBND"},
            {"files": ["“virus.pdf” không thực sự là tệp PDF: nội dung không khớp với phần mở rộng."]},
        ),
        ({"number": "224/KH-UBND"}, {"files": ["Hãy chọn tệp để tải lên hoặc tài liệu để gắn."]}),
        (
            {"files": ("kh.pdf", PDF_BYTES), "issued_on": "31/02/2024"},
            {"issued_on": ["Ngày ban hành: nhập ngày theo dạng dd/mm/yyyy."]},
        ),
        (
            {"files": ("kh.exe", EXE_BYTES)},
            {"files": ["“kh.exe” không thuộc loại tệp được nhận (PDF, DOC/DOCX, XLS/XLSX, ODT/ODS, JPG, PNG)."]},
        ),
    ],
)
def test_a_refused_upload_from_the_dialog_answers_with_its_errors(
    client, unit_staff, assessment, private_storage, post, errors
):
    client.force_login(unit_staff)
    data = {name: SimpleUploadedFile(*value) if isinstance(value, tuple) else value for name, value in post.items()}
    response = client.post(upload_url(assessment, score_of(assessment, "1.1.1")), data, **JSON)
    assert response.status_code == 400
    assert response.json() == {"ok": False, "errors": errors}
    assert not Document.objects.exists()
    assert not Evidence.objects.exists()
    assert not list(response.wsgi_request._messages)


def test_a_bad_date_without_script_names_its_field(client, unit_staff, assessment, private_storage):
    client.force_login(unit_staff)
    response = client.post(
        upload_url(assessment, score_of(assessment, "1.1.1")),
        {"files": SimpleUploadedFile("kh.pdf", PDF_BYTES), "issued_on": "2024-13-45"},
    )
    assert response.status_code == 302
    assert messages_after(response) == ["Tiêu chí 1.1.1: Ngày ban hành: nhập ngày theo dạng dd/mm/yyyy."]


def test_attaching_twice_from_the_dialog_is_refused_under_the_document_list(client, unit_staff, assessment):
    client.force_login(unit_staff)
    leaf = score_of(assessment, "1.4")
    evidence = evidence_upload(score=leaf, user=unit_staff, upload=SimpleUploadedFile("kh.pdf", PDF_BYTES))
    response = client.post(upload_url(assessment, leaf), {"document": evidence.document.pk}, **JSON)
    assert response.status_code == 400
    assert response.json() == {"ok": False, "errors": {"document": ["Tài liệu này đã được gắn với tiêu chí này."]}}


def test_removing_from_the_page_answers_with_the_leafs_evidence_block(client, unit_staff, assessment):
    client.force_login(unit_staff)
    leaf = score_of(assessment, "1.1.1")
    evidence = evidence_upload(score=leaf, user=unit_staff, upload=SimpleUploadedFile("kh.pdf", PDF_BYTES))
    response = client.post(reverse("assessment:evidence-remove", args=[assessment.pk, evidence.pk]), **JSON)
    assert response.status_code == 200
    data = response.json()
    assert (data["ok"], data["message"], data["target"]) == (
        True,
        "Tiêu chí 1.1.1: đã gỡ “kh.pdf”.",
        f"evidence-{leaf.pk}",
    )
    assert '<li class="text-body-secondary">Chưa có tài liệu.</li>' in data["html"]
    assert not Evidence.objects.exists()
