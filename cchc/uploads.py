"""Uploaded file names reach our checks with their control characters marked, not silently dropped.

Django's ``MultiPartParser.sanitize_file_name`` removes every non-printable character, so an upload
named ``a\\x00.exe.pdf`` arrives as ``a.exe.pdf`` and no later check can tell. Django 5.2 offers no
setting for the parser: upload handlers (``FILE_UPLOAD_HANDLERS``) only receive the name after it was
sanitised, and ``handle_raw_input`` could only replace the whole parsing. The request builds its parser
from the name ``MultiPartParser`` in ``django.http.request`` (``HttpRequest.parse_file_upload``), for
WSGI, ASGI and the test client alike; ``install()``, called from ``CoreConfig.ready()``, points that name
at the subclass below. The subclass keeps Django's sanitising (HTML entities, path separators, ``.``
and ``..``) but first replaces each control character (and each invisible bidirectional override, the
"exe.pdf" spoof) by U+FFFD, a printable mark that no storage or temporary file name chokes on, and that
``assessment.files.clean_name`` refuses. Other non-printable characters (a no-break space …) are still
dropped as before.
"""

import html
import unicodedata

from django.http import multipartparser
from django.http import request as http_request

MARK = "\ufffd"
BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def is_control(char: str) -> bool:
    return unicodedata.category(char) == "Cc" or char in BIDI_CONTROLS


class MarkingMultiPartParser(multipartparser.MultiPartParser):
    """Django's parser, except that control characters in a file name are marked for refusal."""

    def sanitize_file_name(self, file_name):
        file_name = html.unescape(file_name)
        file_name = "".join(MARK if is_control(char) else char for char in file_name)
        # Django's own steps, without unescaping twice ("&amp;lt;" must stay "&lt;").
        file_name = file_name.rsplit("/")[-1]
        file_name = file_name.rsplit("\\")[-1]
        file_name = "".join([char for char in file_name if char.isprintable()])
        if file_name in {"", ".", ".."}:
            return None
        return file_name

    IE_sanitize = sanitize_file_name


def install() -> None:
    http_request.MultiPartParser = MarkingMultiPartParser
