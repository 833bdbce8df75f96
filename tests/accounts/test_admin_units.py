"""Units in the admin: import with preview and confirmation, export, and who may do what."""

import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Block, Unit
from tests.factories import UnitFactory

IMPORT_URL = reverse("admin:accounts_unit_import")
PROCESS_URL = reverse("admin:accounts_unit_process_import")
EXPORT_URL = reverse("admin:accounts_unit_export")
CSV, XLSX = "0", "1"


def upload(client, content: bytes, name="units.csv", file_format=CSV):
    return client.post(
        IMPORT_URL,
        {"resource": "0", "format": file_format, "import_file": SimpleUploadedFile(name, content)},
    )


def problems_in(response) -> list[str]:
    html = response.content.decode()
    block = re.search(r'data-testid="import-problems">(.*?)</ul>', html, re.S)
    return (
        [re.sub(r"\s+", " ", item).strip() for item in re.findall(r"<li>(.*?)</li>", block.group(1), re.S)]
        if block
        else []
    )


def test_coordinator_previews_then_confirms_an_import(client, coordinator, departments, districts):
    client.force_login(coordinator)
    content = "code,name,block\nso-y-te,Sở Y tế,departments\nquan-ba-dinh,Quận Ba Đình,districts\n".encode()

    preview = upload(client, content)

    assert preview.status_code == 200
    html = preview.content.decode()
    assert "2 mới, 0 thay đổi" in html
    assert "Xác nhận nhập" in html
    assert Unit.objects.count() == 0  # the preview saves nothing

    confirm = preview.context["confirm_form"].initial
    response = client.post(PROCESS_URL, {**confirm, "resource": "0"})
    assert response.status_code == 302
    assert sorted(Unit.objects.values_list("code", flat=True)) == ["quan-ba-dinh", "so-y-te"]


def test_preview_of_a_bad_file_lists_the_rows_and_offers_no_confirmation(client, coordinator, departments):
    client.force_login(coordinator)
    content = "code,name,block\nso-y-te,Sở Y tế,departments\nso-moi,Sở Mới,khoi-la\nso-y-te,Lặp,departments\n"

    response = upload(client, content.encode())

    assert problems_in(response) == [
        "Dòng 3: Khối: không có khối nào có mã “khoi-la”.",
        "Dòng 4: Mã đơn vị: “so-y-te” đã có ở dòng 2.",
    ]
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None
    assert Unit.objects.count() == 0


def test_preview_of_a_wrong_header_names_the_missing_columns(client, coordinator, departments):
    client.force_login(coordinator)
    response = upload(client, "ma,ten,block\nso-y-te,Sở Y tế,departments\n".encode())
    assert problems_in(response) == [
        "Cột “ma” không được nhận diện.",
        "Cột “ten” không được nhận diện.",
        "Thiếu cột “Mã đơn vị” (hoặc “code”).",
        "Thiếu cột “Tên đơn vị” (hoặc “name”).",
    ]
    assert Unit.objects.count() == 0


def test_a_non_utf8_csv_gets_a_specific_form_error(client, coordinator, departments):
    client.force_login(coordinator)
    content = "code,name,block\nso-y-te,Sơ\u0309 Y tê\u0301,departments\n".encode("cp1258")
    response = upload(client, content)
    assert response.context["form"].errors["import_file"] == [
        "Tệp CSV không dùng bảng mã UTF-8 (không đọc được byte ở vị trí 26). "
        "Hãy lưu tệp dưới dạng “CSV UTF-8” rồi thử lại."
    ]
    assert Unit.objects.count() == 0


def test_xlsx_upload_previews(client, coordinator, departments):
    client.force_login(coordinator)
    book = openpyxl.Workbook()
    book.active.append(["Mã đơn vị", "Tên đơn vị", "Khối"])
    book.active.append(["so-y-te", "Sở Y tế", "departments"])
    buffer = io.BytesIO()
    book.save(buffer)
    response = upload(client, buffer.getvalue(), "units.xlsx", XLSX)
    assert "1 mới, 0 thay đổi" in response.content.decode()


