"""Files through Django's storage API: the local disk for the demo, an S3-compatible bucket in production.

Nothing here decides who may read a file: the views ask the selectors first, then serve it from here.
"""

import hashlib

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from storages.backends.s3 import S3Storage

# What a storage backend raises when it cannot be reached or refuses to work (disk, network, bucket).
STORAGE_ERRORS = (OSError, BotoCoreError, ClientError)

UNREACHABLE = _(
    "The file store cannot be reached at the moment: the file was not saved and nothing was changed. "
    "Try again in a few minutes; if it keeps happening, tell the system administrator."
)


class StorageUnavailable(ValidationError):
    """The file could not be written: the service refuses the whole change (its transaction rolls back)."""

    def __init__(self):
        super().__init__(UNREACHABLE, code="storage_unavailable")


def field_file_save(field_file, name: str, content) -> None:
    """Write an uploaded file through its field's storage (the row is saved by the caller), or refuse clearly."""
    try:
        field_file.save(name, content, save=False)
    except STORAGE_ERRORS as exc:
        raise StorageUnavailable from exc


def storage_save(storage, name: str, content) -> str:
    """Write bytes under a name through a storage; the name it was stored under, or a clear refusal."""
    try:
        return storage.save(name, content)
    except STORAGE_ERRORS as exc:
        raise StorageUnavailable from exc


def stored_sha256(storage, name: str) -> str | None:
    """The SHA-256 of a stored file, read back through the storage; None if there is no such file."""
    digest = hashlib.sha256()
    try:
        with storage.open(name, "rb") as handle:
            for chunk in iter(lambda: handle.read(1024 * 1024), b""):
                digest.update(chunk)
    except FileNotFoundError:
        return None
    return digest.hexdigest()


def signs_urls(storage) -> bool:
    """Whether the storage can hand out short-lived signed URLs (an S3 bucket can, the local disk cannot)."""
    return isinstance(storage, S3Storage)


def stored_file_response(request, storage, name: str, *, filename: str, content_type: str):
    """After the permission check only: the file streamed from storage, or a redirect to a short-lived signed URL.

    The file is always an attachment of the given type, whatever the stored object says; a missing file is a 404
    and a storage that cannot be reached a 503 page that says so.
    """
    if settings.STORAGE_DOWNLOADS == "redirect" and signs_urls(storage):
        url = storage.url(
            name,
            parameters={
                "ResponseContentDisposition": content_disposition_header(True, filename),
                "ResponseContentType": content_type,
            },
            expire=settings.STORAGE_SIGNED_URL_SECONDS,
        )
        response = HttpResponseRedirect(url)
    else:
        try:
            handle = storage.open(name, "rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        except STORAGE_ERRORS:
            return render(request, "storage_unavailable.html", status=503)
        response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
        response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
