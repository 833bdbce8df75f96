"""Moving files into the configured storage: evidence from a local folder, publication files from the database."""

import hashlib
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.utils.translation import gettext as _

from assessment.models import Document, PublicationFile
from assessment.storage import stored_sha256


@dataclass
class MoveReport:
    moved: int = 0
    present: int = 0
    problems: list[str] = field(default_factory=list)


def documents_move_to_storage(*, source, dry_run: bool = False) -> MoveReport:
    """Copy each document's file from a local folder into the storage, each copy checked by its SHA-256.

    Idempotent: a file already in the storage with the right SHA-256 is left alone; a local file that is missing or
    whose content is not the document's is reported and not copied.
    """
    local = FileSystemStorage(location=source)
    report = MoveReport()
    for document in Document.objects.order_by("pk").only("pk", "file", "sha256").iterator():
        storage, name = document.file.storage, document.file.name
        if stored_sha256(storage, name) == document.sha256:
            report.present += 1
            continue
        found = stored_sha256(local, name)
        if found is None:
            report.problems.append(
                _("Document %(pk)s: %(name)s is not in the folder.") % {"pk": document.pk, "name": name}
            )
            continue
        if found != document.sha256:
            report.problems.append(
                _("Document %(pk)s: %(name)s in the folder is not the file that was uploaded (its SHA-256 differs).")
                % {"pk": document.pk, "name": name}
            )
            continue
        if dry_run:
            report.moved += 1
            continue
        with local.open(name, "rb") as handle:
            saved = storage.save(name, handle)
        if stored_sha256(storage, saved) != document.sha256:
            report.problems.append(
                _("Document %(pk)s: the copy in the storage does not match its SHA-256; it was not recorded.")
                % {"pk": document.pk}
            )
            continue
        if saved != name:  # the storage kept another name (a different file had this one): the row follows the copy
            Document.objects.filter(pk=document.pk).update(file=saved)
        report.moved += 1
    return report


def publication_files_move_to_storage(*, dry_run: bool = False) -> MoveReport:
    """Move the publication files kept in the database into the storage, byte for byte, checked by SHA-256."""
    report = MoveReport()
    rows = PublicationFile.objects.filter(content__isnull=False).order_by("pk")
    report.present = PublicationFile.objects.filter(content__isnull=True).count()
    for row in rows.iterator():
        content = bytes(row.content)
        row.sha256 = hashlib.sha256(content).hexdigest()
        if dry_run:
            report.moved += 1
            continue
        row.file.save(f"{row.sha256}.{row.format}", ContentFile(content), save=False)
        if stored_sha256(row.file.storage, row.file.name) != row.sha256:
            report.problems.append(
                _("Publication file %(pk)s: its copy in the storage does not match its SHA-256; kept in the database.")
                % {"pk": row.pk}
            )
            continue
        PublicationFile.objects.filter(pk=row.pk).update(file=row.file.name, sha256=row.sha256, content=None)
        report.moved += 1
    return report
