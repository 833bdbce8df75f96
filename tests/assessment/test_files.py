"""Evidence files are recognised by their content, not only by their extension."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assessment.files import EvidenceFileError, check_upload, clean_name
from tests.assessment.conftest import EXE_BYTES, PDF_BYTES, PNG_BYTES


def zipped(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


DOCX = zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
XLSX = zipped({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
ODT = zipped({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})
ODS = zipped({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"})
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("Kế hoạch 224-KH-UBND.pdf", PDF_BYTES, "pdf"),
        ("quyết định.docx", DOCX, "docx"),
        ("số liệu.xlsx", XLSX, "xlsx"),
        ("báo cáo.odt", ODT, "odt"),
        ("bảng.ods", ODS, "ods"),
        ("cũ.doc", OLE2, "doc"),
        ("cũ.xls", OLE2, "xls"),
        ("ảnh.JPG", b"\xff\xd8\xff\xe0" + b"\x00" * 32, "jpg"),
        ("ảnh.jpeg", b"\xff\xd8\xff\xe1" + b"\x00" * 32, "jpg"),
        ("sơ đồ.png", PNG_BYTES, "png"),
    ],
)
def test_accepted_files(name, content, kind, settings):
    checked = check_upload(SimpleUploadedFile(name, content))
    assert (checked.name, checked.kind, checked.size) == (name, kind, len(content))
    assert len(checked.sha256) == 64


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.pdf", EXE_BYTES, "“virus.pdf” không thực sự là tệp PDF: nội dung không khớp với phần mở rộng."),
        ("bảng.xlsx", DOCX, "“bảng.xlsx” không thực sự là tệp XLSX: nội dung không khớp với phần mở rộng."),
        ("văn bản.docx", PDF_BYTES, "“văn bản.docx” không thực sự là tệp DOCX: nội dung không khớp với phần mở rộng."),
        (
            "ảnh.png",
            b"\xff\xd8\xff\xe0" + b"\x00" * 32,
            "“ảnh.png” không thực sự là tệp PNG: nội dung không khớp với phần mở rộng.",
        ),
        (
            "hỏng.odt",
            b"PK\x03\x04garbage",
            "“hỏng.odt” không thực sự là tệp ODT: nội dung không khớp với phần mở rộng.",
        ),
        (
            "chạy.exe",
            EXE_BYTES,
            "“chạy.exe” không thuộc loại tệp được nhận (PDF, DOC/DOCX, XLS/XLSX, ODT/ODS, JPG, PNG).",
        ),
        (
            "không đuôi",
            PDF_BYTES,
            "“không đuôi” không thuộc loại tệp được nhận (PDF, DOC/DOCX, XLS/XLSX, ODT/ODS, JPG, PNG).",
        ),
        ("rỗng.pdf", b"", "“rỗng.pdf” là tệp rỗng."),
    ],
)
def test_refused_files(name, content, message):
    with pytest.raises(EvidenceFileError) as error:
        check_upload(SimpleUploadedFile(name, content))
    assert str(error.value) == message


def test_a_file_over_the_limit_is_refused(settings):
    settings.EVIDENCE_MAX_UPLOAD_MB = 1
    content = PDF_BYTES + b"0" * (1024 * 1024)
    with pytest.raises(EvidenceFileError) as error:
        check_upload(SimpleUploadedFile("lớn.pdf", content))
    assert str(error.value) == "“lớn.pdf” lớn hơn 1 MB."


class NamedUpload(SimpleUploadedFile):
    """An upload whose name was not cleaned on the way in (Django's own parser strips paths)."""

    def _set_name(self, name):
        self._name = name

    name = property(lambda self: self._name, _set_name)


@pytest.mark.parametrize(
    "name", ["../../etc/passwd.pdf", "..\\..\\boot.ini.pdf", "/tmp/x.pdf", ".htaccess.pdf", "a..b.pdf"]
)
def test_a_name_that_tries_to_name_a_path_is_refused(name):
    with pytest.raises(EvidenceFileError) as error:
        check_upload(NamedUpload(name, PDF_BYTES))
    assert str(error.value) == f"Tên tệp “{name}” không hợp lệ: hãy đặt cho tệp một tên thông thường."


def test_the_vietnamese_name_is_kept_in_composed_form():
    assert clean_name("Ke\u0302\u0301 hoa\u0323ch.pdf") == "Kế hoạch.pdf"


@pytest.mark.parametrize(
    "name",
    ["a\ufffd.exe.pdf", "báo cáo\x1b.pdf", "hoa-don\u202efdp.pdf", "tab\there.pdf", "del\x7f.pdf", "c1\x85.pdf"],
)
def test_a_name_with_a_control_character_or_its_mark_is_refused(name):
    with pytest.raises(EvidenceFileError) as error:
        check_upload(NamedUpload(name, PDF_BYTES))
    assert str(error.value) == "Tên tệp chứa ký tự điều khiển."


def test_an_office_file_that_inflates_past_the_limit_is_refused_as_an_archive_bomb():
    """The default limit (EVIDENCE_MAX_UNCOMPRESSED_MB = 100): a .docx whose XML inflates to 101 MB, in 0,5 MB."""
    from tests.archive_files import bomb_docx

    content = bomb_docx(101)
    assert len(content) < 1024 * 1024
    with pytest.raises(EvidenceFileError) as error:
        check_upload(SimpleUploadedFile("quyết định.docx", content))
    assert str(error.value) == (
        "“quyết định.docx”: Khi giải nén, tệp sẽ chiếm hơn 100 MB: tệp bị từ chối vì nghi là bom nén."
    )


def test_an_office_file_compressed_beyond_the_ratio_is_refused(settings):
    from tests.archive_files import bomb_docx

    settings.ARCHIVE_MAX_RATIO = 50
    with pytest.raises(EvidenceFileError) as error:
        check_upload(SimpleUploadedFile("số liệu.docx", bomb_docx(2)))
    assert str(error.value) == (
        "“số liệu.docx”: Một phần của tệp được nén với tỉ lệ hơn 50:1: tệp bị từ chối vì nghi là bom nén."
    )


def test_an_office_file_within_the_limits_is_accepted(settings):
    settings.EVIDENCE_MAX_UNCOMPRESSED_MB = 1
    content = zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>" * 50_000})
    assert check_upload(SimpleUploadedFile("văn bản.docx", content)).kind == "docx"
