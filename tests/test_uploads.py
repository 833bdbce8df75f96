"""Uploaded names keep a visible mark where they held a control character, so that the checks can refuse them."""

import pytest
from django.http import request as http_request

from cchc.uploads import MARK, MarkingMultiPartParser


def sanitized(name: str):
    return MarkingMultiPartParser.sanitize_file_name(None, name)


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("a\x00.exe.pdf", f"a{MARK}.exe.pdf"),
        ("báo cáo\x1b[31m.pdf", f"báo cáo{MARK}[31m.pdf"),
        ("hoa-don\u202efdp.exe", f"hoa-don{MARK}fdp.exe"),
        ("a&#0;.pdf", f"a{MARK}.pdf"),
        ("a&#1;.pdf", "a.pdf"),  # an invalid character reference is no character at all (html.unescape)
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\kh\\Kế hoạch.pdf", "Kế hoạch.pdf"),
        ("R&amp;D.pdf", "R&D.pdf"),
        ("&amp;lt;b&amp;gt;.pdf", "&lt;b&gt;.pdf"),
        ("Kế\u00a0hoạch.pdf", "Kếhoạch.pdf"),  # other non-printable characters are still dropped, as Django does
        ("..", None),
        ("x/", None),
    ],
)
def test_control_characters_are_marked_and_the_rest_sanitised_as_django_does(raw, name):
    assert sanitized(raw) == name


def test_every_request_parses_uploads_with_the_marking_parser():
    assert http_request.MultiPartParser is MarkingMultiPartParser
