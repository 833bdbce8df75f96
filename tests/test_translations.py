"""The Vietnamese catalogue is complete: every string of the code is translated, none is fuzzy."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ["accounts", "assessment", "cchc", "templates", "locale", "manage.py"]


@pytest.fixture(scope="module")
def fresh_catalogue(tmp_path_factory):
    """Re-extract the strings into a copy of the project, so the real catalogue is never touched."""
    if not shutil.which("xgettext"):
        pytest.skip("gettext tools are not installed")
    copy = tmp_path_factory.mktemp("project")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
        elif source.exists():
            shutil.copy(source, copy / name)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "vi", "--no-location", "-v", "0"],
        cwd=copy,
        check=True,
        env={"DEBUG": "1", "PATH": "/usr/bin:/bin:/usr/local/bin", "PYTHONPATH": str(copy)},
    )
    return copy / "locale" / "vi" / "LC_MESSAGES" / "django.po"


def _entries(po_file: Path, *flags: str) -> str:
    result = subprocess.run(["msgattrib", *flags, str(po_file)], capture_output=True, text=True, check=True)
    return result.stdout


def test_every_string_has_a_vietnamese_translation(fresh_catalogue):
    assert _entries(fresh_catalogue, "--untranslated", "--no-obsolete") == ""


def test_no_translation_is_fuzzy(fresh_catalogue):
    assert _entries(fresh_catalogue, "--only-fuzzy", "--no-obsolete") == ""


def test_committed_catalogue_has_no_string_the_code_no_longer_uses(fresh_catalogue):
    committed = ROOT / "locale" / "vi" / "LC_MESSAGES" / "django.po"
    assert _entries(committed, "--only-obsolete") == ""
