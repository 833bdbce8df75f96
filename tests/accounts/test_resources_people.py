"""People in bulk: the sample file, every bad input with its exact row-numbered message and nothing saved."""

import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.management import CommandError, call_command

from accounts.models import GovernanceAction, GovernanceEvent, Membership, Role, User
from accounts.resources import PersonResource, vietnamese_phone
from cchc.imports import CellError, import_table, read_table
from tests.conftest import make_user

HEADER = "username,full_name,email,phone,unit,role,agency"
SAMPLE = "accounts/data/people-sample.csv"


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def run(content: bytes, *, actor=None, commit=True):
    return import_table(PersonResource(), read_table(content, "people.csv"), user=actor, commit=commit)


def problems(outcome) -> list[str]:
    return [str(problem) for problem in outcome.problems]


def snapshot():
    return (
        sorted(User.objects.values_list("username", "is_active")),
        sorted(Membership.objects.values_list("user__username", "role", "unit__code")),
        GovernanceEvent.objects.count(),
    )


@pytest.fixture
def units(home_affairs, finance, justice):
    return home_affairs, finance, justice


def test_the_sample_file_creates_people_with_their_roles_and_invites_them(
    units, coordinator, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://cchc.hanoi.example"
    with open(SAMPLE, "rb") as handle:
        content = handle.read()
    with django_capture_on_commit_callbacks(execute=True):
        outcome = run(content, actor=coordinator)

    assert problems(outcome) == []
    assert (outcome.new, outcome.updated) == (4, 1)
    people = {user.username: user for user in User.objects.exclude(username="noivu")}
    assert sorted(people) == ["hd.thanhvien", "nv.thamdinh", "tc.canbo", "tc.lanhdao"]
    head = people["tc.lanhdao"]
    assert (head.full_name, head.email, head.phone, head.is_active) == (
        "Nguyễn Văn Hùng",
        "hung.nv@taichinh.hanoi.example",
        "0912345678",
        True,
    )
    assert people["tc.canbo"].phone == "02438251234"
    assert not any(user.has_usable_password() for user in people.values())
    assert sorted(Membership.objects.exclude(user=coordinator).values_list("user__username", "role", "unit__code")) == [
        ("hd.thanhvien", "council", None),
        ("nv.thamdinh", "appraiser", "so-noi-vu"),
        ("nv.thamdinh", "unit_staff", "so-noi-vu"),
        ("tc.canbo", "unit_staff", "so-tai-chinh"),
        ("tc.lanhdao", "unit_head", "so-tai-chinh"),
    ]
    # An appraiser enters the admin; unit people do not.
    assert (User.objects.get(username="nv.thamdinh").is_staff, User.objects.get(username="tc.canbo").is_staff) == (
        True,
        False,
    )
    assert list(User.objects.get(username="nv.thamdinh").groups.values_list("name", flat=True)) == ["Thẩm định viên"]
    assert list(User.objects.get(username="hd.thanhvien").groups.values_list("name", flat=True)) == [
        "Thành viên Hội đồng thẩm định"
    ]
    events = GovernanceEvent.objects.exclude(object_id=coordinator.pk)
    assert (
        sorted(events.values_list("action", flat=True))
        == [GovernanceAction.PERSON_ADD] * 4 + [GovernanceAction.ROLE_GRANT] * 5
    )
    assert set(events.values_list("actor", flat=True)) == {coordinator.pk}

    assert sorted(message.to[0] for message in mail.outbox) == [
        "bao.pq@hanoi.example",
        "ha.lt@noivu.hanoi.example",
        "hung.nv@taichinh.hanoi.example",
        "mai.tt@taichinh.hanoi.example",
    ]
    message = next(message for message in mail.outbox if message.to == ["hung.nv@taichinh.hanoi.example"])
    assert message.subject == "[CCHC] Tài khoản của bạn: hãy đặt mật khẩu"
    assert "Xin chào Nguyễn Văn Hùng," in message.body
    assert "Tên đăng nhập của bạn: tc.lanhdao" in message.body
    assert "mat-khau" not in message.body.lower()
    link = re.search(r"https://cchc\.hanoi\.example/accounts/welcome/(\S+)/(\S+)/", message.body)
    assert link is not None
    assert default_token_generator.check_token(head, link.group(2))


def test_english_and_vietnamese_headers_are_both_read(units):
    outcome = run(
        csv_bytes(
            "Tên đăng nhập,Họ và tên,Email,Điện thoại,Đơn vị,Vai trò,Cơ quan thẩm định",
            "ld,Đỗ Huy,huy@hanoi.example,+84 912 345 678,so-tai-chinh,Lãnh đạo đơn vị,",
        )
    )
    assert problems(outcome) == []
    user = User.objects.get(username="ld")
    assert (user.phone, list(user.memberships.values_list("role", flat=True))) == ("0912345678", ["unit_head"])


def test_a_dry_run_saves_nothing_and_sends_nothing(units, django_capture_on_commit_callbacks):
    before = snapshot()
    with open(SAMPLE, "rb") as handle, django_capture_on_commit_callbacks(execute=True) as callbacks:
        outcome = run(handle.read(), commit=False)
    assert problems(outcome) == []
    assert (outcome.new, outcome.updated) == (4, 1)
    assert snapshot() == before
    assert callbacks == []
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        pytest.param(
            ["an,Nguyễn An,an@hanoi.example,,so-khong-co,unit_staff,"],
            ["Dòng 2: Đơn vị: không có đơn vị nào có mã “so-khong-co”."],
            id="unknown-unit",
        ),
        pytest.param(
            ["an,Nguyễn An,an@hanoi.example,,,appraiser,so-khong-co"],
            ["Dòng 2: Cơ quan thẩm định: không có đơn vị nào có mã “so-khong-co”."],
            id="unknown-agency",
        ),
        pytest.param(
            ["an,Nguyễn An,an@hanoi.example,,,appraiser,so-tai-chinh"],
            ["Dòng 2: Cơ quan thẩm định: Sở Tài chính không phải là cơ quan thẩm định."],
            id="not-an-agency",
        ),
        pytest.param(
            ["an,Nguyễn An,an@hanoi.example,,,unit_staff,"],
            ["Dòng 2: Đơn vị: vai trò Cán bộ đầu mối CCHC cần điền cột “Đơn vị”."],
            id="staff-without-unit",
        ),
        pytest.param(
            ["an,Nguyễn An,an@hanoi.example,,,appraiser,"],
            ["Dòng 2: Cơ quan thẩm định: vai trò Thẩm định viên cần điền cột “Cơ quan thẩm định”."],
            id="appraiser-without-agency",
        ),
        pytest.param(
            ["an,Nguyễn An,an@hanoi.example,,so-tai-chinh,council,"],
            ["Dòng 2: Đơn vị: để trống: vai trò Thành viên Hội đồng thẩm định không có “Đơn vị”."],
            id="council-with-unit",
        ),
        pytest.param(
            ["an,Nguyễn An,an@hanoi.example,,so-tai-chinh,giam-doc,", "binh,Lê Bình,binh@hanoi.example,,,,"],
            [
                "Dòng 2: Vai trò: “giam-doc” không phải là vai trò hợp lệ "
                "(unit_staff, unit_head, appraiser, coordinator, council).",
                "Dòng 3: Vai trò: vai trò đang để trống.",
            ],
            id="unknown-or-empty-role",
        ),
        pytest.param(
            ["an,Nguyễn An,an@hanoi,,so-tai-chinh,unit_staff,"],
            ["Dòng 2: Thư điện tử: “an@hanoi” không phải địa chỉ thư điện tử hợp lệ."],
            id="malformed-email",
        ),
        pytest.param(
            ["an,Nguyễn An,an@hanoi.example,0123 456,so-tai-chinh,unit_staff,"],
            [
                "Dòng 2: Điện thoại: “0123 456” không phải số điện thoại Việt Nam "
                "(10 chữ số như 0912 345 678, hoặc 024 3825 1234)."
            ],
            id="malformed-phone",
        ),
        pytest.param(
            [
                "an,Nguyễn An,an@hanoi.example,,so-tai-chinh,unit_staff,",
                "binh,Lê Bình,AN@hanoi.example,,so-tai-chinh,unit_head,",
            ],
            ["Dòng 3: Thư điện tử: “AN@hanoi.example” đã là địa chỉ của an ở dòng 2."],
            id="email-twice-in-file",
        ),
        pytest.param(
            [
                "an,Nguyễn An,an@hanoi.example,,so-tai-chinh,unit_staff,",
                "an,Nguyễn Văn An,an2@hanoi.example,,,council,",
            ],
            ["Dòng 3: Tên đăng nhập: “an” đã có ở dòng 2 với họ tên, thư điện tử hoặc điện thoại khác."],
            id="username-twice-in-file",
        ),
        pytest.param(
            [
                "an,Nguyễn An,an@hanoi.example,,so-tai-chinh,unit_staff,",
                "an,,,,so-tu-phap,unit_head,",
            ],
            [
                "Dòng 3: Vai trò: an đã là cán bộ hoặc lãnh đạo của một đơn vị ở dòng 2: "
                "mỗi người chỉ là cán bộ hoặc lãnh đạo của một đơn vị."
            ],
            id="two-units",
        ),
        pytest.param(
            [
                "an,Nguyễn An,an@hanoi.example,,,council,",
                "an,,,,,council,",
            ],
            ["Dòng 3: Vai trò: an đã được giao vai trò này ở dòng 2."],
            id="same-role-twice",
        ),
        pytest.param(
            ["noivu,Trần Hương,huong2@hanoi.example,,,council,"],
            ["Dòng 2: Tên đăng nhập: “noivu” đã tồn tại: trong hệ thống đã có người dùng với tên đăng nhập này."],
            id="existing-username",
        ),
        pytest.param(
            ["huong,Trần Hương,NOIVU@hanoi.example,,,council,"],
            ["Dòng 2: Thư điện tử: “NOIVU@hanoi.example” đã là địa chỉ của một người dùng trong hệ thống."],
            id="existing-email",
        ),
        pytest.param(
            [",Nguyễn An,an@hanoi.example,,so-tai-chinh,unit_staff,"],
            ["Dòng 2: Tên đăng nhập: tên đăng nhập đang để trống."],
            id="empty-username",
        ),
        pytest.param(
            ["an b,,,,so-tai-chinh,unit_staff,"],
            [
                "Dòng 2: Tên đăng nhập: “an b” không phải tên đăng nhập hợp lệ: chỉ gồm chữ, số và @ . + - _, "
                "tối đa 150 ký tự.",
                "Dòng 2: Họ và tên: họ và tên đang để trống.",
                "Dòng 2: Thư điện tử: thư điện tử đang để trống: "
                "người dùng nhận liên kết đặt mật khẩu qua địa chỉ này.",
            ],
            id="bad-username-no-name-no-email",
        ),
    ],
)
def test_each_bad_row_is_refused_with_its_row_and_nothing_is_saved(units, lines, expected):
    make_user("noivu", (Role.COORDINATOR, None), full_name="Trần Thị Hương", email="noivu@hanoi.example")
    good = "ok,Phạm Ngọc,ngoc@hanoi.example,0987654321,so-tai-chinh,unit_head,"
    before = snapshot()
    outcome = run(csv_bytes(HEADER, *lines, good))
    assert problems(outcome) == expected
    assert snapshot() == before
    assert mail.outbox == []


