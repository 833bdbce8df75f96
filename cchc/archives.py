"""Zip archives from outside (.xlsx imports, .docx/.xlsx/.odt evidence): refused if they would inflate too far.

One check serves every place that opens an uploaded zip. It reads the central directory first and refuses,
without inflating anything, an archive whose members declare more than ``max_bytes`` in all, or a large
member compressed more than ``max_ratio`` to 1 (a decompression bomb: a few hundred KB of XML that
inflates to gigabytes). The declared sizes are not trusted blindly: every member is then inflated in
chunks, counting the bytes actually produced. Python's ``zipfile`` never returns more than a member's
declared size and checks its CRC, so a member that lies about its size is refused as unreadable, and the
bytes inflated are capped by the checked total.
"""

import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _

# A member smaller than this is never suspect for its ratio: small XML parts compress well and harm no one.
RATIO_FLOOR_BYTES = 1024 * 1024
MAX_MEMBERS = 10_000
CHUNK = 1024 * 1024
MB = 1024 * 1024


class ArchiveError(ValueError):
    """The archive is refused; the message says why, for a person."""


@dataclass(frozen=True)
class ArchiveLimits:
    max_bytes: int
    max_ratio: int

    @classmethod
    def for_imports(cls) -> "ArchiveLimits":
        return cls(max_bytes=settings.IMPORT_MAX_UNCOMPRESSED_MB * MB, max_ratio=settings.ARCHIVE_MAX_RATIO)

    @classmethod
    def for_evidence(cls) -> "ArchiveLimits":
        return cls(max_bytes=settings.EVIDENCE_MAX_UNCOMPRESSED_MB * MB, max_ratio=settings.ARCHIVE_MAX_RATIO)


def _too_big(limits: ArchiveLimits) -> ArchiveError:
    return ArchiveError(
        _("Once unpacked it would take more than %(limit)s MB: it is refused as a suspected archive bomb.")
        % {"limit": limits.max_bytes // MB}
    )


def check_archive(source, limits: ArchiveLimits) -> None:
    """Refuse a zip whose members would inflate beyond the limits; ``source`` is a path or a seekable file.

    Raises ArchiveError for a suspected bomb, zipfile.BadZipFile for an archive that cannot be read.
    """
    with zipfile.ZipFile(source) as archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise ArchiveError(
                _("It holds more than %(count)s parts: it is refused as a suspected archive bomb.")
                % {"count": number_format(MAX_MEMBERS, force_grouping=True)}
            )
        if sum(member.file_size for member in members) > limits.max_bytes:
            raise _too_big(limits)
        for member in members:
            if member.file_size > RATIO_FLOOR_BYTES and member.file_size > limits.max_ratio * max(
                member.compress_size, 1
            ):
                raise ArchiveError(
                    _("Part of it is compressed more than %(ratio)s to 1: it is refused as a suspected archive bomb.")
                    % {"ratio": limits.max_ratio}
                )
        budget = limits.max_bytes
        for member in members:
            with archive.open(member) as stream:
                while chunk := stream.read(CHUNK):
                    budget -= len(chunk)
                    if budget < 0:  # cannot happen with zipfile's own cap; kept in case that ever changes
                        raise _too_big(limits)
