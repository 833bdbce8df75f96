"""Every admin and portal page a demo person can reach reads in Vietnamese: no English sentence, no wrong word.

The crawl signs in as each demo person (tests/second_factor.py passes the second factor), starts at the
portal's home page and the admin's index, and follows the links it finds within the portal and the admin:
GET only, never a sign-out, a deletion, a removal or a download; pages of the same shape (the same path with
other numbers, the same query keys) are read once. The visible text (text, and the title, placeholder, alt,
aria-label and button values people see or hear) must contain none of the English strings Django and its
packages would show untranslated, none of the words their Vietnamese catalogues get wrong, and no run of
English words (the heuristic below).
"""

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command

from accounts.models import User
from tests.second_factor import VerifiedClient

# The superuser reads what Home Affairs reads, and more: the crawl shows them only the pages Home Affairs did
# not reach (users of every kind, groups, the second factor's devices).
ROLES = ["noivu", "admin", "thamdinh", "tuphap", "hoidong", "canbo", "lanhdao"]
SHARES_WHAT_IS_SEEN = {"admin": "noivu"}
PAGES_PER_ROLE = 400  # a bound the demo does not reach: every shape of page is read

# Where the crawl goes (the portal and the admin) and what it never opens.
FOLLOWED = re.compile(r"^/($|assessments/|admin/|accounts/(otp/$|password_change/$))")
SKIPPED = re.compile(
    r"logout|/delete/|/remove/|/disable/|setlang|/download/|\.pdf$|\.xlsx$|\.csv$|\.json$|/export/(xlsx|csv)/|"
    r"/setup/|backup-codes"
)
# Pages only the superuser reaches whose English is written in the packages' code, out of reach of any
# catalogue: django-otp's device pages (help texts, fieldsets) and Django's permission names ("Can add user").
# They are still opened (they must not fail), but their text is not judged.
UNJUDGED = re.compile(r"^/admin/(otp_static/|otp_totp/|auth/group/.+)")

# The wrong or literal words of Django's own Vietnamese catalogue that ours replaces.
WRONG_WORDS = [
    "Tăng/giảm",
    "Thêm vào",
    "Chọn điểm để thay đổi",
    "để thay đổi",
    "thay đổi thành công",
    "Không có sẵn",
    "Bản ghi nhớ",
    "Site quản trị",
    "Trang quản trị cho Django",
    "Đi đến",
    "Click vào",
]

# English strings of Django's admin and of the packages, exactly as they would appear untranslated.
ENGLISH_STRINGS = [
    "Please correct the error",
    "Please correct the errors",
    "Recent actions",
    "My actions",
    "None available",
    "Select %s to change",
    "to change",
    "to view",
    "View on site",
    "Save and add another",
    "Save and continue editing",
    "Save as new",
    "Add another",
    "Change password",
    "Log out",
    "View site",
    "Welcome,",
    "Site administration",
    "Django administration",
    "Clear all filters",
    "Show all",
    "Show counts",
    "Hide counts",
    "Run the selected action",
    "selected",
    "was changed successfully",
    "was added successfully",
    "Are you sure",
    "Skip to main content",
    "Toggle theme",
    "Toggle navigation",
    "Start typing to filter",
    "Filter navigation items",
    "Breadcrumbs",
    "Sidebar",
    "Search",
    "Filter",
    "History",
    "Delete",
    "Import",
    "Export",
    "results",
    "total",
    "Action:",
    "Date/time",
    "Today",
    "Now",
    "Choose",
    "Currently:",
    "Unknown",
    "Last login",
    "Date joined",
    "Permissions",
    "Groups",
    "True",  # the text of the admin's yes/no icons (alt), read out by screen readers
    "False",
]

# A text is English when it holds a run of at least three words of this list (a Vietnamese text never does:
# the Vietnamese words written alike, such as "an", "in", "to", "do", "ban", are left out).
ENGLISH_WORDS = frozenset(
    re.findall(
        r"\w+",
        """
    a about above add added after all already and another any are as at available back be been before below
    by can cannot change changed changes choose clear click confirm could create current currently date delete
    deleted download edit enter error errors every export field fields file filter find for from has have here
    history how import is it item items its last list login log more must name new next no none not now
    object objects of one only or other page password please previous recent remove reset results save search
    see select selected show site sure than that the their them there these this time total update user users
    value view was were what when which will with without you your yours
    """,
    )
)
WORD = re.compile(r"[A-Za-z]+(?:['’][a-z]+)?")

# Text that is a name, a code or a format and stays as it is.
PATH = re.compile(r"(?<!\S)/\S*")  # a path shown as text (a publication's public page) is not prose
UUID = re.compile(r"\b[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\b")  # a job's id: its letters are no words
ALLOWED = re.compile(r"\b(CCHC|PAR INDEX|TOTP|PDF|XLSX|CSV|JSON|UBND|QĐ|SHA-256|Excel|OK|ID|URL|E-mail|Email)\b")