def test_a_person_who_left_is_deactivated_by_the_file_and_keeps_their_history(units, coordinator, finance):
    leaver = make_user("cu", (Role.UNIT_STAFF, finance), full_name="Người Cũ", email="cu@hanoi.example")
    outcome = run(csv_bytes(HEADER + ",active", "cu,,,,,,,0"), actor=coordinator)
    assert problems(outcome) == []
    leaver.refresh_from_db()
    assert leaver.is_active is False
    assert list(leaver.memberships.values_list("role", "unit__code")) == [("unit_staff", "so-tai-chinh")]
    event = GovernanceEvent.objects.get(action=GovernanceAction.PERSON_DEACTIVATE)
    assert (event.actor, event.object_id, event.label) == (coordinator, leaver.pk, "Người Cũ (cu)")


def test_deactivating_someone_unknown_is_refused(units):
    before = snapshot()
    outcome = run(csv_bytes(HEADER + ",Đang làm việc", "ma,,,,,,,không"))
    assert problems(outcome) == ["Dòng 2: Đang làm việc: không có người dùng “ma” để ngừng kích hoạt."]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("raw", "digits"),
    [
        ("0912 345 678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("+84 912-345-678", "0912345678"),
        ("84912345678", "0912345678"),
        ("(024) 3825 1234", "02438251234"),
        ("0386 123 456", "0386123456"),
        ("912345678", "0912345678"),
        ("2438251234", "02438251234"),
    ],
)
def test_vietnamese_phone_numbers_are_read_as_digits(raw, digits):
    assert vietnamese_phone(raw) == digits


