"""One URL pattern reversed once for the many objects of a page (issue 12): ``reverse()`` with a sentinel id in
place of the last argument, split around it; each object's id then goes between the two halves. A hundred leaves
cost one ``reverse()`` per pattern instead of a hundred. Used by the field page's leaf cards
(assessment/templatetags/leaf_cards.py) and its leaves' proposal URL (assessment/forms.py)."""

import functools

from django.urls import get_script_prefix, get_urlconf, reverse

# An id no table reaches; its digits stand only where the id goes.
SENTINEL = 987654321987


@functools.lru_cache(maxsize=512)
def _halves(name: str, args: tuple, script_prefix: str, urlconf) -> tuple[str, str]:
    head, tail = reverse(name, urlconf=urlconf, args=[*args, SENTINEL]).rsplit(f"/{SENTINEL}/", 1)
    return f"{head}/", f"/{tail}"


def url_halves(name: str, *args) -> tuple[str, str]:
    """What ``reverse(name, args=[*args, pk])`` writes before and after ``pk``, whatever ``pk`` is (not escaped).
    Kept per script prefix and URL configuration, the two things besides its arguments that ``reverse()`` reads."""
    return _halves(name, args, get_script_prefix(), get_urlconf())