def test_export_writes_vietnamese_headers(client, coordinator, departments):
    UnitFactory(code="so-y-te", name="Sở Y tế", block=departments)
    client.force_login(coordinator)
    columns = ["code", "name", "block", "active", "valid_from", "valid_to", "predecessors"]
    selected = {f"unitresource_{column}": "on" for column in columns}
    response = client.post(EXPORT_URL, {"resource": "0", "format": "1", **selected})  # format 1: CSV
    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines == [
        "Mã đơn vị,Tên đơn vị,Khối,Đang hoạt động,Hiệu lực từ,Hiệu lực đến,Kế thừa từ",
        "so-y-te,Sở Y tế,departments,có,,,",
    ]


@pytest.mark.parametrize("who", ["appraiser", "council_member"])
def test_readers_may_list_and_export_units_but_not_import_or_change_them(client, request, who, finance):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("admin:accounts_unit_changelist")).status_code == 200
    assert client.get(EXPORT_URL).status_code == 200
    assert client.get(IMPORT_URL).status_code == 403
    response = upload(client, b"code,name,block\nso-moi,S\xe1\xbb\x9f M\xe1\xbb\x9bi,departments\n")
    assert response.status_code == 403
    assert client.get(reverse("admin:accounts_unit_add")).status_code == 403
    response = client.post(
        reverse("admin:accounts_unit_change", args=[finance.pk]),
        {"code": finance.code, "name": "Đổi tên", "block": finance.block_id, "active": "on"},
    )
    assert response.status_code == 403
    assert Unit.objects.get(pk=finance.pk).name == "Sở Tài chính"
    assert not Unit.objects.filter(code="so-moi").exists()


@pytest.mark.parametrize("who", ["unit_staff", "unit_head"])
def test_unit_people_cannot_reach_the_unit_admin(client, request, who, departments):
    client.force_login(request.getfixturevalue(who))
    for url in (reverse("admin:accounts_unit_changelist"), IMPORT_URL, EXPORT_URL):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    response = upload(client, b"code,name,block\nso-moi,So Moi,departments\n")
    assert response.status_code == 302
    assert not Unit.objects.filter(code="so-moi").exists()


def test_anonymous_import_is_sent_to_login(client, departments):
    response = upload(client, b"code,name,block\nso-moi,So Moi,departments\n")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not Unit.objects.filter(code="so-moi").exists()


FORMULA = "Không được bắt đầu bằng “{}”: bảng tính sẽ hiểu đó là công thức. Hãy bỏ dấu này."


def test_the_unit_and_block_forms_refuse_a_name_a_spreadsheet_would_compute(client, coordinator, superuser, finance):
    client.force_login(coordinator)
    response = client.post(
        reverse("admin:accounts_unit_change", args=[finance.pk]),
        {"code": finance.code, "name": '=HYPERLINK("http://evil.example/","x")', "block": finance.block_id},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["name"] == [FORMULA.format("=")]
    assert Unit.objects.get(pk=finance.pk).name == "Sở Tài chính"

    client.force_login(superuser)
    response = client.post(reverse("admin:accounts_block_add"), {"code": "khoi-moi", "name": "\uff20Khối", "order": 9})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["name"] == [FORMULA.format("\uff20")]
    assert not Block.objects.filter(code="khoi-moi").exists()


def test_the_admin_import_lists_a_formula_name_with_its_row_and_offers_no_confirmation(
    client, coordinator, departments
):
    client.force_login(coordinator)
    content = 'code,name,block\nso-y-te,Sở Y tế,departments\nso-moi,"=HYPERLINK(""http://evil.example/"",""x"")",departments\n'

    response = upload(client, content.encode())

    assert problems_in(response) == ["Dòng 3: Tên đơn vị: " + FORMULA.format("=")]
    assert "confirm_form" not in response.context
    assert Unit.objects.count() == 0
