"""Demo data: Hanoi's blocks, the 52 units ranked in 2021 and, imported over them, Hanoi since 2025 (16 departments
after the consolidation of 1/3/2025, 126 communes and wards from 1/7/2025, the ended units closed); one person per role.

Idempotent: running it again changes nothing but the demo passwords, which it resets.
"""

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Block, Membership, Role, Unit, User
from accounts.resources import UnitResource
from accounts.services import user_sync_access
from accounts.two_factor.selectors import second_factor_required
from accounts.two_factor.services import totp_secret
from cchc.imports import import_table, read_table

DATA_DIR = Path(__file__).resolve().parent / "data"
UNITS_FILE = DATA_DIR / "units-hanoi-2021.csv"
UNITS_2025_FILE = DATA_DIR / "units-hanoi-2025.csv"
DEMO_PASSWORD = "cchc-demo-2024"

BLOCKS = [
    ("departments", "Khối Sở, ban, ngành", 1),
    ("districts", "Khối quận, huyện, thị xã", 2),
    ("communes", "Khối xã, phường", 3),
]
# The agencies that appraise a field of the sample framework; Sở Nội vụ coordinates.
AGENCIES = [
    "so-noi-vu",
    "so-tu-phap",
    "so-tai-chinh",
    "so-ke-hoach-va-dau-tu",
    "so-thong-tin-va-truyen-thong",
    "van-phong-ubnd-thanh-pho",
    "so-khoa-hoc-va-cong-nghe",  # from 2025, in place of Sở Thông tin và Truyền thông
]


# The departments absorbed on 1/3/2025 and the districts of 30/6/2025 have ended: inactive in the demo.
ENDED_BEFORE = date(2025, 7, 1)


# The demo's authenticators have fixed, public keys (README): never use them outside the demo.
DEMO_TOTP_DEVICE_NAME = "demo"


def demo_totp_key(username: str) -> str:
    """The fixed TOTP key of a demo user (hex, 20 bytes), the same at every load."""
    return hashlib.sha1(f"cchc-demo-totp-{username}".encode()).hexdigest()  # noqa: S324 - a fixed demo key


def demo_totp_device(user: User) -> TOTPDevice:
    """A confirmed authenticator with the user's fixed demo key (reset at every load: no throttling left over)."""
    device, _created = TOTPDevice.objects.update_or_create(
        user=user,
        name=DEMO_TOTP_DEVICE_NAME,
        defaults={
            "key": demo_totp_key(user.username),
            "confirmed": True,
            "last_t": -1,
            "drift": 0,
            "throttling_failure_count": 0,
            "throttling_failure_timestamp": None,
        },
    )
    return device


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    roles: tuple[tuple[str, str | None], ...]
    superuser: bool = False


DEMO_USERS = [
    DemoUser("noivu", "Trần Thị Hương", ((Role.COORDINATOR, None),)),
    DemoUser("thamdinh", "Lê Văn Minh", ((Role.APPRAISER, "so-noi-vu"), (Role.UNIT_STAFF, "so-noi-vu"))),
    DemoUser("tuphap", "Phạm Thu Trang", ((Role.APPRAISER, "so-tu-phap"),)),
    DemoUser("canbo", "Nguyễn Văn An", ((Role.UNIT_STAFF, "so-tai-chinh"),)),
    DemoUser("lanhdao", "Đỗ Quang Huy", ((Role.UNIT_HEAD, "so-tai-chinh"),)),
    DemoUser("hoidong", "Vũ Thị Lan", ((Role.COUNCIL, None),)),
    DemoUser("admin", "Ngô Đức Thành", (), superuser=True),
]


@transaction.atomic
def demo_load() -> list[dict]:
    """Load the demo (blocks, units, agencies, users); return the logins to print."""
    for code, name, order in BLOCKS:
        Block.objects.update_or_create(code=code, defaults={"name": name, "order": order})

    for path in (UNITS_FILE, UNITS_2025_FILE):  # 2025 over 2021: end dates and predecessors
        outcome = import_table(UnitResource(), read_table(path.read_bytes(), path.name), commit=True)
        if not outcome.ok:  # the shipped files are valid; this guards against editing them badly
            raise ValueError("; ".join(str(problem) for problem in outcome.problems))
    Unit.objects.filter(code__in=AGENCIES).update(is_appraising_agency=True)
    Unit.objects.filter(valid_to__lt=ENDED_BEFORE).update(active=False)

    units = {unit.code: unit for unit in Unit.objects.filter(code__in={c for u in DEMO_USERS for _, c in u.roles if c})}
    logins = []
    for demo in DEMO_USERS:
        user, _created = User.objects.get_or_create(
            username=demo.username,
            defaults={"full_name": demo.full_name, "email": f"{demo.username}@cchc.example.vn"},
        )
        user.full_name = demo.full_name
        user.is_superuser = demo.superuser
        user.set_password(DEMO_PASSWORD)
        user.save()
        for role, unit_code in demo.roles:
            Membership.objects.get_or_create(user=user, role=role, defaults={"unit": units.get(unit_code)})
        user_sync_access(user=user)
        device = demo_totp_device(user) if second_factor_required(user) else None
        logins.append(
            {
                "username": demo.username,
                "password": DEMO_PASSWORD,
                "full_name": demo.full_name,
                "totp_secret": totp_secret(device) if device else None,
                "roles": ", ".join(
                    f"{Role(role).label}" + (f" ({units[unit_code].name})" if unit_code else "")
                    for role, unit_code in demo.roles
                )
                or gettext("Superuser"),
            }
        )
    return logins