@pytest.mark.parametrize("raw", ["0123456789", "091234567", "09123456789", "1912345678", "phone", "+1 202 555 0100"])
def test_other_phone_numbers_are_refused(raw):
    with pytest.raises(CellError):
        vietnamese_phone(raw)


def test_the_command_imports_and_its_dry_run_saves_nothing(
    units, coordinator, capsys, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_people", SAMPLE, "--dry-run")
    assert capsys.readouterr().out == "Đã kiểm tra, chưa lưu gì (chạy thử): 4 mới, 1 thay đổi, 0 không đổi.\n"
    assert (User.objects.count(), mail.outbox) == (1, [])

    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_people", SAMPLE, "--actor", "noivu")
    assert capsys.readouterr().out == "Đã nhập: 4 mới, 1 thay đổi, 0 không đổi.\n"
    assert User.objects.count() == 5
    assert len(mail.outbox) == 4
    assert set(GovernanceEvent.objects.filter(action=GovernanceAction.PERSON_ADD).values_list("actor", flat=True)) == {
        coordinator.pk
    }


def test_the_command_lists_the_problems_and_saves_nothing(units, tmp_path, capsys):
    path = tmp_path / "people.csv"
    path.write_text(HEADER + "\nan,Nguyễn An,an@hanoi,,so-tai-chinh,unit_staff,\n", encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command("import_people", str(path))
    assert str(error.value) == "Không nhập dữ liệu nào: có 1 lỗi cần sửa."
    assert capsys.readouterr().err.splitlines() == [
        "Dòng 2: Thư điện tử: “an@hanoi” không phải địa chỉ thư điện tử hợp lệ."
    ]
    assert User.objects.count() == 0
