"""python manage.py import_units FILE: same checks and messages as the admin."""

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Unit


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_import_units_imports_the_hanoi_file_and_prints_the_totals(departments, districts, capsys):
    call_command("import_units", "accounts/data/units-hanoi-2021.csv")
    assert capsys.readouterr().out == "Đã nhập: 52 mới, 0 thay đổi, 0 không đổi.\n"
    assert Unit.objects.count() == 52


def test_import_units_dry_run_saves_nothing(departments, tmp_path, capsys):
    path = write(tmp_path, "units.csv", "code,name,block\nso-y-te,Sở Y tế,departments\n")
    call_command("import_units", str(path), "--dry-run")
    assert capsys.readouterr().out == "Đã kiểm tra, chưa lưu gì (chạy thử): 1 mới, 0 thay đổi, 0 không đổi.\n"
    assert Unit.objects.count() == 0


def test_import_units_lists_every_problem_and_saves_nothing(departments, tmp_path, capsys):
    path = write(
        tmp_path,
        "units.csv",
        "Mã đơn vị,Tên đơn vị,Khối\nso-y-te,Sở Y tế,departments\nso-moi,,khoi-la\nso-y-te,Sở Y tế,departments\n",
    )
    with pytest.raises(CommandError) as error:
        call_command("import_units", str(path))
    assert str(error.value) == "Không nhập dữ liệu nào: có 3 lỗi cần sửa."
    assert capsys.readouterr().err.splitlines() == [
        "Dòng 3: Tên đơn vị: Trường này không được để trống.",
        "Dòng 3: Khối: không có khối nào có mã “khoi-la”.",
        "Dòng 4: Mã đơn vị: “so-y-te” đã có ở dòng 2.",
    ]
    assert Unit.objects.count() == 0


def test_import_units_refuses_a_missing_file(db):
    with pytest.raises(CommandError) as error:
        call_command("import_units", "/nonexistent/units.csv")
    assert str(error.value) == "Không tìm thấy tệp: /nonexistent/units.csv"


def test_import_units_refuses_a_non_utf8_csv(departments, tmp_path):
    path = tmp_path / "units.csv"
    path.write_bytes("code,name,block\nso-y-te,Sơ\u0309 Y tê\u0301,departments\n".encode("cp1258"))
    with pytest.raises(CommandError) as error:
        call_command("import_units", str(path))
    assert str(error.value).startswith("Tệp CSV không dùng bảng mã UTF-8 (không đọc được byte ở vị trí 26).")
    assert Unit.objects.count() == 0
