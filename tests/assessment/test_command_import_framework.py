"""python manage.py import_framework: the same import from the command line, with its totals."""

import pytest
from django.core.management import CommandError, call_command

from assessment.models import Criterion, Framework
from tests.assessment.conftest import SAMPLE, sample_rows, to_csv


def test_import_framework_creates_the_framework_and_prints_its_totals(agencies, capsys):
    call_command(
        "import_framework",
        str(SAMPLE),
        "--block",
        "departments",
        "--name",
        "Bộ chỉ số khối Sở",
        "--decision",
        "5666/QĐ-UBND",
        "--decision-date",
        "17/11/2025",
    )
    assert capsys.readouterr().out == (
        "Đã nhập: bộ chỉ số “Bộ chỉ số khối Sở” của Khối Sở, ban, ngành: 54 tiêu chí, 43 tiêu chí được chấm; "
        "thẩm định 70 + điều tra xã hội học 30 = 100 điểm; điểm thưởng tối đa 2, điểm trừ tối đa 3.\n"
    )
    framework = Framework.objects.get()
    assert (framework.decision_number, f"{framework.decision_date:%d/%m/%Y}", framework.first_year) == (
        "5666/QĐ-UBND",
        "17/11/2025",
        2025,
    )
    assert (framework.state, framework.criteria.count()) == (Framework.State.DRAFT, 54)


def test_import_framework_can_activate(agencies):
    call_command(
        "import_framework",
        str(SAMPLE),
        "--block",
        "departments",
        "--name",
        "X",
        "--activate",
        "--first-year",
        "2024",
        "--last-year",
        "2026",
    )
    framework = Framework.objects.get()
    assert (framework.state, framework.first_year, framework.last_year) == ("active", 2024, 2026)


def test_a_dry_run_prints_the_totals_and_saves_nothing(agencies, capsys):
    call_command("import_framework", str(SAMPLE), "--block", "departments", "--name", "X", "--dry-run")
    assert "thẩm định 70 + điều tra xã hội học 30 = 100 điểm" in capsys.readouterr().out
    assert not Framework.objects.exists()


def test_a_bad_file_prints_its_problems_and_creates_no_framework(agencies, tmp_path, capsys):
    rows = sample_rows()
    rows[3][2] = "1.25"
    path = tmp_path / "framework.csv"
    path.write_bytes(to_csv(rows))
    with pytest.raises(CommandError) as error:
        call_command("import_framework", str(path), "--block", "departments", "--name", "X")
    assert str(error.value) == "Không nhập dữ liệu nào: có 1 lỗi cần sửa."
    assert capsys.readouterr().err == "Dòng 3: Tiêu chí 1.1: điểm tối đa 2,5 khác tổng điểm các tiêu chí con (2,75).\n"
    assert not Framework.objects.exists()
    assert not Criterion.objects.exists()


def test_an_unknown_block_or_bad_date_is_refused(agencies):
    with pytest.raises(CommandError) as error:
        call_command("import_framework", str(SAMPLE), "--block", "khoi-la", "--name", "X")
    assert str(error.value) == "Không có khối nào có mã “khoi-la”."
    with pytest.raises(CommandError) as error:
        call_command(
            "import_framework", str(SAMPLE), "--block", "departments", "--name", "X", "--decision-date", "2025-11-17"
        )
    assert str(error.value) == "“2025-11-17” không phải là ngày (dd/mm/yyyy)."
    assert not Framework.objects.exists()
