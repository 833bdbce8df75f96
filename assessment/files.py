"""Checking an uploaded evidence file: its name, its size and, above all, what its content really is."""

import hashlib
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from assessment.models import DocumentKind
from cchc.archives import ArchiveError, ArchiveLimits, check_archive
from cchc.uploads import MARK, is_control

# The extensions we accept and the kind of content each must really hold.
EXTENSIONS = {
    "pdf": DocumentKind.PDF,
    "doc": DocumentKind.DOC,
    "docx": DocumentKind.DOCX,
    "xls": DocumentKind.XLS,
    "xlsx": DocumentKind.XLSX,
    "odt": DocumentKind.ODT,
    "ods": DocumentKind.ODS,
    "jpg": DocumentKind.JPG,
    "jpeg": DocumentKind.JPG,
    "png": DocumentKind.PNG,
}
CONTENT_TYPES = {
    DocumentKind.PDF: "application/pdf",
    DocumentKind.DOC: "application/msword",
    DocumentKind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    DocumentKind.XLS: "application/vnd.ms-excel",
    DocumentKind.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    DocumentKind.ODT: "application/vnd.oasis.opendocument.text",
    DocumentKind.ODS: "application/vnd.oasis.opendocument.spreadsheet",
    DocumentKind.JPG: "image/jpeg",
    DocumentKind.PNG: "image/png",
}
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODF_MIMETYPES = {
    b"application/vnd.oasis.opendocument.text": DocumentKind.ODT,
    b"application/vnd.oasis.opendocument.spreadsheet": DocumentKind.ODS,
}


class EvidenceFileError(ValueError):
    """The file is refused; the message says why, for a person."""


@dataclass(frozen=True)
class CheckedFile:
    name: str
    kind: str
    size: int
    sha256: str


def clean_name(name: str) -> str:
    """The name to show: the user's own (Vietnamese) name, or an error if it tries to name a path."""
    name = unicodedata.normalize("NFC", name or "").strip()
    if not name:
        raise EvidenceFileError(_("The file has no name."))
    if "/" in name or "\\" in name or name.startswith(".") or ".." in name or "\x00" in name:
        raise EvidenceFileError(
            _("The file name “%(name)s” is not allowed: give the file a plain name.") % {"name": name}
        )
    if any(char == MARK or is_control(char) for char in name):
        # MARK stands for a control character the request parser found (see cchc.uploads).
        raise EvidenceFileError(_("The file name contains control characters."))
    if len(name) > 200:
        raise EvidenceFileError(_("The file name is longer than 200 characters."))
    return name


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def sniff(head: bytes, upload) -> str | None:
    """The kind the content really is, from its first bytes (and, for zip files, their inside)."""
    if head.startswith(b"%PDF-"):
        return DocumentKind.PDF
    if head.startswith(b"\xff\xd8\xff"):
        return DocumentKind.JPG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return DocumentKind.PNG
    if head.startswith(OLE2_MAGIC):
        return "ole2"
    if head.startswith(b"PK\x03\x04"):
        upload.seek(0)
        try:
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
                if "mimetype" in names:
                    return ODF_MIMETYPES.get(archive.read("mimetype").strip())
                if "[Content_Types].xml" in names:
                    if "word/document.xml" in names:
                        return DocumentKind.DOCX
                    if "xl/workbook.xml" in names:
                        return DocumentKind.XLSX
        except (zipfile.BadZipFile, KeyError, OSError):
            return None
        finally:
            upload.seek(0)
    return None


def check_upload(upload) -> CheckedFile:
    """Accept an uploaded file only if its name, size and content are what an evidence file may be."""
    name = clean_name(getattr(upload, "name", ""))
    extension = _extension(name)
    if extension not in EXTENSIONS:
        raise EvidenceFileError(
            _("“%(name)s” is not an accepted file type (PDF, DOC/DOCX, XLS/XLSX, ODT/ODS, JPG, PNG).") % {"name": name}
        )
    limit = settings.EVIDENCE_MAX_UPLOAD_MB * 1024 * 1024
    if upload.size > limit:
        raise EvidenceFileError(
            _("“%(name)s” is larger than %(limit)s MB.") % {"name": name, "limit": settings.EVIDENCE_MAX_UPLOAD_MB}
        )
    if upload.size == 0:
        raise EvidenceFileError(_("“%(name)s” is empty.") % {"name": name})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    expected = EXTENSIONS[extension]
    if head.startswith(b"PK\x03\x04"):  # .docx, .xlsx, .odt, .ods: zip archives, checked before they are opened
        try:
            check_archive(upload, ArchiveLimits.for_evidence())
        except ArchiveError as exc:
            raise EvidenceFileError(_("“%(name)s”: %(reason)s") % {"name": name, "reason": exc}) from exc
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError, OSError, ValueError):
            pass  # not a readable archive: the content check below refuses it
        finally:
            upload.seek(0)
    actual = sniff(head, upload)
    if actual == "ole2" and expected in (DocumentKind.DOC, DocumentKind.XLS):
        actual = expected  # both are OLE2 compound files; the extension tells which
    if actual != expected:
        raise EvidenceFileError(
            _("“%(name)s” is not really a %(kind)s file: its content does not match its extension.")
            % {"name": name, "kind": extension.upper()}
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(name=name, kind=expected, size=upload.size, sha256=digest.hexdigest())