class VisibleText(HTMLParser):
    """The pieces of text a person sees or hears on a page, and the links on it."""

    SILENT = {"script", "style", "template", "code", "kbd", "samp", "pre", "textarea"}
    ATTRIBUTES = ("title", "placeholder", "alt", "aria-label")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.links: list[str] = []
        self.silent = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.SILENT:
            self.silent += 1
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        for name in self.ATTRIBUTES:
            if attrs.get(name):
                self.texts.append(attrs[name])
        if tag == "input" and attrs.get("type") in {"submit", "button", "reset"} and attrs.get("value"):
            self.texts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in self.SILENT and self.silent:
            self.silent -= 1

    def handle_data(self, data):
        if not self.silent and data.strip():
            self.texts.append(" ".join(data.split()))


def english_in(text: str) -> str | None:
    """The English of ``text`` (a known string, a wrong word or a run of English words), else None."""
    for wrong in WRONG_WORDS:
        if wrong in text:
            return wrong
    bare = ALLOWED.sub(" ", PATH.sub(" ", UUID.sub(" ", text)))
    for english in ENGLISH_STRINGS:
        if re.search(rf"(?<![\w-]){re.escape(english)}(?![\w-])", bare):
            return english
    run = []
    for match in WORD.finditer(bare):
        if match.group().lower() in ENGLISH_WORDS:
            run.append(match.group())
            if len(run) >= 3:
                return " ".join(run)
        else:
            run = []
    return None


def shape(url: str) -> tuple:
    """Pages of one shape: the same path with other numbers, with or without a query (a filter, an order)."""
    parts = urlsplit(url)
    return re.sub(r"\d+", "N", parts.path), bool(parts.query)


def followed(url: str, hrefs: list[str], seen: set) -> list[str]:
    """The links of the page at ``url`` that the crawl follows (portal and admin, not yet seen, never skipped)."""
    targets = []
    for href in hrefs:
        parts = urlsplit(urljoin(url, href.split("#")[0]))
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        local = parts.netloc in {"", "testserver"}
        if local and FOLLOWED.match(parts.path) and not SKIPPED.search(target) and shape(target) not in seen:
            targets.append(target)
    return targets


def crawl(client, starts: list[str], problems: dict, seen: set) -> list[str]:
    """Visit ``starts`` and the pages reachable from them whose shape is not in ``seen``; return the pages
    visited, and note each English text found in ``problems`` (the text and its English → the first page)."""
    queue, visited = list(starts), []
    while queue and len(visited) < PAGES_PER_ROLE:
        url = queue.pop(0)
        if shape(url) in seen and url not in starts:
            continue
        seen.add(shape(url))
        response = client.get(url)
        if response.status_code == 302:  # e.g. an assessment's page in the admin leads to its grading page
            queue[:0] = followed(url, [response["Location"]], seen)
            continue
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        visited.append(url)
        page = VisibleText()
        page.feed(response.content.decode())
        for text in [] if UNJUDGED.match(url) else page.texts:
            english = english_in(text)
            if english:
                problems.setdefault(f"{english!r} in {text!r}", url)
        queue += followed(url, page.links, seen)
    return visited


@pytest.mark.parametrize(
    ("text", "english"),
    [
        ("Please correct the error below.", "Please correct the error"),
        ("Chọn điểm để thay đổi", "Chọn điểm để thay đổi"),
        ("4 điểm đã được thay đổi thành công.", "thay đổi thành công"),
        ("Tăng/giảm", "Tăng/giảm"),
        ("Select score to change", "to change"),
        ("You have no permission to see this", "You have no"),
        ("Sửa", None),
        ("Chọn điểm để sửa", None),
        ("Nguyễn Văn An", None),
        ("In báo cáo (PDF)", None),
        ("Mã xác thực TOTP", None),
        ("so-tai-chinh", None),
        ("/results/2025/?version=1", None),
        ("See the results", "results"),
        ("assessment.tasks.build_publication_files [cf9b76ce-ffab-4e4b-a877-98a76a3cb274]", None),
        ("a877 98a76a3cb274", "a a a"),
    ],
)
def test_the_heuristic_tells_english_from_vietnamese(text, english):
    assert english_in(text) == english


def test_every_page_each_demo_person_reaches_is_in_vietnamese(db, settings):
    settings.DEBUG = True
    call_command("load_demo", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    problems, visited_by, seen_by = {}, {}, {}
    for username in ROLES:
        client = VerifiedClient()
        client.force_login(User.objects.get(username=username))
        seen_by[username] = set(seen_by.get(SHARES_WHAT_IS_SEEN.get(username), ()))
        visited_by[username] = crawl(client, ["/", "/admin/"], problems, seen_by[username])
    found = [f"{url}: {problem}" for problem, url in problems.items()]
    assert found == [], "\n".join(["English or wrong Vietnamese on the pages:", *found])
    # The crawl reached the work of each person: the portal for the unit, the admin and its queue for staff.
    assert "/assessments/" in visited_by["canbo"]
    assert [url for url in visited_by["lanhdao"] if url.startswith("/admin/")] == ["/admin/login/?next=/admin/"]
    assert any(url.startswith("/admin/assessment/score/") for url in visited_by["thamdinh"])
    assert any(url.startswith("/admin/assessment/score/") for url in visited_by["tuphap"])
    assert all(len(visited) < PAGES_PER_ROLE for visited in visited_by.values())
    assert len(visited_by["noivu"]) > 100
    assert any(url.startswith("/admin/otp_totp/") for url in visited_by["admin"])
