"""One check for every uploaded zip (imports and evidence): bombs are refused before anything inflates."""

import io
import os
import zipfile

import openpyxl
import pytest

from cchc.archives import MAX_MEMBERS, ArchiveError, ArchiveLimits, check_archive
from tests.archive_files import bomb_docx, lying_zip

MB = 1024 * 1024
LIMITS = ArchiveLimits(max_bytes=10 * MB, max_ratio=100)


def zipped(entries: dict[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    buffer.seek(0)
    return buffer


def test_an_ordinary_workbook_and_a_large_incompressible_part_pass():
    book = openpyxl.Workbook()
    for number in range(2_000):
        book.active.append([f"so-{number}", f"Sở số {number}", "departments"])
    workbook = io.BytesIO()
    book.save(workbook)
    workbook.seek(0)
    check_archive(workbook, LIMITS)
    check_archive(zipped({"word/media/image1.png": os.urandom(3 * MB)}), LIMITS)


def test_a_part_that_would_inflate_past_the_limit_is_refused_by_its_declared_size():
    with pytest.raises(ArchiveError) as refused:
        check_archive(io.BytesIO(bomb_docx(11)), LIMITS)
    assert str(refused.value) == "Khi giải nén, tệp sẽ chiếm hơn 10 MB: tệp bị từ chối vì nghi là bom nén."


def test_a_large_part_compressed_more_than_the_ratio_is_refused():
    with pytest.raises(ArchiveError) as refused:
        check_archive(io.BytesIO(bomb_docx(3)), LIMITS)  # 3 MB in about 14 KB: more than 200 to 1
    assert str(refused.value) == "Một phần của tệp được nén với tỉ lệ hơn 100:1: tệp bị từ chối vì nghi là bom nén."


def test_small_parts_are_never_suspect_for_their_ratio():
    check_archive(zipped({"word/document.xml": b"a" * (MB - 1)}), LIMITS)


def test_too_many_parts_are_refused():
    with pytest.raises(ArchiveError) as refused:
        check_archive(zipped({f"part{number}.xml": b"" for number in range(MAX_MEMBERS + 1)}), LIMITS)
    assert str(refused.value) == "Tệp chứa hơn 10.000 thành phần: tệp bị từ chối vì nghi là bom nén."


def test_a_part_that_lies_about_its_size_is_unreadable_and_never_inflates_past_its_declared_size():
    """The declared size passes every check; inflating stops there and the CRC check refuses the part."""
    liar = lying_zip(
        {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"a" * (20 * MB)}, "word/document.xml", 1000
    )
    with zipfile.ZipFile(io.BytesIO(liar)) as archive, archive.open("word/document.xml") as part:
        with pytest.raises(zipfile.BadZipFile, match="Bad CRC-32"):
            part.read(2000)  # zipfile stops after the 1,000 declared bytes and finds the checksum wrong
        assert part._left == 0
    with pytest.raises(zipfile.BadZipFile):
        check_archive(io.BytesIO(liar), LIMITS)
